package dev.keyhouse.rotation;

import static dev.keyhouse.Profiles.ROTATION_NEW_KEY;
import static dev.keyhouse.Profiles.ROTATION_OLD_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.keyhouse.ApiClient;
import dev.keyhouse.LiveRegions;
import dev.keyhouse.Profiles;
import dev.keyhouse.SystemTools;
import dev.keyhouse.TestSettings;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.settings.SettingsBrowserTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * Issue 20, item 1, in a real headless Chromium: an admin starts the re-encryption job from the page, and when the
 * job ends every part of the page that reads its state (the key table, the next-step banner, the Start button, the
 * history row) shows the end without a reload, and the page stops polling. The job is held at its first batch by a
 * table lock until the page has been seen running, so the "before" is certain; the end is waited for on the API's
 * report and then on the page's own job card.
 */
@QuarkusTest
@TestProfile(Profiles.BehindProxyDockerRestarts.class)
@SystemTools({"chromium", "chromedriver"})
class RotationBrowserTest {

    /** The Start button, inside the live region. */
    private static final By START = By.cssSelector("form[action='/admin/rotate-credentials'] button[type='submit']");

    static final Path SCREENSHOT = Path.of("target", "browser-rotation-ended.png");
    private static final String PURPOSE = "rotation-browser/" + System.nanoTime() + "/api_key";
    private static final int SEEDED = 40;
    private static final String OLD_ID = KeyRing.hex(SealedRows.keyIdOf(ROTATION_OLD_KEY));
    private static final String NEW_ID = KeyRing.hex(SealedRows.keyIdOf(ROTATION_NEW_KEY));

    @TestHTTPResource("/")
    URL base;

    @Inject
    DataSource db;

    @Test
    void whenTheJobEndsTheKeysTheBannerTheStartButtonAndTheHistoryEndWithItWithoutAReload() throws Exception {
        SealedRows.seed(db, SealedRows.cipher(ROTATION_OLD_KEY), PURPOSE, SEEDED);
        String admin = ApiClient.adminToken();
        WebDriver browser = SettingsBrowserTest.startChromium();
        try {
            signIn(browser);
            assertThat(keyRow(browser, OLD_ID)).as("the seeded values wait under the previous key")
                    .contains("previous").doesNotEndWith(" 0");

            long id;
            try (TableLock held = TableLock.exclusive(db, "sealed_values")) {
                LiveRegions.click(browser, START);
                new WebDriverWait(browser, Duration.ofSeconds(15))
                        .until(b -> b.getCurrentUrl().contains("/admin/rotate-credentials?job="));
                id = Long.parseLong(browser.getCurrentUrl().replaceAll(".*[?&]job=(\\d+).*", "$1"));
                assertThat(LiveRegions.text(browser, By.cssSelector("#job h2 .state"))).isEqualTo("running");
                assertThat(LiveRegions.text(browser, By.id("next-step")))
                        .isEqualTo("Job " + id + " is running; wait for it to finish.");
                assertThat(LiveRegions.read(browser, START, WebElement::isEnabled))
                        .as("Start is disabled while the job runs").isFalse();
                assertThat(historyState(browser, id)).isEqualTo("running");
                // a reload would drop this; it must still be there when the job has ended
                ((JavascriptExecutor) browser).executeScript("window.keyhouseNotReloaded = true;");
            }

            JsonPath report = Jobs.awaitEnd(admin, id);
            assertThat(report.getString("state")).as("every seeded value opens under OLD").isEqualTo("succeeded");
            LiveRegions.await(browser, Duration.ofSeconds(15)).until(b -> "succeeded".equals(
                    LiveRegions.text(b, By.cssSelector("#job h2 .state"))));
            screenshot(browser);

            assertThat(((JavascriptExecutor) browser).executeScript("return window.keyhouseNotReloaded === true;"))
                    .as("the page was not reloaded").isEqualTo(true);
            assertThat(keyRow(browser, OLD_ID)).as("the key table shows the previous key emptied")
                    .isEqualTo(OLD_ID + " previous 0");
            assertThat(keyRow(browser, NEW_ID)).as("and every value under the current key")
                    .isEqualTo(NEW_ID + " current " + report.getLong("total"));
            assertThat(LiveRegions.text(browser, By.id("next-step"))).as("the banner no longer says it runs")
                    .isEqualTo("Every value is under the current key " + NEW_ID
                            + ". Remove CREDENTIAL_ENCRYPTION_KEY_PREVIOUS and restart.");
            assertThat(LiveRegions.read(browser, START, WebElement::isEnabled))
                    .as("Start is disabled: nothing is left to re-encrypt").isFalse();
            assertThat(LiveRegions.text(browser, By.id("start-reason"))).startsWith("Nothing to re-encrypt:");
            assertThat(historyState(browser, id)).isEqualTo("succeeded");
            assertThat(LiveRegions.text(browser, By.cssSelector("#history-" + id + " td:nth-child(6)")))
                    .isEqualTo(report.getLong("scanned") + " / " + report.getLong("total"));
            assertThat(LiveRegions.attribute(browser, By.id("rotation-state"), "hx-trigger"))
                    .as("the page stops following the job once it has ended; it only looks for a new one")
                    .isEqualTo("every " + TestSettings.IDLE_REFRESH);
        } finally {
            browser.quit();
        }
    }

