package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.CsrfTokens;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Every state-changing route of the application (found in the compiled resources by {@link ResourceRoutes}, so a
 * new route is covered the day it is added) × every kind of body × every token a forged request could carry, sent
 * with a signed-in admin's session cookie: only the session's own token gets through, whatever the content type;
 * everything else is 403 before the resource runs. And the same routes by bearer header need no token at all.
 *
 * <p>Sign-in ({@code POST /login}, before any session) has its own rule, tested in {@code CsrfTest}.
 */
@QuarkusTest
class CsrfMatrixTest {

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
    private static final String SIGN_IN = "POST /login";
    /** Ends every session of the user who sends it, so its accepted cells each use a user of their own. */
    private static final String SIGN_OUT = "POST /logout";
    private static final Pattern TEMPLATE = Pattern.compile("\\{(\\w[\\w.-]*)}");

    /** How the request body is sent. */
    enum Body {
        NONE, TEXT, JSON, FORM, MULTIPART;

        boolean isForm() {
            return this == FORM || this == MULTIPART;
        }
    }

    /** The token a request carries: the session's own, or one a forger could come by. */
    enum Token {
        MISSING, WRONG, CLIENT_CHOSEN_PAIR, VISITOR_PAIR, OTHER_SESSION_SAME_USER, OTHER_USERS_SESSION, VALID
    }

    /** What a signed-in admin's browser holds, and what a forger could. */
    record Tokens(String session, String valid, String otherSession, String otherUser, Browser.Csrf visitor) {

        static Tokens signIn() {
            String email = Browser.uniqueEmail("csrf-matrix");
            Browser.newUser(email, "admin");
            String session = Browser.session(email, Browser.PASSWORD);
            String other = Browser.session(email, Browser.PASSWORD);
            String otherEmail = Browser.uniqueEmail("csrf-matrix-other");
            Browser.newUser(otherEmail, "admin");
            return new Tokens(session, Browser.csrfOf(session), Browser.csrfOf(other),
                    Browser.csrfOf(Browser.session(otherEmail, Browser.PASSWORD)), Browser.Csrf.fetch());
        }
    }

    @Test
    void theWriteRoutesComeFromTheCompiledResources() {
        List<String> routes = writeRoutes();
        assertThat(routes).contains("POST /logout", "POST /admin/runtimes/{id}/restart",
                "POST /admin/users/tokens/{id}/revoke", "POST /admin/rotate-credentials",
                "POST /admin/settings/{kind}/rollback", "DELETE /api/v1/runtimes/{id}", "PUT /api/v1/settings/{kind}",
                "PATCH /api/v1/users/{id}").doesNotContain(SIGN_IN);
        assertThat(routes).allMatch(route -> !SAFE.contains(route.split(" ")[0]));
    }

