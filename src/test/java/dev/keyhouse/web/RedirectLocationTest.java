package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.http.Header;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * No answer puts the request's {@code Host} into a {@code Location} (or any other header, or the body): every
 * redirect and every created resource's Location is a relative path. A forged Host would otherwise send a browser
 * that follows the redirect, or a cache that stored it, to the attacker's host. Every route of the security matrix as
 * every caller is swept with a forged Host in {@link SecurityMatrixTest#noAnswerNamesAForgedHost}.
 */
@QuarkusTest
class RedirectLocationTest {

    static final String EVIL = "evil.example";
    /** Host values of the same kind: a name, a name with a port, upper case, an IPv4 and an IPv6 address. */
    private static final List<String> FORGED_HOSTS = List.of(EVIL, EVIL + ":8443", "EVIL.example",
            "203.0.113.66:80", "[2001:db8::66]:8080");

    @Test
    void theRootAndTheSignInRedirectAreRelativeWhateverTheHost() {
        for (String host : FORGED_HOSTS) {
            Response root = given().header("Host", host).redirects().follow(false).get("/");
            assertRedirect(root, 303, "/admin", host);
            Response page = given().header("Host", host).redirects().follow(false).get("/admin/users?x=1");
            assertRedirect(page, 303, "/login?next=%2Fadmin%2Fusers%3Fx%3D1", host);
            Response api = given().header("Host", host).get("/api/v1/users");
            assertThat(api.statusCode()).isEqualTo(401);
            assertNoLeak(api, host);
        }
        // a Host that is no host at all is refused before any route, and not echoed either
        Response malformed = given().header("Host", "user@" + EVIL).redirects().follow(false).get("/");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertNoLeak(malformed, EVIL);
    }

    @Test
    void signInSignOutAndTheAdminPagesRedirectRelatively() {
        // an admin of its own: signing out ends every session of the account
        String admin = Browser.uniqueEmail("redirect-admin");
        Browser.newUser(admin, "admin");
        for (String host : FORGED_HOSTS) {
            Browser.Csrf csrf = Browser.Csrf.fetch();
            Response signedIn = csrf.form().header("Host", host).formParam("email", admin)
                    .formParam("password", Browser.PASSWORD).formParam("next", "/admin/users?tab=2")
                    .post("/login");
            assertRedirect(signedIn, 303, "/admin/users?tab=2", host);
            String session = signedIn.getCookie(SessionTokens.SESSION_COOKIE);

            Response home = given().header("Host", host).cookie(SessionTokens.SESSION_COOKIE, session).redirects()
                    .follow(false).get("/admin");
            assertRedirect(home, 303, "/admin/settings", host);

            String email = Browser.uniqueEmail("redirect-user");
            Response added = pageForm(host, session, "/admin/users")
                    .formParam("email", email).formParam("password", Browser.PASSWORD).formParam("role", "viewer")
                    .post("/admin/users");
            assertRedirect(added, 303, "/admin/users", host);
            long id = userId(email);
            Response disabled = pageForm(host, session, "/admin/users").formParam("action", "disable").formParam("confirmed", "yes")
                    .post("/admin/users/" + id);
            assertRedirect(disabled, 303, "/admin/users", host);

            Response out = pageForm(host, session, "/admin/users").post("/logout");
            assertRedirect(out, 303, "/login", host);
        }
    }

    @Test
    void runtimePagesRedirectRelatively() {
        String host = EVIL;
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String name = "redirect-" + UUID.randomUUID().toString().substring(0, 8);
        Response created = pageForm(host, session, "/admin/runtimes?driver=command").formParam("name", name)
                .formParam("driver", "command").formParam("dependsOn", "tts").formParam("enabled", "true")
                .formParam("config.command", "true").post("/admin/runtimes");
        assertRedirect(created, 303, "/admin/runtimes", host);
        long id = given().auth().oauth2(Browser.adminBearer()).get("/api/v1/runtimes").jsonPath()
                .getLong("find { it.name == '" + name + "' }.id");

        Response restarted = pageForm(host, session, "/admin/runtimes").formParam("confirmed", "yes")
                .post("/admin/runtimes/" + id + "/restart");
        assertThat(restarted.statusCode()).isEqualTo(303);
        assertThat(restarted.header("Location")).matches("/admin/restarts/[0-9]+");
        assertNoLeak(restarted, host);

        Response api = given().header("Host", host).auth().oauth2(Browser.adminBearer())
                .contentType(ContentType.JSON).post("/api/v1/runtimes/" + id + "/restart");
        assertThat(api.statusCode()).isEqualTo(202);
        assertThat(api.header("Location")).isEqualTo("/api/v1/restarts/" + api.jsonPath().getLong("id"));
        assertNoLeak(api, host);

        Response held = pageForm(host, session, "/admin/runtimes/" + id).post("/admin/runtimes/" + id + "/hold");
        assertRedirect(held, 303, "/admin/runtimes/" + id, host);
        Response released = pageForm(host, session, "/admin/runtimes/" + id).post("/admin/runtimes/" + id + "/release");
        assertRedirect(released, 303, "/admin/runtimes/" + id, host);

        Response deleted = pageForm(host, session, "/admin/runtimes").formParam("confirmed", "yes")
                .post("/admin/runtimes/" + id + "/delete");
        assertRedirect(deleted, 303, "/admin/runtimes", host);
    }

    @Test
    void createdResourcesNameARelativeLocation() {
        String bearer = Browser.adminBearer();
        for (String host : FORGED_HOSTS) {
            Response user = given().header("Host", host).auth().oauth2(bearer).contentType(ContentType.JSON)
                    .body(Map.of("email", Browser.uniqueEmail("redirect-api"), "password", Browser.PASSWORD,
                            "role", "viewer"))
                    .post("/api/v1/users");
            assertThat(user.statusCode()).isEqualTo(201);
            assertThat(user.header("Location")).isEqualTo("/api/v1/users/" + user.jsonPath().getLong("id"));
            assertNoLeak(user, host);

            Response token = given().header("Host", host).auth().oauth2(bearer).contentType(ContentType.JSON)
                    .body(Map.of("name", "redirect-" + UUID.randomUUID(), "role", "viewer"))
                    .post("/api/v1/tokens");
            assertThat(token.statusCode()).isEqualTo(201);
            assertThat(token.header("Location")).matches("/api/v1/tokens/[0-9]+");
            assertNoLeak(token, host);
        }
    }

    @Test
    void quarkusOwnRoutesKeepTheForgedHostOutToo() {
        for (String path : new String[] {"/q/swagger-ui", "/q/swagger-ui/", "/q/openapi", "/q/health", "/q/metrics",
                "/static", "/static/keyhouse.css", "/no-such-path"}) {
            for (String host : FORGED_HOSTS) {
                Response response = given().header("Host", host).redirects().follow(false).get(path);
                assertThat(response.statusCode()).as("%s with Host %s", path, host).isLessThan(500);
                assertNoLeak(response, host);
            }
        }
    }

    @Test
    void noCodeBuildsALocationThatJaxRsWouldResolveAgainstTheHost() throws IOException {
        // Response.seeOther/created/temporaryRedirect and ResponseBuilder.location resolve a relative URI against
        // the request's base URI, whose host is the client's Host header: every Location goes through Locations
        Pattern resolving = Pattern.compile("(Response|RestResponse|ResponseBuilder)\\s*\\.\\s*(seeOther|created"
                + "|temporaryRedirect|permanentRedirect)\\s*\\(|\\.(location|contentLocation)\\s*\\(\\s*(URI|new\\s+URI"
                + "|java\\.net\\.URI)");
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            List<String> offenders = sources.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.endsWith(Path.of("dev/keyhouse/web/Locations.java")))
                    .filter(p -> resolving.matcher(read(p)).find()).map(Path::toString).toList();
            assertThat(offenders).isEmpty();
        }
    }

    @Test
    void onlyLocalPathsAreAcceptedAsLocations() {
        for (String path : new String[] {"/admin", "/login?next=%2Fadmin", "/api/v1/users/7"}) {
            assertThat(Locations.isLocalPath(path)).as(path).isTrue();
            assertThat(Locations.seeOther(path).build().getHeaderString("Location")).isEqualTo(path);
        }
        for (String path : new String[] {"https://evil.example/", "//evil.example/x", "/\\evil.example", "admin",
                "/a b", "/a\r\nSet-Cookie: x=y", "/é", ""}) {
            assertThat(Locations.isLocalPath(path)).as(path).isFalse();
        }
    }

    private static void assertRedirect(Response response, int status, String location, String host) {
        assertThat(response.statusCode()).as("status with Host %s", host).isEqualTo(status);
        assertThat(response.header("Location")).as("Location with Host %s", host).isEqualTo(location);
        assertNoLeak(response, host);
    }

    private static void assertNoLeak(Response response, String host) {
        assertThat(leak("answer", response, host)).isEmpty();
        assertThat(leak("answer", response, EVIL)).isEmpty();
    }

    /** Where the answer names {@code host} (in any case), or empty when it does not. */
    static Optional<String> leak(String cell, Response response, String host) {
        String wanted = host.toLowerCase(Locale.ROOT);
        for (Header header : response.getHeaders()) {
            if (header.getValue().toLowerCase(Locale.ROOT).contains(wanted)) {
                return Optional.of(cell + ": header " + header.getName() + ": " + header.getValue());
            }
        }
        return response.asString().toLowerCase(Locale.ROOT).contains(wanted) ? Optional.of(cell + ": body")
                : Optional.empty();
    }

    /** A page's form, as a browser posts it: the session, the CSRF cookie and token, the forged Host. */
    private static RequestSpecification pageForm(String host, String session, String page) {
        Response form = given().cookie(SessionTokens.SESSION_COOKIE, session).get(page);
        form.then().statusCode(200);
        return given().header("Host", host).redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).cookies(form.getCookies())
                .formParam("csrf-token", Browser.tokenIn(form.asString()));
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long userId(String email) {
        return given().auth().oauth2(Browser.adminBearer()).get("/api/v1/users").jsonPath()
                .getLong("find { it.email == '" + email + "' }.id");
    }

}
