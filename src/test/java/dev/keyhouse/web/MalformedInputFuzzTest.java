package dev.keyhouse.web;

import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.auth.Browser;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Callers;
import dev.keyhouse.auth.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Issue 14, item 6: every route of the application (found in the compiled JAX-RS resources, so a new route is fuzzed
 * without touching this test) gets every kind of malformed input — bad URL-encoding, bad charsets, control
 * characters and invalid UTF-8 in forms, queries and paths, duplicate keys, truncated, mistyped, huge-numbered and
 * deeply nested JSON, multipart and other wrong content types, oversize bodies, bad {@code If-Match} and bad path
 * parameters — from an admin (session JWT as bearer, API token, session cookie with CSRF token), a viewer, anonymous
 * and the runtime-config token (each kind as one admin presentation and one other caller per route, both picked by
 * the seeded random). None may answer 5xx, an {@code /api} 4xx must be problem+json, and nothing may be
 * logged at ERROR. The variable parts (random bytes, which loopback address sends) come from a seeded random: the
 * seed is printed, and {@code -Dfuzz.seed=N} replays a run.
 */
@QuarkusTest
class MalformedInputFuzzTest {

    /** Quarkus' own limit, set in application.properties ({@code quarkus.http.limits.max-body-size}). */
    static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final Pattern TEMPLATE = Pattern.compile("\\{(\\w[\\w.-]*)}");
    /** The first {@link #presenters} are the admin's three presentations; the rest are the other callers. */
    private static final int ADMINS = 3;
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String JSON = "application/json";
    /** Every form and JSON field name some route reads, so malformed values reach the code that reads them. */
    private static final List<String> FIELDS = List.of("email", "password", "next", "name", "driver", "role", "action",
            "enabled", "provider", "model", "baseUrl", "apiKey", "authToken", "accountSid", "version", "config",
            "webhookUrl", "url", "command", "unit", "container", "namespace", "canary", "confirmation", "held");

    /** One request: what a malformation makes of a route. */
    record Request(String method, String target, Map<String, String> headers, byte[] body) {
    }

    /** A kind of malformed input, for the routes it applies to. */
    record Malformation(String name, Predicate<String> appliesTo, BiFunction<Target, Random, Request> build) {
    }

    /** A route made concrete: method, path with its parameters filled in, and the raw template. */
    record Target(String method, String template, String path) {
        boolean isWrite() {
            return !method.equals("GET");
        }
    }

    /** How a caller presents itself; {@code formToken} is the CSRF field a cookie caller adds to a form body. */
    record Presenter(String name, Map<String, String> apiHeaders, Map<String, String> pageHeaders, String formToken) {
    }

    @Test
    void noRouteAnswers5xxOrLogsAnErrorForAnyKindOfMalformedInput() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("MalformedInputFuzzTest seed: " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        List<String> routes = List.copyOf(ResourceRoutes.of(Path.of("target", "classes")));
        assertThat(routes).as("routes found in target/classes").hasSizeGreaterThan(40);
        List<Presenter> callers = presenters();
        List<Malformation> kinds = malformations();
        List<String> failures = new ArrayList<>();
        int sent = 0;
        long started = System.nanoTime();
        try (LogCapture log = LogCapture.install()) {
            for (String route : routes) {
                String[] parts = route.split(" ", 2);
                for (Malformation kind : kinds) {
                    if (!kind.appliesTo().test(route)) {
                        continue;
                    }
                    // the oversize body once per route (as the first admin); every other kind as one of the three
                    // admin presentations and one of the other callers, picked by the seeded random, so each caller
                    // meets each kind across the routes and the run stays well under a minute
                    List<Presenter> who = kind.name().equals("oversize") ? callers.subList(0, 1)
                            : List.of(callers.get(random.nextInt(ADMINS)),
                                    callers.get(ADMINS + random.nextInt(callers.size() - ADMINS)));
                    for (Presenter caller : who) {
                        Target target = new Target(parts[0], parts[1], concrete(parts[1]));
                        Request request = kind.build().apply(target, random);
                        RawHttp.Response response = send(presented(request, caller, target), random);
                        sent++;
                        String problem = problemWith(response, target);
                        if (problem != null) {
                            failures.add(route + " [" + kind.name() + "] as " + caller.name() + " -> "
                                    + response.status() + " " + response.header("Content-Type") + ": " + problem);
                        }
                    }
                }
            }
            List<String> errors = log.text().lines()
                    .filter(line -> line.matches("\\S+ (ERROR|SEVERE|FATAL) .*")).toList();
            failures.addAll(errors.stream().map(line -> "logged at ERROR: " + line).toList());
        }
        System.out.printf("MalformedInputFuzzTest: %d requests over %d routes x %d kinds in %d ms%n", sent,
                routes.size(), kinds.size(), (System.nanoTime() - started) / 1_000_000);
        assertThat(failures).as("seed " + seed + ": responses and log lines that show malformed input treated as a"
                + " server failure").isEmpty();
    }

