package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

@QuarkusTest
@TestProfile(Profiles.WithBootstrapOpenAiKey.class)
class ProviderBootstrapTest {

    private static final String KEY = Profiles.WithBootstrapOpenAiKey.OPENAI_KEY;

    @Inject
    ProviderBootstrap bootstrap;

    @Inject
    SecretFingerprints fingerprints;

    @Inject
    EntityManager em;

    @Test
    void replicasStartingTogetherSeedAnUnconfiguredLlmOnceAndAuditItWithoutTheValue() throws Exception {
        // The database outlives Quarkus restarts in this JVM: make llm "never configured" again.
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("DELETE FROM provider_setting_versions WHERE kind = 'llm'").executeUpdate();
            em.createNativeQuery("UPDATE provider_settings SET provider = NULL, model = NULL, base_url = NULL,"
                    + " organization = NULL, api_version = NULL, api_key_id = NULL, version = 0, updated_by = NULL,"
                    + " updated_at = NULL WHERE kind = 'llm'").executeUpdate();
        });
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
