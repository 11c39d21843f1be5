package dev.keyhouse.runtimes;

import java.io.FileNotFoundException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

/**
 * How a driver's failure reads on the run page and in the API (issue 14, item 11): plain words, led by a cause
 * category when the exception chain shows one — "TLS handshake failed", "could not connect", "could not resolve
 * the host", "timed out", "file not found", "permission denied", "refused by the runtime (HTTP 503)" — and never an
 * exception class or package name. The drivers' own texts (what they were doing, the target's address, the
 * engine's or server's message) stay; class names inside them are cut out. The class and the stack trace belong in
 * the log only ({@link RestartExecutor} logs them).
 */
public final class FailureText {

    /**
     * A fully qualified Java class name ({@code javax.net.ssl.SSLHandshakeException}, a nested {@code a.b.C$D}):
     * lower-case package segments, then a capitalised class. Host names stay (they are lower-case: URLs are stored
     * canonical).
     */
    private static final Pattern QUALIFIED = Pattern.compile(
            "\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_]*(?:\\$[A-Za-z0-9_]+)*\\b:?\\s*");
    /** A simple exception or error class name ({@code SSLException}, {@code KubernetesClientException}). */
    private static final Pattern SIMPLE = Pattern.compile("\\b[A-Z][A-Za-z0-9]*(?:Exception|Error)\\b:?\\s*");
    /** A URL or engine address ({@code https://[::1]:8443/hook}, {@code tcp://127.0.0.1:2375}), kept as written. */
    private static final Pattern URL = Pattern.compile("\\b[a-z][a-z0-9+.-]*://[^\\s]+");
    private static final Pattern STATUS = Pattern.compile("\\bHTTP (\\d{3})\\b");

    private FailureText() {
    }

    /** The text for {@code failure}: {@code "<category>: <what the driver said>"}, or only the latter. */
    public static String of(Throwable failure) {
        String detail = words(failure);
        String category = category(failure, detail);
        if (category == null) {
            return detail.isEmpty() ? "failed for a reason the log holds" : detail;
        }
        if (detail.isEmpty() || detail.toLowerCase(Locale.ROOT).startsWith(category.toLowerCase(Locale.ROOT))) {
            return detail.isEmpty() ? category : detail;
        }
        return category + ": " + detail;
    }

    /** The cause category the chain (outermost first) or the driver's text shows; null when none does. */
    static String category(Throwable failure, String detail) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException || t instanceof GeneralSecurityException) {
                return "TLS handshake failed";
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "could not resolve the host";
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                // HttpConnectTimeoutException is a ConnectException's sibling, seen below as a timeout
                return "could not connect";
            }
            if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException
                    || t instanceof TimeoutException || t instanceof InterruptedIOException) {
                return "timed out";
            }
            if (t instanceof NoSuchFileException || t instanceof FileNotFoundException) {
                return "file not found";
            }
            if (t instanceof AccessDeniedException) {
                return "permission denied";
            }
        }
        String lower = detail.toLowerCase(Locale.ROOT);
        if (lower.contains("connection refused") || lower.contains("cannot reach")) {
            return "could not connect";
        }
        Matcher status = STATUS.matcher(detail);
        if (status.find()) {
            return "refused by the runtime (HTTP " + status.group(1) + ")";
        }
        return null;
    }

    /** The outermost message that says something, with every class and package name cut out. */
    static String words(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = scrub(t.getMessage());
            if (!message.isEmpty()) {
                return message;
            }
        }
        return "";
    }

    /**
     * {@code text} without Java class or package names; null is "". URLs ({@code scheme://…} up to the next space)
     * are kept exactly as written, and the tidying never joins the colons of an IPv6 address ({@code [::1]},
     * {@code fe80::}).
     */
    static String scrub(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        Matcher url = URL.matcher(text);
        int from = 0;
        while (url.find()) {
            out.append(scrubWords(text.substring(from, url.start()))).append(url.group());
            from = url.end();
        }
        // what cutting leaves: ": :" (a space between: "::" is IPv6's, and a URL holds no space), doubled spaces
        String scrubbed = out.append(scrubWords(text.substring(from))).toString().replaceAll(":\\s+:", ":")
                .replaceAll("[ \\t]{2,}", " ").strip();
        while (scrubbed.endsWith(":") && !scrubbed.endsWith("::")) {
            scrubbed = scrubbed.substring(0, scrubbed.length() - 1).strip();
        }
        return scrubbed;
    }

    /** Text outside URLs with class and package names cut out, and the "(cause: )" that cutting leaves. */
    private static String scrubWords(String text) {
        String scrubbed = QUALIFIED.matcher(text).replaceAll("");
        scrubbed = SIMPLE.matcher(scrubbed).replaceAll("");
        return scrubbed.replaceAll("\\(\\s*(cause:?)?\\s*\\)", "");
    }
}
