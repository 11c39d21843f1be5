package dev.keyhouse.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logmanager.ExtLogRecord;

import dev.keyhouse.runtimes.SecretMask;
import io.quarkus.logging.LoggingFilter;

/**
 * Defence in depth for issue 14, item 5 (the first line of defence is the category levels in application.properties
 * that keep framework loggers which quote rejected tokens above DEBUG): every record the console and file handlers
 * write passes here ({@code quarkus.log.console.filter}, {@code quarkus.log.file.filter}), and its message,
 * parameters and exception messages are rewritten with credentials masked:
 * <ul>
 * <li>JWT-shaped text (RFC 7519 compact form: base64url {@code eyJ…} header, payload and signature);</li>
 * <li>Keyhouse API tokens ({@code kh_} and 8 or more base64url characters);</li>
 * <li>the value after {@code Bearer} or {@code Basic} (an {@code Authorization} header);</li>
 * <li>the value of a {@code password}, {@code token}, {@code secret}, {@code apiKey}, {@code authToken},
 * {@code apiSecret} or
 * {@code access_token} field, in JSON ({@code "password":"…"}) or form/query ({@code password=…}) text;</li>
 * <li>request-body text that parsers quote in their messages: Jackson's {@code Unrecognized token '…'},
 * {@code Unexpected character ('…' …)}, {@code from String "…"} and {@code [Source: …; line: …]} snippets, and the
 * text after RESTEasy's {@code Failed to decode URL};</li>
 * <li>the configured secrets themselves in every form {@link dev.keyhouse.runtimes.SecretForms} knows: the JWT
 * keys, the encryption keys, the bootstrap admin password, the runtime-config token, the bootstrap provider keys,
 * the database password or URL and the egress proxy URLs, and a URL's user info and password on their own.</li>
 * </ul>
 * A runtime's own text in a restart's error ({@link dev.keyhouse.runtimes.RuntimeOutput}: a command's output, a
 * webhook's answer) is replaced by a note, whoever logs it. A record is never dropped: its text is only masked.
 * A record of a Keyhouse logger ({@value #KEYHOUSE_LOGGERS}) is also made one line, control characters dropped,
 * and bounded ({@link LogText}), its exceptions' messages too: text from outside (a command's output, an
 * upstream's answer, a typed name) cannot forge a log line.
 */
@LoggingFilter(name = LogMask.NAME)
public final class LogMask implements Filter {

    /** The loggers whose records are also made one line and bounded ({@link LogText}): Keyhouse's own. */
    static final String KEYHOUSE_LOGGERS = "dev.keyhouse";
    /** The filter's name in application.properties. */
    public static final String NAME = "keyhouse-credential-mask";
    static final String MASK = SecretMask.MASK;
    /** The configuration properties whose values are secrets: those of every variable the catalog marks secret. */
    static final List<String> SECRET_PROPERTIES = EnvCatalog.all().stream().filter(EnvVar::secret)
            .map(EnvVar::property).toList();
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{2,}\\.[A-Za-z0-9_-]{2,}(\\.[A-Za-z0-9_-]*)?");
    private static final Pattern API_TOKEN = Pattern.compile("kh_[A-Za-z0-9_-]{8,}");
    private static final Pattern SCHEME = Pattern.compile("(?i)\\b(bearer|basic)(\\s+)[A-Za-z0-9._~+/=-]{6,}");
    private static final Pattern FIELD = Pattern.compile(
            "(?i)(\"?\\b(?:password|token|secret|api_?key|auth_?token|api_?secret|access_token)\"?\\s*[:=]\\s*\"?)([^\"&\\s,;}]+)");

    /** Jackson's quotes of body text: {@code token 'x'}, {@code character ('x'}, {@code String "x"}. */
    private static final Pattern PARSER_QUOTE = Pattern.compile(
            "(?i)(\\btoken\\s+'|\\bcharacter\\s+\\('|\\bString\\s+\")(?:[^'\"\\n]|\\\\.){1,4096}?(['\"])");
    private static final Pattern PARSER_SOURCE = Pattern.compile("(?m)(\\[Source: )[^\\n]*?(; line: [0-9]+|$)");
    private static final Pattern URL_DECODE = Pattern.compile("(Failed to decode URL)[^\\n]*");

    private final UnaryOperator<String> secrets;

    /** Reads the configured secrets once; SmallRye Config is set up before any log handler is. */
    public LogMask() {
        this(configuredSecrets());
    }

    LogMask(List<String> secretValues) {
        this.secrets = SecretMask.masker(secretValues);
    }

