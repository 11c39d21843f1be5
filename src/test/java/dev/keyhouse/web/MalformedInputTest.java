package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Callers;
import dev.keyhouse.auth.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Issue 14, item 6, the examples and more of each kind: malformed input answers a 4xx naming what is wrong
 * (problem+json under /api, the error page elsewhere) and logs nothing at ERROR. {@link MalformedInputFuzzTest}
 * sends every kind to every route; this test pins the answers.
 */
@QuarkusTest
class MalformedInputTest {

    private static final String FORM = "application/x-www-form-urlencoded";

    private SecurityMatrixTest.Csrf csrf;
    private String adminJwt;

    @BeforeEach
    void callers() {
        csrf = SecurityMatrixTest.Csrf.fetch();
        adminJwt = Callers.create().named("admin").credential();
    }

    @Test
    void signInWithAnInvalidPercentEscapeOrNonUtf8FormIs400NamingTheBody() {
        for (String body : List.of("email=%zz&password=x", "email=a%40b.test&password=%",
"email=a%40b.test&password=x%2", "email=%%40&password=x")) {
            try (LogCapture log = LogCapture.install()) {
                RawHttp.Response page = post("/login", pageForm(), body + "&csrf-token=" + csrf.token());
                assertThat(page.status()).as(body).isEqualTo(400);
                assertThat(page.header("Content-Type")).as(body).startsWith("text/html");
                assertThat(page.body()).as(body).contains("body has an invalid %-escape or is not UTF-8");
                assertNoError(log, body);
            }
        }
        // the Latin-1 bytes of "été": decoded as U+FFFD, which no field takes
        for (String email : List.of("%E9t%E9%40b.test", "%C3%28%40b.test", "%FF%FE%40b.test")) {
            RawHttp.Response latin1 = post("/login", pageForm(), "email=" + email + "&password=x&csrf-token=" + csrf.token());
            assertThat(latin1.status()).as(email).isEqualTo(400);
            assertThat(latin1.body()).as(email).contains("email non-UTF-8 input U+FFFD (replacement character) at position 1");
        }
        // a password is compared, never stored by sign-in: one that was not UTF-8 is simply wrong
        assertThat(post("/login", pageForm(), "email=nobody%40b.test&password=%C3%28&csrf-token=" + csrf.token())
                .status()).isEqualTo(401);
        RawHttp.Response query = send("GET", "/api/v1/audit?actor=%zz", bearer(adminJwt), (byte[]) null);
        assertThat(query.status()).isEqualTo(400);
    }

    @Test
    void aControlCharacterInTheEmailIs400NamingTheEmail() {
        for (String control : List.of("%00", "%07", "%1B", "%7F", "%C2%85", "%E2%80%8B")) {
            String body = "email=a" + control + "b%40keyhouse.test&password=x&csrf-token=" + csrf.token();
            try (LogCapture log = LogCapture.install()) {
                RawHttp.Response page = post("/login", pageForm(), body);
                assertThat(page.status()).as(control).isEqualTo(400);
                assertThat(page.body()).as(control).contains("email ").containsPattern("character U\\+[0-9A-F]{4}");
                assertNoError(log, control);
            }
        }
        for (String control : List.of("\\u0000", "\\u0007", "\\u001b", "\\u007f", "\\u0085")) {
            RawHttp.Response api = post("/api/v1/auth/token", Map.of("Content-Type", "application/json"),
                    "{\"email\":\"a" + control + "b@keyhouse.test\",\"password\":\"x\"}");
            assertProblem(api, 400, "email");
        }
        RawHttp.Response addUser = post("/api/v1/users", json(bearer(adminJwt)),
                "{\"email\":\"new\\u0000@keyhouse.test\",\"password\":\"a-long-enough-password-1\",\"role\":\"viewer\"}");
        assertProblem(addUser, 400, "email");
        RawHttp.Response addUserPage = post("/admin/users", Map.of("Content-Type", FORM, "Cookie", cookies(adminJwt)), "email=new%00%40keyhouse.test&password="
                + "a-long-enough-password-1&role=viewer&csrf-token=" + dev.keyhouse.auth.Browser.csrfOf(adminJwt));
        assertThat(addUserPage.status()).isEqualTo(400);
        assertThat(addUserPage.body()).contains("U+0000");
    }

