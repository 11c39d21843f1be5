package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;

import dev.keyhouse.LiveRegions;
import dev.keyhouse.Profiles;
import dev.keyhouse.SystemTools;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.settings.SettingsBrowserTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * Issue 20 in a real headless Chromium, with PROVISIONER_INTERNAL_TOKEN unset: the run page and the runtimes list
 * finish live (no reload) and stop polling the run; the unset token is named on the run page, the runtimes list and
 * the Environment page; a failed target is listed first and counted in every summary of its run, its HTML error page
 * read as words; delete, restart now, revoke and disable each go through their confirmation step. Set
 * {@code -Dkeyhouse.screens=<dir>} to keep the partial run's page as {@code partial-run-after.png} there.
 */
@QuarkusTest
@TestProfile(Profiles.RuntimeTokenUnset.class)
@SystemTools({"chromium", "chromedriver"})
class RunPagesBrowserTest {

    /** Python's http.server's 501 page, as a command that curls a webhook without -f prints it. */
    private static final String HTML_501 = "<!DOCTYPE HTML><html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<title>Error response</title></head><body><h1>Error response</h1><p>Error code: 501</p>"
            + "<p>Message: Unsupported method (&#x27;POST&#x27;).</p></body></html>";

    @TestHTTPResource("/")
    URL base;

    private final RuntimeApi api = new RuntimeApi();
    private WebDriver browser;

    @BeforeEach
    void signIn() throws IOException {
        browser = SettingsBrowserTest.startChromium();
        browser.get(url("/login"));
        browser.findElement(By.id("email")).sendKeys(TestSettings.ADMIN_EMAIL);
        browser.findElement(By.id("password")).sendKeys(TestSettings.ADMIN_PASSWORD);
        browser.findElement(By.cssSelector("form[action='/login'] button[type='submit']")).click();
        await(b -> !b.getCurrentUrl().contains("/login"));
    }

    @AfterEach
    void cleanUp() {
        browser.quit();
        api.deleteCreated();
    }

    /** Item 1 and 3: the run ends while both pages are open; each changes everything the run's state decides. */
    @Test
    void theRunPageAndTheListFinishLiveAndNameTheUnsetToken() throws Exception {
        Path gate = Files.createTempDirectory("keyhouse-browser-gate").resolve("go");
        String name = "browser-live-" + RuntimeRestartTest.unique();
        // asked to confirm by a fetch: the runtime is meant to fetch, and its fetch is refused
        long id = api.command(name, List.of("tts"), "while [ ! -f " + gate + " ]; do sleep 0.1; done", null,
                Confirmations.FETCH);

        browser.get(url("/admin/runtimes"));
        LiveRegions.click(browser,
                By.cssSelector("#target-" + id + " form[action='/admin/runtimes/" + id + "/restart'] button"));
        await(b -> at(b, "/admin/runtimes/" + id + "/restart"));
        assertThat(runsOf(name)).as("the first click only asks").isEmpty();
        browser.findElement(By.cssSelector("#confirm form button[type='submit']")).click();
        await(b -> b.getCurrentUrl().matches(".*/admin/restarts/\\d+$"));
        String runPage = browser.getWindowHandle();
        assertThat(text("outcome")).isEqualTo("running");
        assertThat(LiveRegions.attribute(browser, By.id("run"), "hx-trigger"))
                .isEqualTo("every " + TestSettings.BUSY_REFRESH);
        assertThat(text("runtime-token")).startsWith("PROVISIONER_INTERNAL_TOKEN is not set");
        noReloadMark();

        browser.switchTo().newWindow(WindowType.WINDOW);
        String list = browser.getWindowHandle();
        browser.get(url("/admin/runtimes"));
        assertThat(LiveRegions.attribute(browser, By.id("targets"), "hx-trigger"))
                .isEqualTo("every " + TestSettings.BUSY_REFRESH);
        assertThat(row(id)).contains("running").contains("not restarted yet");
        assertThat(text("runtime-token")).startsWith("PROVISIONER_INTERNAL_TOKEN is not set");
        noReloadMark();

        // a runtime that fetches with the token Keyhouse does not have is refused, and named
        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", name)
                .get("/api/v1/internal/runtime-config").then().statusCode(401);
        Files.createFile(gate);

        await(b -> row(id).contains("not confirmed"));
        assertThat(row(id)).contains("0 of 1 confirmed").doesNotContain("running");
        await(b -> ("every " + TestSettings.IDLE_REFRESH).equals(b.findElement(By.id("targets"))
                .getAttribute("hx-trigger")));
        assertThat(text("runtime-token")).contains("from runtime " + name);
        assertNotReloaded();

        browser.switchTo().window(runPage);
        await(b -> !"running".equals(text("outcome")));
        assertThat(text("outcome")).isEqualTo("not confirmed");
        assertThat(text("tally")).isEqualTo("restarted 1 of 1, confirmed 0 of 1");
        assertThat(text("reason")).contains("did not confirm").contains(name);
        assertThat(text("runtime-token")).contains("1 request was refused").contains("from runtime " + name);
        assertThat(LiveRegions.attribute(browser, By.id("run"), "hx-trigger")).as("polling stopped").isNull();
        assertThat(browser.findElements(By.cssSelector("#run [hx-trigger]"))).isEmpty();
        assertNotReloaded();
        browser.switchTo().window(list).close();
        browser.switchTo().window(runPage);

        browser.get(url("/admin/environment"));
        assertThat(text("runtime-token")).startsWith("PROVISIONER_INTERNAL_TOKEN is not set");
    }