    /**
     * The values of the configured secret variables ({@link #SECRET_PROPERTIES}), each list entry and URL user info
     * on its own too; empty outside Quarkus. Never log them.
     */
    public static List<String> configuredSecrets() {
        List<String> values = new ArrayList<>();
        try {
            Config config = ConfigProvider.getConfig();
            for (String property : SECRET_PROPERTIES) {
                config.getOptionalValue(property, String.class).ifPresent(value -> {
                    values.add(value);
                    // a list of previous keys: each key on its own as well
                    for (String part : value.split(",")) {
                        values.add(part.strip());
                    }
                    values.addAll(userInfo(value.strip()));
                });
            }
        } catch (RuntimeException e) {
            // no configuration (a tool run outside Quarkus): the shape-based masks still apply
        }
        return values;
    }

    /** A URL's user info and its password, raw and decoded (a proxy's or a database's); empty when it has none. */
    static List<String> userInfo(String url) {
        List<String> parts = new ArrayList<>();
        try {
            String raw = new java.net.URI(url).getRawUserInfo();
            if (raw != null) {
                parts.add(raw);
                int colon = raw.indexOf(':');
                if (colon >= 0) {
                    String password = raw.substring(colon + 1);
                    parts.add(password);
                    parts.add(java.net.URLDecoder.decode(password.replace("+", "%2B"),
                            java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            // not a URL: the value itself is masked
        }
        return parts;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        boolean ours = record.getLoggerName() != null && record.getLoggerName().startsWith(KEYHOUSE_LOGGERS);
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        // masked whole, then made one line and cut: a cut first could leave the start of a secret that no longer
        // matches whole
        String masked = ours ? LogText.line(mask(message), LogText.MAX_MESSAGE) : mask(message);
        if (masked != null && !masked.equals(message)) {
            if (record instanceof ExtLogRecord ext) {
                ext.setMessage(masked, ExtLogRecord.FormatStyle.NO_FORMAT);
            } else {
                record.setMessage(masked);
            }
            record.setParameters(null);
        }
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            Throwable clean = MaskedThrowable.of(thrown,
                    ours ? text -> LogText.line(mask(text), LogText.MAX_EXCEPTION) : this::mask);
            if (clean != thrown) {
                record.setThrown(clean);
            }
        }
        return true;
    }

    /** {@code text} with every credential masked; null stays null. */
    String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        // a runtime's own text (RuntimeOutput) is never logged, whoever logs a restart's error
        return maskShapes(secrets.apply(dev.keyhouse.runtimes.RuntimeOutput.logged(text)));
    }

    /**
     * {@code text} with the shape-based redactions applied (JWTs, {@code kh_} tokens, bearer/basic values,
     * {@code password=}/{@code token=}… fields, parser quotes); null and empty stay as they are.
     */
    public static String maskShapes(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = JWT.matcher(text).replaceAll(MASK);
        masked = API_TOKEN.matcher(masked).replaceAll("kh_" + MASK);
        masked = SCHEME.matcher(masked).replaceAll("$1$2" + MASK);
        masked = PARSER_SOURCE.matcher(masked).replaceAll("$1" + MASK + "$2");
        masked = PARSER_QUOTE.matcher(masked).replaceAll("$1" + MASK + "$2");
        masked = URL_DECODE.matcher(masked).replaceAll("$1 " + MASK);
        return FIELD.matcher(masked).replaceAll("$1" + MASK);
    }

    /**
     * A stand-in for an exception whose message (or a cause's) held a credential: the original class name and the
     * masked message as its text, the original stack trace, its causes masked the same way.
     */
    public static final class MaskedThrowable extends RuntimeException {

        private MaskedThrowable(String text, Throwable cause, StackTraceElement[] stack) {
            super(text, cause, false, true);
            setStackTrace(stack);
        }

        /** {@code thrown} itself when nothing in its chain needs masking, else a masked copy of the chain. */
        public static Throwable of(Throwable thrown, UnaryOperator<String> mask) {
            if (!needsMask(thrown, mask, 0)) {
                return thrown;
            }
            return copy(thrown, mask, 0);
        }

        private static boolean needsMask(Throwable t, UnaryOperator<String> mask, int depth) {
            if (t == null || depth > 20) {
                return false;
            }
            String message = t.getMessage();
            return (message != null && !message.equals(mask.apply(message))) || needsMask(t.getCause(), mask, depth + 1);
        }

        private static Throwable copy(Throwable t, UnaryOperator<String> mask, int depth) {
            if (t == null || depth > 20) {
                return null;
            }
            // a copy made before (a driver's failure, masked by the restart executor) already names its class
            String text = t instanceof MaskedThrowable ? mask.apply(t.getMessage())
                    : t.getClass().getName() + (t.getMessage() == null ? "" : ": " + mask.apply(t.getMessage()));
            return new MaskedThrowable(text, copy(t.getCause(), mask, depth + 1), t.getStackTrace());
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}