    /** Why a response to malformed input is wrong, or null when it is a fine answer. */
    private static String problemWith(RawHttp.Response response, Target target) {
        if (response.status() >= 500) {
            return "a server error for a client's mistake";
        }
        if (refusedByTheHttpLayer(response)) {
            return null;
        }
        if (response.status() >= 400 && target.path().startsWith("/api/")
                && !response.header("Content-Type").startsWith(Problem.MEDIA_TYPE)) {
            return "an /api error that is not problem+json";
        }
        return null;
    }

    /**
     * Vert.x's own answer to a request it cannot parse (an invalid {@code %} escape in the request line, a control
     * character in a header): a bare 400 before any of Keyhouse's routes ran, so without the headers every routed
     * response carries.
     */
    static boolean refusedByTheHttpLayer(RawHttp.Response response) {
        return response.status() == 400 && response.body().isEmpty() && response.header("X-Content-Type-Options").isEmpty();
    }

    private static RawHttp.Response send(Request request, Random random) throws UnknownHostException {
        // a different loopback client each time, so sign-in throttling (per address) never blocks the fuzz
        InetAddress from = InetAddress.getByAddress(new byte[] {127, (byte) (1 + random.nextInt(250)),
                (byte) random.nextInt(256), (byte) (2 + random.nextInt(250))});
        return RawHttp.send(RestAssured.port, from, request.method(), request.target(), request.headers(),
                request.body());
    }

    /** The request with the caller's credentials added: headers, and the CSRF field in a form body. */
    private static Request presented(Request request, Presenter caller, Target target) {
        Map<String, String> headers = new LinkedHashMap<>(
                target.path().startsWith("/api/") ? caller.apiHeaders() : caller.pageHeaders());
        headers.putAll(request.headers());
        byte[] body = request.body();
        if (caller.formToken() != null && body != null
                && request.headers().getOrDefault("Content-Type", "").startsWith(FORM)) {
            byte[] token = ("&csrf-token=" + caller.formToken()).getBytes(StandardCharsets.US_ASCII);
            byte[] joined = new byte[body.length + token.length];
            System.arraycopy(body, 0, joined, 0, body.length);
            System.arraycopy(token, 0, joined, body.length, token.length);
            body = joined;
        }
        return new Request(request.method(), request.target(), headers, body);
    }

    private List<Presenter> presenters() {
        Callers callers = Callers.create();
        String adminJwt = callers.named("admin").credential();
        String adminToken = callers.named("admin-tok").credential();
        String viewerJwt = callers.named("viewer").credential();
        // a cookie caller writes with its own session's CSRF token (header and form field), as the admin pages do
        String adminCsrf = Browser.csrfOf(adminJwt);
        String viewerCsrf = Browser.csrfOf(viewerJwt);
        Map<String, String> cookie = Map.of("Cookie", SessionTokens.SESSION_COOKIE + "=" + adminJwt,
                "X-CSRF-Token", adminCsrf);
        return List.of(
                new Presenter("admin-bearer", bearer(adminJwt), cookie, adminCsrf),
                new Presenter("admin-token", bearer(adminToken), bearer(adminToken), null),
                new Presenter("admin-cookie", cookie, cookie, adminCsrf),
                new Presenter("viewer", bearer(viewerJwt), Map.of("Cookie", SessionTokens.SESSION_COOKIE + "=" + viewerJwt,
                        "X-CSRF-Token", viewerCsrf), viewerCsrf),
                new Presenter("anonymous", Map.of(), Map.of(), null),
                new Presenter("runtime-token", bearer(TestSettings.RUNTIME_CONFIG_TOKEN),
                        bearer(TestSettings.RUNTIME_CONFIG_TOKEN), null));
    }

