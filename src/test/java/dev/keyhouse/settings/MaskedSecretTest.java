package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/** What the page shows of a stored key is never saved as a new key, in any secret field, over REST or the form. */
@QuarkusTest
class MaskedSecretTest {

    @Inject
    SecretFingerprints fingerprints;

    /** Valid non-secret fields and a real key per secret field of each kind. */
    private static Map<String, String> valid(ProviderKind kind) {
        Map<String, String> body = new LinkedHashMap<>();
        switch (kind) {
            case LLM -> body.putAll(Map.of("provider", "openai", "model", "gpt-4o-mini",
                    "apiKey", "sk-proj-masked0123456789abcdefABCDEF"));
            case STT -> body.putAll(Map.of("provider", "deepgram", "model", "nova-3",
                    "apiKey", "0123456789abcdef0123456789abcdef0123abcd"));
            case TTS -> body.putAll(Map.of("provider", "elevenlabs", "voice", "Rachel",
                    "apiKey", "sk_masked0123456789abcdef0123456789abcdef0123"));
            case TELEPHONY -> body.putAll(Map.of("accountSid", "AC0123456789abcdef0123456789abcdef",
                    "fromNumber", "+14155550100", "authToken", "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                    "apiKeySid", "SK0123456789abcdef0123456789abcdef", "apiSecret", "masked-api-secret-0123456789ab"));
            case LIVEKIT -> body.putAll(Map.of("url", "wss://livekit.example.com", "apiKey", "APImasked0123456789abcd",
                    "apiSecret", "masked-livekit-secret-0123456789abcdefWXYZ"));
            case STORAGE -> body.putAll(Map.of("provider", "s3", "region", "eu-west-1", "bucket", "masked-bucket",
                    "accessKey", "AKIAMASKED0123456789WXYZ", "secretKey", "masked/secret+key0123456789abcdefGHIJ"));
            case TRACING -> body.putAll(Map.of("endpoint", "https://otlp.example.com",
                    "headers", "x-api-key=masked0123456789abcdefKLMN"));
        }
        return body;
    }

    @Test
    void everyDisplayedFormIsRefusedInEverySecretFieldAndTheStoredKeyIsKept() {
        for (ProviderKind kind : ProviderKind.values()) {
            Map<String, String> body = valid(kind);
            Response saved = Clients.put(kind.id(), Clients.version(kind.id()), body);
            saved.then().statusCode(200);
            long version = saved.jsonPath().getLong("version");
            for (SettingField field : kind.secretFields()) {
                String stored = body.get(field.json());
                String fingerprint = saved.jsonPath().getString(field.json() + ".fingerprint");
                String keyId = saved.jsonPath().getString(field.json() + ".keyId");
                String hint = saved.jsonPath().getString(field.json() + ".hint");
                String last4 = stored.substring(stored.length() - 4);
                assertThat(hint).isEqualTo("…" + last4);
                for (String shown : List.of(hint, "..." + last4, "********", "********" + last4, "••••" + last4,
                        "●●●●●●", "····" + last4, fingerprint, keyId, "fingerprint " + fingerprint, " " + hint + " ")) {
                    Map<String, String> again = new LinkedHashMap<>(body);
                    again.put(field.json(), shown);
                    Response refused = Clients.put(kind.id(), version, again);
                    refused.then().statusCode(400).contentType(startsWith("application/problem+json"));
                    assertThat(refused.jsonPath().getList("errors", Map.class)).as("%s %s = %s", kind, field, shown)
                            .containsExactly(Map.of("field", field.json(), "message", DisplayedSecret.MESSAGE));
                }
                given().auth().oauth2(Clients.admin()).get("/api/v1/settings/" + kind.id()).then().statusCode(200)
                        .body(field.json() + ".fingerprint", org.hamcrest.Matchers.equalTo(fingerprints.of(stored)));
            }
            assertThat(Clients.version(kind.id())).as("nothing was saved").isEqualTo(version);
        }
    }

    /** The tester's values from other screens (issue 15), then more of their kind; none is a key. */
    static final List<String> OTHER_SCREENS = List.of("sk-proj-...stuv", "sk-...stuv", "xxxxxxxxstuv", "[REDACTED]",
            "<redacted>", "sk-proj-…stuv", "sk-****stuv", "sk_••••••••0123", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "MASKED", "(hidden)", "sk-proj-[REDACTED]");

    /**
     * Each of {@link #OTHER_SCREENS} in {@code field} of {@code body} is refused with 400 naming the field and
     * {@link DisplayedSecret#MASKED}, on save and on check, whatever {@code PROVIDER_CHECK_MODE} is; nothing saved,
     * and nothing sent to {@code provider} (null: not watched).
     */
    static void otherScreensFormsAreRefused(String kind, Map<String, ?> body, String field,
            dev.keyhouse.checks.StandIn provider) {
        if (provider != null) {
            provider.clearReceived();
        }
        long version = Clients.version(kind);
        for (String shown : OTHER_SCREENS) {
            Map<String, Object> again = new LinkedHashMap<>(body);
            again.put(field, shown);
            Response saved = Clients.put(kind, version, again);
            Response checked = given().auth().oauth2(Clients.admin()).contentType(io.restassured.http.ContentType.JSON)
                    .body(again).post("/api/v1/settings/" + kind + "/check");
            for (Response refused : List.of(saved, checked)) {
                refused.then().statusCode(400).contentType(startsWith("application/problem+json"));
                assertThat(refused.jsonPath().getList("errors", Map.class)).as("%s %s = %s", kind, field, shown)
                        .containsExactly(Map.of("field", field, "message", DisplayedSecret.MASKED));
            }
        }
        assertThat(Clients.version(kind)).as("nothing was saved").isEqualTo(version);
        if (provider != null) {
            assertThat(provider.received()).as("a refused value is not checked either").isEmpty();
        }
    }

    @Test
    void maskedFormsOfOtherScreensAreRefusedInEverySecretField() {
        for (ProviderKind kind : ProviderKind.values()) {
            for (SettingField field : kind.secretFields()) {
                otherScreensFormsAreRefused(kind.id(), valid(kind), field.json(), null);
            }
        }
    }

    @Test
    void theFormRefusesTheHintWithTheMessageAndKeepsTheStoredKey() {
        Map<String, String> body = valid(ProviderKind.LLM);
        Clients.put("llm", Clients.version("llm"), body).then().statusCode(200);
        String session = Clients.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        for (String shown : List.of("…CDEF", "••••CDEF", "sk-proj-...CDEF", "[REDACTED]")) {
            Response form = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/settings/llm");
            String csrf = form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value");
            String version = form.htmlPath().getString("**.find { it.@name == 'version' }.@value");
            Map<String, String> fields = new LinkedHashMap<>(body);
            fields.put("apiKey", shown);
            Response refused = given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                    .contentType("application/x-www-form-urlencoded; charset=UTF-8").cookies(form.getCookies())
                    .formParam("csrf-token", csrf).formParam("version", version).formParams(fields)
                    .post("/admin/settings/llm");
            refused.then().statusCode(400);
            String message = shown.startsWith("sk") || shown.startsWith("[") ? "looks like a masked or redacted key, not"
                    : "this is how Keyhouse displays the stored key, not";
            assertThat(refused.asString()).contains("API key: " + message + " a key: type the whole new key, or leave"
                    + " the field empty to keep the stored one");
        }
        given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm").then().statusCode(200)
                .body("apiKey.fingerprint", org.hamcrest.Matchers.equalTo(fingerprints.of(body.get("apiKey"))));
    }
}
