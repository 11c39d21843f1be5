package dev.keyhouse.web;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticator;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Client mistakes refused before any resource runs, as problem+json under {@code /api} and the error page (the same
 * template and layout as every error page) elsewhere: a body declared larger than
 * {@code quarkus.http.limits.max-body-size} (413 naming the limit, ahead of Quarkus' own check) and a
 * {@code Content-Type} whose charset the JVM does not know (415, which would
 * otherwise surface as an exception from whichever reader meets it first). Also refused here, with a 400 naming what
 * is wrong, on every route:
 * <ul>
 * <li>a path with an encoded slash, backslash or dot segment ({@code %2F}, {@code %5C}, {@code %2E%2E}, also
 * double-encoded as {@code %252F}): no Keyhouse route needs one, and a path that one layer decodes and another does
 * not could slip past a permission path ({@code /q/swagger-ui%2Findex.html});</li>
 * <li>a malformed content-negotiation header ({@code Accept}, {@code Accept-Charset}, {@code Accept-Encoding},
 * {@code Accept-Language}): a quality value outside RFC 9110 §12.4.2's grammar ({@code q=abc}, {@code q=2},
 * {@code q=}), an empty range, a parameter without a value. RFC 9110 §12.5 lets a server disregard a header it cannot
 * honour, but a header that does not parse is a client error (§15.5.1), and ignoring it would need every layer that
 * reads it (Vert.x Web, RESTEasy, Qute) to agree to ignore it: refusing it in one place is what holds;</li>
 * <li>a query parameter (name or value) with a control character (U+0000–U+001F, U+007F–U+009F), a U+FFFD (what
 * bytes that are not UTF-8 decode to) or an invalid {@code %} escape, named in the answer, so no resource, query or
 * database ever sees one.</li>
 * </ul>
 * A request the HTTP layer itself cannot parse (a raw space in the request line, a control character in a header, a
 * {@code %} escape in the path that {@code java.net.URI} does not take, {@code /admin/%zz}) never reaches the router:
 * Vert.x or Quarkus' root handler answers it with a bare 400, and nothing is logged.
 *
 * <p>A refused page shows the top bar of who is signed in, as every error page does: the session is read for it
 * ({@link HttpAuthenticator}), though these checks run before Quarkus' own authentication.
 */
@ApplicationScoped
public class MalformedRequests {

    private static final Logger LOG = Logger.getLogger(MalformedRequests.class);

    private final ObjectMapper json;
    private final long maxBodyBytes;
    private final HttpAuthenticator authenticator;

    public MalformedRequests(ObjectMapper json,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize,
            HttpAuthenticator authenticator) {
        this.json = json;
        this.authenticator = authenticator;
        this.maxBodyBytes = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        // second: TextCharset (Integer.MIN_VALUE) gives these refusals their charset too
        router.route().order(Integer.MIN_VALUE + 1).handler(this::check);
    }

    private void check(RoutingContext context) {
        String uri = context.request().uri();
        int question = uri.indexOf('?');
        if (hasEncodedSeparator(question < 0 ? uri : uri.substring(0, question))) {
            LOG.debugf("%s request refused: an encoded slash, backslash or dot segment in the path",
                    context.request().method());
            refuse(context, 400, "the request path is not valid", "path",
                    "has an encoded slash, backslash or dot segment");
            return;
        }
        for (String header : NEGOTIATION_HEADERS) {
            for (String value : context.request().headers().getAll(header)) {
                if (!isValidNegotiation(header, value)) {
                    LOG.debugf("%s request refused: a malformed %s header", context.request().method(), header);
                    refuse(context, 400, "a request header is not valid", header,
                            "is malformed (a quality value is q=0 to q=1 with at most three decimals)");
                    return;
                }
            }
        }
        if (question >= 0) {
            String[] problem = queryProblem(uri.substring(question + 1));
            if (problem != null) {
                LOG.debugf("%s request refused: a bad query parameter", context.request().method());
                refuse(context, 400, "a query parameter is not valid", problem[0], problem[1]);
                return;
            }
        }
        String length = context.request().getHeader("Content-Length");
        long declared;
        try {
            declared = length == null ? -1 : Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            declared = -1; // the HTTP decoder refuses a malformed Content-Length before this runs
        }
        if (declared > maxBodyBytes) {
            LOG.debugf("%s request refused: a body of %d bytes is over %d", context.request().method(), declared,
                    maxBodyBytes);
            answer(context, ErrorWording.bodyLimit().problem());
            return;
        }
        String charset = charset(context.request().getHeader("Content-Type"));
        if (charset != null && !supported(charset)) {
            LOG.debugf("%s request refused: unknown charset in Content-Type", context.request().method());
            refuse(context, 415, "the request body's charset is not supported; send UTF-8",
                    "Content-Type", "names a charset Keyhouse does not read");
            return;
        }
        context.next();
    }

