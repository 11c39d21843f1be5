package dev.keyhouse.settings;

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

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.keyhouse.SystemTools;
import dev.keyhouse.TestSettings;
import dev.keyhouse.checks.DeepgramStandIn;
import dev.keyhouse.checks.SonioxStandIn;
import dev.keyhouse.checks.StandIn;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Issue 19 in a real headless Chromium: an admin signs in, adds two stt fallbacks on the settings page (soniox, its
 * key checked live against a loopback stand-in, then a custom endpoint), moves the second up, and finds the new order
 * on the page, in {@code GET /api/v1/settings/stt/providers} and in runtime-config's {@code STT_PROVIDERS}; then
 * deletes one through its confirmation step. The fallbacks are deleted at the end; the stt primary stays saved
 * (deepgram), as other test classes leave it.
 */
@QuarkusTest
@SystemTools({"chromium", "chromedriver"})
public class ProviderEntriesBrowserTest {

    static final Path SCREENSHOT = Path.of("target", "browser-settings-fallbacks.png");

    @TestHTTPResource("/")
    URL base;

    @Inject
    DataSource db;

    @Test
    void adminAddsTwoSttFallbacksMovesOneUpAndSeesTheOrderEverywhere() throws IOException {
        ProviderEntriesTest.removeFallbacks(db);
        WebDriver browser = SettingsBrowserTest.startChromium();
        try (DeepgramStandIn deepgram = new DeepgramStandIn(); SonioxStandIn soniox = new SonioxStandIn()) {
            String sonioxKey = soniox.key(StandIn.Scenario.GOOD);
            Map<String, String> primary = Map.of("provider", "deepgram", "model", "nova-3", "baseUrl", deepgram.url(),
                    "apiKey", deepgram.key(StandIn.Scenario.GOOD));
            assertThat(Clients.put("stt", Clients.version("stt"), primary).statusCode()).isEqualTo(200);

            browser.get(url("/admin/settings"));
            browser.findElement(By.id("email")).sendKeys(TestSettings.ADMIN_EMAIL);
            browser.findElement(By.id("password")).sendKeys(TestSettings.ADMIN_PASSWORD);
            browser.findElement(By.cssSelector("form[action='/login'] button[type='submit']")).click();
            SettingsBrowserTest.waitFor(browser, "/admin/settings");

            addFallback(browser, "soniox", "stt-rt-preview", soniox.url(), sonioxKey);
            assertThat(fallbacks(browser)).containsExactly("soniox");
            assertThat(soniox.received()).as("the key was checked live before it was added").isNotEmpty();
            addFallback(browser, "custom", "stt-custom-1", "http://127.0.0.1:9/stt", "custom-browser-key-5d2e");
            assertThat(fallbacks(browser)).containsExactly("soniox", "custom");
            assertThat(browser.getPageSource()).doesNotContain(sonioxKey, "custom-browser-key-5d2e");

            List<WebElement> rows = browser.findElements(By.cssSelector("#fallbacks-stt li.fallback"));
            String customRow = rows.get(1).getAttribute("id");
            click(browser, By.id(customRow + "-up"));
            assertThat(browser.findElement(By.id("consequence")).getText()).as("moving restarts: asked first")
                    .contains("changes the order runtimes receive");
            click(browser, By.cssSelector("#confirm button[type='submit']"));
            assertThat(fallbacks(browser)).as("on the page").containsExactly("custom", "soniox");
            List<String> listed = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/stt/providers").then()
                    .statusCode(200).extract().jsonPath().getList("provider");
            assertThat(listed).as("over REST").containsExactly("deepgram", "custom", "soniox");
            String served = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN)
                    .get("/api/v1/internal/runtime-config").then().statusCode(200).extract().jsonPath()
                    .getString("env.STT_PROVIDERS");
            assertThat(served).as("in runtime-config").isEqualTo("deepgram,custom,soniox");
            Files.createDirectories(SCREENSHOT.getParent());
            Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT,
                    StandardCopyOption.REPLACE_EXISTING);

            click(browser, By.id(customRow + "-delete"));
            assertThat(browser.findElement(By.id("consequence")).getText()).contains("leaves the stt fallbacks");
            click(browser, By.cssSelector("#confirm button[type='submit']"));
            assertThat(fallbacks(browser)).as("deleted after its confirmation").containsExactly("soniox");
        } finally {
            browser.quit();
            ProviderEntriesTest.removeFallbacks(db);
        }
    }

    private void addFallback(WebDriver browser, String provider, String model, String baseUrl, String key) {
        click(browser, By.id("add-fallback-stt"));
        SettingsBrowserTest.waitFor(browser, "/admin/settings/stt/providers/new");
        new Select(browser.findElement(By.id("field-provider"))).selectByValue(provider);
        SettingsBrowserTest.type(browser.findElement(By.id("field-model")), model);
        SettingsBrowserTest.type(browser.findElement(By.id("field-baseUrl")), baseUrl);
        browser.findElement(By.id("field-apiKey")).sendKeys(key);
        click(browser, By.id("save-button"));
    }

    /** The stt fallbacks' providers in the order the overview lists them. */
    private static List<String> fallbacks(WebDriver browser) {
        return browser.findElements(By.cssSelector("#fallbacks-stt li.fallback .fallback-provider")).stream()
                .map(WebElement::getText).toList();
    }

    /** Clicks and waits for the next page: the current one's document gone (its URL may not change). */
    private static void click(WebDriver browser, By what) {
        WebElement page = browser.findElement(By.tagName("html"));
        browser.findElement(what).click();
        // while the old document goes, chromedriver may answer "Node ... does not belong to the document" rather
        // than a stale element: asked again, it is stale
        new WebDriverWait(browser, Duration.ofSeconds(15)).ignoring(WebDriverException.class)
                .until(ExpectedConditions.stalenessOf(page));
    }

    private String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }
}
