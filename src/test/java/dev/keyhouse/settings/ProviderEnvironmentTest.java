package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.keyhouse.crypto.Ciphertext;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

@QuarkusTest
class ProviderEnvironmentTest {

    private static final String ACTOR = "provider-environment-test";

    @Inject
    ProviderSettings settings;

    @Inject
    ProviderEnvironment environment;

    @Inject
    SecretFingerprints fingerprints;

    @Inject
    EntityManager em;

    @Test
    void everyConfiguredKindBecomesEnvironmentPairsAndASaveShowsUpAtOnce() {
        save(ProviderKind.LLM, Map.of("provider", "openrouter", "model", "meta-llama/llama-3.1-70b",
                "apiKey", "sk-or-env-test-1234567890abcdef", "apiVersion", "2024-06-01"));
        save(ProviderKind.STT, Map.of("provider", "soniox", "model", "stt-rt-preview", "language", "en",
                "apiKey", "sx-env-test-abcdef1234567890"));
        save(ProviderKind.TTS, Map.of("provider", "custom", "voice", "v1", "baseUrl", "http://tts.internal:8000",
                "apiKey", "tts-env-test-0f1e2d3c4b5a6978"));
        save(ProviderKind.TELEPHONY, Map.of("accountSid", "ACffffffffffffffffffffffffffffffff",
                "authToken", "99887766554433221100ffeeddccbbaa", "fromNumber", "+442079460000"));

        ProviderEnvironment.RuntimeEnvironment current = environment.current();

        assertThat(current.env()).containsEntry("LLM_PROVIDER", "openrouter")
                .containsEntry("LLM_MODEL", "meta-llama/llama-3.1-70b")
                .containsEntry("LLM_BASE_URL", "https://openrouter.ai/api/v1")
                .containsEntry("LLM_API_VERSION", "2024-06-01")
                .containsEntry("LLM_API_KEY", "sk-or-env-test-1234567890abcdef")
                .containsEntry("OPENROUTER_API_KEY", "sk-or-env-test-1234567890abcdef")
                .containsEntry("STT_PROVIDER", "soniox").containsEntry("STT_LANGUAGE", "en")
                .containsEntry("STT_API_KEY", "sx-env-test-abcdef1234567890")
                .containsEntry("SONIOX_API_KEY", "sx-env-test-abcdef1234567890")
                .containsEntry("TTS_PROVIDER", "custom").containsEntry("TTS_BASE_URL", "http://tts.internal:8000")
                .containsEntry("TTS_API_KEY", "tts-env-test-0f1e2d3c4b5a6978")
                .containsEntry("TWILIO_ACCOUNT_SID", "ACffffffffffffffffffffffffffffffff")
                .containsEntry("TWILIO_AUTH_TOKEN", "99887766554433221100ffeeddccbbaa")
                .containsEntry("TWILIO_FROM_NUMBER", "+442079460000")
                .doesNotContainKeys("LLM_ORGANIZATION", "CUSTOM_API_KEY", "TWILIO_WHATSAPP_FROM");
        assertThat(current.errors()).isEmpty();
        assertThat(current.llmKeyFingerprint()).isEqualTo(fingerprints.of("sk-or-env-test-1234567890abcdef"));
        assertThat(current.version()).isEqualTo(versionSum());
        assertThat(current.toString()).doesNotContain("sk-or-env-test");
        assertThat(environment.current()).as("unchanged settings: the cached result").isSameAs(current);

        save(ProviderKind.LLM, Map.of("provider", "google", "model", "gemini-2.0-flash",
                "apiKey", "AIza-env-test-fedcba0987654321"));

        ProviderEnvironment.RuntimeEnvironment after = environment.current();
        assertThat(after.version()).isEqualTo(current.version() + 1);
        assertThat(after.env()).containsEntry("LLM_PROVIDER", "google")
                .containsEntry("GOOGLE_API_KEY", "AIza-env-test-fedcba0987654321")
                .doesNotContainKeys("OPENROUTER_API_KEY", "LLM_API_VERSION");
    }

