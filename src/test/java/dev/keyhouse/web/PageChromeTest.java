package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Issue 20, item 11, what needs no browser: {@code /favicon.ico} is a real icon, kept by browsers for a day, and
 * every page links it; the sign-in page says where the first administrator's password comes from; times read as
 * UTC to the second.
 */
@QuarkusTest
class PageChromeTest {

    @Test
    void theFaviconIsARealIconWithACacheHeader() {
        byte[] icon = given().get("/favicon.ico").then().statusCode(200)
                .header("Cache-Control", "public, max-age=86400").extract().asByteArray();
        // ICONDIR: reserved 0, type 1 (icon), then the image count; each image a PNG
        assertThat(icon.length).isBetween(100, 4096);
        assertThat(new byte[] {icon[0], icon[1], icon[2], icon[3]}).containsExactly(0, 0, 1, 0);
        assertThat(icon[4]).as("images").isEqualTo((byte) 2);
        assertThat(new String(icon, java.nio.charset.StandardCharsets.ISO_8859_1)).contains("\u0089PNG");
    }

    @Test
    void everyPageLinksTheIcon() {
        String admin = ApiClient.adminToken();
        for (String page : new String[] {"/admin/settings", "/admin/environment", "/admin/runtimes", "/admin/audit",
                "/admin/users", "/admin/rotate-credentials", "/admin/shared-secrets"}) {
            assertThat(given().auth().oauth2(admin).get(page).then().statusCode(200).extract().asString()).as(page)
                    .contains("<link rel=\"icon\" href=\"/favicon.ico\"");
        }
        assertThat(given().get("/login").then().statusCode(200).extract().asString())
                .contains("<link rel=\"icon\" href=\"/favicon.ico\"");
    }

    @Test
    void theSignInPageSaysWhereTheFirstAdministratorsPasswordComesFrom() {
        String page = given().get("/login").then().statusCode(200).extract().asString();
        String note = page.substring(page.indexOf("id=\"first-sign-in\""));
        assertThat(note).contains("<code>SYSTEM_ADMIN_EMAIL</code>", "<code>admin@keyhouse.local</code>",
                "<code>SYSTEM_ADMIN_PASSWORD</code>", "<code>./mvnw quarkus:dev</code>",
                "generates it into the <code>.env</code> file");
    }

    @Test
    void timesReadAsUtcToTheSecond() {
        assertThat(TemplateExtensions.utc(Instant.parse("2026-12-01T05:23:42.123456Z")))
                .isEqualTo("2026-12-01 05:23:42 UTC");
        assertThat(TemplateExtensions.utc(Instant.parse("2026-01-02T00:00:00Z"))).isEqualTo("2026-01-02 00:00:00 UTC");
        assertThat(TemplateExtensions.utc((Instant) null)).isEmpty();
        assertThat(TemplateExtensions.utc("2026-12-01T05:23:42.123456Z")).isEqualTo("2026-12-01 05:23:42 UTC");
        assertThat(TemplateExtensions.time(Instant.parse("2026-12-01T05:23:42.123456Z")).toString())
                .isEqualTo("<time datetime=\"2026-12-01T05:23:42.123456Z\">2026-12-01 05:23:42 UTC</time>");
        assertThat(TemplateExtensions.time((Instant) null).toString()).isEmpty();
    }
}
