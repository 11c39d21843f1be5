package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

@QuarkusTest
class SettingsResourceTest {

    @Inject
    EntityManager em;

    @Inject
    SecretFingerprints fingerprints;

    @Inject
    javax.sql.DataSource dataSource;

    @Test
    void eachKindRoundTripsAndItsSecretNeverComesBack() {
        Map<String, Map<String, String>> bodies = new LinkedHashMap<>();
        bodies.put("llm", Map.of("provider", "openai", "model", "gpt-4o-mini",
                "apiKey", "sk-roundtrip-llm-5b0e7c1d2a3f4e5d", "organization", "org-42"));
        bodies.put("stt", Map.of("provider", "deepgram", "model", "nova-3", "language", "en-US",
                "apiKey", "dg-roundtrip-stt-9a8b7c6d5e4f3a2b"));
        bodies.put("tts", Map.of("provider", "elevenlabs", "voice", "Rachel", "model", "eleven_multilingual_v2",
                "apiKey", "el-roundtrip-tts-1f2e3d4c5b6a7988"));
        bodies.put("telephony", Map.of("accountSid", "AC0123456789abcdef0123456789abcdef",
                "authToken", "44aa55bb66cc77dd8899aabbccddeeff", "fromNumber", "+14155550100",
                "whatsappFrom", "whatsapp:+14155550101"));
        for (Map.Entry<String, Map<String, String>> entry : bodies.entrySet()) {
            String kind = entry.getKey();
            String secretField = kind.equals("telephony") ? "authToken" : "apiKey";
            String secret = entry.getValue().get(secretField);
            long version = Clients.version(kind);

            Response saved = Clients.put(kind, version, entry.getValue());

            saved.then().statusCode(200).header("ETag", "\"" + (version + 1) + "\"");
            assertThat(saved.asString()).doesNotContain(secret);
            JsonPath json = saved.jsonPath();
            assertThat(json.getString("kind")).isEqualTo(kind);
            assertThat(json.getLong("version")).isEqualTo(version + 1);
            assertThat(json.getMap("")).containsKey("restartRun");
            assertThat(json.getString("restartRun")).isNull();
            for (Map.Entry<String, String> field : entry.getValue().entrySet()) {
                if (!field.getKey().equals(secretField)) {
                    assertThat(json.getString(field.getKey())).as(kind + "." + field.getKey()).isEqualTo(field.getValue());
                }
            }
            assertThat(json.getMap(secretField)).containsOnlyKeys("configured", "hint", "fingerprint", "needsReentry", "keyId",
                    "source", "vault");
            assertThat(json.getString(secretField + ".source")).isEqualTo("keyhouse");
            assertThat(json.getMap(secretField + ".vault")).isNull();
            assertThat(json.getBoolean(secretField + ".configured")).isTrue();
            assertThat(json.getBoolean(secretField + ".needsReentry")).isFalse();
            assertThat(json.getString(secretField + ".hint")).isEqualTo("…" + secret.substring(secret.length() - 4));
            assertThat(json.getString(secretField + ".fingerprint")).isEqualTo(fingerprints.of(secret));
            assertThat(json.getString(secretField + ".keyId")).matches("[0-9a-f]{8}");

            Response read = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/" + kind);
            read.then().statusCode(200).header("ETag", "\"" + (version + 1) + "\"");
            assertThat(read.asString()).doesNotContain(secret);
            assertThat(read.jsonPath().getString(secretField + ".fingerprint")).isEqualTo(fingerprints.of(secret));
            assertNotInDatabaseInPlaintext(secret);
        }
        assertThat(given().auth().oauth2(Clients.admin()).get("/api/v1/settings").asString())
                .doesNotContain(bodies.get("llm").get("apiKey"));
        assertThat(Clients.version("llm")).isPositive();
    }

    @Test
    void listShowsEveryKindConfiguredOrNot() {
        given().auth().oauth2(Clients.admin()).get("/api/v1/settings").then().statusCode(200)
                .body("kind", equalTo(List.of("llm", "stt", "tts", "telephony", "livekit", "storage", "tracing")))
                .body("[0]", org.hamcrest.Matchers.hasKey("configured"))
                .body("[3].authToken", org.hamcrest.Matchers.hasKey("needsReentry"));
    }

