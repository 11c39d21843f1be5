package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Management;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Health and metrics answer on the management interface (its own port) and nowhere on the public port: not to
 * anonymous callers, not to an admin either.
 */
@QuarkusTest
class ManagementInterfaceTest {

    /** Every health and metrics route, and spellings of them a router might normalise. */
    static final List<String> OPERATIONAL = List.of("/q/health", "/q/health/", "/q/health/live", "/q/health/ready",
            "/q/health/started", "/q/health/group", "/q/health/well", "/q/metrics", "/q/metrics/", "/q/metrics?name=x");

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    @Test
    void healthAndMetricsAnswerOnTheManagementPort() {
        assertThat(Management.port()).as("a port of its own").isPositive().isNotEqualTo(httpPort);
        for (String path : List.of("/q/health", "/q/health/live", "/q/health/ready", "/q/health/started")) {
            Response health = Management.given().get(path);
            assertThat(health.statusCode()).as(path).isEqualTo(200);
            assertThat(health.jsonPath().getString("status")).as(path).isEqualTo("UP");
        }
        Response metrics = Management.given().get("/q/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.asString()).contains("# TYPE keyhouse_rotation_job_scanned gauge").contains("jvm_");
    }

    @Test
    void thePublicPortAnswersNoHealthOrMetricsRouteToAnyone() {
        String admin = ApiClient.adminToken();
        for (String path : OPERATIONAL) {
            for (String method : List.of("GET", "HEAD", "POST")) {
                Response anonymous = given().redirects().follow(false).request(method, path);
                assertThat(anonymous.statusCode()).as("anonymous %s %s", method, path).isEqualTo(404);
                Response asAdmin = given().redirects().follow(false).auth().oauth2(admin).request(method, path);
                assertThat(asAdmin.statusCode()).as("admin %s %s", method, path).isEqualTo(404);
                assertThat(asAdmin.asString()).as("%s %s", method, path).doesNotContain("keyhouse_", "\"UP\"");
            }
        }
    }

    @Test
    void theManagementPortServesNoApplicationRoute() {
        for (String path : List.of("/", "/login", "/admin", "/api/v1/settings", "/api/v1/auth/token",
                "/api/v1/internal/runtime-config", "/q/openapi", "/q/swagger-ui/")) {
            assertThat(Management.given().redirects().follow(false).get(path).statusCode()).as(path).isEqualTo(404);
        }
    }
}
