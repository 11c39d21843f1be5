package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.auth.Callers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Issue 20, "error pages are not one thing": every error answer of a page route is the error page in the layout
 * (its title "… · Keyhouse", the top bar, one reason line, a link back) with one wording per status, whichever layer
 * refused the request (a check before routing, the router, RESTEasy, a resource); every /api error is problem+json
 * with the same title and reason. One table of inputs, each sent to a page route and to an API route.
 */
@QuarkusTest
class ErrorPagesTest {

    private static final String FORM = "application/x-www-form-urlencoded";

    /** One bad request: what is sent, the status, the title and the reason line a page shows. */
    record Case(String what, String method, String pagePath, String apiPath, String contentType, byte[] body,
            int status, String title, String reason, boolean chunked) {

        Case(String what, String method, String pagePath, String apiPath, String contentType, byte[] body, int status,
                String title, String reason) {
            this(what, method, pagePath, apiPath, contentType, body, status, title, reason, false);
        }
    }

    private String admin;
    private SecurityMatrixTest.Csrf csrf;

    @BeforeEach
    void callers() {
        csrf = SecurityMatrixTest.Csrf.fetch();
        admin = Callers.create().named("admin").credential();
    }

    private List<Case> cases() {
        byte[] field200k = ("model=" + "a".repeat(200_000) + "&csrf-token=" + csrf.token())
                .getBytes(StandardCharsets.US_ASCII);
        byte[] field70k = ("model=" + "a".repeat(70_000) + "&csrf-token=" + csrf.token())
                .getBytes(StandardCharsets.US_ASCII);
        String fieldLimit = "a form field is over Keyhouse's limit of 64 KiB per field";
        String bodyLimit = "the request body is over Keyhouse's limit of 1 MiB";
        return List.of(
                new Case("a 200 KB form field", "POST", "/admin/settings/llm", null, FORM, field200k, 413,
                        "Content Too Large", fieldLimit),
                // pagewords, point 2: without a Content-Length the field's limit is still the one named
                new Case("a 70 KB form field sent chunked", "POST", "/admin/settings/llm", null, FORM, field70k, 413,
                        "Content Too Large", fieldLimit, true),
                new Case("a 5 MB body", "POST", "/admin/settings/llm", "/api/v1/users", FORM, new byte[5_000_000], 413,
                        "Content Too Large", bodyLimit),
                new Case("a 2 MB form sent chunked", "POST", "/admin/settings/llm", null, FORM, new byte[2_000_000],
                        413, "Content Too Large", bodyLimit, true),
                new Case("a NUL in a query parameter", "GET", "/admin/audit?actor=%00", "/api/v1/audit?actor=%00", null,
                        null, 400, "Bad Request", "actor: has the control character U+0000 at position 1"),
                new Case("no such page", "GET", "/admin/no-such-page", "/api/v1/no-such-thing", null, null, 404,
                        "Not Found", "there is nothing at this address; check the link, or start again from the home page"),
                new Case("no such page at the root", "GET", "/no-such-page", null, null, null, 404, "Not Found",
                        "there is nothing at this address; check the link, or start again from the home page"),
                new Case("an unknown user", "GET", "/admin/users/999999999/disable", null, null, null,
                        404, "Not Found", "user 999999999 does not exist"),
                new Case("a method the route does not take", "DELETE", "/admin/audit", "/api/v1/audit", null, null,
                        405, "Method Not Allowed", "this address does not take a request of this method"),
                new Case("a body of another media type", "POST", "/admin/settings/llm", "/api/v1/users",
                        "application/xml", "<a/>".getBytes(StandardCharsets.US_ASCII), 415, "Unsupported Media Type",
                        "this address does not take a body of this Content-Type (pages take their own forms)"));
    }

    @Test
    void everyPageErrorIsTheLayoutErrorPageWithOneWordingPerStatus() {
        for (Case c : cases()) {
            Map<String, String> headers = new LinkedHashMap<>(Map.of("Cookie", csrf.cookieHeader(admin)));
            if (c.contentType() != null) {
                headers.put("Content-Type", c.contentType());
            }
            if (c.chunked()) {
                headers.put("Transfer-Encoding", "chunked");
            }
            RawHttp.Response page = RawHttp.sendFromNewClient(c.method(), c.pagePath(), headers, c.body());
            String body = page.body();
            assertThat(page.status()).as(c.what() + ": " + body).isEqualTo(c.status());
            assertThat(page.header("Content-Type")).as(c.what()).startsWith("text/html");
            assertThat(body).as(c.what())
                    .contains("<title>" + c.title() + " · Keyhouse</title>", "<header class=\"top\">",
                            "<a class=\"brand\" href=\"/admin\">Keyhouse</a>", "<link rel=\"stylesheet\"",
                            "<h1>" + c.status() + " · " + c.title() + "</h1>", "<p>" + html(c.reason()) + "</p>",
                            "<a href=\"/admin\">Back to Keyhouse</a>")
                    .doesNotContain("Exception", "\tat ", "at dev.keyhouse", "at io.");
        }
    }