    @Test
    void defaultBaseUrlShortSecretWithoutHintAndEmptySecretKeepsTheStoredOne() {
        String shortKey = "sk-short-19-chars!!";
        assertThat(shortKey).hasSize(19);
        Response first = Clients.put("llm", Clients.version("llm"),
                Map.of("provider", "deepseek", "model", "deepseek-chat", "apiKey", shortKey));
        first.then().statusCode(200).body("baseUrl", equalTo("https://api.deepseek.com/v1"));
        assertThat(first.jsonPath().getString("apiKey.hint")).isNull();
        String fingerprint = first.jsonPath().getString("apiKey.fingerprint");

        Response kept = Clients.put("llm", first.jsonPath().getLong("version"),
                Map.of("provider", "deepseek", "model", "deepseek-reasoner", "apiKey", ""));
        kept.then().statusCode(200).body("model", equalTo("deepseek-reasoner"))
                .body("apiKey.configured", equalTo(true)).body("apiKey.fingerprint", equalTo(fingerprint));
        Response omitted = Clients.put("llm", kept.jsonPath().getLong("version"),
                Map.of("provider", "deepseek", "model", "deepseek-chat"));
        omitted.then().statusCode(200).body("apiKey.fingerprint", equalTo(fingerprint));
        assertNotInDatabaseInPlaintext(shortKey);
    }