    /** Item 4 and 9: the failed target first, counted everywhere, its error page read as words. */
    @Test
    void aFailedTargetIsListedFirstAndCountedInEverySummary() throws Exception {
        String unique = RuntimeRestartTest.unique();
        long ok = api.command("aaa-ok-" + unique, List.of("tts"), "true", null);
        long failing = api.command("zzz-fail-" + unique, List.of("tts"),
                "printf '%s' '" + HTML_501 + "'; exit 22", null);
        JsonPath secret = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "browser-" + unique, "variable", "BROWSER_" + unique.toUpperCase().replace('-', '_'),
                        "targets", List.of(ok, failing)))
                .post("/api/v1/shared-secrets").then().statusCode(201).extract().jsonPath();
        try {
            long run = runsOf("zzz-fail-" + unique).get(0);
            api.awaitRun(run, Duration.ofSeconds(60));

            browser.get(url("/admin/runtimes"));
            String failed = row(failing);
            assertThat(failed).contains("partial").contains("1 of 1 failed to restart")
                    .contains("Error response Error code: 501").doesNotContain("<").doesNotContain("0 of 0");
            // auto finds no signal for a command that never fetched: confirmation none, not asked (breaker, point 2)
            assertThat(row(ok)).contains("partial").contains("restarted, confirmation not asked (none)")
                    .doesNotContain("0 of 1 confirmed");
            List<String> order = LiveRegions.attributes(browser, "#targets tbody tr", "id");
            assertThat(order.indexOf("target-" + failing)).as("the failed target first: " + order)
                    .isLessThan(order.indexOf("target-" + ok)).isNotNegative();

            browser.get(url("/admin/restarts/" + run));
            assertThat(text("outcome")).isEqualTo("partial");
            assertThat(text("tally")).isEqualTo("restarted 1 of 2 (failed: zzz-fail-" + unique
                    + "), confirmation not asked for 1 (none): aaa-ok-" + unique);
            // read in one go: the run page may still poll (a runtime not asked may fetch within its window) and swap
            // the rows under a read element by element
            List<String> rows = dev.keyhouse.LiveRegions.texts(browser, By.cssSelector("table.results tbody tr"));
            assertThat(rows).hasSize(2);
            assertThat(rows.get(0)).startsWith("zzz-fail-" + unique).contains("failed")
                    .contains("Message: Unsupported method ('POST').");
            assertThat(browser.getPageSource()).doesNotContain("&lt;html").doesNotContain("0 of 0");
            // failures first: the reason naming the failed target, then the runtimes' token banner (breaker, point 3)
            String source = browser.getPageSource();
            assertThat(text("reason")).contains("zzz-fail-" + unique);
            assertThat(source.indexOf("id=\"reason\"")).isNotNegative()
                    .isLessThan(source.indexOf("id=\"runtime-token\""));
            screenshot("partial-run-after.png");

            browser.get(url("/admin/runtimes/" + failing));
            assertThat(text("latest-run")).contains("partial").contains("1 of 1 failed to restart")
                    .contains("none restarted");
        } finally {
            given().auth().oauth2(api.admin()).header("If-Match", "\"" + secret.getLong("version") + "\"")
                    .delete("/api/v1/shared-secrets/" + secret.getLong("id")).then().statusCode(204);
        }
    }

    /** Item 5: delete, restart now, revoke and disable each need their confirmation step; "keep it" does nothing. */
    @Test
    void everyDestructiveActionAsksFirst() {
        String name = "browser-delete-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);
        browser.get(url("/admin/runtimes"));
        LiveRegions.click(browser,
                By.cssSelector("#target-" + id + " form[action='/admin/runtimes/" + id + "/delete'] button"));
        await(b -> at(b, "/admin/runtimes/" + id + "/delete"));
        assertThat(text("confirm")).contains("Delete runtime target " + name + "?").contains("cannot be recovered");
        browser.findElements(By.linkText("Keep it")).get(1).click();
        await(b -> b.getCurrentUrl().endsWith("/admin/runtimes"));
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).then().statusCode(200);
        LiveRegions.click(browser,
                By.cssSelector("#target-" + id + " form[action='/admin/runtimes/" + id + "/delete'] button"));
        await(b -> at(b, "/admin/runtimes/" + id + "/delete"));
        browser.findElement(By.cssSelector("#confirm form button[type='submit']")).click();
        await(b -> b.getCurrentUrl().endsWith("/admin/runtimes") && b.getPageSource().contains("Runtime target deleted"));
        browser.navigate().refresh();
        await(b -> b.getCurrentUrl().endsWith("/admin/runtimes"));
        assertThat(browser.getPageSource()).as("a reload does not repeat the message").doesNotContain("Runtime target deleted");
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).then().statusCode(404);

        String email = Browser.uniqueEmail("browser-disable");
        long user = Browser.newUser(email, "viewer");
        long token = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "browser-revoke", "role", "viewer")).post("/api/v1/tokens").then().statusCode(201)
                .extract().jsonPath().getLong("id");
        browser.get(url("/admin/users"));
        browser.findElement(By.cssSelector("form[action='/admin/users/" + user + "/disable'] button")).click();
        await(b -> at(b, "/admin/users/" + user + "/disable"));
        assertThat(text("confirm")).contains("Disable user " + email + "?");
        assertThat(userDisabled(user)).as("asking disables nobody").isFalse();
        browser.findElement(By.cssSelector("#confirm form button[type='submit']")).click();
        await(b -> b.getCurrentUrl().endsWith("/admin/users") && b.getPageSource().contains("User updated."));
        assertThat(userDisabled(user)).isTrue();

        browser.findElement(By.cssSelector("form[action='/admin/users/tokens/" + token + "/revoke'] button")).click();
        await(b -> at(b, "/admin/users/tokens/" + token + "/revoke"));
        assertThat(text("confirm")).contains("Revoke API token browser-revoke?");
        assertThat(tokenRevoked(token)).as("asking revokes nothing").isFalse();
        browser.findElement(By.cssSelector("#confirm form button[type='submit']")).click();
        await(b -> b.getCurrentUrl().endsWith("/admin/users") && b.getPageSource().contains("API token revoked."));
        browser.navigate().refresh();
        assertThat(browser.getPageSource()).as("a reload does not repeat the message").doesNotContain("API token revoked.");
        assertThat(tokenRevoked(token)).isTrue();
    }

    private boolean userDisabled(long user) {
        return given().auth().oauth2(api.admin()).get("/api/v1/users").jsonPath()
                .getBoolean("find { it.id == " + user + " }.disabled");
    }

    private boolean tokenRevoked(long token) {
        return given().auth().oauth2(api.admin()).get("/api/v1/tokens").jsonPath()
                .getString("find { it.id == " + token + " }.revokedAt") != null;
    }

    /** The runs that restarted the target, newest first. */
    private List<Long> runsOf(String target) {
        return given().auth().oauth2(api.admin()).queryParam("target", target).get("/api/v1/restarts").jsonPath()
                .getList("id", Long.class);
    }

    private String row(long target) {
        return text("target-" + target);
    }

    /** The text of the element with this id, found again when a live region's swap replaced it (LiveRegions). */
    private String text(String id) {
        return LiveRegions.text(browser, By.id(id));
    }

    /** A mark in the page's window that a reload would wipe. */
    private void noReloadMark() {
        ((JavascriptExecutor) browser).executeScript("window.keyhouseNotReloaded = true;");
    }

    private void assertNotReloaded() {
        assertThat(((JavascriptExecutor) browser).executeScript("return window.keyhouseNotReloaded === true;"))
                .as("the page changed without a reload").isEqualTo(true);
    }

    private void await(java.util.function.Function<WebDriver, Boolean> condition) {
        LiveRegions.await(browser, Duration.ofSeconds(30)).until(condition::apply);
    }

    private void screenshot(String file) throws IOException {
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", file);
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        String screens = System.getProperty("keyhouse.screens");
        if (screens != null) {
            Files.createDirectories(Path.of(screens));
            Files.copy(shot, Path.of(screens, file), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Whether the browser is at {@code path}, as a GET form with no field leaves it (a bare "?" after it). */
    private static boolean at(WebDriver b, String path) {
        String url = b.getCurrentUrl();
        return url.endsWith(path) || url.endsWith(path + "?");
    }

    private String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }
}