    /**
     * Issue 20 (breaker, point 6): a page opened while no job runs follows a job started after it was rendered (here
     * by the API, as from another tab) to its end without a reload; a job started from the page says so once, and a
     * reload does not say it again.
     */
    @Test
    void aPageOpenedBeforeAJobStartsFollowsItAndSaysStartedOnce() throws Exception {
        SealedRows.seed(db, SealedRows.cipher(ROTATION_OLD_KEY), PURPOSE + "/later", SEEDED);
        String admin = ApiClient.adminToken();
        WebDriver browser = SettingsBrowserTest.startChromium();
        try {
            signIn(browser);
            assertThat(LiveRegions.read(browser, START, WebElement::isEnabled))
                    .as("no job runs when the page is opened").isTrue();
            ((JavascriptExecutor) browser).executeScript("window.keyhouseNotReloaded = true;");

            long id = Jobs.started(admin);
            JsonPath report = Jobs.awaitEnd(admin, id);
            LiveRegions.await(browser, Duration.ofSeconds(30)).until(b -> !b.findElements(By.id("history-" + id))
                    .isEmpty() && report.getString("state").equals(historyState(b, id)));
            assertThat(LiveRegions.text(browser, By.cssSelector("#job h2"))).startsWith("Job " + id + ":")
                    .endsWith(report.getString("state"));
            assertThat(keyRow(browser, OLD_ID)).as("the key table followed the job").isEqualTo(OLD_ID + " previous 0");
            assertThat(((JavascriptExecutor) browser).executeScript("return window.keyhouseNotReloaded === true;"))
                    .as("the page was not reloaded").isEqualTo(true);

            // values sealed under the previous key again (as by a replica still writing with it): Start is offered
            SealedRows.seed(db, SealedRows.cipher(ROTATION_OLD_KEY), PURPOSE + "/again", 2);
            browser.navigate().refresh();
            LiveRegions.click(browser, START);
            new WebDriverWait(browser, Duration.ofSeconds(15)).until(b -> b.getCurrentUrl()
                    .matches(".*/admin/rotate-credentials\\?job=\\d+$") && !b.findElements(By.cssSelector(".flash"))
                    .isEmpty());
            assertThat(browser.findElement(By.cssSelector(".flash")).getText()).isEqualTo("Re-encryption job started.");
            browser.navigate().refresh();
            assertThat(browser.findElements(By.cssSelector(".flash"))).as("a reload does not repeat the flash")
                    .isEmpty();
        } finally {
            browser.quit();
        }
    }

    /** Opens the rotation page, signing in on the way as the admin. */
    private void signIn(WebDriver browser) {
        browser.get(url("/admin/rotate-credentials"));
        browser.findElement(By.id("email")).sendKeys(TestSettings.ADMIN_EMAIL);
        browser.findElement(By.id("password")).sendKeys(TestSettings.ADMIN_PASSWORD);
        browser.findElement(By.cssSelector("form[action='/login'] button[type='submit']")).click();
        SettingsBrowserTest.waitFor(browser, "/admin/rotate-credentials");
    }

    private static String keyRow(WebDriver browser, String keyId) {
        List<String> rows = LiveRegions.texts(browser, By.cssSelector("#keys tbody tr")).stream()
                .filter(row -> row.startsWith(keyId + " ")).toList();
        assertThat(rows).as("one row for key " + keyId).hasSize(1);
        return rows.get(0);
    }

    private static String historyState(WebDriver browser, long id) {
        return LiveRegions.text(browser, By.cssSelector("#history-" + id + " .state"));
    }

    /** The whole page, as tall as its content, into {@link #SCREENSHOT}. */
    private static void screenshot(WebDriver browser) throws IOException {
        long height = (Long) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollHeight;");
        browser.manage().window().setSize(new Dimension(1366, (int) Math.max(900, height + 140)));
        Files.createDirectories(SCREENSHOT.getParent());
        Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }

    /**
     * A table held in {@code EXCLUSIVE} mode in an open transaction: plain reads (the page's counts) go on, but the
     * job's {@code SELECT … FOR UPDATE SKIP LOCKED} waits for the table lock, so it cannot scan a row until closed.
     */
    private record TableLock(Connection connection) implements AutoCloseable {

        static TableLock exclusive(DataSource db, String table) throws SQLException {
            Connection connection = db.getConnection();
            connection.setAutoCommit(false);
            try (Statement lock = connection.createStatement()) {
                lock.execute("LOCK TABLE " + table + " IN EXCLUSIVE MODE");
            }
            return new TableLock(connection);
        }

        @Override
        public void close() throws SQLException {
            connection.rollback();
            connection.close();
        }
    }
}
