package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn.Scenario;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * {@code PROVIDER_CHECK_MODE=off}: saves are not checked (nothing reaches the provider, {@code "check": null}), while
 * Check key and {@code POST .../check} still check. On a database of its own, where the tts setting has no key.
 */
@QuarkusTest
@TestProfile(Profiles.ChecksCalledByTests.class)
class SettingsCheckOffTest {

    static final OpenAiStandIn OPENAI = new OpenAiStandIn();

    @AfterAll
    static void stop() {
        OPENAI.close();
    }

    @Test
    void maskedFormsOfOtherScreensAreRefusedInOffModeToo() {
        // a tester saved these in warn and off modes, where no check would have caught them
        MaskedSecretTest.otherScreensFormsAreRefused("llm", SettingsCheckTest.llm(OPENAI.key(Scenario.GOOD), OPENAI),
                "apiKey", OPENAI);
    }

    @Test
    void offSavesWithoutACheckAndCheckStillChecks() {
        OPENAI.clearReceived();
        long version = Clients.version("llm");
        String key = OPENAI.key(Scenario.INVALID);

        Response saved = Clients.put("llm", version, SettingsCheckTest.llm(key, OPENAI));

        saved.then().statusCode(200);
        assertThat(saved.jsonPath().getMap("")).containsEntry("check", null);
        assertThat(saved.jsonPath().getList("warnings")).isEmpty();
        assertThat(OPENAI.received()).as("a save sends nothing to the provider").isEmpty();
        assertThat(Clients.version("llm")).isEqualTo(version + 1);

        Response checked = given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON)
                .body(SettingsCheckTest.llm(null, OPENAI)).post("/api/v1/settings/llm/check");
        checked.then().statusCode(200);
        assertThat(checked.jsonPath().getString("result")).isEqualTo("invalid_key");
        assertThat(OPENAI.received().get(0).header("Authorization")).as("the stored key").isEqualTo("Bearer " + key);
    }

    @Test
    void checkingWithNoKeyTypedAndNoneStoredIsA400NamingTheField() {
        OPENAI.clearReceived();
        Map<String, Object> body = Map.of("provider", "custom", "voice", "alloy", "baseUrl", OPENAI.baseUrl());
        Response refused = given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).body(body)
                .post("/api/v1/settings/tts/check");
        refused.then().statusCode(400).contentType("application/problem+json");
        assertThat(refused.jsonPath().getList("errors.field", String.class)).containsExactly("apiKey");
        assertThat(refused.jsonPath().getString("errors[0].message")).contains("none is stored");
        assertThat(OPENAI.received()).isEmpty();
    }
}