    @Test
    void aDuplicateJsonKeyIs400NamingTheKey() {
        Map<String, String> token = Map.of("Content-Type", "application/json");
        assertProblem(post("/api/v1/auth/token", token,
                "{\"email\":\"a@keyhouse.test\",\"email\":\"b@keyhouse.test\",\"password\":\"x\"}"), 400, "email");
        assertProblem(post("/api/v1/auth/token", token,
                "{\"email\":\"a@keyhouse.test\",\"password\":\"x\",\"password\":\"y\"}"), 400, "password");
        JsonPath problem = JsonPath.from(post("/api/v1/auth/token", token,
                "{\"email\":\"a@keyhouse.test\",\"email\":\"a@keyhouse.test\",\"password\":\"x\"}").body());
        assertThat(problem.getString("errors[0].message")).isEqualTo("is given more than once");
        assertProblem(post("/api/v1/users", json(bearer(adminJwt)),
                "{\"email\":\"dup@keyhouse.test\",\"password\":\"a-long-enough-password-1\",\"role\":\"viewer\","
                        + "\"role\":\"admin\"}"), 400, "role");
        assertProblem(send("PUT", "/api/v1/settings/llm", Map.of("Authorization", "Bearer " + adminJwt,
                "Content-Type", "application/json", "If-Match", "\"1\""), "{\"model\":\"a\",\"model\":\"b\"}"),
                400, "model");
    }

    @Test
    void aMultipartOrOtherWrongContentTypeIs415() {
        String multipart = "--b\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@keyhouse.test\r\n--b--\r\n";
        Map<String, String> parts = Map.of("Content-Type", "multipart/form-data; boundary=b");
        assertProblem(post("/api/v1/auth/token", parts, multipart), 415, null);
        assertProblem(post("/api/v1/runtimes", with(bearer(adminJwt), parts), multipart), 415, null);
        assertProblem(send("PUT", "/api/v1/settings/llm", with(bearer(adminJwt), parts), multipart), 415, null);
        assertProblem(post("/api/v1/auth/token", Map.of("Content-Type", "text/plain"), "email=a"), 415, null);
        assertProblem(post("/api/v1/auth/token", Map.of("Content-Type", "application/xml"), "<a/>"), 415, null);
        // runtime-config takes no body: a multipart one is ignored by GET and refused (405) for POST
        Map<String, String> runtime = with(bearer(TestSettings.RUNTIME_CONFIG_TOKEN), parts);
        assertThat(send("GET", "/api/v1/internal/runtime-config", runtime, multipart).status()).isBetween(200, 499);
        assertProblem(post("/api/v1/internal/runtime-config", runtime, multipart), 405, null);
        // a charset the JVM does not know, on a page form
        RawHttp.Response unknownCharset = post("/admin/users", Map.of("Content-Type", FORM
                + "; charset=x-no-such-charset", "Cookie", cookies(adminJwt)), "email=a&csrf-token=" + csrf.token());
        assertThat(unknownCharset.status()).isEqualTo(415);
        assertThat(unknownCharset.body()).contains("Content-Type names a charset Keyhouse does not read");
    }

    @Test
    void bodiesOverTheLimitAre413() {
        byte[] big = ("{\"email\":\"" + "a".repeat(MalformedInputFuzzTest.MAX_BODY_BYTES) + "\"}")
                .getBytes(StandardCharsets.US_ASCII);
        RawHttp.Response api = send("POST", "/api/v1/auth/token", Map.of("Content-Type", "application/json"), big);
        assertProblem(api, 413, "body");
        RawHttp.Response page = send("POST", "/login", Map.of("Content-Type", FORM), big);
        assertThat(page.status()).isEqualTo(413);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        byte[] justUnder = ("{\"email\":\"" + "a".repeat(MalformedInputFuzzTest.MAX_BODY_BYTES - 100) + "\","
                + "\"password\":\"x\"}").getBytes(StandardCharsets.US_ASCII);
        assertThat(send("POST", "/api/v1/auth/token", Map.of("Content-Type", "application/json"), justUnder).status())
                .as("a body within the limit is read (and the long e-mail refused as a sign-in)").isIn(400, 401);
    }

