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
                assertThat(page.body()).as(body).contains("body: has an invalid %-escape or is not UTF-8");
                assertNoError(log, body);
            }
        }
        // the Latin-1 bytes of "été": decoded as U+FFFD, which no field takes
        for (String email : List.of("%E9t%E9%40b.test", "%C3%28%40b.test", "%FF%FE%40b.test")) {
            RawHttp.Response latin1 = post("/login", pageForm(), "email=" + email + "&password=x&csrf-token=" + csrf.token());
            assertThat(latin1.status()).as(email).isEqualTo(400);
            assertThat(latin1.body()).as(email).contains("email: non-UTF-8 input U+FFFD (replacement character) at position 1");
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
                assertThat(page.body()).as(control).contains("email: ").containsPattern("character U\\+[0-9A-F]{4}");
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

    /**
     * Issue 19 (h19g points 1 and 2): a JSON body is read after the id in the path is looked up, so an unknown id is a
     * 404 naming it whatever the body (malformed, of the wrong shape, with a key twice), on every resource with an id
     * and a JSON body; a path segment that is no id at all is a 404 naming the path.
     */
    @Test
    void anUnknownIdIsA404BeforeTheBodyIsRead() {
        Map<String, String> admin = with(json(bearer(adminJwt)), Map.of("If-Match", "\"1\""));
        Map<String, String> unknown = Map.of(
                "PUT /api/v1/shared-secrets/987654321", "shared secret 987654321 does not exist",
                "POST /api/v1/shared-secrets/987654321/rollback", "shared secret 987654321 does not exist",
                "PUT /api/v1/runtimes/987654321", "runtime target 987654321 does not exist",
                "PATCH /api/v1/users/987654321", "user 987654321 does not exist",
                "PUT /api/v1/settings/nokind", "settings kind 'nokind' does not exist",
                "PUT /api/v1/settings/llm/providers/999999", "llm has no provider entry 999999");
        for (Map.Entry<String, String> route : unknown.entrySet()) {
            String[] methodPath = route.getKey().split(" ");
            for (String body : List.of("{\"model\":", "{\"a\": 1, \"a\": 2}", "[1]", "{\"version\": 1}")) {
                JsonPath problem = assertProblem(send(methodPath[0], methodPath[1], admin, body), 404, null);
                assertThat(problem.getString("detail")).as(route.getKey() + " " + body).isEqualTo(route.getValue());
            }
        }
        // issue 19 point 5: a segment that is no id is never repeated (JSON-escaped or not), on REST and page routes
        Map<String, String> noId = new LinkedHashMap<>();
        noId.put("PUT /api/v1/shared-secrets/abc", "no shared secret has that id (ids are whole numbers)");
        noId.put("PUT /api/v1/shared-secrets/abc%22x", "no shared secret has that id (ids are whole numbers)");
        noId.put("PUT /api/v1/runtimes/abc%22x", "no runtime target has that id (ids are whole numbers)");
        noId.put("PATCH /api/v1/users/abc%22x", "no user has that id (ids are whole numbers)");
        noId.put("DELETE /api/v1/tokens/abc%22x", "no API token has that id (ids are whole numbers)");
        noId.put("PUT /api/v1/settings/stt/providers/abc%22x",
                "stt has no provider entry with that id (ids are whole numbers)");
        noId.put("PUT /api/v1/settings/abc%22x", "there is no settings kind of that name (the kinds are");
        noId.forEach((route, sentence) -> {
            String[] methodPath = route.split(" ");
            RawHttp.Response answer = send(methodPath[0], methodPath[1], admin, "{\"model\":");
            JsonPath problem = assertProblem(answer, 404, null);
            assertThat(problem.getString("detail")).as(route).startsWith(sentence);
            assertThat(answer.body()).as(route).doesNotContain("abc");
        });
        for (String page : List.of("/admin/shared-secrets/abc%22x", "/admin/runtimes/abc%22x",
                "/admin/settings/stt/providers/abc%22x", "/admin/settings/abc%22x")) {
            RawHttp.Response answer = send("GET", page, Map.of("Authorization", "Bearer " + adminJwt), (String) null);
            assertThat(answer.status()).as(page).isEqualTo(404);
            assertThat(answer.body()).as(page).doesNotContain("abc").containsPattern("(that id|of that name)");
        }
        // a known id: the malformed body is the 400 naming the body, as before
        assertProblem(send("PUT", "/api/v1/settings/llm", admin, "{\"model\":"), 400, "body");
    }

    /**
     * A runtime target's unknown member or driver setting is named when it is a plain name and never echoed
     * otherwise: a key pasted in the wrong place (here as a member's name) must not come back in the error.
     */
    @Test
    void anUnknownTargetMemberIsNamedOnlyWhenItIsAPlainName() {
        Map<String, String> admin = json(bearer(adminJwt));
        String pasted = "sk-planted Key/9f31c";
        JsonPath member = assertProblem(post("/api/v1/runtimes", admin, "{\"name\":\"m1\",\"driver\":\"http\","
                + "\"dependsOn\":[\"llm\"],\"" + pasted + "\":\"x\",\"colour\":\"blue\"}"), 400, "(a key)");
        // with every other problem of the body (issue 19 point 3: here the http driver's required settings)
        assertThat(member.getList("errors.field")).contains("(a key)", "colour").doesNotContain("config.(a key)");
        JsonPath setting = assertProblem(post("/api/v1/runtimes", admin, "{\"name\":\"m1\",\"driver\":\"http\","
                + "\"dependsOn\":[\"llm\"],\"config\":{\"url\":\"http://127.0.0.1:9/hook\",\"" + pasted
                + "\":\"x\"}}"), 400, null);
        assertThat(setting.getList("errors.field")).contains("config.(a key)");
        assertThat(setting.getString("errors.find { it.field == 'config.(a key)' }.message"))
                .isEqualTo("is not a setting of the http driver");
        assertThat(member.prettify() + setting.prettify()).doesNotContain("planted");
    }

    /**
     * The same rule on every JSON body: an unknown member whose name is not plain (a space, a slash) or is longer than
     * any field Keyhouse reads (a pasted {@code sk-proj-…} key) is "(a key)", in settings, fallback entries, shared
     * secrets, runtime targets and bodies Jackson reads (users), and never reaches the answer.
     */
    @Test
    void anUnknownMemberIsNamedOnlyWhenItIsPlainInEveryBody() {
        Map<String, String> admin = json(bearer(adminJwt));
        String etag = send("GET", "/api/v1/settings/llm", bearer(adminJwt), (String) null).header("ETag");
        Map<String, String> ifMatch = new java.util.HashMap<>(admin);
        ifMatch.put("If-Match", etag);
        for (String pasted : List.of("sk-planted Key/9f31c", "sk-proj-planted0A1b2C3d4E5f6G7h8I9j0K1l2M3n4")) {
            Map<String, RawHttp.Response> answers = new java.util.LinkedHashMap<>();
            answers.put("settings", send("PUT", "/api/v1/settings/llm", ifMatch,
                    "{\"model\":\"gpt-4o\",\"" + pasted + "\":\"x\"}"));
            answers.put("fallback", post("/api/v1/settings/stt/providers", admin, "{\"provider\":\"deepgram\","
                    + "\"model\":\"nova-2\",\"" + pasted + "\":\"x\"}"));
            answers.put("shared secret", post("/api/v1/shared-secrets", admin, "{\"name\":\"n1\",\"variable\":"
                    + "\"N1_SECRET\",\"" + pasted + "\":\"x\"}"));
            answers.put("target", post("/api/v1/runtimes", admin, "{\"name\":\"m1\",\"driver\":\"http\","
                    + "\"dependsOn\":[\"llm\"],\"" + pasted + "\":\"x\"}"));
            answers.put("user", post("/api/v1/users", admin, "{\"email\":\"u1@keyhouse.test\",\"role\":\"viewer\","
                    + "\"" + pasted + "\":\"x\"}"));
            answers.forEach((route, answer) -> {
                JsonPath problem = assertProblem(answer, 400, null);
                assertThat(problem.getList("errors.field", String.class)).as(route).contains("(a key)");
                assertThat(answer.body()).as(route).doesNotContain("planted");
            });
        }
    }

    /**
     * Issue 19, point 1: an unknown member is "not a field" whatever its value (a number, an object, a list, true),
     * never "has the wrong type", in every JSON body that writes (settings, fallback entries, shared secrets, runtime
     * targets and their config, users).
     */
    @Test
    void anUnknownMemberWithANonStringValueIsNotAFieldInEveryBody() {
        Map<String, String> admin = json(bearer(adminJwt));
        String etag = send("GET", "/api/v1/settings/llm", bearer(adminJwt), (String) null).header("ETag");
        Map<String, String> ifMatch = with(admin, Map.of("If-Match", etag));
        for (String value : List.of("5", "{}", "[1]", "true")) {
            Map<String, RawHttp.Response> answers = new LinkedHashMap<>();
            answers.put("settings", send("PUT", "/api/v1/settings/llm", ifMatch,
                    "{\"model\":\"gpt-4o\",\"bogus\":" + value + "}"));
            answers.put("fallback", post("/api/v1/settings/stt/providers", admin, "{\"provider\":\"deepgram\","
                    + "\"model\":\"nova-2\",\"bogus\":" + value + "}"));
            answers.put("shared secret", post("/api/v1/shared-secrets", admin, "{\"name\":\"n1\",\"variable\":"
                    + "\"N1_SECRET\",\"bogus\":" + value + "}"));
            answers.put("target", post("/api/v1/runtimes", admin, "{\"name\":\"m1\",\"driver\":\"http\","
                    + "\"dependsOn\":[\"llm\"],\"bogus\":" + value + "}"));
            answers.put("user", post("/api/v1/users", admin, "{\"email\":\"u1@keyhouse.test\",\"role\":\"viewer\","
                    + "\"bogus\":" + value + "}"));
            answers.forEach((route, answer) -> {
                JsonPath problem = assertProblem(answer, 400, null);
                assertThat(problem.getString("errors.find { it.field == 'bogus' }.message")).as(route + " " + value)
                        .startsWith("is not a").doesNotContain("wrong type");
            });
            JsonPath config = assertProblem(post("/api/v1/runtimes", admin, "{\"name\":\"m1\",\"driver\":"
                    + "\"http\",\"dependsOn\":[\"llm\"],\"config\":{\"url\":\"http://127.0.0.1:9/hook\","
                    + "\"bogus\":" + value + "}}"), 400, null);
            assertThat(config.getString("errors.find { it.field == 'config.bogus' }.message")).as(value)
                    .isEqualTo("is not a setting of the http driver");
        }
    }

    /**
     * Issue 19, point 3: a body with two problems (one of its shape, one of the rules) names both in one answer, on
     * settings, fallback entries (a new one's {@code enabled} and {@code position} both) and runtime targets.
     */
    @Test
    void everyProblemOfABodyIsNamedInOneAnswer() {
        Map<String, String> admin = json(bearer(adminJwt));
        String etag = send("GET", "/api/v1/settings/llm", bearer(adminJwt), (String) null).header("ETag");
        Map<String, RawHttp.Response> answers = new LinkedHashMap<>();
        answers.put("bogus provider", send("PUT", "/api/v1/settings/llm", with(admin, Map.of("If-Match", etag)),
                "{\"provider\":\"no-such-provider\",\"bogus\":5}"));
        answers.put("enabled position", post("/api/v1/settings/stt/providers", admin,
                "{\"enabled\":false,\"position\":2}"));
        answers.put("provider model", post("/api/v1/settings/stt/providers", admin,
                "{\"provider\":\"no-such-provider\",\"model\":7}"));
        answers.put("enabled name", post("/api/v1/runtimes", admin,
                "{\"name\":\"bad name!\",\"driver\":\"http\",\"dependsOn\":[\"llm\"],\"enabled\":\"yes\"}"));
        Map<String, List<String>> named = Map.of("bogus provider", List.of("bogus", "provider"),
                "enabled position", List.of("enabled", "position"), "provider model", List.of("provider", "model"),
                "enabled name", List.of("enabled", "name"));
        answers.forEach((what, answer) -> assertThat(assertProblem(answer, 400, null)
                .getList("errors.field", String.class)).as(what + ": " + answer.body())
                .containsAll(named.get(what)));
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
        assertThat(unknownCharset.body()).contains("Content-Type: names a charset Keyhouse does not read");
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
        // POST: on an unknown id (PUT /api/v1/runtimes/999999) the 404 comes first, whatever the body
        JsonPath deep = assertProblem(post("/api/v1/runtimes", admin, "{\"config\":" + "[".repeat(2000)
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
    void aMalformedNegotiationHeaderIs400NamingTheHeaderOnEveryRoute() {
        String viewer = Callers.create().named("viewer").credential();
        List<String[]> malformed = List.of(
                new String[] {"Accept-Language", "en;q=abc"}, new String[] {"Accept-Language", "en;q=2"},
                new String[] {"Accept-Language", "*;q="}, new String[] {"Accept-Language", "en;q=1.5"},
                new String[] {"Accept-Language", "en;q=.5"}, new String[] {"Accept-Language", "en;q=0.1234"},
                new String[] {"Accept-Language", "de, ;q=0.5"}, new String[] {"Accept-Language", "en;level=1"},
                new String[] {"Accept", "text/html;q=x"}, new String[] {"Accept", "*/*;q=1.5"},
                new String[] {"Accept", "text/html;level="}, new String[] {"Accept", "text/html;level=\"1"},
                new String[] {"Accept", "text"}, new String[] {"Accept", "text/html;q=-1"},
                new String[] {"Accept", "text/html, */*;q=0.5;q"}, new String[] {"Accept-Charset", ";q=x"},
                new String[] {"Accept-Charset", "utf-8;q=2"}, new String[] {"Accept-Encoding", "gzip;q=x"},
                new String[] {"Accept-Encoding", "gzip;q="}, new String[] {"Accept-Encoding", "gzip;q=1.01"});
        for (String path : List.of("/login", "/admin", "/admin/audit", "/api/v1/audit", "/api/v1/environment",
                "/q/swagger-ui/index.html", "/q/openapi", "/no-such-page")) {
            for (String[] header : malformed) {
                String what = path + " " + header[0] + ": " + header[1];
                try (LogCapture log = LogCapture.install()) {
                    RawHttp.Response response = send("GET", path, Map.of(header[0], header[1], "Authorization",
                            "Bearer " + viewer), (byte[]) null);
                    if (path.startsWith("/api/")) {
                        assertThat(assertProblem(response, 400, header[0]).getString("errors[0].message"))
                                .as(what).startsWith("is malformed");
                    } else {
                        assertThat(response.status()).as(what).isEqualTo(400);
                        assertThat(response.body()).as(what).contains(header[0] + ": is malformed");
                    }
                    assertNoError(log, what);
                }
            }
        }
        // what browsers and HTTP clients send is read as before
        Map<String, String> browser = Map.of("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,"
                + "image/avif,image/webp,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7", "Accept-Language",
                "en-US,en;q=0.9,de-CH;q=0.5,*;q=0.1", "Accept-Encoding", "gzip, deflate, br, zstd, identity;q=0",
                "Accept-Charset", "utf-8, iso-8859-1;q=0.5");
        assertThat(send("GET", "/login", browser, (byte[]) null).status()).isEqualTo(200);
        assertThat(send("GET", "/api/v1/audit", with(bearer(viewer), Map.of("Accept",
                "application/json;q=1.000, application/problem+json;q=0., text/plain; charset=\"utf-8\"; q=0,")),
                (byte[]) null).status()).isEqualTo(200);
    }

    @Test
    void negotiationHeadersAreCheckedAgainstRfc9110() {
        for (String ok : List.of("", "en", "en-US, en;q=0.9", "*;q=0", "de;q=1.000", "fr;q=0.", ",, en ,")) {
            assertThat(MalformedRequests.isValidNegotiation("Accept-Language", ok)).as(ok).isTrue();
        }
        for (String ok : List.of("*/*", "text/html;level=1;q=0.5", "text/plain; charset=\"a;b,c\"", "a/b;;q=1")) {
            assertThat(MalformedRequests.isValidNegotiation("Accept", ok)).as(ok).isTrue();
        }
        for (String bad : List.of("en;q=abc", "en;q=2", "*;q=", ";q=0.5", "en;q", "en;q=1.5", "en;q=0.0001",
                "en;q=1e0", "en_US", "en;q=\"0.5\"", "en;x=1")) {
            assertThat(MalformedRequests.isValidNegotiation("Accept-Language", bad)).as(bad).isFalse();
        }
        for (String bad : List.of("text/html;level=", "text/html;q=x", "*/*;q=1.5", "text", "text/html;level=\"1",
                "/html", "text/html;=1", "text/html;a b=1")) {
            assertThat(MalformedRequests.isValidNegotiation("Accept", bad)).as(bad).isFalse();
        }
        assertThat(MalformedRequests.isValidNegotiation("Accept-Encoding", "gzip;q=x")).isFalse();
        assertThat(MalformedRequests.isValidNegotiation("Accept-Charset", ";q=x")).isFalse();
    }

    @Test
    void aControlCharacterOrNonUtf8InAnyQueryParameterIs400NamingItBeforeAnyResourceRuns() {
        String viewer = Callers.create().named("viewer").credential();
        Map<String, String> asViewer = bearer(viewer);
        List<String[]> cases = List.of(
                new String[] {"/api/v1/audit?kind=%00", "kind"}, new String[] {"/api/v1/audit?actor=%00", "actor"},
                new String[] {"/api/v1/audit?actor=a%00b", "actor"}, new String[] {"/admin/audit?actor=%00", "actor"},
                new String[] {"/admin/audit?kind=x%1Fy", "kind"}, new String[] {"/api/v1/audit?actor=%7F", "actor"},
                new String[] {"/api/v1/audit?page=1&actor=%0D%0A", "actor"},
                new String[] {"/api/v1/audit?actor=%C2%85", "actor"}, new String[] {"/api/v1/audit?actor=%C3%28", "actor"},
                new String[] {"/api/v1/audit?kind=%FF", "kind"}, new String[] {"/api/v1/audit?kind=%EF%BF%BD", "kind"},
                new String[] {"/api/v1/audit?actor=%E9t%E9", "actor"}, new String[] {"/api/v1/audit?a%00b=1", "query"},
                new String[] {"/api/v1/environment?unknown=%00", "unknown"}, new String[] {"/login?next=%00", "next"},
new String[] {"/q/openapi?format=%01", "format"},
                new String[] {"/no-such-page?x=%00", "x"});
        for (String[] c : cases) {
            try (LogCapture log = LogCapture.install()) {
                RawHttp.Response response = send("GET", c[0], asViewer, (byte[]) null);
                assertThat(response.status()).as(c[0]).isEqualTo(400);
                assertThat(response.body()).as(c[0]).isNotEmpty();
                if (c[0].startsWith("/api/")) {
                    assertProblem(response, 400, c[1]);
                } else {
                    assertThat(response.status()).as(c[0]).isEqualTo(400);
                    assertThat(response.body()).as(c[0]).contains(c[1] + ": ");
                }
                assertNoError(log, c[0]);
            }
        }
        assertThat(JsonPath.from(send("GET", "/api/v1/audit?actor=a%00b", asViewer, (byte[]) null).body())
                .getString("errors[0].message")).isEqualTo("has the control character U+0000 at position 2");
        // a POST's query is checked the same way, before the body is read or the CSRF token checked
        assertProblem(post("/api/v1/users?x=%00", json(bearer(adminJwt)), "{}"), 400, "x");
        // clean values still reach the resource
        assertThat(send("GET", "/api/v1/audit?actor=a%40b.test&kind=&page=0", asViewer, (byte[]) null).status())
                .isEqualTo(200);
        assertThat(send("GET", "/api/v1/audit?actor=%C3%A9t%C3%A9+x", asViewer, (byte[]) null).status())
                .isEqualTo(200);
    }

    @Test
    void anEncodedSlashBackslashOrDotSegmentInThePathIs400BeforeRouting() {
        String viewer = Callers.create().named("viewer").credential();
        List<String> paths = List.of("/q/swagger-ui%2Findex.html", "/q/swagger-ui%2Fswagger-ui-bundle.js",
                "/q/swagger-ui%2findex.html", "/q/swagger-ui%2F", "/q%2Fswagger-ui/index.html",
                "/q/swagger-ui%5Cindex.html", "/q/swagger-ui%5cindex.html", "/q/swagger-ui%252Findex.html",
                "/q/swagger-ui%25252Findex.html", "/q/swagger-ui/%2E%2E/openapi", "/q/%2e%2e/q/swagger-ui/index.html",
                "/x/%2e/q/swagger-ui/index.html", "/q/openapi%2Fx", "/admin%2Fusers", "/admin/users/%2e",
                "/admin/%2E./admin/users", "/admin/.%2e/admin/users", "/admin/audit%2F", "/api/v1/users%2F1",
                "/api/v1/%2e%2e/v1/users", "/api/v1%5Cusers", "/api/v1/settings/llm%2Frollback");
        for (String path : paths) {
            for (Map<String, String> caller : List.of(Map.<String, String>of(), bearer(viewer))) {
                try (LogCapture log = LogCapture.install()) {
                    RawHttp.Response response = send("GET", path, caller, (byte[]) null);
                    if (path.startsWith("/api/")) {
                        assertThat(assertProblem(response, 400, "path").getString("errors[0].message")).as(path)
                                .isEqualTo("has an encoded slash, backslash or dot segment");
                    } else {
                        assertThat(response.status()).as(path).isEqualTo(400);
                        assertThat(response.body()).as(path)
                                .contains("path: has an encoded slash, backslash or dot segment");
                    }
                    assertNoError(log, path);
                }
            }
        }
        // the Swagger UI itself is still behind sign-in
        assertThat(send("GET", "/q/swagger-ui/index.html", Map.of(), (byte[]) null).status()).isNotEqualTo(200);
        assertThat(MalformedRequests.hasEncodedSeparator("/api/v1/users/12")).isFalse();
        assertThat(MalformedRequests.hasEncodedSeparator("/admin/a%2Eb/x.y/%2E%2Ex")).isFalse();
    }

    @Test
    void aClientThatHangsUpMidBodyIsNotLoggedAsAServerError() throws Exception {
        try (LogCapture log = LogCapture.install()) {
            for (String[] request : List.of(new String[] {"POST", "/api/v1/auth/token", "application/json", ""},
                    new String[] {"POST", "/api/v1/users", "application/json", adminJwt},
                    new String[] {"PUT", "/api/v1/settings/llm", "application/json", adminJwt},
                    new String[] {"POST", "/login", FORM, ""})) {
                try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(),
                        io.restassured.RestAssured.port)) {
                    String head = request[0] + " " + request[1] + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                            + request[2] + "\r\nContent-Length: 100\r\nIf-Match: \"1\"\r\n"
                            + (request[3].isEmpty() ? "" : "Authorization: Bearer " + request[3] + "\r\n") + "\r\n{\"";
                    socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    Thread.sleep(200);
                }
            }
            Thread.sleep(1500);
            assertNoError(log, "a client that hung up");
            assertThat(log.text()).doesNotContain("HttpClosedException");
        }
        assertThat(ProblemMapper.clientHungUp(new RuntimeException(new io.vertx.core.http.HttpClosedException(
                "Connection was closed")))).isTrue();
        assertThat(ProblemMapper.clientHungUp(new java.io.IOException("Connection reset by peer"))).isTrue();
        assertThat(ProblemMapper.clientHungUp(new IllegalStateException("Connection was closed"))).isFalse();
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