    /** Answers a client mistake: problem+json under /api, the error page elsewhere; the connection is closed. */
    private void refuse(RoutingContext context, int status, String detail, String field, String message) {
        answer(context, Problem.of(status, detail, List.of(new FieldErrors.FieldError(field, message))));
    }

    private void answer(RoutingContext context, Problem problem) {
        // the raw URI, never a decoded path
        boolean api = context.request().uri().startsWith("/api/");
        HttpServerResponse response = context.response().setStatusCode(problem.status())
                .putHeader("Connection", "close");
        if (api) {
            try {
                response.putHeader("Content-Type", Problem.MEDIA_TYPE).end(json.writeValueAsString(problem));
            } catch (JsonProcessingException e) {
                response.end();
            }
            return;
        }
        response.putHeader("Content-Type", "text/html" + TextCharset.PARAMETER);
        // this runs before Quarkus reads the session, and a page shows the top bar of who is signed in: the session
        // cookie is read here (the user's look-up runs on a worker, no connection held while this waits for it), the
        // page is rendered back on this request's event loop; a refused or absent session shows a visitor's page
        io.vertx.core.Context thread = io.vertx.core.Vertx.currentContext();
        authenticator.attemptAuthentication(context).onFailure().recoverWithNull()
                .emitOn(task -> thread.runOnContext(ignored -> task.run()))
                .subscribe().with(identity -> endPage(context, problem, identity),
                        failure -> endPage(context, problem, null));
    }

    private static void endPage(RoutingContext context, Problem problem, SecurityIdentity identity) {
        if (identity != null && !identity.isAnonymous()) {
            QuarkusHttpUser.setIdentity(identity, context);
        }
        if (!context.response().ended() && !context.response().closed()) {
            context.response().end(ProblemMapper.page(problem, context));
        }
    }

