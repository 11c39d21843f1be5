package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.keyhouse.LiveRegions;
import dev.keyhouse.SystemTools;
import dev.keyhouse.TestSettings;
import dev.keyhouse.runtimes.RolloutFixtures;
import dev.keyhouse.runtimes.RuntimeApi;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which {@code .ci/run} installs)
 * signs in, saves an LLM key on the settings page, sees it masked on the overview and finds the save in the audit
 * log. Without Chromium the test fails: a browser flow that silently skips proves nothing.
 */
@QuarkusTest
@SystemTools({"chromium", "chromedriver"})
public class SettingsBrowserTest {

    static final Path CHROMIUM = Path.of(System.getProperty("keyhouse.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("keyhouse.chromedriver", "/usr/bin/chromedriver"));
    static final Path SCREENSHOT = Path.of("target", "browser-settings-overview.png");

    private static final String KEY = "sk-browser-flow-3f9d2c7a1b6e4085";
    private static final String MODEL = "gpt-4o-browser";

    @TestHTTPResource("/")
    URL base;

    @Inject
    SecretFingerprints fingerprints;

    @Inject
    DataSource db;

    @Test
    void adminSignsInSavesAnLlmKeySeesItMaskedAndFindsTheSaveInTheAuditLog() throws IOException {
        WebDriver browser = startChromium();
        // the save checks the key live: against a stand-in of OpenAI that knows it as a good key
        dev.keyhouse.checks.OpenAiStandIn openai = new dev.keyhouse.checks.OpenAiStandIn();
        openai.key(KEY, dev.keyhouse.checks.StandIn.Scenario.GOOD);
        try {
            browser.get(url("/admin/settings"));
            assertThat(browser.getCurrentUrl()).as("a signed-out visitor is sent to sign in")
                    .contains("/login?next=");

            signIn(browser, "/admin/settings");
            assertThat(browser.findElement(By.tagName("h1")).getText()).containsIgnoringCase("settings");

            browser.findElement(By.cssSelector("a[href='/admin/settings/llm']")).click();
            waitFor(browser, "/admin/settings/llm");
            new Select(browser.findElement(By.id("field-provider"))).selectByValue("openai");
            type(browser.findElement(By.id("field-model")), MODEL);
            type(browser.findElement(By.id("field-baseUrl")), openai.baseUrl());
            WebElement apiKey = browser.findElement(By.id("field-apiKey"));
            assertThat(apiKey.getAttribute("type")).isEqualTo("password");
            apiKey.sendKeys(KEY);
            browser.findElement(By.cssSelector("form[action='/admin/settings/llm'] button[type='submit']")).click();

            waitFor(browser, "/admin/settings");
            new WebDriverWait(browser, Duration.ofSeconds(15)).until(b -> b.getPageSource().contains("settings saved"));
            String overview = browser.getPageSource();
            Files.createDirectories(SCREENSHOT.getParent());
            Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT,
                    StandardCopyOption.REPLACE_EXISTING);
            assertThat(browser.findElement(By.cssSelector(".flash")).getText())
                    .isEqualTo("Language model settings saved.");
            List<String> hints = LiveRegions.texts(browser, By.cssSelector("code.hint"));
            assertThat(hints).as("the key shows as its hint").contains("…" + KEY.substring(KEY.length() - 4));
            assertThat(overview).as("the overview shows the model and the key's fingerprint, never the key")
                    .contains(MODEL).contains(fingerprints.of(KEY)).doesNotContain(KEY);

            browser.findElement(By.linkText("Audit log")).click();
            waitFor(browser, "/admin/audit");
            String newestSave = browser.findElements(By.cssSelector("table tbody tr")).stream().map(WebElement::getText)
                    .filter(row -> row.contains("setting.save")).findFirst().orElse("no setting.save row");
            assertThat(newestSave).as("the newest setting.save is this one, by the admin, with the new key's "
                    + "fingerprint").contains(TestSettings.ADMIN_EMAIL).contains("llm").contains(fingerprints.of(KEY));
            assertThat(browser.getPageSource()).doesNotContain(KEY);
        } finally {
            browser.quit();
            openai.close();
        }
    }

    /**
     * Breaker 3, point 2: pages left open while the stored version changes behind them (a rollback over REST, as a
     * rollout's automatic rollback saves one) show the restored key without a reload: the overview's cards, and on the
     * edit page the notice, the version line and the stored key's summary, while what was typed stays in the form.
     */
    @Test
    void openPagesShowAVersionSavedBehindThemWithoutAReload() throws IOException {
        String first = "sv-browser-behind-one-0011223344556677";
        String second = "sv-browser-behind-two-8899aabbccddeeff";
        long version = Clients.twoTtsKeys(first, second) - 2;
        WebDriver browser = startChromium();
        try {
            browser.get(url("/admin/settings"));
            signIn(browser, "/admin/settings");
            assertThat(LiveRegions.text(browser, By.id("setting-tts"))).contains(fingerprints.of(second));
            Clients.rollBackTts(version + 2);
            LiveRegions.await(browser, Duration.ofSeconds(25)).until(b -> LiveRegions.text(b, By.id("setting-tts"))
                    .contains(fingerprints.of(first)));
            assertThat(LiveRegions.text(browser, By.id("setting-tts"))).contains("settings version " + (version + 3))
                    .doesNotContain(fingerprints.of(second));

            browser.get(url("/admin/settings/tts"));
            type(browser.findElement(By.id("field-voice")), "typed-voice");
            assertThat(LiveRegions.text(browser, By.id("stored-apiKey"))).contains(fingerprints.of(first));
            Clients.rollBackTts(version + 3);
            LiveRegions.await(browser, Duration.ofSeconds(25)).until(b -> !b.findElements(By.id("stored-changed"))
                    .isEmpty());
            assertThat(LiveRegions.text(browser, By.id("stored-changed")))
                    .contains("Settings version " + (version + 4) + " was saved while this page was open");
            assertThat(LiveRegions.text(browser, By.id("stored-apiKey"))).contains(fingerprints.of(second))
                    .doesNotContain(fingerprints.of(first));
            assertThat(browser.findElement(By.id("field-voice")).getAttribute("value")).isEqualTo("typed-voice");
            assertThat(browser.findElement(By.cssSelector("form[action='/admin/settings/tts'] input[name=version]"))
                    .getAttribute("value")).as("the form still edits the version it was opened on")
                    .isEqualTo(String.valueOf(version + 3));
        } finally {
            browser.quit();
        }
    }

    /**
     * Issue 20 (pagewords, point 1): an open setting page's live region carries everything the page says about the
     * kind's rollouts. A rollout that halts behind it shows its alert, a newer one that succeeds takes the alert away,
     * and a dependent target put on hold moves in the list of targets a save restarts, all without a reload.
     */
    @Test
    void anOpenSettingPageFollowsTheKindsRolloutsWithoutAReload() throws IOException {
        String name = "sb-live-" + System.nanoTime();
        RuntimeApi api = new RuntimeApi();
        RolloutFixtures fixtures = new RolloutFixtures(db);
        long target = api.command(name, List.of("stt"), "true", null);
        WebDriver browser = startChromium();
        try {
            browser.get(url("/admin/settings/stt"));
            signIn(browser, "/admin/settings/stt");
            ((JavascriptExecutor) browser).executeScript("window.keyhouseNotReloaded = true;");
            assertThat(browser.findElements(By.id("rollout-alert-stt"))).isEmpty();
            assertThat(LiveRegions.text(browser, By.id("save-restarts"))).contains(name + " (command)")
                    .doesNotContain("held");

            long halted = fixtures.run("stt", "halted", false, 1, 2, "the new key and the previous key both fail:"
                    + " invalid_key / invalid_key — enter a working key", 4L, null);
            fixtures.update("UPDATE runtime_targets SET held = true WHERE id = ?", target);
            WebDriverWait wait = LiveRegions.await(browser, Duration.ofSeconds(30));
            wait.until(b -> !b.findElements(By.id("rollout-alert-stt")).isEmpty());
            assertThat(LiveRegions.text(browser, By.id("rollout-alert-stt")))
                    .contains("Speech to text rollout (run " + halted + ")").contains("enter a working key");
            wait.until(b -> LiveRegions.text(b, By.id("save-restarts")).contains("held"));
            assertThat(LiveRegions.text(browser, By.id("save-restarts")))
                    .contains("held, left out of the rollout: " + name).doesNotContain(name + " (command)");

            fixtures.run("stt", "succeeded", false, 2, 2, null, 6L, null);
            wait.until(b -> b.findElements(By.id("rollout-alert-stt")).isEmpty());
            assertThat(((JavascriptExecutor) browser).executeScript("return window.keyhouseNotReloaded === true;"))
                    .as("the page changed without a reload").isEqualTo(true);
        } finally {
            browser.quit();
            fixtures.deleteAll();
            api.deleteCreated();
        }
    }

    /**
     * Breaker h20q, finding 3: the overview's notice after a save follows its rollout while the admin stays on the
     * page: "What happens next" while it is open, then, once it has ended, how it ended, without a reload, and it no
     * longer asks (its span carries no hx-get).
     */
    @Test
    void theSaveNoticeSaysHowItsRolloutEndedWithoutAReload() throws IOException {
        RolloutFixtures fixtures = new RolloutFixtures(db);
        long run = fixtures.run("stt", "running", true, 0, 0, null, 4L, null); // paused: the engine stays away
        WebDriver browser = startChromium();
        try {
            browser.get(url("/admin/settings"));
            signIn(browser, "/admin/settings");
            browser.manage().addCookie(new org.openqa.selenium.Cookie.Builder(dev.keyhouse.web.Flash.COOKIE,
                    new SettingsNotice(SettingsNotice.SAVED, ProviderKind.STT, run, null, false).key())
                    .path("/admin/settings").isHttpOnly(true).build());
            browser.get(url("/admin/settings"));
            ((JavascriptExecutor) browser).executeScript("window.keyhouseNotReloaded = true;");
            assertThat(browser.findElement(By.id("run-status")).getText()).contains("What happens next: paused");

            fixtures.update("UPDATE restart_runs SET state = 'succeeded', paused = false, finished_at = now()"
                    + " WHERE id = ?", run);
            new WebDriverWait(browser, Duration.ofSeconds(10))
                    .until(b -> b.findElement(By.id("run-status")).getText().contains("ended"));
            WebElement status = browser.findElement(By.id("run-status"));
            assertThat(status.getText()).startsWith("Rollout " + run + " ended: succeeded")
                    .doesNotContain("What happens next", "rolling out");
            assertThat(status.getAttribute("hx-get")).as("an ended run is no longer asked about").isNull();
            assertThat(((JavascriptExecutor) browser).executeScript("return window.keyhouseNotReloaded === true;"))
                    .as("the notice changed without a reload").isEqualTo(true);
        } finally {
            browser.quit();
            fixtures.deleteAll();
        }
    }

    /**
     * Debian's Chromium through Debian's chromedriver, both named explicitly so Selenium Manager never looks for
     * (or downloads) a browser or a driver; a fresh profile per run.
     */
    public static WebDriver startChromium() throws IOException {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("the browser test needs Debian's Chromium at " + CHROMIUM + " and its driver at " + CHROMEDRIVER
                        + ": apt-get install -y chromium chromium-driver (.ci/run does)")
                .isTrue();
        Path profile = Files.createTempDirectory("keyhouse-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** Fills the sign-in form the browser was sent to as the admin; waits for {@code next}. */
    static void signIn(WebDriver browser, String next) {
        browser.findElement(By.id("email")).sendKeys(TestSettings.ADMIN_EMAIL);
        browser.findElement(By.id("password")).sendKeys(TestSettings.ADMIN_PASSWORD);
        browser.findElement(By.cssSelector("form[action='/login'] button[type='submit']")).click();
        waitFor(browser, next);
    }

    String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }

    static void type(WebElement input, String text) {
        input.clear();
        input.sendKeys(text);
    }

    public static void waitFor(WebDriver browser, String pathAndQuery) {
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .until(b -> b.getCurrentUrl().endsWith(pathAndQuery));
    }
}
