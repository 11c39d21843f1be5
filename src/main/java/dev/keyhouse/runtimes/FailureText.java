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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import dev.keyhouse.config.LogText;

/**
 * How a driver's failure reads on the run page and in the API (issue 14, item 11): plain words, led by a cause
 * category when the exception chain shows one — "TLS handshake failed", "could not connect", "could not resolve
 * the host", "timed out", "file not found", "permission denied", "refused by the runtime (HTTP 503)" — and never an
 * exception class or package name. The drivers' own texts (what they were doing, the target's address, the
 * engine's or server's message) stay; class names inside them are cut out. The class and the stack trace belong in
 * the log only ({@link RestartExecutor} logs them).
 *
 * <p>An error body quoted by a driver (issue 20, item 9: a proxy's or web server's HTML error page in a command's
 * output or an engine's answer, an XML fault, a JSON error object) is never shown as markup: {@link #readable} keeps
 * the text before it, and of the body only its words (tags, scripts, styles and comments stripped, entities decoded)
 * or a JSON object's message, whitespace collapsed, at most {@link #MAX_BODY} characters.
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
    /** Longest part of a quoted body kept, in characters; longer is cut with "…". */
    static final int MAX_BODY = 200;
    /** What a body with markup but no words reads as. */
    private static final String NO_TEXT = "an answer with no text";
    /**
     * Where markup starts: a document or XML declaration, a comment, or an element tag (an opening tag with its name,
     * a closing tag, a self-closing one). Plain text such as "a &lt; b" or "expected &lt;name&gt;" alone is not markup:
     * {@link #MARKUP_SIGN} must be seen too.
     */
    private static final Pattern TAG = Pattern.compile(
            "<(?:!--.*?-->|![A-Za-z][^>]*>|\\?[^>]*\\?>|/?[A-Za-z][A-Za-z0-9:_-]*(?:\\s[^<>]*)?/?>)", Pattern.DOTALL);
    /** What makes a text markup: a closing tag, a declaration or a self-closing tag. */
    private static final Pattern MARKUP_SIGN = Pattern.compile(
            "</[A-Za-z][A-Za-z0-9:_-]*\\s*>|<!DOCTYPE|<\\?xml|<[A-Za-z][A-Za-z0-9:_-]*(?:\\s[^<>]*)?/>",
            Pattern.CASE_INSENSITIVE);
    /** HTML's inline elements: their tags join words within a line; every other tag ends one. */
    private static final Pattern INLINE_TAG = Pattern.compile(
            "</?(?:a|abbr|b|bdi|bdo|cite|code|data|dfn|em|font|i|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|tt"
                    + "|u|var)(?:\\s[^<>]*)?/?>", Pattern.CASE_INSENSITIVE);
    /** Elements whose content is not words: scripts, styles, comments. */
    private static final Pattern NOT_WORDS = Pattern.compile(
            "<(script|style)\\b[^>]*>.*?</\\1\\s*>|<!--.*?-->", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern ENTITY = Pattern.compile("&(?:#(\\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));");
    private static final java.util.Map<String, String> ENTITIES = java.util.Map.of("amp", "&", "lt", "<", "gt", ">",
            "quot", "\"", "apos", "'", "nbsp", " ");
    /** The fields of a JSON error object that hold its message, in the order they are looked for. */
    private static final java.util.List<String> MESSAGE_FIELDS = java.util.List.of("message", "error_description",
            "detail", "error", "title", "reason", "msg", "description");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private FailureText() {
    }

    /** The text for {@code failure}: {@code "<category>: <what the driver said>"}, or only the latter. */
    public static String of(Throwable failure) {
        String detail = readable(words(failure));
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

    /**
     * {@code text} with a quoted error body made readable: the text before the body is kept (whitespace collapsed
     * when a body follows), an HTML or XML body becomes its words (tags, scripts, styles, comments stripped, entities
     * decoded), a JSON object its message field ({@link #MESSAGE_FIELDS}, nested in {@code error} too) or else its
     * values; the body's part is at most {@link #MAX_BODY} characters. A text without markup or a JSON object is
     * returned unchanged; null is "".
     */
    static String readable(String text) {
        return readable(text, UnaryOperator.identity());
    }

    /** {@link #readable(String)} with {@code mask} applied to the decoded words before they are cut. */
    private static String readable(String text, UnaryOperator<String> mask) {
        if (text == null) {
            return "";
        }
        Matcher sign = MARKUP_SIGN.matcher(text);
        if (sign.find()) {
            Matcher tag = TAG.matcher(text);
            int start = tag.find() ? Math.min(tag.start(), sign.start()) : sign.start();
            String body = NOT_WORDS.matcher(text.substring(start)).replaceAll(" ");
            // inline tags join words; every other tag ends a line (a title, a heading, a paragraph)
            String lines = TAG.matcher(INLINE_TAG.matcher(body).replaceAll(" ")).replaceAll("\n");
            return joined(text.substring(0, start), mask.apply(distinctLines(decode(lines))));
        }
        int open = text.indexOf('{');
        int close = text.lastIndexOf('}');
        if (open >= 0 && close > open) {
            String message = jsonMessage(text.substring(open, close + 1));
            if (message != null) {
                return joined(text.substring(0, open), mask.apply(message)) + collapse(text.substring(close + 1));
            }
        }
        return text;
    }

    /**
     * An upstream answer's body as a short reason (the http driver's refused webhook): its words as {@link #readable}
     * makes them (markup stripped, a JSON object's message), a line it already has left out ({@link #distinctLines}),
     * whitespace collapsed, on one line without control
     * characters ({@link LogText}), {@code mask} applied to the whole before it is cut to at most {@link #MAX_BODY}
     * characters ("…" when cut); "" for null or an answer with no words.
     */
    public static String snippet(String body, UnaryOperator<String> mask) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String words = collapse(distinctLines(readable(body, mask)).replace('\u2028', ' ').replace('\u2029', ' ')
                .replace('\u0085', ' '));
        if (words.equals(NO_TEXT)) {
            return "";
        }
        return LogText.line(mask.apply(words), MAX_BODY);
    }

    /**
     * {@code text}'s lines without the ones it already has: a line (whitespace collapsed) equal to an earlier one or
     * found in one as whole words, case aside, is left out ("Not Implemented" after "501 Not Implemented": an error
     * page's title and heading); the rest joined by a space. "" when no line has words.
     */
    static String distinctLines(String text) {
        List<String> kept = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String words = collapse(line);
            Pattern said = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(words) + "(?![\\p{L}\\p{N}])",
                    Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
            if (!words.isEmpty() && kept.stream().noneMatch(k -> said.matcher(k).find())) {
                kept.add(words);
            }
        }
        return String.join(" ", kept);
    }

    /** The text before a body and the body's words, whitespace collapsed, the body's part bounded. */
    private static String joined(String before, String body) {
        String words = collapse(body);
        if (words.length() > MAX_BODY) {
            int cut = words.lastIndexOf(' ', MAX_BODY - 1);
            words = words.substring(0, cut > MAX_BODY / 2 ? cut : MAX_BODY - 1) + "…";
        }
        String prefix = collapse(before);
        if (words.isEmpty()) {
            return prefix.isEmpty() ? NO_TEXT : prefix + " (" + NO_TEXT + ")";
        }
        return prefix.isEmpty() ? words : prefix + " " + words;
    }

    private static String collapse(String text) {
        return text.replaceAll("\\s+", " ").strip();
    }

    /** HTML's named entities that error pages use, and numeric ones; an unknown entity stays as written. */
    private static String decode(String text) {
        return ENTITY.matcher(text).replaceAll(m -> {
            String decoded;
            if (m.group(1) != null || m.group(2) != null) {
                int code = m.group(1) != null ? Integer.parseInt(m.group(1)) : Integer.parseInt(m.group(2), 16);
                decoded = Character.isValidCodePoint(code) && !Character.isISOControl(code)
                        ? new String(Character.toChars(code)) : " ";
            } else {
                decoded = ENTITIES.getOrDefault(m.group(3).toLowerCase(Locale.ROOT), m.group());
            }
            return Matcher.quoteReplacement(decoded);
        });
    }

    /**
     * A JSON object's message: the first message field holding text (an {@code error} object's own message field
     * too), else its scalar values joined; null when {@code json} is not a JSON object.
     */
    private static String jsonMessage(String json) {
        com.fasterxml.jackson.databind.JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
        if (node == null || !node.isObject()) {
            return null;
        }
        for (com.fasterxml.jackson.databind.JsonNode at = node; at != null && at.isObject(); at = at.get("error")) {
            for (String field : MESSAGE_FIELDS) {
                com.fasterxml.jackson.databind.JsonNode value = at.get(field);
                if (value != null && value.isValueNode() && !value.asText().isBlank()) {
                    return value.asText();
                }
            }
        }
        java.util.List<String> values = new java.util.ArrayList<>();
        node.fields().forEachRemaining(e -> {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                values.add(e.getKey() + " " + e.getValue().asText());
            }
        });
        return String.join(", ", values);
    }

    /** Text outside URLs with class and package names cut out, and the "(cause: )" that cutting leaves. */
    private static String scrubWords(String text) {
        String scrubbed = QUALIFIED.matcher(text).replaceAll("");
        scrubbed = SIMPLE.matcher(scrubbed).replaceAll("");
        return scrubbed.replaceAll("\\(\\s*(cause:?)?\\s*\\)", "");
    }
}
