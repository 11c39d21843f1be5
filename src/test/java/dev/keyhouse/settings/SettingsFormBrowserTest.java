package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.keyhouse.SystemTools;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.test.common.http.TestHTTPResource;
import io.restassured.http.ContentType;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Issue 20, points 5 and 7, in a real headless Chromium: the LLM form says which targets a save restarts (the held
 * one named as left out); a submit with two wrong fields and a typed key shows both errors at once with the key
 * still in its field, and once the fields are fixed the save succeeds without typing the key again.
 */
@QuarkusTest
@SystemTools({"chromium", "chromedriver"})
public class SettingsFormBrowserTest {

    private static final String KEY = "sk-browser-forms-8e2a4c6b0d1f3579";

    @TestHTTPResource("/")
    URL base;

    @Inject
    SecretFingerprints fingerprints;

    @Test
    void bothErrorsAtOnceTheKeyKeptThenSavedWithoutRetyping() throws IOException {
        String suffix = Long.toString(System.nanoTime(), 36);
        long restarted = target("forms-a-" + suffix, false);
        long held = target("forms-held-" + suffix, true);
        OpenAiStandIn openai = new OpenAiStandIn();
        openai.key(KEY, StandIn.Scenario.GOOD);
        WebDriver browser = SettingsBrowserTest.startChromium();
        try {
            browser.get(url("/admin/settings/llm"));
            SettingsBrowserTest.signIn(browser, "/admin/settings/llm");
            assertThat(browser.findElement(By.id("save-restarts")).getText())
                    .contains("Saving a change restarts: ").contains("forms-a-" + suffix + " (recording)")
                    .contains("held, left out of the rollout: ").contains("forms-held-" + suffix);

            new Select(browser.findElement(By.id("field-provider"))).selectByValue("openai");
            SettingsBrowserTest.type(browser.findElement(By.id("field-model")), " ");
            SettingsBrowserTest.type(browser.findElement(By.id("field-baseUrl")), "not a url");
            browser.findElement(By.id("field-apiKey")).clear();
            browser.findElement(By.id("field-apiKey")).sendKeys(KEY);
            save(browser);
            new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(b -> !b.findElements(By.cssSelector(".field-error")).isEmpty());

            List<String> errors = browser.findElements(By.cssSelector(".field-error")).stream()
                    .map(WebElement::getText).toList();
            assertThat(errors).as("both errors on the first submit").contains("Model: is required")
                    .anyMatch(e -> e.startsWith("Base URL: must be a valid http or https URL"));
            assertThat(browser.findElement(By.id("field-apiKey")).getDomProperty("value"))
                    .as("the typed key is still in its field").isEqualTo(KEY);
            assertThat(browser.findElement(By.id("field-baseUrl")).getDomProperty("value")).isEqualTo("not a url");

            SettingsBrowserTest.type(browser.findElement(By.id("field-model")), "gpt-4o-forms");
            SettingsBrowserTest.type(browser.findElement(By.id("field-baseUrl")), openai.baseUrl());
            save(browser);

            // the save plans a rollout over the recording target: the address ends with its run
            new WebDriverWait(browser, Duration.ofSeconds(15))
                    .until(b -> b.getCurrentUrl().endsWith("/admin/settings") && !b.findElements(By.cssSelector(".flash")).isEmpty());
            assertThat(browser.findElement(By.cssSelector(".flash")).getText())
                    .startsWith("Language model settings saved.");
            assertThat(given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm").jsonPath()
                    .getString("apiKey.fingerprint")).as("the key typed once is the one saved")
                    .isEqualTo(fingerprints.of(KEY));
            assertThat(browser.getPageSource()).doesNotContain(KEY);
        } finally {
            browser.quit();
            openai.close();
            SettingsCheckTest.deleteTarget(restarted);
            SettingsCheckTest.deleteTarget(held);
        }
    }

    private static void save(WebDriver browser) {
        browser.findElement(By.cssSelector("form[action='/admin/settings/llm'] button[type='submit']")).click();
    }

    /** An enabled runtime target of the tests' recording driver that depends on llm. */
    private static long target(String name, boolean held) {
        Map<String, Object> body = Map.of("name", name, "driver", "recording", "dependsOn", List.of("llm"),
                "held", held, "config", Map.of("runtimes", "1", "token", "forms-target-token-" + name));
        return given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).body(body)
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    private String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }
}