    /**
     * Pagewords, point 4: an error page has the top bar of every other page: for a signed-in caller the navigation
     * and a Sign out form carrying the session's CSRF token (the one its other pages carry); for a visitor none of
     * it. Every refusal, whichever layer made it: also one made before routing ({@code MalformedRequests}: a declared
     * body over 1 MiB, a bad query parameter) or by RESTEasy on the event loop (no such page, a method or media type
     * the route does not take), where the session is read for the page (smalls, point 1).
     */
    @Test
    void everyErrorPageHasTheTopBarOfWhoIsSignedIn() {
        String signedIn = csrf.cookieHeader(admin);
        RawHttp.Response settings = RawHttp.sendFromNewClient("GET", "/admin/settings", Map.of("Cookie", signedIn),
                null);
        String token = settings.body().replaceAll("(?s).*name=\"csrf-token\" value=\"([^\"]+)\".*", "$1");
        assertThat(token).as("the session's token on an ordinary page").hasSizeBetween(16, 200);
        List<String> withBar = new java.util.ArrayList<>();
        for (Case c : cases()) {
            for (boolean session : List.of(true, false)) {
                Map<String, String> headers = new LinkedHashMap<>(Map.of("Cookie",
                        session ? signedIn : csrf.cookieHeader(null)));
                if (c.contentType() != null) {
                    headers.put("Content-Type", c.contentType());
                }
                if (c.chunked()) {
                    headers.put("Transfer-Encoding", "chunked");
                }
                String body = RawHttp.sendFromNewClient(c.method(), c.pagePath(), headers, c.body()).body();
                String what = c.what() + (session ? ", signed in: " : ", signed out: ") + body;
                assertThat(body).as(what).doesNotContain("name=\"csrf-token\" value=\"\"");
                if (session && body.contains("action=\"/logout\"")) {
                    withBar.add(c.what());
                    assertThat(body).as(what).contains("<a href=\"/admin/audit\">Audit log</a>",
                            "<form class=\"signout\" method=\"post\" action=\"/logout\">",
                            "name=\"csrf-token\" value=\"" + token + "\"", "<button type=\"submit\">Sign out</button>");
                }
                if (!session) {
                    // a visitor's refusal may be no page at all (sent to sign in): whatever it is has no top bar
                    assertThat(body).as(what).doesNotContain("action=\"/logout\"", "Audit log</a>", "Sign out");
                }
            }
        }
        System.out.println("error pages with the signed-in top bar: " + withBar);
        assertThat(withBar).as("every refusal's page").containsExactlyElementsOf(cases().stream().map(Case::what)
                .toList());
    }

    @Test
    void everyApiErrorIsProblemJsonWithTheSameTitleAndReason() {
        for (Case c : cases()) {
            if (c.apiPath() == null) {
                continue;
            }
            Map<String, String> headers = new LinkedHashMap<>(Map.of("Authorization", "Bearer " + admin));
            headers.put("Content-Type", c.contentType() == null || c.contentType().equals(FORM) ? "application/json"
                    : c.contentType());
            RawHttp.Response api = RawHttp.sendFromNewClient(c.method(), c.apiPath(), headers, c.body());
            assertThat(api.status()).as(c.what() + ": " + api.body()).isEqualTo(c.status());
            assertThat(api.header("Content-Type")).as(c.what()).startsWith(Problem.MEDIA_TYPE);
            JsonPath problem = JsonPath.from(api.body());
            assertThat(problem.getInt("status")).as(c.what()).isEqualTo(c.status());
            assertThat(problem.getString("title")).as(c.what()).isEqualTo(c.title());
            List<Map<String, String>> errors = problem.getList("errors");
            String reason = errors == null || errors.isEmpty() || c.status() == 413 ? problem.getString("detail")
                    : errors.get(0).get("field") + ": " + errors.get(0).get("message");
            assertThat(reason).as(c.what()).isEqualTo(c.reason());
            assertThat(api.body()).as(c.what()).doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void sizesAreWrittenInBinaryUnits() {
        assertThat(ErrorWording.size(1024 * 1024)).isEqualTo("1 MiB");
        assertThat(ErrorWording.size(64 * 1024)).isEqualTo("64 KiB");
        assertThat(ErrorWording.size(1536 * 1024)).isEqualTo("1.5 MiB");
        assertThat(ErrorWording.size(900)).isEqualTo("900 bytes");
        assertThat(ErrorWording.title(404)).isEqualTo("Not Found");
        assertThat(new NotFound("user 7").title()).isEqualTo("Not Found");
    }

    private static String html(String text) {
        return text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
