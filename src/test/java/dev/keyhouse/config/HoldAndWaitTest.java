package dev.keyhouse.config;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;

/**
 * No request path takes a second pooled connection while it holds one (issue 17): with {@link PoolHolds} watching
 * the pool, the paths a fleet and its admins hit hardest — runtime-config (named and not, both formats), sign-in,
 * the settings API and page, a save, the runtimes list, the environment, the rotation page, API and a rotation
 * job's start — are each called, and not one nested
 * acquisition is seen. The restart-herd IT shows the consequence with the packaged jar; this shows the cause.
 */
@QuarkusTest
class HoldAndWaitTest {

    @Inject
    PoolHolds holds;
    @Inject
    jakarta.persistence.EntityManager em;
    @Inject
    javax.sql.DataSource db;

    /** The watch sees a nested acquisition when there is one, so its silence below means something. */
    @Test
    void theWatchSeesATransactionOpenedInsideAnother() {
        holds.clear();
        // this thread's takes only: a background job (a restart retry's wake, a scheduler) may take one meanwhile
        long before = holds.acquiredBy(Thread.currentThread());
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("SELECT 1").getSingleResult();
            io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(
                    () -> em.createNativeQuery("SELECT 2").getSingleResult());
        });
        assertThat(holds.acquiredBy(Thread.currentThread()) - before).isEqualTo(2);
        assertThat(holds.nested()).hasSize(1).first().asString().contains("HoldAndWaitTest");
        holds.clear();
    }

    @Test
    void theHotPathsNeverTakeASecondConnectionWhileHoldingOne() throws InterruptedException {
        String admin = ApiClient.adminToken();
        String etag = given().auth().oauth2(admin).get("/api/v1/settings/llm").then().statusCode(200).extract()
                .header("ETag");
        given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", "sk-hold-and-wait-5b7c9d1e3f"))
                .put("/api/v1/settings/llm").then().statusCode(200);
        holds.clear();

        for (String runtime : new String[] {null, "hold-and-wait-1"}) {
            for (String format : new String[] {"json", "env"}) {
                var request = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).queryParam("format", format);
                if (runtime != null) {
                    request.header("X-Keyhouse-Runtime", runtime);
                }
                request.get("/api/v1/internal/runtime-config").then().statusCode(200);
            }
        }
        String again = ApiClient.adminToken();
        given().auth().oauth2(again).get("/api/v1/settings").then().statusCode(200);
        given().auth().oauth2(again).get("/api/v1/settings/llm").then().statusCode(200);
        given().cookie("keyhouse_session", again).get("/admin/settings").then().statusCode(200);
        given().auth().oauth2(again).get("/api/v1/runtimes").then().statusCode(200);
        given().auth().oauth2(again).get("/api/v1/environment").then().statusCode(200);
        etag = given().auth().oauth2(again).get("/api/v1/settings/llm").then().statusCode(200).extract().header("ETag");
        given().auth().oauth2(again).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("provider", "openai", "model", "gpt-4o", "apiKey", "sk-hold-and-wait-6c8d0e2f4a"))
                .put("/api/v1/settings/llm").then().statusCode(200);

        given().auth().oauth2(again).get("/api/v1/admin/rotate-credentials").then().statusCode(200);
        given().cookie("keyhouse_session", again).get("/admin/rotate-credentials").then().statusCode(200);
        given().cookie("keyhouse_session", again).get("/admin/runtimes").then().statusCode(200);
        // a value under a key configured nowhere gives the job work (with none, no job starts: 409)
        try (var orphan = dev.keyhouse.rotation.UnknownKeyValue.insert(db, "hold-and-wait/unknown-key")) {
            long job = given().auth().oauth2(again).post("/api/v1/admin/rotate-credentials").then().statusCode(202)
                    .extract().jsonPath().getLong("id");
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            while ("running".equals(given().auth().oauth2(again).get("/api/v1/admin/rotate-credentials/" + job)
                    .then().statusCode(200).extract().path("state")) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }

        assertThat(holds.acquired()).as("the watch is on").isPositive();
        assertThat(holds.nested()).as("nested pooled-connection acquisitions").isEmpty();
    }
}