    /**
     * Without VAULT_ADDR (this profile) a vault: reference cannot be resolved: a 400 naming the field, in every secret
     * field; a malformed one is named for its form first. Nothing is saved.
     */
    @Test
    void aVaultReferenceWithoutVaultAddrIsA400NamingTheField() {
        long version = Clients.version("llm");
        for (String reference : List.of("vault:secret/llm#openai_key", "vault:secret/llm#openai_key?version=2")) {
            assertFieldErrors("llm", version, Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", reference),
                    "apiKey", "cannot be resolved: VAULT_ADDR is not set");
        }
        assertFieldErrors("telephony", Clients.version("telephony"), Map.of("provider", "twilio",
                "accountSid", "AC0123456789abcdef0123456789abcdef", "fromNumber", "+14155550100",
                "authToken", "vault:secret/twilio#auth_token"), "authToken", "cannot be resolved: VAULT_ADDR is not set");
        assertFieldErrors("llm", version, Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey",
                "vault:secret/llm"), "apiKey", "a Vault reference is written vault:<mount>/<path>#<key>");
        assertThat(Clients.version("llm")).isEqualTo(version);
    }

    @Test
    void invalidInputNamesEachFieldAndSavesNothing() {
        long version = Clients.version("llm");
        assertFieldErrors("llm", version, Map.of("provider", "custom", "model", "m", "apiKey", "sk-x"),
                "baseUrl", "is required for a custom provider");
        assertFieldErrors("llm", version, Map.of("provider", "custom", "model", "m", "baseUrl", "ftp://example.com"),
                "baseUrl", "must be an http or https URL");
        assertFieldErrors("llm", version, Map.of("provider", "custom", "model", "m", "baseUrl", "https://"),
                "baseUrl", "must be an http or https URL with a host");
        assertFieldErrors("llm", version, Map.of("provider", "custom", "model", "m", "baseUrl", "api.example.com"),
                "baseUrl", "must be a valid http or https URL");
        assertFieldErrors("llm", version, Map.of("provider", "custom", "model", "m",
                "baseUrl", "https://llm.example.com/v1?x=1"), "baseUrl", "must not contain a query");
        assertFieldErrors("llm", version, Map.of("provider", "custom", "model", "m",
                "baseUrl", "https://user:pw@llm.example.com/v1"), "baseUrl", "must not contain a user name or password");
        assertFieldErrors("llm", version, Map.of("provider", "openai", "model", "m".repeat(201)),
                "model", "must be at most 200 characters");
        assertFieldErrors("llm", version, Map.of("provider", "openai", "model", "gpt\u0007"),
                "model", "control character U+0007 (bel) at position 4");
        assertFieldErrors("llm", version, Map.of("provider", "openai", "model", "gpt", "apiKey", "sk-a\nb"),
                "apiKey", "control character U+000A (line feed (lf)) at position 5");
        assertFieldErrors("llm", version, Map.of("provider", "nope", "model", "m"), "provider", "must be one of");
        assertFieldErrors("llm", version, Map.of("provider", "openai"), "model", "is required");
        assertFieldErrors("llm", version, Map.of("provider", "openai", "model", "m", "voice", "x"),
                "voice", "is not a field of llm settings");
        assertFieldErrors("tts", Clients.version("tts"), Map.of("provider", "elevenlabs"), "voice", "is required");
        assertFieldErrors("stt", Clients.version("stt"), Map.of("provider", "custom", "model", "m"),
                "baseUrl", "is required");
        long telephony = Clients.version("telephony");
        assertFieldErrors("telephony", telephony, Map.of("accountSid", "AC123", "fromNumber", "+1415"),
                "accountSid", "must be AC followed by 32 hexadecimal digits");
        assertFieldErrors("telephony", telephony, Map.of("accountSid", "AC0123456789abcdef0123456789abcdef",
                "fromNumber", "02079460000"), "fromNumber", "must be an E.164 number");
        assertFieldErrors("telephony", telephony, Map.of("accountSid", "AC0123456789abcdef0123456789abcdef",
                "fromNumber", "+14155550100", "whatsappFrom", "whatsapp:0123"), "whatsappFrom", "E.164");

        Map<String, Object> wrongType = new LinkedHashMap<>();
        wrongType.put("provider", "openai");
        wrongType.put("model", 5);
        assertFieldErrors("llm", version, wrongType, "model", "wrong type");
        Clients.put("llm", version, "{\"provider\": \"openai\", ").then().statusCode(400)
                .contentType(startsWith("application/problem+json")).body("errors.field", hasItem("body"));
        Clients.put("llm", version, "[1, 2]").then().statusCode(400).body("errors.field", hasItem("body"));
        Clients.put("llm", version, "{\"provider\": \"openai\", \"model\": {\"a\": 1}}").then().statusCode(400)
                .body("errors.field", hasItem("model"));
        assertThat(Clients.version("llm")).isEqualTo(version);
    }

    /** Keys with one character no one sees: the three, then more of their kind; and the message. */
    static Stream<Arguments> pastedSecrets() {
        return Stream.of(
                Arguments.of("sk-proj-012\u200B3456789abcdef", "apiKey",
                        "invisible character U+200B (zero width space) at position 12"),
                Arguments.of("sk-proj-0123456789abcdef\u00A0", "apiKey",
                        "non-ASCII space U+00A0 (no-break space) at position 25"),
                Arguments.of("\uFEFFsk-proj-0123456789abcdef", "apiKey",
                        "invisible character U+FEFF (zero width no-break space) at position 1"),
                Arguments.of("sk-proj\u2028-0123456789abcdef", "apiKey",
                        "line separator U+2028 (line separator) at position 8"),
                Arguments.of("sk-proj-\u00AD0123456789abcdef", "apiKey",
                        "invisible character U+00AD (soft hyphen) at position 9"),
                Arguments.of("sk-proj-0123\u3000456789abcdef", "apiKey",
                        "non-ASCII space U+3000 (ideographic space) at position 13"),
                Arguments.of("sk-proj-01234\u202E56789abcdef", "apiKey",
                        "invisible character U+202E (right-to-left override) at position 14"),
                Arguments.of("\u200Dtw-token-0123456789abcdef", "authToken",
                        "invisible character U+200D (zero width joiner) at position 1"),
                Arguments.of("tw-token-0123456789abcdef\u00A0", "authToken",
                        "non-ASCII space U+00A0 (no-break space) at position 26"));
    }

    /**
     * The pasted keys (zero-width space, no-break space, leading BOM) and more of their kind: each is a 400
     * naming the field, position and code point, never the value, and the stored key stays as it was.
     */
    @ParameterizedTest
    @MethodSource("pastedSecrets")
    void aPastedSecretWithAnInvisibleCharacterIsRefusedByPositionAndTheStoredOneIsKept(String pasted, String field,
            String message) {
        String kind = field.equals("apiKey") ? "llm" : "telephony";
        String stored = field.equals("apiKey") ? "sk-kept-llm-key-0a1b2c3d4e5f" : "6a7b8c9d0e1f00112233445566778899";
        Map<String, String> body = new LinkedHashMap<>(kind.equals("llm")
                ? Map.of("provider", "openai", "model", "gpt-4o-mini")
                : Map.of("accountSid", "AC0123456789abcdef0123456789abcdef", "fromNumber", "+14155550100"));
        body.put(field, stored);
        long version = Clients.put(kind, Clients.version(kind), body).then().statusCode(200).extract().jsonPath()
                .getLong("version");

        body.put(field, pasted);
        Response refused = Clients.put(kind, version, body);

        refused.then().statusCode(400).contentType(startsWith("application/problem+json"));
        assertThat(refused.jsonPath().getList("errors", Map.class))
                .containsExactly(Map.of("field", field, "message", message));
        String clean = pasted.replaceAll("[^\\x21-\\x7e]", "");
        assertThat(refused.asString()).doesNotContain(clean).doesNotContain(clean.substring(0, 10));
        Response read = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/" + kind);
        read.then().header("ETag", "\"" + version + "\"");
        assertThat(read.jsonPath().getString(field + ".fingerprint")).isEqualTo(fingerprints.of(stored));
    }

    /** ASCII whitespace around a pasted key is trimmed: the key served and fingerprinted is the one without it. */
    @Test
    void asciiWhitespaceAroundAPastedKeyIsTrimmed() {
        String key = "sk-trimmed-key-9f8e7d6c5b4a";
        Response saved = Clients.put("llm", Clients.version("llm"),
                Map.of("provider", "openai", "model", " gpt-4o-mini\t", "apiKey", " \t" + key + "\r\n"));
        saved.then().statusCode(200).body("model", equalTo("gpt-4o-mini"))
                .body("apiKey.fingerprint", equalTo(fingerprints.of(key)));
    }

    /**
     * The base URL, a Compose service name with an underscore, is accepted and stored canonically; the
     * same URL with an invisible character is refused by position.
     */
    @Test
    void anUnderscoreBaseUrlIsAcceptedInCanonicalFormAndAnInvisibleOneRefused() {
        Response saved = Clients.put("llm", Clients.version("llm"), Map.of("provider", "custom",
                "model", "llama3.1:8b", "baseUrl", "HTTP://Local_LLM:11434/v1", "apiKey", "sk-local-0000000000"));
        saved.then().statusCode(200).body("baseUrl", equalTo("http://local_llm:11434/v1"));
        long version = saved.jsonPath().getLong("version");

        assertFieldErrors("llm", version, Map.of("provider", "custom", "model", "llama3.1:8b",
                "baseUrl", "http://local_llm\u200B:11434/v1"), "baseUrl",
                "invisible character U+200B (zero width space) at position 17");
        assertFieldErrors("llm", version, Map.of("provider", "custom", "model", "llama3.1:8b",
                "baseUrl", "http://local llm:11434/v1"), "baseUrl", "space at position 13");
        Clients.put("llm", version, Map.of("provider", "custom", "model", "llama3.1:8b",
                "baseUrl", "http://[FD00::7]:11434/v1/", "apiKey", "sk-local-0000000001")).then().statusCode(200)
                .body("baseUrl", equalTo("http://[fd00::7]:11434/v1/"));
    }

    /**
     * A stored key never follows a new destination: a new provider or base-URL host, scheme or port without the key
     * entered again is refused on the key's field, and nothing is saved; the same destination with another path or
     * model keeps the key; entering the key again moves it.
     */
    @Test
    void aStoredKeyIsNeverSentToANewDestinationWithoutBeingEnteredAgain() {
        Response saved = Clients.put("llm", Clients.version("llm"), Map.of("provider", "openai", "model", "gpt-4o-mini",
                "apiKey", "sk-destination-test-0123456789"));
        saved.then().statusCode(200).body("baseUrl", equalTo("https://api.openai.com/v1"));
        long version = saved.jsonPath().getLong("version");
        String fingerprint = saved.jsonPath().getString("apiKey.fingerprint");
        String why = "enter the API key again: the ";
        for (Map<String, String> moved : List.of(
                Map.of("provider", "custom", "model", "m", "baseUrl", "https://collector.attacker.example/v1"),
                Map.of("provider", "openrouter", "model", "m"),
                Map.of("provider", "openai", "model", "m", "baseUrl", "https://api.openai.com.attacker.example/v1"),
                Map.of("provider", "openai", "model", "m", "baseUrl", "http://api.openai.com/v1"),
                Map.of("provider", "openai", "model", "m", "baseUrl", "https://api.openai.com:8443/v1"))) {
            Response refused = Clients.put("llm", version, moved);
            refused.then().statusCode(400);
            assertThat(refused.jsonPath().getList("errors.field", String.class)).as("%s", moved).contains("apiKey");
            // the refusal saved nothing: the stored fields sent again change nothing (no new version)
            JsonPath same = Clients.put("llm", version, Map.of("provider", "openai", "model", "gpt-4o-mini"))
                    .then().statusCode(200).extract().jsonPath();
            assertThat(same.getBoolean("unchanged")).as("%s", moved).isTrue();
            assertThat(same.getLong("version")).isEqualTo(version);
        }
        assertFieldErrors("llm", version, Map.of("provider", "custom", "model", "m", "baseUrl",
                "https://collector.attacker.example/v1"), "apiKey", why + "provider and base URL host changed");
        Response samePlace = Clients.put("llm", version, Map.of("provider", "openai", "model", "gpt-4o",
                "baseUrl", "https://api.openai.com/v2"));
        samePlace.then().statusCode(200).body("apiKey.fingerprint", equalTo(fingerprint));
        // the same origin written another way (host case, the scheme's default port) is the same destination
        samePlace = Clients.put("llm", samePlace.jsonPath().getLong("version"), Map.of("provider", "openai",
                "model", "gpt-4o", "baseUrl", "https://API.OpenAI.com:443/v1"));
        samePlace.then().statusCode(200).body("apiKey.fingerprint", equalTo(fingerprint));
        Response reentered = Clients.put("llm", samePlace.jsonPath().getLong("version"), Map.of("provider", "custom",
                "model", "m", "baseUrl", "https://llm.internal.example/v1", "apiKey", "sk-destination-test-0123456789"));
        reentered.then().statusCode(200).body("baseUrl", equalTo("https://llm.internal.example/v1"));
    }

    /**
     * Hosts Java's URI parser reads as registry names (a '_', as in Compose service names) and IPv6 literals: every
     * change of port, scheme or host without the key entered again is refused, and the stored key and URL stay as
     * they were (runtime-config never hands the old key out with the new URL); the same origin written another way
     * keeps the key.
     */
    @Test
    void aStoredKeyNeverFollowsAPortOrHostChangeOfAnUnderscoreOrIpv6Host() {
        String key = "sk-underscore-host-0123456789";
        Response saved = Clients.put("llm", Clients.version("llm"), Map.of("provider", "custom", "model", "m",
                "baseUrl", "http://local_llm:11434/v1", "apiKey", key));
        saved.then().statusCode(200);
        long version = saved.jsonPath().getLong("version");
        String fingerprint = saved.jsonPath().getString("apiKey.fingerprint");
        for (String moved : List.of("http://local_llm:9999/v1", "http://local_llm:1/v1", "http://local_llm/v1",
                "https://local_llm:11434/v1", "http://local_llm.:11434/v1", "http://other_llm:11434/v1",
                "http://local_llm.attacker.example:11434/v1", "http://[::1]:11434/v1", "http://[fd00::7]:11434/v1")) {
            Response refused = Clients.put("llm", version, Map.of("provider", "custom", "model", "m", "baseUrl", moved));
            refused.then().statusCode(400);
            assertThat(refused.jsonPath().getList("errors.field", String.class)).as(moved).contains("apiKey");
            assertThat(refused.jsonPath().getString("errors.find { it.field == 'apiKey' }.message")).as(moved)
                    .isEqualTo("enter the API key again: the base URL host changed, and a stored secret is never sent"
                            + " to a new destination");
        }
        given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm").then().statusCode(200)
                .body("baseUrl", equalTo("http://local_llm:11434/v1"))
                .body("apiKey.fingerprint", equalTo(fingerprint));
        // the same origin written another way keeps the key
        Response samePlace = Clients.put("llm", version, Map.of("provider", "custom", "model", "m2",
                "baseUrl", "HTTP://Local_LLM:11434/v2"));
        samePlace.then().statusCode(200).body("apiKey.fingerprint", equalTo(fingerprint));
        version = samePlace.jsonPath().getLong("version");
        Response ipv6 = Clients.put("llm", version, Map.of("provider", "custom", "model", "m",
                "baseUrl", "http://[FD00::7]/v1", "apiKey", key));
        ipv6.then().statusCode(200);
        version = ipv6.jsonPath().getLong("version");
        Clients.put("llm", version, Map.of("provider", "custom", "model", "m", "baseUrl", "http://[fd00:0::7]:80/v2"))
                .then().statusCode(200).body("apiKey.fingerprint", equalTo(fingerprint));
        Clients.put("llm", version + 1, Map.of("provider", "custom", "model", "m", "baseUrl", "http://[fd00::7]:8080/v2"))
                .then().statusCode(400);
    }

    /** Phone numbers as people paste them are stored in E.164; invisible marks in them are refused. */
    @Test
    void phoneNumbersAreStoredInE164() {
        long version = Clients.version("telephony");
        Response saved = Clients.put("telephony", version, Map.of("accountSid", "AC0123456789abcdef0123456789abcdef",
                "authToken", "0123456789abcdef0123456789abcdef", "fromNumber", "+1 (415) 555-0100",
                "whatsappFrom", "WhatsApp:+1 415 555 0101"));
        saved.then().statusCode(200).body("fromNumber", equalTo("+14155550100"))
                .body("whatsappFrom", equalTo("whatsapp:+14155550101"));
        assertFieldErrors("telephony", version + 1, Map.of("accountSid", "AC0123456789abcdef0123456789abcdef",
                "fromNumber", "\u200E+14155550100"), "fromNumber",
                "invisible character U+200E (left-to-right mark) at position 1");
    }

    @Test
    void unknownKindIs404() {
        given().auth().oauth2(Clients.admin()).get("/api/v1/settings/email").then().statusCode(404)
                .contentType(startsWith("application/problem+json"));
        Clients.put("email", 0, Map.of()).then().statusCode(404);
        given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).post("/api/v1/settings/email/rollback").then().statusCode(404);
    }

    @Test
    void writesNeedIfMatchAndAStaleOneOverwritesNothing() {
        given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON)
                .body(Map.of("provider", "deepgram", "model", "nova-3"))
                .put("/api/v1/settings/stt").then().statusCode(428)
                .contentType(startsWith("application/problem+json")).body("detail", org.hamcrest.Matchers.containsString("If-Match"));
        given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).header("If-Match", "\"abc\"")
                .body(Map.of("provider", "deepgram", "model", "nova-3"))
                .put("/api/v1/settings/stt").then().statusCode(400).body("errors.field", hasItem("If-Match"));

        long version = Clients.version("stt");
        Clients.put("stt", version, Map.of("provider", "deepgram", "model", "nova-3", "apiKey",
                "dg-stale-first-0a1b2c3d4e5f6a7b")).then().statusCode(200);
        Response stale = Clients.put("stt", version, Map.of("provider", "soniox", "model", "stt-rt",
                "apiKey", "sx-stale-second-8f7e6d5c4b3a2910"));

        stale.then().statusCode(412).contentType(startsWith("application/problem+json"))
                .header("ETag", "\"" + (version + 1) + "\"")
                .body("current.provider", equalTo("deepgram"))
                .body("current.version", equalTo((int) version + 1))
                .body("detail", org.hamcrest.Matchers.containsString("admin@keyhouse.test"))
                .body("changedFields", hasItem("apiKey"));
        assertThat(stale.asString()).doesNotContain("dg-stale-first-0a1b2c3d4e5f6a7b");
        given().auth().oauth2(Clients.admin()).get("/api/v1/settings/stt").then()
                .body("provider", equalTo("deepgram")).body("version", equalTo((int) version + 1))
                .body("apiKey.fingerprint", equalTo(fingerprints.of("dg-stale-first-0a1b2c3d4e5f6a7b")));
        assertNotInDatabaseInPlaintext("sx-stale-second-8f7e6d5c4b3a2910");
    }

    @Test
    void twoConcurrentSavesOfTheSameVersionExactlyOneWins() throws Exception {
        long version = Clients.version("tts");
        String token = Clients.admin();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (String voice : List.of("Alice", "Bob")) {
                results.add(pool.submit(() -> {
                    start.await();
                    return given().auth().oauth2(token).contentType(ContentType.JSON)
                            .header("If-Match", "\"" + version + "\"")
                            .body(Map.of("provider", "sarvam", "voice", voice, "apiKey", "sv-concurrent-" + voice + "-0011223344"))
                            .put("/api/v1/settings/tts").statusCode();
                }));
            }
            start.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> result : results) {
                statuses.add(result.get());
            }
            assertThat(statuses).containsExactlyInAnyOrder(200, 412);
        } finally {
            pool.shutdownNow();
        }
        assertThat(Clients.version("tts")).isEqualTo(version + 1);
    }

    /**
     * Reads write nothing: every provider_settings row keeps its xmin (the transaction that last wrote it) through the
     * settings list and each kind's GET (a kind never configured among them, when this runs first). A read that dirtied a row would
     * write it back with the version it read, over a save committed meanwhile (two concurrent first saves lost one).
     */
    @Test
    void readingSettingsNeverWritesTheirRows() throws Exception {
        java.util.function.Supplier<Map<String, String>> xmins = () -> {
            Map<String, String> rows = new java.util.TreeMap<>();
            try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet r = st.executeQuery("SELECT kind, xmin::text FROM provider_settings")) {
                while (r.next()) {
                    rows.put(r.getString(1), r.getString(2));
                }
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            return rows;
        };
        Map<String, String> before = xmins.get();
        assertThat(before).isNotEmpty();
        given().auth().oauth2(Clients.admin()).get("/api/v1/settings").then().statusCode(200);
        for (String kind : before.keySet()) {
            Clients.version(kind);
        }
        assertThat(xmins.get()).isEqualTo(before);
    }

    @Test
    void viewerMayReadButNotWriteAndAnonymousIsTurnedAway() {
        String viewer = Clients.token(Clients.newViewer(), Clients.VIEWER_PASSWORD);
        given().auth().oauth2(viewer).get("/api/v1/settings").then().statusCode(200);
        given().auth().oauth2(viewer).get("/api/v1/settings/llm").then().statusCode(200);
        given().auth().oauth2(viewer).contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(Map.of("provider", "openai", "model", "x")).put("/api/v1/settings/llm")
                .then().statusCode(403).contentType(startsWith("application/problem+json"));
        given().auth().oauth2(viewer).post("/api/v1/settings/llm/rollback").then().statusCode(403);
        given().get("/api/v1/settings").then().statusCode(401);
        given().contentType(ContentType.JSON).header("If-Match", "\"1\"").body(Map.of())
                .put("/api/v1/settings/llm").then().statusCode(401);
    }

    /** Like PUT: 428 without If-Match, 400 naming it when it is no version, 412 when stale; nothing rolled back. */
    @Test
    void rollbackNeedsIfMatchLikePut() {
        long version = Clients.version("stt");
        Clients.put("stt", version, Map.of("provider", "deepgram", "model", "nova-2", "apiKey",
                "dg-ifmatch-one-0123456789abcdef")).then().statusCode(200);
        Clients.put("stt", version + 1, Map.of("provider", "deepgram", "model", "nova-3")).then().statusCode(200);
        long current = version + 2;

        given().auth().oauth2(Clients.admin()).post("/api/v1/settings/stt/rollback").then().statusCode(428)
                .contentType(startsWith("application/problem+json")).body("detail", containsString("If-Match"));
        given().auth().oauth2(Clients.admin()).header("If-Match", " ").post("/api/v1/settings/stt/rollback")
                .then().statusCode(428);
        for (String notAVersion : List.of("\"x\"", "-1", "*", "\"1\", \"2\"")) {
            given().auth().oauth2(Clients.admin()).header("If-Match", notAVersion).post("/api/v1/settings/stt/rollback")
                    .then().statusCode(400).body("errors[0].field", equalTo("If-Match"));
        }
        for (long stale : List.of(current - 1, current + 1, 0L)) {
            given().auth().oauth2(Clients.admin()).header("If-Match", "\"" + stale + "\"")
                    .post("/api/v1/settings/stt/rollback").then().statusCode(412)
                    .header("ETag", "\"" + current + "\"").body("current.version", equalTo((int) current));
        }
        assertThat(Clients.version("stt")).as("nothing was rolled back").isEqualTo(current);

        // If-Match compares strongly: a weak tag never matches, even the current version's (RFC 9110, 13.1.1)
        for (String weak : List.of("W/\"" + current + "\"", " W/\"" + current + "\" ", "W/\"" + (current - 1) + "\"")) {
            given().auth().oauth2(Clients.admin()).header("If-Match", weak).post("/api/v1/settings/stt/rollback")
                    .then().statusCode(412).body("detail", containsString("weak entity tag never matches"));
            given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).header("If-Match", weak)
                    .body(Map.of("provider", "deepgram", "model", "nova-3", "language", "en-US"))
                    .put("/api/v1/settings/stt").then().statusCode(412);
        }
        assertThat(Clients.version("stt")).as("no weak tag wrote anything").isEqualTo(current);
        given().auth().oauth2(Clients.admin()).header("If-Match", "\"" + current + "\"")
                .post("/api/v1/settings/stt/rollback").then().statusCode(200).body("model", equalTo("nova-2"));
        assertThat(Clients.version("stt")).isEqualTo(current + 1);
    }

    @Test
    void rollbackRestoresThePreviousSecretAndIsAuditedWithFingerprintsOnly() {
        String oldKey = "sk-ant-rollback-old-3c4d5e6f7a8b9c0d";
        String newKey = "sk-ant-rollback-new-d0c9b8a7f6e5d4c3";
        Response first = Clients.put("llm", Clients.version("llm"),
                Map.of("provider", "anthropic", "model", "claude-3-5-haiku-latest", "apiKey", oldKey));
        first.then().statusCode(200);
        Response second = Clients.put("llm", first.jsonPath().getLong("version"),
                Map.of("provider", "anthropic", "model", "claude-sonnet-4", "apiKey", newKey));
        second.then().statusCode(200).body("previousVersion", equalTo(first.jsonPath().getInt("version")));
        long saved = second.jsonPath().getLong("version");

        given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).header("If-Match", "\"" + (saved - 1) + "\"")
                .post("/api/v1/settings/llm/rollback").then().statusCode(412);
        Response rolledBack = given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).header("If-Match", "\"" + saved + "\"")
                .post("/api/v1/settings/llm/rollback");

        rolledBack.then().statusCode(200).header("ETag", "\"" + (saved + 1) + "\"")
                .body("version", equalTo((int) saved + 1))
                .body("model", equalTo("claude-3-5-haiku-latest"))
                .body("apiKey.fingerprint", equalTo(fingerprints.of(oldKey)))
                .body("restartRun", equalTo(null));
        assertThat(rolledBack.asString()).doesNotContain(oldKey).doesNotContain(newKey);

        List<Object[]> audit = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                "SELECT action, old_fingerprint, new_fingerprint, coalesce(detail, '') || coalesce(target, '')"
                        + " FROM audit_events WHERE kind = 'llm' AND action IN ('setting.save', 'setting.rollback')"
                        + " ORDER BY id DESC LIMIT 3", Object[].class).getResultList());
        assertThat(audit).hasSize(3);
        assertThat(audit.get(0)).containsExactly("setting.rollback", fingerprints.of(newKey), fingerprints.of(oldKey),
                "restores version " + (saved - 1) + "; changed model claude-sonnet-4 → claude-3-5-haiku-latest, apiKey"
                        + "llm version " + (saved + 1));
        assertThat(audit.get(1)[0]).isEqualTo("setting.save");
        assertThat(audit.get(1)[1]).isEqualTo(fingerprints.of(oldKey));
        assertThat(audit.get(1)[2]).isEqualTo(fingerprints.of(newKey));
        assertNotInTable("audit_events", oldKey);
        assertNotInTable("audit_events", newKey);
        assertNotInDatabaseInPlaintext(oldKey);
        assertNotInDatabaseInPlaintext(newKey);
    }

    private static void assertFieldErrors(String kind, long version, Object body, String field, String message) {
        Response response = Clients.put(kind, version, body);
        response.then().statusCode(400).contentType(startsWith("application/problem+json"));
        List<Map<String, String>> errors = response.jsonPath().getList("errors");
        assertThat(errors).as("errors of %s", body).anySatisfy(error -> {
            assertThat(error.get("field")).isEqualTo(field);
            assertThat(error.get("message")).contains(message);
        });
    }

    /** The value is neither in a settings table nor in any sealed value's ciphertext. */
    private void assertNotInDatabaseInPlaintext(String secret) {
        assertNotInTable("provider_settings", secret);
        assertNotInTable("provider_setting_versions", secret);
        assertNotInTable("audit_events", secret);
        Long hits = QuarkusTransaction.requiringNew().call(() -> (Long) em.createNativeQuery(
                "SELECT count(*) FROM sealed_values WHERE position(convert_to(:secret, 'UTF8') IN ciphertext) > 0"
                        + " OR purpose LIKE '%' || :secret || '%'", Long.class)
                .setParameter("secret", secret).getSingleResult());
        assertThat(hits).as("sealed values holding %s in plaintext", secret).isZero();
    }

    private void assertNotInTable(String table, String secret) {
        Long hits = QuarkusTransaction.requiringNew().call(() -> (Long) em.createNativeQuery(
                "SELECT count(*) FROM " + table + " t WHERE t::text LIKE '%' || :secret || '%'", Long.class)
                .setParameter("secret", secret).getSingleResult());
        assertThat(hits).as("rows of %s holding the secret", table).isZero();
    }
}
