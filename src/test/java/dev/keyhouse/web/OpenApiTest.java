package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Management;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/**
 * /q/openapi documents the REST API (and only it: no page, no framework or Java type) with a bearer scheme, to a
 * signed-in admin only; Swagger UI loads under the CSP for that admin; neither is on the management port.
 */
@QuarkusTest
class OpenApiTest {

    private static final List<String> DOCS = List.of("/q/openapi", "/q/openapi?format=json", "/q/openapi.json",
            "/q/openapi.yaml", "/q/openapi.yml", "/q/openapi/", "/q/swagger-ui", "/q/swagger-ui/", "/q/swagger-ui/index.html",
            "/q/swagger-ui/swagger-ui-bundle.js");

    private static JsonPath document() {
        return given().auth().oauth2(ApiClient.adminToken()).accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void listsTheRestApiPathsAndNoPage() {
        Map<String, Object> paths = document().getMap("paths");
        assertThat(paths).containsKeys("/api/v1/auth/token", "/api/v1/settings", "/api/v1/settings/{kind}",
                "/api/v1/environment", "/api/v1/admin/rotate-credentials", "/api/v1/internal/runtime-config",
                "/api/v1/audit");
        assertThat(paths.keySet()).allMatch(path -> path.startsWith("/api/v1/"));
    }

    @Test
    void namesNoFrameworkOrJavaTypeOnlyTheApisOwnShapes() {
        JsonPath document = document();
        Map<String, Object> schemas = document.getMap("components.schemas");
        // what the scanner used to list from pages and framework signatures: Qute, Vert.x, JAX-RS and JDK types
        assertThat(schemas).doesNotContainKeys("TemplateInstance", "Template", "EngineImpl", "HttpServerRequest",
                "MultivaluedMapStringString", "Variant", "Instant", "UUID", "Locale", "Charset", "AtomicLong",
                "Origin", "Part", "SectionNode", "ValueResolver");
        // every schema left is one of Keyhouse's own classes (a record of a resource, a report, ...)
        Set<String> ownTypes = keyhouseSimpleClassNames();
        assertThat(schemas.keySet()).allSatisfy(name -> assertThat(ownTypes).as("schema %s is a Keyhouse type", name)
                .contains(name));
        assertThat(schemas).containsKeys("JobReport", "UserView", "NewToken");
        // a JDK value type is described where it is used: Instant as a date-time string, UUID as a uuid string
        assertThat(document.getString("components.schemas.JobReport.properties.startedAt.type")).isEqualTo("string");
        assertThat(document.getString("components.schemas.JobReport.properties.startedAt.format")).isEqualTo("date-time");
        assertThat(document.getString("components.schemas.Failure.properties.sealedValueId.format")).isEqualTo("uuid");
        // and every schema that is left is reachable from an operation: no stray type
        String text = document.prettify();
        assertThat(schemas.keySet()).allSatisfy(name -> assertThat(text).as("%s is referenced", name)
                .contains("#/components/schemas/" + name + "\""));
        assertThat(text).doesNotContain("java.", "jakarta.", "io.quarkus", "io.vertx", "com.fasterxml");
    }

    @Test
    void hasABearerSchemeAndTagsEveryOperationByFeature() {
        JsonPath document = document();
        Map<String, Object> schemes = document.getMap("components.securitySchemes");
        assertThat(schemes).containsKey("bearer");
        assertThat(document.getString("components.securitySchemes.bearer.type")).isEqualTo("http");
        assertThat(document.getString("components.securitySchemes.bearer.scheme")).isEqualTo("bearer");
        assertThat(document.getList("tags.name", String.class)).contains("auth", "settings", "environment", "internal");
        assertThat(document.getList("paths.'/api/v1/settings/{kind}'.get.tags", String.class)).containsExactly("settings");
        // operations that need a role say so: a bearer requirement
        assertThat(document.getList("paths.'/api/v1/settings/{kind}'.put.security.bearer")).isNotNull();
    }

    @Test
    void anonymousCallersAndViewersGetNeitherTheDocumentNorSwaggerUi() {
        String viewer = ApiClient.viewerToken("openapi-viewer@keyhouse.test");
        for (String path : DOCS) {
            assertRefused(given().redirects().follow(false).get(path), "anonymous " + path);
            assertRefused(given().redirects().follow(false).header("Authorization", "Bearer not-a-token").get(path),
                    "a refused bearer value " + path);
            assertRefused(given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, "not-a-session")
                    .get(path), "a refused session cookie " + path);
            assertThat(given().redirects().follow(false).auth().oauth2(viewer).get(path).statusCode())
                    .as("viewer " + path).isEqualTo(403);
            assertThat(Management.given().redirects().follow(false).get(path).statusCode())
                    .as("management port " + path).isEqualTo(404);
        }
    }

    @Test
    void anAdminSignedInWithTheSessionCookieGetsSwaggerUiWithEveryScriptItNeedsAllowedByTheCsp() {
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        assertThat(session).as("signed in").isNotBlank();
        Response page = given().redirects().follow(true).cookie(SessionTokens.SESSION_COOKIE, session).get("/q/swagger-ui/");
        assertThat(page.statusCode()).isEqualTo(200);
        // the page's own fetch of the document is same-origin and carries the cookie
        assertThat(given().cookie(SessionTokens.SESSION_COOKIE, session).get("/q/openapi?format=json").statusCode())
                .isEqualTo(200);
        String html = page.asString();
        String csp = page.header("Content-Security-Policy");
        assertThat(csp).isNotBlank();
        String scripts = directive(csp, "script-src");
        Matcher inline = Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>\\s*\\S").matcher(html);
        if (inline.find()) {
            assertThat(scripts).as("Swagger UI's page has an inline script").contains("'unsafe-inline'");
        }
        // and the rest of the application keeps the strict policy
        String login = given().get("/login").header("Content-Security-Policy");
        assertThat(directive(login, "script-src")).isEqualTo("script-src 'self'");
        assertThat(login).contains("frame-ancestors 'none'");
    }

    /** Simple names of every class compiled from src/main/java (nested ones by their own name). */
    private static Set<String> keyhouseSimpleClassNames() {
        try (Stream<Path> files = Files.walk(Path.of("target", "classes", "dev", "keyhouse"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".class"))
                    .map(n -> n.substring(n.lastIndexOf('$') + 1, n.length() - ".class".length()))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** 401, or the sign-in redirect pages get; never the document or the page. */
    private static void assertRefused(Response response, String who) {
        boolean signInRedirect = response.statusCode() == 303
                && String.valueOf(response.header("Location")).contains("/login?next=");
        assertThat(response.statusCode() == 401 || signInRedirect)
                .as(who + ": got " + response.statusCode() + " " + response.header("Location")).isTrue();
        assertThat(response.asString()).as(who).doesNotContain("openapi", "swagger-ui.css");
    }

    private static String directive(String csp, String name) {
        return List.of(csp.split(";")).stream().map(String::strip).filter(d -> d.startsWith(name + " ")).findFirst()
                .orElse("");
    }
}