    private static Map<String, String> bearer(String credential) {
        return Map.of("Authorization", "Bearer " + credential);
    }

    /** The path with {@code {kind}} as a real kind and every other parameter as an id no row has. */
    private static String concrete(String template) {
        Matcher m = TEMPLATE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, m.group(1).equals("kind") ? "llm" : "999999");
        }
        return m.appendTail(out).toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // The kinds of malformed input.
    // ---------------------------------------------------------------------------------------------------------

    static List<Malformation> malformations() {
        List<Malformation> kinds = new ArrayList<>();
        Predicate<String> writes = route -> !route.startsWith("GET ");
        Predicate<String> all = route -> true;
        Predicate<String> withParameter = route -> route.contains("{");

        // forms: bad URL-encoding, control characters, invalid UTF-8, bad charsets
        kinds.add(body("form-bad-percent", writes, FORM, r -> fields(r, "%zz%", "%", "a%2", "%G0", "%%")));
        kinds.add(body("form-nul", writes, FORM, r -> fields(r, "a%00b@example.com", "%00", "x%00")));
        kinds.add(body("form-control-characters", writes, FORM, r -> fields(r, controls(r, true))));
        kinds.add(body("form-invalid-utf8", writes, FORM, r -> fields(r, "%C3%28", "%FF%FE", "%ED%A0%80", "%C0%AF")));
        kinds.add(new Malformation("form-raw-bytes", writes, (t, r) -> new Request(t.method(), t.path(),
                Map.of("Content-Type", FORM), concat("email=".getBytes(StandardCharsets.US_ASCII), randomBytes(r, 64)))));
        kinds.add(body("form-unknown-charset", writes, FORM + "; charset=x-no-such-charset", r -> fields(r, "a")));
        kinds.add(body("form-illegal-charset", writes, FORM + "; charset=\"\u0001/\"", r -> fields(r, "a")));
        kinds.add(body("form-utf16-charset", writes, FORM + "; charset=UTF-16", r -> fields(r, "ab")));
        kinds.add(body("form-repeated", writes, FORM, r -> "email=a&email=b&password=&password=%00&role=admin&role="));
        // JSON: duplicate keys, truncated, invalid, wrong types, huge numbers, deep nesting, invalid UTF-8
        kinds.add(body("json-duplicate-keys", writes, JSON, r -> "{\"email\":\"a@example.com\",\"email\":\"b@example.com\","
                + "\"password\":\"p\",\"password\":\"q\",\"name\":\"n\",\"name\":\"m\",\"provider\":\"openai\",\"provider\":\"x\"}"));
        kinds.add(body("json-truncated", writes, JSON, r -> "{\"email\": \"a@exa"));
        kinds.add(body("json-invalid", writes, JSON, r -> List.of("{email: 'x'}", "{,}", "{\"a\" 1}", "nul", "[1,]",
                "{\"a\":1}}", "\u0000").get(r.nextInt(7))));
        kinds.add(body("json-wrong-types", writes, JSON, r -> List.of("[]", "\"text\"", "42", "null", "true",
                wrongTypes()).get(r.nextInt(6))));
        kinds.add(body("json-field-types", writes, JSON, r -> wrongTypes()));
        kinds.add(body("json-huge-numbers", writes, JSON, r -> "{\"id\": 1e999999999, \"version\": "
                + "123456789012345678901234567890, \"enabled\": 9e9999, \"email\": -1e-999999999, \"name\": "
                + "9".repeat(5000) + "}"));
        kinds.add(body("json-deep-nesting", writes, JSON, r -> "[".repeat(5000) + "]".repeat(5000)));
        kinds.add(body("json-deep-objects", writes, JSON, r -> "{\"a\":".repeat(3000) + "1" + "}".repeat(3000)));
        kinds.add(body("json-long-string", writes, JSON, r -> "{\"email\":\"" + "a".repeat(200_000) + "\"}"));
        kinds.add(new Malformation("json-invalid-utf8", writes, (t, r) -> new Request(t.method(), t.path(),
                Map.of("Content-Type", JSON), concat("{\"email\":\"".getBytes(StandardCharsets.US_ASCII),
                        new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80},
                        "\",\"password\":\"p\"}".getBytes(StandardCharsets.US_ASCII)))));
        kinds.add(body("json-control-characters", writes, JSON, r -> "{\"email\":\"a\\u0000b\",\"password\":\"\\u0007\","
                + "\"name\":\"" + "\\u001b[2J" + "\",\"provider\":\"\\ud800\"}"));
        kinds.add(body("json-empty", writes, JSON, r -> ""));
        kinds.add(body("json-charset-unknown", writes, JSON + "; charset=x-no-such-charset", r -> "{}"));
        // wrong content types
        kinds.add(new Malformation("multipart", writes, (t, r) -> multipart(t, "----keyhouse-fuzz")));
        kinds.add(body("multipart-no-boundary", writes, "multipart/form-data", r -> "--x\r\n\r\n"));
        kinds.add(body("text-plain", writes, "text/plain", r -> "email=a&password=b"));
        kinds.add(body("xml", writes, "application/xml", r -> "<credentials><email>a</email></credentials>"));
        kinds.add(body("content-type-garbage", writes, ";;/\u0001", r -> "{}"));
        kinds.add(new Malformation("no-content-type", writes, (t, r) -> new Request(t.method(), t.path(), Map.of(),
                "{\"email\":\"a\"}".getBytes(StandardCharsets.US_ASCII))));
        // oversize bodies: one byte over Quarkus' limit
        kinds.add(new Malformation("oversize", writes, (t, r) -> new Request(t.method(), t.path(),
                Map.of("Content-Type", t.path().startsWith("/api/") ? JSON : FORM),
                ("{\"email\":\"" + "a".repeat(MAX_BODY_BYTES) + "\"}").getBytes(StandardCharsets.US_ASCII))));
        // bad If-Match / If-None-Match
        kinds.add(new Malformation("if-match", all, (t, r) -> new Request(t.method(), t.path(),
                Map.of("If-Match", List.of("garbage", "\"unterminated", "W/\"1\"", "*", "\"99999999999999999999\"",
                        "\"\u0001\"", "\"-1\", \"x\"").get(r.nextInt(7)),
                        "If-None-Match", "\"\u0007\", W/", "Content-Type", JSON),
                t.isWrite() ? "{}".getBytes(StandardCharsets.US_ASCII) : null)));
        // bad path parameters
        for (String bad : List.of("abc", "99999999999999999999", "-1", "1.5", "%zz", "%00", "%C3%28", "%2F..%2F",
                "x".repeat(3000))) {
            kinds.add(new Malformation("path-" + (bad.length() > 20 ? "long" : bad), withParameter,
                    (t, r) -> new Request(t.method(), TEMPLATE.matcher(t.template()).replaceAll(Matcher.quoteReplacement(bad)),
                            Map.of("Content-Type", JSON), t.isWrite() ? "{}".getBytes(StandardCharsets.US_ASCII) : null)));
        }
        // bad query strings
        kinds.add(query("query-bad-values", "page=abc&target=abc&format=xml&partial=maybe&done=%00&next=%zz"
                + "&kind=%C3%28&actor=%FF&saved=%&run=-1&driver=%00"));
        kinds.add(query("query-bad-encoding", "%zz=1&=&&&page=99999999999999999999&%=%&a=%C0%AF"));
        kinds.add(query("query-controls", "page=%0D%0A&format=%00&next=%1B&actor=%7F&kind=" + "x".repeat(2000)));
        kinds.add(new Malformation("query-random", all, (t, r) -> new Request(t.method(), t.path() + "?"
                + FIELDS.get(r.nextInt(FIELDS.size())) + "=" + percent(randomBytes(r, 24)) + "&page="
                + percent(randomBytes(r, 4)), Map.of(), t.isWrite() ? new byte[0] : null)));
        kinds.add(new Malformation("query-control-one", all, (t, r) -> new Request(t.method(), t.path() + "?"
                + List.of("kind", "actor", "page", "next", "format", "target", "x").get(r.nextInt(7)) + "="
                + List.of("%00", "a%00b", "%1B", "%7F", "%C2%9F", "%C3%28", "%FF", "%0A").get(r.nextInt(8)),
                Map.of(), t.isWrite() ? new byte[0] : null)));
        // malformed content negotiation (RFC 9110 §12.4.2 quality values, empty parameters)
        kinds.add(new Malformation("negotiation", all, (t, r) -> {
            String[][] headers = {{"Accept-Language", "en;q=abc"}, {"Accept-Language", "en;q=2"},
                    {"Accept-Language", "*;q="}, {"Accept", "text/html;q=x"}, {"Accept", "*/*;q=1.5"},
                    {"Accept-Charset", ";q=x"}, {"Accept-Encoding", "gzip;q=x"}, {"Accept", "text/html;level="},
                    {"Accept", "text/html;level=\"x"}, {"Accept-Language", "en;q=0.0001"}};
            String[] header = headers[r.nextInt(headers.length)];
            return new Request(t.method(), t.path(), Map.of(header[0], header[1], "Content-Type", JSON),
                    t.isWrite() ? "{}".getBytes(StandardCharsets.US_ASCII) : null);
        }));
        // encoded slashes, backslashes and dot segments in the path
        kinds.add(new Malformation("path-encoded-separator", all, (t, r) -> {
            String path = t.path();
            int slash = path.lastIndexOf('/');
            String encoded = List.of("%2F", "%2f", "%5C", "%252F").get(r.nextInt(4));
            String target = r.nextBoolean() ? path.substring(0, slash) + encoded + path.substring(slash + 1)
                    : path + "/" + List.of("%2E%2E", ".%2e", "%2e").get(r.nextInt(3)) + path;
            return new Request(t.method(), target, Map.of("Content-Type", JSON),
                    t.isWrite() ? "{}".getBytes(StandardCharsets.US_ASCII) : null);
        }));
        return kinds;
    }

    private static Malformation body(String name, Predicate<String> appliesTo, String contentType,
            java.util.function.Function<Random, String> text) {
        return new Malformation(name, appliesTo, (t, r) -> new Request(t.method(), t.path(),
                Map.of("Content-Type", contentType), text.apply(r).getBytes(StandardCharsets.UTF_8)));
    }

    private static Malformation query(String name, String query) {
        return new Malformation(name, route -> true, (t, r) -> new Request(t.method(), t.path() + "?" + query,
                Map.of(), t.isWrite() ? new byte[0] : null));
    }

    /** A form body giving every field one of {@code values}. */
    private static String fields(Random random, String... values) {
        return FIELDS.stream().map(f -> f + "=" + values[random.nextInt(values.length)])
                .collect(Collectors.joining("&"));
    }

    private static String controls(Random random, boolean percentEncoded) {
        StringBuilder out = new StringBuilder("a");
        for (int i = 0; i < 6; i++) {
            int c = random.nextBoolean() ? random.nextInt(0x20) : 0x7F + random.nextInt(0x21);
            out.append(percentEncoded ? String.format("%%%02X", c) : String.valueOf((char) c));
        }
        return out.toString();
    }

    private static String wrongTypes() {
        StringBuilder json = new StringBuilder("{");
        String[] values = {"{}", "[1]", "true", "12", "\"x\"", "null"};
        for (int i = 0; i < FIELDS.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(FIELDS.get(i)).append("\":").append(values[i % values.length]);
        }
        return json.append('}').toString();
    }

    private static Request multipart(Target target, String boundary) {
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@example.com\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\np\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n{}\r\n--" + boundary + "--\r\n";
        return new Request(target.method(), target.path(), Map.of("Content-Type",
                "multipart/form-data; boundary=" + boundary), body.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String percent(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("%%%02X", b & 0xFF));
        }
        return out.toString();
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
