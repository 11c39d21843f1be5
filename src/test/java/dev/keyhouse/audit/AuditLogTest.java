package dev.keyhouse.audit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class AuditLogTest {

    @Test
    void signInsAndUserChangesAreRecordedAndFilterable() {
        String admin = ApiClient.adminToken();
        ApiClient.viewerToken("audit-viewer@keyhouse.test");
        given().auth().oauth2(admin).queryParam("kind", "user").get("/api/v1/audit")
                .then().statusCode(200)
                .body("items.kind", everyItem(equalTo("user")))
                .body("items.find { it.target == 'audit-viewer@keyhouse.test' }.action", equalTo("user.add"))
                .body("items.find { it.target == 'audit-viewer@keyhouse.test' }.actor", equalTo(TestSettings.ADMIN_EMAIL));
        List<String> actions = given().auth().oauth2(admin).queryParam("actor", "audit-viewer@keyhouse.test")
                .get("/api/v1/audit").then().statusCode(200)
                .body("total", greaterThanOrEqualTo(1))
                .extract().path("items.action");
        assertThat(actions).contains("sign-in").allMatch(a -> a.startsWith("sign-in"));
    }

    @Test
    void pagesAreBoundedAndViewersMayRead() {
        String viewer = ApiClient.viewerToken("audit-reader@keyhouse.test");
        given().auth().oauth2(viewer).queryParam("page", 0).get("/api/v1/audit")
                .then().statusCode(200).body("pageSize", equalTo(AuditLog.PAGE_SIZE));
        String html = given().auth().oauth2(viewer).queryParam("kind", "auth").get("/admin/audit")
                .then().statusCode(200).extract().asString();
        assertThat(html).contains("Audit log", "sign-in").doesNotContain(TestSettings.ADMIN_PASSWORD);
        given().auth().oauth2(viewer).queryParam("page", "two").get("/api/v1/audit").then().statusCode(400)
                .body("errors[0].field", equalTo("page"));
        // issue 20's breaker: a page beyond the last said "page 51 of 2" with nothing on it; it shows the last page
        io.restassured.path.json.JsonPath beyond = given().auth().oauth2(viewer).queryParam("page", 1000000)
                .get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
        long total = beyond.getLong("total");
        assertThat(beyond.getList("items")).as("the last page's events").isNotEmpty();
        assertThat(beyond.getLong("page")).isEqualTo((total - 1) / AuditLog.PAGE_SIZE);
    }
}