    @Test
    void aValueNoConfiguredKeyOpensNeedsReentryAndIsNeverHandedOut() {
        save(ProviderKind.TTS, Map.of("provider", "elevenlabs", "voice", "Rachel",
                "apiKey", "el-before-foreign-0123456789abcdef"));
        KeyRing foreign = KeyRing.of(KeyRing.generateKey(), List.of());
        String foreignKeyId = KeyRing.hex(foreign.currentKeyId());
        UUID id = UUID.randomUUID();
        String purpose = ProviderKind.TTS.purpose(SettingField.API_KEY);
        Ciphertext sealed = new CredentialCipher(foreign).seal(id, purpose, "el-foreign-secret-aabbccddeeff0011");
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("INSERT INTO sealed_values (id, purpose, key_id, ciphertext) VALUES (?1, ?2, ?3, ?4)")
                    .setParameter(1, id).setParameter(2, purpose).setParameter(3, sealed.keyId())
                    .setParameter(4, sealed.bytes()).executeUpdate();
            em.createNativeQuery("UPDATE provider_settings SET api_key_id = ?1, version = version + 1,"
                    + " updated_at = now() WHERE kind = 'tts'").setParameter(1, id).executeUpdate();
        });

        JsonPath tts = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/tts")
                .then().statusCode(200).extract().jsonPath();
        assertThat(tts.getBoolean("apiKey.configured")).isTrue();
        assertThat(tts.getBoolean("apiKey.needsReentry")).isTrue();
        assertThat(tts.getString("apiKey.keyId")).isEqualTo(foreignKeyId);
        assertThat(tts.getString("apiKey.hint")).isNull();
        assertThat(tts.getString("apiKey.fingerprint")).isNull();

        ProviderEnvironment.RuntimeEnvironment current = environment.current();
        assertThat(current.env()).containsEntry("TTS_PROVIDER", "elevenlabs")
                .doesNotContainKeys("TTS_API_KEY", "ELEVENLABS_API_KEY");
        assertThat(current.env().values()).noneMatch(v -> v.startsWith("el-"));
        assertThat(current.errors()).anySatisfy(error -> assertThat(error)
                .contains("tts").contains("apiKey").contains("needs re-entry").contains(foreignKeyId));

        String page = given().cookie("keyhouse_session", Clients.session(dev.keyhouse.TestSettings.ADMIN_EMAIL,
                dev.keyhouse.TestSettings.ADMIN_PASSWORD)).get("/admin/settings").then().statusCode(200)
                .extract().asString();
        assertThat(page).contains("needs re-entry (written under key " + foreignKeyId + ")");

        // entering the key again repairs it
        save(ProviderKind.TTS, Map.of("provider", "elevenlabs", "voice", "Rachel",
                "apiKey", "el-after-foreign-fedcba9876543210"));
        assertThat(environment.current().env()).containsEntry("TTS_API_KEY", "el-after-foreign-fedcba9876543210");
        assertThat(environment.current().errors()).isEmpty();
    }

    /**
     * A pinned environment: the pinned kind at its stored version, every other kind current, the version the sum of
     * what is served; kept per pin set while nothing changes, rebuilt after a save.
     */
    @Test
    void aPinnedKindIsServedAtItsStoredVersionAndCachedPerPinSet() {
        save(ProviderKind.STT, Map.of("provider", "soniox", "model", "stt-rt-preview", "language", "en",
                "apiKey", "sx-pinned-before-0123456789ab"));
        long pinnedVersion = settings.get(ProviderKind.STT).version();
        save(ProviderKind.STT, Map.of("provider", "soniox", "model", "stt-rt-preview", "language", "en",
                "apiKey", "sx-pinned-after-ba9876543210"));
        save(ProviderKind.TTS, Map.of("provider", "elevenlabs", "voice", "Rachel",
                "apiKey", "el-pinned-current-00aa11bb22cc"));
        List<EnvironmentPins.Pin> pins = List.of(new EnvironmentPins.Pin("stt", pinnedVersion, 7));

        ProviderEnvironment.RuntimeEnvironment pinned = environment.pinned(pins);
        ProviderEnvironment.RuntimeEnvironment current = environment.current();

        assertThat(pinned.env()).containsEntry("STT_API_KEY", "sx-pinned-before-0123456789ab")
                .containsEntry("SONIOX_API_KEY", "sx-pinned-before-0123456789ab")
                .containsEntry("TTS_API_KEY", "el-pinned-current-00aa11bb22cc");
        assertThat(current.env()).containsEntry("STT_API_KEY", "sx-pinned-after-ba9876543210");
        assertThat(pinned.version()).isEqualTo(current.version() - 1);
        assertThat(environment.pinned(pins)).as("same pins, nothing changed: cached").isSameAs(pinned);
        assertThat(environment.pinned(List.of(new EnvironmentPins.Pin("stt", pinnedVersion + 1, 8),
                new EnvironmentPins.Pin("stt", pinnedVersion, 7)))).as("the lowest of two pins on a kind")
                .isSameAs(pinned);

        save(ProviderKind.TTS, Map.of("provider", "elevenlabs", "voice", "Rachel",
                "apiKey", "el-pinned-newer-33dd44ee55ff"));
        ProviderEnvironment.RuntimeEnvironment after = environment.pinned(pins);
        assertThat(after.env()).containsEntry("TTS_API_KEY", "el-pinned-newer-33dd44ee55ff")
                .containsEntry("STT_API_KEY", "sx-pinned-before-0123456789ab");
        assertThat(after.version()).isEqualTo(pinned.version() + 1);
    }

    /**
     * A held configuration's version is a sum of a held and current versions, which another configuration's sum can
     * equal: stt held at v while tts moves on makes the number the current one had before, with other contents. Its
     * {@code configuration()} (what kubernetes copies, ETags and environment files are named by) tells them apart,
     * keyed (not a hash of the values anyone could recompute), the same on every rebuild; the current environment
     * keeps its bare number.
     */
    @Test
    void aHeldConfigurationOfAnotherConfigurationsVersionIsNamedApart() {
        save(ProviderKind.STT, Map.of("provider", "soniox", "model", "stt-rt-preview", "language", "en",
                "apiKey", "sx-named-before-0123456789ab"));
        long pinnedVersion = settings.get(ProviderKind.STT).version();
        save(ProviderKind.STT, Map.of("provider", "soniox", "model", "stt-rt-preview", "language", "en",
                "apiKey", "sx-named-after-ba9876543210"));
        ProviderEnvironment.RuntimeEnvironment earlier = environment.current();
        save(ProviderKind.TTS, Map.of("provider", "elevenlabs", "voice", "Rachel",
                "apiKey", "el-named-newer-33dd44ee55ff"));
        List<EnvironmentPins.Pin> pins = List.of(new EnvironmentPins.Pin("stt", pinnedVersion, 11));

        ProviderEnvironment.RuntimeEnvironment held = environment.pinned(pins);

        assertThat(held.version()).as("one number, two contents").isEqualTo(earlier.version());
        assertThat(held.env()).isNotEqualTo(earlier.env());
        assertThat(earlier.configuration()).isEqualTo(String.valueOf(earlier.version()));
        assertThat(earlier.etag()).isEqualTo(String.valueOf(earlier.version()));
        assertThat(environment.current().configuration()).isEqualTo(String.valueOf(environment.current().version()));
        assertThat(held.configuration()).matches(held.version() + "-h[0-9a-f]{8}");
        assertThat(held.etag()).isEqualTo(held.configuration()).isNotEqualTo(earlier.etag());
        assertThat(held.receivedBy(List.of()).configuration()).isEqualTo(held.configuration());
        String digest = held.configuration().substring(held.configuration().indexOf("-h") + 2);
        for (String value : held.env().values()) {
            assertThat(digest).as("not the fingerprint of one value").isNotEqualTo(fingerprints.of(value));
        }

        environment.invalidate();
        assertThat(environment.pinned(pins)).as("rebuilt").isNotSameAs(held)
                .extracting(ProviderEnvironment.RuntimeEnvironment::configuration).isEqualTo(held.configuration());
        save(ProviderKind.TTS, Map.of("provider", "elevenlabs", "voice", "Rachel",
                "apiKey", "el-named-newest-66gg77hh88ii"));
        assertThat(environment.pinned(pins).configuration()).as("other contents, another name")
                .isNotEqualTo(held.configuration());
    }

    private void save(ProviderKind kind, Map<String, String> input) {
        settings.save(kind, input, settings.get(kind).version(), ACTOR);
    }

    private long versionSum() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "SELECT (SELECT sum(version) FROM provider_settings)"
                + " + (SELECT count(*) FROM shared_secret_versions)"
                + " + (SELECT count(*) FROM provider_entry_versions)").getSingleResult()).longValue());
    }
}