    /** The {@code charset} parameter of a Content-Type (RFC 9110 §8.3.2), unquoted; null when there is none. */
    static String charset(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String parameter : contentType.split(";")) {
            String[] nameValue = parameter.split("=", 2);
            if (nameValue.length == 2 && nameValue[0].strip().equalsIgnoreCase("charset")) {
                String value = nameValue[1].strip();
                return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1) : value;
            }
        }
        return null;
    }

    private static boolean supported(String charset) {
        try {
            return Charset.isSupported(charset);
        } catch (IllegalArgumentException e) {
            return false; // an illegal name
        }
    }

    /**
     * Whether {@code text} (a query string or form body) is valid URL-encoding: every {@code %} followed by two hex
     * digits and the decoded bytes valid UTF-8. Null and empty are valid.
     */
    static boolean isUrlEncoded(String text) {
        if (text == null || text.isEmpty()) {
            return true;
        }
        ByteBuffer bytes = percentDecoded(text, false);
        if (bytes == null) {
            return false;
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The negotiation headers whose syntax is checked before routing. */
    static final List<String> NEGOTIATION_HEADERS = List.of("Accept", "Accept-Charset", "Accept-Encoding",
            "Accept-Language");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern MEDIA_RANGE = Pattern.compile(TOKEN.pattern() + "/" + TOKEN.pattern());
    private static final Pattern LANGUAGE_RANGE = Pattern.compile("\\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*");
    private static final Pattern QUOTED = Pattern.compile("\"([\\t\\x20-\\x7E\\x80-\\xFF&&[^\"\\\\]]|\\\\[\\t\\x20-\\x7E\\x80-\\xFF])*\"");
    /** RFC 9110 §12.4.2: {@code qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )}. */
    private static final Pattern QVALUE = Pattern.compile("0(\\.[0-9]{0,3})?|1(\\.0{0,3})?");
    private static final Pattern NAMEABLE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /**
     * Whether {@code value} is a well-formed {@code header} (one of {@link #NEGOTIATION_HEADERS}), RFC 9110 §12.5: a
     * comma-separated list of ranges ({@code type/subtype} for Accept, a language range for Accept-Language, a token
     * for the others), each with optional {@code ;name=value} parameters (empty ones allowed), where {@code q} is a
     * qvalue; the Accept-* headers other than Accept take no parameter but {@code q}.
     */
    static boolean isValidNegotiation(String header, String value) {
        List<String> elements = split(value, ',');
        if (elements == null) {
            return false;
        }
        boolean accept = header.equalsIgnoreCase("Accept");
        for (String element : elements) {
            if (element.isBlank()) {
                continue; // RFC 9110 §5.6.1: empty list elements are allowed
            }
            List<String> parts = split(element, ';');
            if (parts == null) {
                return false;
            }
            String range = parts.get(0).strip();
            Pattern rangeSyntax = accept ? MEDIA_RANGE
                    : header.equalsIgnoreCase("Accept-Language") ? LANGUAGE_RANGE : TOKEN;
            if (!rangeSyntax.matcher(range).matches()) {
                return false;
            }
            for (String parameter : parts.subList(1, parts.size())) {
                if (parameter.isBlank()) {
                    continue;
                }
                int eq = parameter.indexOf('=');
                String name = eq < 0 ? parameter.strip() : parameter.substring(0, eq).strip();
                String argument = eq < 0 ? "" : parameter.substring(eq + 1).strip();
                if (!TOKEN.matcher(name).matches()) {
                    return false;
                }
                if (name.equalsIgnoreCase("q")) {
                    if (!QVALUE.matcher(argument).matches()) {
                        return false;
                    }
                } else if (!accept || !(TOKEN.matcher(argument).matches() || QUOTED.matcher(argument).matches())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {@code text} split at {@code separator} outside quoted strings; null when a quote is not closed. */
    private static List<String> split(String text, char separator) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && c == '\\' && i + 1 < text.length()) {
                part.append(c).append(text.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == separator && !quoted) {
                parts.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(part.toString());
        return quoted ? null : parts;
    }

    /**
     * Whether a raw request path (as sent, before any decoding) holds an encoded slash ({@code %2F}), an encoded
     * backslash ({@code %5C}) or a dot segment written with an encoded dot ({@code %2E}, {@code .%2e}, {@code %2E%2E}),
     * also under one or more layers of {@code %25} ({@code %252F}).
     */
    static boolean hasEncodedSeparator(String rawPath) {
        String path = rawPath.toLowerCase(Locale.ROOT);
        for (int layer = 0; layer < 5 && path.contains("%25"); layer++) {
            path = path.replace("%25", "%");
        }
        if (path.contains("%2f") || path.contains("%5c")) {
            return true;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.contains("%2e")) {
                String decoded = segment.replace("%2e", ".");
                if (decoded.equals(".") || decoded.equals("..")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The first bad query parameter as {@code {field, message}}, or null when every one is fine. A name or value is
     * bad when it has an invalid {@code %} escape, a control character ({@link Character#isISOControl}) or U+FFFD
     * (what bytes that are not UTF-8 decode to). The field is the parameter's name when it looks like one, else
     * {@code query}; the message never quotes the value.
     */
    static String[] queryProblem(String rawQuery) {
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            String field = name != null && NAMEABLE.matcher(name).matches() ? name : "query";
            if (name == null || value == null) {
                return new String[] {field, "has an invalid %-escape"};
            }
            for (String text : List.of(name, value)) {
                String problem = characterProblem(text);
                if (problem != null) {
                    return new String[] {field, problem};
                }
            }
        }
        return null;
    }

    private static String characterProblem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                return String.format("has the control character U+%04X at position %d", (int) c, i + 1);
            }
            if (c == '\uFFFD') {
                return String.format("is not UTF-8 (U+FFFD, replacement character, at position %d)", i + 1);
            }
        }
        return null;
    }

    /** A query component decoded ({@code +} is a space, bytes that are not UTF-8 become U+FFFD); null on a bad escape. */
    private static String decode(String component) {
        ByteBuffer bytes = percentDecoded(component, true);
        return bytes == null ? null : StandardCharsets.UTF_8.decode(bytes).toString();
    }

    /** The bytes {@code text} encodes, ready to read; null when a {@code %} is not followed by two hex digits. */
    private static ByteBuffer percentDecoded(String text, boolean plusIsSpace) {
        ByteBuffer bytes = ByteBuffer.allocate(text.length() * 3);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0
                        || Character.digit(text.charAt(i + 2), 16) < 0) {
                    return null;
                }
                bytes.put((byte) Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.put(String.valueOf(plusIsSpace && c == '+' ? ' ' : c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.flip();
    }
}
