package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** /q/openapi documents the REST API (and only it) with a bearer scheme; Swagger UI loads under the CSP. */
@QuarkusTest
class OpenApiTest {

    private static JsonPath document() {
        return given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();
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
    void swaggerUiLoadsWithEveryScriptItNeedsAllowedByTheCsp() {
        Response page = given().redirects().follow(true).get("/q/swagger-ui/");
        assertThat(page.statusCode()).isEqualTo(200);
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

    private static String directive(String csp, String name) {
        return List.of(csp.split(";")).stream().map(String::strip).filter(d -> d.startsWith(name + " ")).findFirst()
                .orElse(csp.contains("default-src") ? "" : "");
    }
}