    @Test
    void jsonBeyondJacksonsLimitsIs400NamingTheBody() {
        Map<String, String> json = Map.of("Content-Type", "application/json");
        Map<String, String> admin = with(bearer(adminJwt), json);
        JsonPath deep = assertProblem(send("PUT", "/api/v1/runtimes/999999", admin, "{\"config\":" + "[".repeat(2000)
                + "]".repeat(2000) + "}"), 400, "body");
        assertThat(deep.getString("errors[0].message")).isEqualTo("is nested too deeply");
        assertProblem(post("/api/v1/runtimes", admin, "{\"a\":".repeat(1500) + "1" + "}".repeat(1500)), 400, "body");
        JsonPath number = assertProblem(post("/api/v1/auth/token", json, "{\"email\":" + "9".repeat(2000) + "}"),
                400, "body");
        assertThat(number.getString("errors[0].message")).isEqualTo("has a number or a text longer than Keyhouse reads");
        assertProblem(post("/api/v1/auth/token", json, "{\"email\": \"a@keyh"), 400, "body");
        assertProblem(post("/api/v1/auth/token", json, "{\"email\": {}, \"password\": \"x\"}"), 400, "email");
        assertProblem(send("POST", "/api/v1/auth/token", json, new byte[] {'{', '"', 'e', (byte) 0xC3, 0x28, '"', ':',
                '1', '}'}), 400, "body");
    }

    @Test
    void aPagePostByBearerWithoutAFormRerendersItsPageWithoutA500() {
        // no form, so no CSRF token was made: the page still renders (its forms without a token)
        RawHttp.Response page = post("/admin/users", bearer(
                Callers.create().named("admin-tok").credential()), "");
        assertThat(page.status()).isBetween(400, 499);
    }

    @Test
    void theCharsetOfAContentTypeIsRead() {
        assertThat(MalformedRequests.charset(null)).isNull();
        assertThat(MalformedRequests.charset("application/json")).isNull();
        assertThat(MalformedRequests.charset("text/plain; Charset=\"UTF-8\"; x=y")).isEqualTo("UTF-8");
        assertThat(MalformedRequests.charset(FORM + ";charset=latin1")).isEqualTo("latin1");
    }

    @Test
    void urlEncodingIsCheckedForEscapesAndUtf8() {
        assertThat(MalformedRequests.isUrlEncoded(null)).isTrue();
        assertThat(MalformedRequests.isUrlEncoded("")).isTrue();
        assertThat(MalformedRequests.isUrlEncoded("a=b&c=%C3%A9+x%2F")).isTrue();
        for (String bad : List.of("%", "a=%2", "%zz", "%G0", "%C3%28", "%FF", "%ED%A0%80", "a=%E9")) {
            assertThat(MalformedRequests.isUrlEncoded(bad)).as(bad).isFalse();
        }
    }

    private static void assertNoError(LogCapture log, String what) {
        assertThat(log.text().lines().filter(l -> l.matches("\\S+ (ERROR|SEVERE|FATAL) .*")).toList())
                .as("ERROR lines for " + what).isEmpty();
    }

    /** Asserts a problem+json answer with this status, naming {@code field} first (unless null); returns it. */
    private static JsonPath assertProblem(RawHttp.Response response, int status, String field) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith(Problem.MEDIA_TYPE);
        JsonPath problem = JsonPath.from(response.body());
        assertThat(problem.getInt("status")).isEqualTo(status);
        if (field != null) {
            assertThat(problem.getString("errors[0].field")).as(response.body()).isEqualTo(field);
        }
        return problem;
    }

    private Map<String, String> pageForm() {
        return Map.of("Content-Type", FORM, "Cookie", cookies(null));
    }

    private String cookies(String session) {
        return csrf.cookieHeader(session);
    }

    private static Map<String, String> bearer(String credential) {
        return Map.of("Authorization", "Bearer " + credential);
    }

    private static Map<String, String> json(Map<String, String> headers) {
        return with(headers, Map.of("Content-Type", "application/json"));
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new LinkedHashMap<>(a);
        all.putAll(b);
        return all;
    }

    private static RawHttp.Response post(String path, Map<String, String> headers, String body) {
        return send("POST", path, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    private static RawHttp.Response send(String method, String path, Map<String, String> headers, String body) {
        return send(method, path, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    private static RawHttp.Response send(String method, String path, Map<String, String> headers, byte[] body) {
        return RawHttp.sendFromNewClient(method, path, headers, body);
    }
}
