package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles.OperatorSettings;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

@QuarkusTest
@TestProfile(OperatorSettings.class)
class ProviderBootstrapTest {

    private static final String KEY = OperatorSettings.OPENAI_KEY;

    @Inject
    ProviderBootstrap bootstrap;

    @Inject
    SecretFingerprints fingerprints;

    @Inject
    EntityManager em;

    @Inject
    ProviderSettings settings;

    /** The database outlives Quarkus restarts in this JVM: make llm "never configured" again. */
    private void unconfigureLlm() {
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("DELETE FROM provider_setting_versions WHERE kind = 'llm'").executeUpdate();
            em.createNativeQuery("UPDATE provider_settings SET provider = NULL, model = NULL, base_url = NULL,"
                    + " organization = NULL, api_version = NULL, api_key_id = NULL, version = 0, updated_by = NULL,"
                    + " updated_at = NULL WHERE kind = 'llm'").executeUpdate();
        });
    }

    /**
     * The pasted keys, set as seed variables: start-up stops with a message naming the variable, position
     * and code point, never the value, and llm stays unconfigured. A set but broken variable is never skipped for
     * the next one.
     */
    @Test
    void aSeedKeyBreakingTheRulesStopsStartUpNamingTheVariableAndSavesNothing() {
        unconfigureLlm();
        String[][] cases = {
            {"sk-boot-012\u200B3456789abcdef", "OPENAI_API_KEY",
                "invisible character U+200B (zero width space) at position 12"},
            {"\uFEFFsk-boot-0123456789abcdef", "OPENAI_API_KEY",
                "invisible character U+FEFF (zero width no-break space) at position 1"},
            {"sk-boot-0123456789abcdef\u00A0", "OPENAI_API_KEY", "non-ASCII space U+00A0 (no-break space) at position 25"},
            {"\u2003", "OPENAI_API_KEY", "non-ASCII space U+2003 (em space) at position 1"},
        };
        for (String[] c : cases) {
            ProviderBootstrap broken = new ProviderBootstrap(SeedVariables.of(c[0], "sk-ant-valid-0123456789", null), settings);
            assertThatThrownBy(broken::seed).isInstanceOf(IllegalStateException.class)
                    .hasMessage(c[1] + " cannot seed the llm setting: " + c[2] + ". Keyhouse does not start with it:"
                            + " correct the variable (its value is not shown) or unset it.");
        }
        ProviderBootstrap second = new ProviderBootstrap(SeedVariables.of(null, "sk-ant-\u200Dboot-0123456789", null),
                settings);
        assertThatThrownBy(() -> second.onStart(null)).hasMessageStartingWith("ANTHROPIC_API_KEY cannot seed")
                .hasMessageNotContaining("sk-ant");
        given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm").then().statusCode(200)
                .header("ETag", "\"0\"").body("configured", org.hamcrest.Matchers.equalTo(false));
    }

    /** ASCII whitespace around a seed key is trimmed, as around a typed one. */
    @Test
    void aSeedKeyIsTrimmedLikeATypedOne() {
        unconfigureLlm();
        String key = "sk-deepseek-boot-5d4c3b2a1908";
        assertThat(new ProviderBootstrap(SeedVariables.of(" ", null, "\t" + key + " \n"), settings).seed()).isTrue();
        given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm").then().statusCode(200)
                .body("provider", org.hamcrest.Matchers.equalTo("deepseek"))
                .body("apiKey.fingerprint", org.hamcrest.Matchers.equalTo(fingerprints.of(key)));
    }

    @Test
    void replicasStartingTogetherSeedAnUnconfiguredLlmOnceAndAuditItWithoutTheValue() throws Exception {
        unconfigureLlm();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Boolean> seeded = new ArrayList<>();
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return bootstrap.seed();
                }));
            }
            start.countDown();
            for (Future<Boolean> result : results) {
                seeded.add(result.get());
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(seeded).containsExactlyInAnyOrder(true, false);
        String body = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/llm").then().statusCode(200)
                .header("ETag", "\"1\"").extract().asString();
        assertThat(body).doesNotContain(KEY);
        assertThat(io.restassured.path.json.JsonPath.from(body).getString("provider")).isEqualTo("openai");
        assertThat(io.restassured.path.json.JsonPath.from(body).getString("model")).isEqualTo("gpt-4o-mini");
        assertThat(io.restassured.path.json.JsonPath.from(body).getString("baseUrl")).isEqualTo("https://api.openai.com/v1");
        assertThat(io.restassured.path.json.JsonPath.from(body).getString("apiKey.fingerprint"))
                .isEqualTo(fingerprints.of(KEY));
        assertThat(io.restassured.path.json.JsonPath.from(body).getString("updatedBy")).isEqualTo("system");

        Object[] audit = QuarkusTransaction.requiringNew().call(() -> (Object[]) em.createNativeQuery(
                "SELECT actor, kind, old_fingerprint, new_fingerprint, t::text FROM audit_events t"
                        + " WHERE action = 'setting.bootstrap' ORDER BY id DESC LIMIT 1", Object[].class)
                .getSingleResult());
        assertThat(audit[0]).isEqualTo("system");
        assertThat(audit[1]).isEqualTo("llm");
        assertThat(audit[2]).isNull();
        assertThat(audit[3]).isEqualTo(fingerprints.of(KEY));
        assertThat((String) audit[4]).contains("OPENAI_API_KEY").doesNotContain(KEY);
        Long bootstraps = QuarkusTransaction.requiringNew().call(() -> (Long) em.createNativeQuery(
                "SELECT count(*) FROM provider_setting_versions WHERE kind = 'llm' AND action = 'bootstrap'", Long.class)
                .getSingleResult());
        assertThat(bootstraps).isEqualTo(1);

        assertThat(bootstrap.seed()).as("llm is configured now").isFalse();
    }
}