    @Test
    void everyCookieWriteNeedsItsSessionsOwnTokenWhateverTheBody() {
        Tokens tokens = Tokens.signIn();
        List<String> failures = new ArrayList<>();
        int cells = 0;
        for (String route : writeRoutes()) {
            int reached = 0;
            for (Body body : Body.values()) {
                String session = tokens.session();
                String valid = tokens.valid();
                if (route.equals(SIGN_OUT)) {
                    session = throwawaySession();
                    valid = Browser.csrfOf(session);
                }
                Response accepted = fire(route, body, session, Token.VALID, valid, tokens);
                cells++;
                // a body the route does not take is refused by content negotiation (415) before any check; a request
                // without a body always reaches the CSRF check
                boolean notTaken = accepted.statusCode() == 415;
                if (!notTaken) {
                    reached++;
                }
                if (notTaken && body == Body.NONE) {
                    failures.add(route + " NONE: 415 for a request without a body");
                }
                if (!notTaken && refused(accepted)) {
                    failures.add(route + " " + body + " VALID: refused, " + describe(accepted));
                }
                for (Token token : Token.values()) {
                    if (token == Token.VALID) {
                        continue;
                    }
                    Response forged = fire(route, body, tokens.session(), token, tokens.valid(), tokens);
                    cells++;
                    String problem = notTaken ? (forged.statusCode() == 415 ? null : "wanted 415 like the valid one")
                            : csrfRefusalProblem(route, forged);
                    if (problem != null) {
                        failures.add(route + " " + body + " " + token + ": " + problem + ", " + describe(forged));
                    }
                }
            }
            if (reached < 2) {
                failures.add(route + ": only " + reached + " kind of body reached the CSRF check (wanted none and "
                        + "the route's own)");
            }
        }
        assertThat(cells).isGreaterThan(500);
        assertThat(failures).as("cookie writes that were not refused for want of their session's token, or refused "
                + "with it").isEmpty();
        given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, tokens.session()).get("/admin/users")
                .then().statusCode(200);
    }

    /**
     * An API token always wins over a session cookie (its mechanism runs first); a bearer JWT is read only when
     * there is no session cookie (SmallRye JWT's order), so a JWT sent with a cookie is a cookie write.
     */
    @Test
    void bearerWritesNeedNoToken() {
        Tokens tokens = Tokens.signIn();
        String apiToken = given().auth().oauth2(Browser.adminBearer()).contentType(ContentType.JSON)
                .body("{\"name\":\"csrf-matrix-" + System.nanoTime() + "\",\"role\":\"admin\"}")
                .post("/api/v1/tokens").then().statusCode(201).extract().path("token");
        String email = Browser.uniqueEmail("csrf-matrix-bearer");
        Browser.newUser(email, "admin");
        String jwt = Browser.bearer(email, Browser.PASSWORD);
        List<String> failures = new ArrayList<>();
        for (String route : writeRoutes()) {
            String[] methodAndPath = route.split(" ", 2);
            boolean api = methodAndPath[1].startsWith("/api/");
            for (String bearer : List.of(apiToken, apiToken + " with cookie", jwt, jwt + " with cookie")) {
                boolean withCookie = bearer.endsWith(" with cookie");
                String credential = withCookie ? bearer.substring(0, bearer.length() - " with cookie".length()) : bearer;
                if (route.equals(SIGN_OUT) && credential.equals(jwt)) {
                    String throwaway = Browser.uniqueEmail("csrf-matrix-out");
                    Browser.newUser(throwaway, "admin");
                    credential = Browser.bearer(throwaway, Browser.PASSWORD);
                }
                RequestSpecification request = given().redirects().follow(false)
                        .header("Authorization", "Bearer " + credential);
                if (withCookie) {
                    request.cookie(SessionTokens.SESSION_COOKIE, tokens.session());
                }
                if (api) {
                    request.contentType(ContentType.JSON).body("{}");
                } else {
                    request.contentType(ContentType.URLENC).formParam("unrelated", "x");
                }
                Response response = request.request(methodAndPath[0], concrete(route));
                if (withCookie && !credential.startsWith("kh_")) {
                    // SmallRye JWT reads the session cookie first: the cookie's session acts, so it is a cookie write
                    String problem = csrfRefusalProblem(route, response);
                    if (problem != null) {
                        failures.add(route + " by JWT and a session cookie: " + problem + ", " + describe(response));
                    }
                } else if (refused(response)) {
                    failures.add(route + " by " + (credential.startsWith("kh_") ? "API token" : "JWT")
                            + (withCookie ? " and a session cookie" : "") + ": " + describe(response));
                }
            }
        }
        assertThat(failures).as("bearer writes refused, or a JWT-and-cookie write let through without the cookie "
                + "session's token").isEmpty();
    }

    /**
     * What the browser test cannot cheaply show here: every page and fragment an admin loads (each GET route the
     * application has, real ids where a form needs a row) carries the session's token in every POST form, and every
     * full page sends it as the header of its htmx requests ({@code hx-headers} on {@code <body>}, which htmx
     * inherits). A page with an htmx write (hx-post, hx-put, hx-patch, hx-delete) must be such a full page.
     */
    @Test
    void everyPageCarriesItsSessionsTokenInEachFormAndForHtmx() {
        String admin = Browser.adminBearer();
        long target = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body("{\"name\":\"csrf-page-" + System.nanoTime() + "\",\"driver\":\"command\",\"dependsOn\":[\"llm\"],"
                        + "\"enabled\":false,\"config\":{\"command\":\"true\"}}")
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
        long token = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body("{\"name\":\"csrf-page-" + System.nanoTime() + "\",\"role\":\"viewer\"}")
                .post("/api/v1/tokens").then().statusCode(201).extract().jsonPath().getLong("id");
        long user = Browser.newUser(Browser.uniqueEmail("csrf-page"), "viewer");
        // the confirmation steps (issue 20, item 5) hold the POST forms of delete, restart, revoke and disable
        Map<String, Long> rows = Map.of("GET /admin/runtimes/{id}", target, "GET /admin/users/tokens/{id}", token,
                "GET /admin/users/{id}", user);
        for (int i = 0; i < 2; i++) {
            String etag = given().auth().oauth2(admin).get("/api/v1/settings/tts").then().extract().header("ETag");
            given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                    .body("{\"provider\":\"sarvam\",\"voice\":\"voice-" + i + "\",\"apiKey\":\"sv-csrf-page-0011223344556677\"}")
                    .put("/api/v1/settings/tts").then().statusCode(200);
        }
        Tokens tokens = Tokens.signIn();
        Pattern form = Pattern.compile("<form\\b[^>]*\\bmethod=\"post\"[^>]*>(.*?)</form>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
        Pattern action = Pattern.compile("action=\"([^\"]*)\"");
        String field = "<input type=\"hidden\" name=\"" + CsrfTokens.FORM_FIELD + "\" value=\"" + tokens.valid() + "\">";
        String htmxHeader = "hx-headers='{\"" + CsrfTokens.HEADER + "\": \"" + tokens.valid() + "\"}'";
        Set<String> actions = new java.util.TreeSet<>();
        List<String> failures = new ArrayList<>();
        for (String route : ResourceRoutes.of(Path.of("target", "classes"))) {
            if (!route.startsWith("GET ") || route.startsWith("GET /api/")) {
                continue;
            }
            Long row = rows.entrySet().stream().filter(r -> route.startsWith(r.getKey())).map(Map.Entry::getValue)
                    .findFirst().orElse(null);
            String path = row != null ? route.substring(4).replace("{id}", String.valueOf(row))
                    : route.equals("GET /admin/settings/{kind}") ? "/admin/settings/tts" : concrete(route);
            Response page = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, tokens.session())
                    .get(path);
            String type = page.contentType() == null ? "" : page.contentType();
            if (page.statusCode() != 200 || !type.startsWith("text/html")) {
                continue;
            }
            String html = page.asString();
            boolean fullPage = html.contains("<body");
            if (fullPage && !html.contains(htmxHeader)) {
                failures.add(path + ": <body> does not send the session's token with htmx requests");
            }
            if (!fullPage && Pattern.compile("\\bhx-(post|put|patch|delete)=").matcher(html).find()) {
                failures.add(path + ": a fragment with an htmx write has no <body> to inherit the token header from");
            }
            java.util.regex.Matcher forms = form.matcher(html);
            while (forms.find()) {
                java.util.regex.Matcher to = action.matcher(forms.group());
                String where = to.find() ? to.group(1) : "?";
                if (where.equals("/login")) {
                    continue; // sign-in takes the visitor token (CsrfTest)
                }
                actions.add(where.replaceAll("/\\d+", "/{id}"));
                if (!forms.group(1).contains(field)) {
                    failures.add(path + ": the form to " + where + " lacks the session's token");
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(actions).as("the pages' write forms, each seen at least once").contains("/logout",
                "/admin/users", "/admin/users/{id}", "/admin/users/tokens", "/admin/users/tokens/{id}/revoke",
                "/admin/settings/tts", "/admin/settings/tts/rollback", "/admin/runtimes/{id}/restart",
                "/admin/runtimes/{id}/enabled", "/admin/runtimes/{id}/delete", "/admin/runtimes/{id}",
                "/admin/runtimes/{id}/hold", "/admin/settings/stt/providers",
                "/admin/rotate-credentials", "/admin/shared-secrets");
    }

    /**
     * Every route but GET, HEAD and OPTIONS, sign-in left out, and the runtimes' own endpoints (INTERNAL in
     * SecurityMatrixTest, which proves they refuse every user credential, cookie or bearer, with 401: CSRF cannot
     * apply to a route no browser session can call).
     */
    static List<String> writeRoutes() {
        return ResourceRoutes.of(Path.of("target", "classes")).stream()
                .filter(route -> !SAFE.contains(route.split(" ")[0]))
                .filter(route -> !route.equals(SIGN_IN))
                .filter(route -> SecurityMatrixTest.ROUTES.stream().noneMatch(r -> r.key().equals(route)
                        && r.access() == SecurityMatrixTest.Access.INTERNAL))
                .toList();
    }

    private static Response fire(String route, Body body, String session, Token token, String valid, Tokens tokens) {
        String[] methodAndPath = route.split(" ", 2);
        String value = switch (token) {
            case MISSING -> null;
            case WRONG -> valid.substring(0, valid.length() - 1) + (valid.endsWith("A") ? "B" : "A");
            case CLIENT_CHOSEN_PAIR -> "A".repeat(43);
            case VISITOR_PAIR -> tokens.visitor().token();
            case OTHER_SESSION_SAME_USER -> tokens.otherSession();
            case OTHER_USERS_SESSION -> tokens.otherUser();
            case VALID -> valid;
        };
        RequestSpecification request = given().redirects().follow(false)
                .cookie(SessionTokens.SESSION_COOKIE, session);
        if (token == Token.CLIENT_CHOSEN_PAIR) {
            request.cookie(CsrfTokens.VISITOR_COOKIE, value);
        } else if (token == Token.VISITOR_PAIR) {
            request.cookie(CsrfTokens.VISITOR_COOKIE, tokens.visitor().cookie());
        }
        if (value != null && !body.isForm()) {
            request.header(CsrfTokens.HEADER, value);
        }
        switch (body) {
            // no body and no Content-Type (RestAssured would otherwise label an empty POST as a form)
            case NONE -> request.noContentType();
            // the session's token inside a body that is not a form counts for nothing
            case TEXT -> request.contentType("text/plain").body(CsrfTokens.FORM_FIELD + "=" + valid);
            case JSON -> request.contentType(ContentType.JSON).body("{\"" + CsrfTokens.FORM_FIELD + "\":\"" + valid + "\"}");
            case FORM -> {
                request.contentType(ContentType.URLENC).formParam("unrelated", "x");
                if (value != null) {
                    request.formParam(CsrfTokens.FORM_FIELD, value);
                }
            }
            case MULTIPART -> {
                request.multiPart("unrelated", "x");
                if (value != null) {
                    request.multiPart(CsrfTokens.FORM_FIELD, value);
                }
            }
        }
        return request.request(methodAndPath[0], concrete(route));
    }

    /** Why the response is not the CSRF refusal (403, problem+json under /api, a page elsewhere), or null. */
    private static String csrfRefusalProblem(String route, Response response) {
        boolean api = route.split(" ", 2)[1].startsWith("/api/");
        String type = response.contentType() == null ? "" : response.contentType();
        if (response.statusCode() != 403) {
            return "wanted 403";
        }
        if (!type.startsWith(api ? Problem.MEDIA_TYPE : "text/html")) {
            return "wanted " + (api ? Problem.MEDIA_TYPE : "text/html");
        }
        return response.asString().contains("CSRF token") ? null : "the answer does not name the CSRF token";
    }

    /** Refused (401, 403, a sign-in redirect) or failed (5xx): access the caller should have had was not given. */
    private static boolean refused(Response response) {
        return response.statusCode() == 401 || response.statusCode() == 403 || response.statusCode() >= 500
                || SecurityMatrixTest.isSignInRedirect(response);
    }

    private static String describe(Response response) {
        String body = response.asString();
        return "got " + response.statusCode() + " " + response.contentType() + " "
                + body.substring(0, Math.min(160, body.length())).replace('\n', ' ');
    }

    /** The route's path with the parameters SecurityMatrixTest declares for it (999999 for each otherwise). */
    private static String concrete(String route) {
        return SecurityMatrixTest.ROUTES.stream().filter(r -> r.key().equals(route)).findFirst()
                .map(SecurityMatrixTest.Route::concretePath)
                .orElseGet(() -> TEMPLATE.matcher(route.split(" ", 2)[1]).replaceAll("999999"));
    }

    private static String throwawaySession() {
        String email = Browser.uniqueEmail("csrf-matrix-out");
        Browser.newUser(email, "admin");
        return Browser.session(email, Browser.PASSWORD);
    }
}
