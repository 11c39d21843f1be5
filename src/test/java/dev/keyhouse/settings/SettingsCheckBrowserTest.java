package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.keyhouse.SystemTools;
import dev.keyhouse.TestSettings;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn.Scenario;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A real headless Chromium checks a bad LLM key with Check key (htmx), sees {@code invalid_key} next to the field
 * with the key still typed, has the save refused, types the key again and saves it over the check with a reason,
 * and finds the override and the result in the audit log. OpenAI is an {@link OpenAiStandIn} on loopback.
 */
@QuarkusTest
@SystemTools({"chromium", "chromedriver"})
class SettingsCheckBrowserTest {

    static final Path SCREENSHOT = Path.of("target", "browser-settings-check.png");
    private static final String REASON = "the provider's dashboard shows this key as active";

    @TestHTTPResource("/")
    URL base;

    @Test
    void aBadKeyIsShownInvalidRefusedOnSaveAndSavedWithAnAuditedOverride() throws IOException {
        WebDriver browser = SettingsBrowserTest.startChromium();
        try (OpenAiStandIn openai = new OpenAiStandIn()) {
            String key = openai.key(Scenario.INVALID);
            browser.get(url("/admin/settings/llm"));
            browser.findElement(By.id("email")).sendKeys(TestSettings.ADMIN_EMAIL);
            browser.findElement(By.id("password")).sendKeys(TestSettings.ADMIN_PASSWORD);
            browser.findElement(By.cssSelector("form[action='/login'] button[type='submit']")).click();
            SettingsBrowserTest.waitFor(browser, "/admin/settings/llm");

            fill(browser, openai, key);
            browser.findElement(By.id("check-apiKey-button")).click();
            WebElement result = new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(b -> b.findElements(By.cssSelector("#check-apiKey .check-result-name")).stream()
                            .findFirst().orElse(null));
            assertThat(result.getText()).isEqualTo("invalid_key");
            assertThat(browser.findElement(By.id("check-apiKey")).getText())
                    .contains("the provider rejected the key as invalid").contains("HTTP 401")
                    .contains("invalid_api_key").contains("negative control: rejected").doesNotContain(key);
            assertThat(browser.findElement(By.id("field-apiKey")).getDomProperty("value"))
                    .as("the typed key stays in the field").isEqualTo(key);
            Files.createDirectories(SCREENSHOT.getParent());
            Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT,
                    StandardCopyOption.REPLACE_EXISTING);

            browser.findElement(By.id("save-button")).click();
            WebElement refusal = new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(b -> b.findElements(By.cssSelector(".check-refused")).stream().findFirst().orElse(null));
            assertThat(refusal.getText()).contains("The key check found invalid_key").contains("Nothing was saved")
                    .contains("Enter a working key");
            assertThat(browser.findElement(By.id("field-apiKey")).getDomProperty("value"))
                    .as("the refused answer keeps the typed key in its field (that answer only), so the override"
                            + " needs no retyping").isEqualTo(key);

            assertThat(browser.findElement(By.cssSelector("details.check-override")).getDomAttribute("open"))
                    .as("after a refusal the override is open").isNotNull();
            browser.findElement(By.id("check-override")).click();
            browser.findElement(By.id("check-override-reason")).sendKeys(REASON);
            browser.findElement(By.id("save-button")).click();

            new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(b -> b.getCurrentUrl().endsWith("/admin/settings") && !b.findElements(By.cssSelector(".flash")).isEmpty());
            assertThat(browser.findElement(By.cssSelector(".flash")).getText())
                    .startsWith("Language model settings saved over a failed key check: invalid_key");

            browser.findElement(By.linkText("Audit log")).click();
            SettingsBrowserTest.waitFor(browser, "/admin/audit");
            String override = browser.findElements(By.cssSelector("table tbody tr")).stream().map(WebElement::getText)
                    .filter(row -> row.contains("setting.check.override")).findFirst().orElse("no override row");
            assertThat(override).contains(TestSettings.ADMIN_EMAIL).contains("invalid_key (HTTP 401, invalid_api_key)")
                    .contains(REASON);
            String save = browser.findElements(By.cssSelector("table tbody tr")).stream().map(WebElement::getText)
                    .filter(row -> row.contains("setting.save")).findFirst().orElse("no setting.save row");
            assertThat(save).contains("key check: invalid_key").contains("overridden");
            assertThat(browser.getPageSource()).doesNotContain(key);
        } finally {
            browser.quit();
        }
    }

    private static void fill(WebDriver browser, OpenAiStandIn openai, String key) {
        new Select(browser.findElement(By.id("field-provider"))).selectByValue("openai");
        SettingsBrowserTest.type(browser.findElement(By.id("field-model")), "gpt-4o-mini");
        SettingsBrowserTest.type(browser.findElement(By.id("field-baseUrl")), openai.baseUrl());
        browser.findElement(By.id("field-apiKey")).sendKeys(key);
    }

    private String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }
}
