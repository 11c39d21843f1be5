package dev.keyhouse.rotation;

import static dev.keyhouse.Profiles.ROTATION_LOST_KEY;
import static dev.keyhouse.Profiles.ROTATION_NEW_KEY;
import static dev.keyhouse.Profiles.ROTATION_OLD_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.KeyRing;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * The re-encryption job over REST, during a rotation window: NEW is the current key, OLD the previous one. Values
 * are seeded under OLD (or under LOST, a key that is configured nowhere) over JDBC, as an earlier Keyhouse would
 * have written them. Runs on the rotation tests' own database; {@link RotationRetryTest} and
 * {@link RotationPreviousKeyRetiredTest} continue on it with other keys.
 */
@QuarkusTest
@TestProfile(Profiles.Rotation1Window.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RotationTest {

    static final String ALL = "rotation-test/all/";
    static final String LOST = "rotation-test/lost-key/api_key";
    private static final long NEW_KEY_ID = SealedRows.keyIdOf(ROTATION_NEW_KEY);
    private static final long OLD_KEY_ID = SealedRows.keyIdOf(ROTATION_OLD_KEY);
    private static final long LOST_KEY_ID = SealedRows.keyIdOf(ROTATION_LOST_KEY);

    @Inject
    DataSource db;

    private final CredentialCipher underOld = SealedRows.cipher(ROTATION_OLD_KEY);
    /** What the application must still be able to open after the previous key is gone. */
    private final CredentialCipher newOnly = SealedRows.cipher(ROTATION_NEW_KEY);
    private String admin;

    @BeforeEach
    void signIn() {
        admin = ApiClient.adminToken();
    }

    @Test
    @Order(1)
    void everyValueEndsUnderTheCurrentKeyAndStillOpensToWhatItWas() {
        List<UUID> seeded = SealedRows.seed(db, underOld, ALL + "llm/api_key", 150);
        Map<UUID, SealedRows.Row> before = SealedRows.withPurpose(db, ALL);

        Response started = Jobs.start(admin);
        started.then().statusCode(202);
        long id = started.jsonPath().getLong("id");
        assertThat(started.jsonPath().getString("state")).isEqualTo("running");
        assertThat(started.header("Location")).endsWith(Jobs.API + "/" + id);

        JsonPath job = Jobs.awaitEnd(admin, id);
        assertThat(job.getString("state")).isEqualTo("succeeded");
        assertThat(job.getLong("rewritten")).isGreaterThanOrEqualTo(150);
        assertThat(job.getLong("failed")).isZero();
        assertThat(job.getLong("scanned")).isEqualTo(job.getLong("rewritten") + job.getLong("alreadyCurrent"));
        assertThat(job.getLong("total")).isEqualTo(job.getLong("scanned"));
        assertThat(job.getLong("remainingUnderPreviousKeys")).isZero();
        assertThat(job.getBoolean("previousKeyRetirable")).isTrue();
        assertThat(job.getString("nextStep")).contains("Remove CREDENTIAL_ENCRYPTION_KEY_PREVIOUS and restart");
        assertThat(job.getString("startedBy")).isEqualTo(TestSettings.ADMIN_EMAIL);
        assertThat(job.getString("finishedAt")).isNotNull();
        assertThat(job.getList("failures")).isEmpty();

        Map<UUID, SealedRows.Row> after = SealedRows.withPurpose(db, ALL);
        assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(seeded);
        assertThat(after.values()).allSatisfy(row -> {
            assertThat(row.keyId()).isEqualTo(NEW_KEY_ID);
            assertThat(CredentialCipher.keyIdOf(row.ciphertext())).hasValue(NEW_KEY_ID);
            assertThat(row.open(newOnly)).as("opens with the new key alone, to its plaintext")
                    .isEqualTo(SealedRows.plaintextOf(row.id()));
            assertThat(row.version()).isEqualTo(before.get(row.id()).version() + 1);
        });

        assertThat(Rows.containing(db, SealedRows.plaintextOf(seeded.get(0)))).as("no plaintext stored anywhere").isEmpty();

        JsonPath overview = given().auth().oauth2(admin).get(Jobs.API).then().statusCode(200).extract().jsonPath();
        assertThat(overview.getString("currentKeyId")).isEqualTo(KeyRing.hex(NEW_KEY_ID));
        assertThat(overview.getList("previousKeyIds")).containsExactly(KeyRing.hex(OLD_KEY_ID));
        assertThat(overview.getLong("remainingUnderPreviousKeys")).isZero();
        assertThat(overview.getBoolean("previousKeyRetirable")).isTrue();
        assertThat(overview.getList("keys.status")).containsExactly("CURRENT", "PREVIOUS");
        assertThat(overview.getLong("jobs[0].id")).isEqualTo(id);

        assertThat(Rows.column(db, "SELECT actor || ' ' || action FROM audit_events WHERE target = ? ORDER BY id",
                "job " + id)).containsExactly(TestSettings.ADMIN_EMAIL + " rotation.started",
                        TestSettings.ADMIN_EMAIL + " rotation.succeeded");
    }

    @Test
    @Order(2)
    void aValueUnderAKeyConfiguredNowhereIsReportedAndLeftUntouched() {
        UUID lost = SealedRows.seed(db, SealedRows.cipher(ROTATION_LOST_KEY), LOST, 1).get(0);
        List<UUID> readable = SealedRows.seed(db, underOld, ALL + "stt/api_key", 5);
        SealedRows.Row before = SealedRows.withPurpose(db, LOST).get(lost);

        long id = Jobs.started(admin);
        JsonPath job = Jobs.awaitEnd(admin, id);

        assertThat(job.getString("state")).isEqualTo("failed");
        assertThat(job.getLong("failed")).isEqualTo(1);
        assertThat(job.getString("failures[0].sealedValueId")).isEqualTo(lost.toString());
        assertThat(job.getString("failures[0].purpose")).isEqualTo(LOST);
        assertThat(job.getString("failures[0].keyId")).isEqualTo(KeyRing.hex(LOST_KEY_ID));
        assertThat(job.getString("failures[0].reason"))
                .isEqualTo("written under key " + KeyRing.hex(LOST_KEY_ID) + ", which is not configured");
        assertThat(job.getBoolean("previousKeyRetirable")).isFalse();
        assertThat(job.getString("nextStep")).startsWith("1 values could not be decrypted: written under key "
                + KeyRing.hex(LOST_KEY_ID) + ", which is not configured (1 value)");
        assertThat(job.prettify()).doesNotContain(SealedRows.plaintextOf(lost));

        SealedRows.Row after = SealedRows.withPurpose(db, LOST).get(lost);
        assertThat(after.ciphertext()).as("never overwritten").isEqualTo(before.ciphertext());
        assertThat(after.keyId()).isEqualTo(LOST_KEY_ID);
        assertThat(after.version()).isEqualTo(before.version());
        assertThat(SealedRows.withPurpose(db, ALL + "stt/")).hasSize(readable.size()).allSatisfy((rowId, row) ->
                assertThat(row.open(newOnly)).isEqualTo(SealedRows.plaintextOf(rowId)));

        JsonPath overview = given().auth().oauth2(admin).get(Jobs.API).then().statusCode(200).extract().jsonPath();
        assertThat(overview.getLong("underUnknownKeys")).isEqualTo(1);
        assertThat(overview.getBoolean("previousKeyRetirable")).isFalse();
        assertThat(overview.getList("keys.keyId")).contains(KeyRing.hex(LOST_KEY_ID));
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", "job " + id))
                .containsExactly("rotation.started", "rotation.failed");
    }

    @Test
    @Order(3)
    void aSecondStartWhileOneRunsIsRefusedNamingTheRunningJob() {
        SealedRows.seed(db, underOld, ALL + "tts/api_key", 3000);
        long running = Jobs.started(admin);

        Response second = Jobs.start(admin);
        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(second.contentType()).startsWith("application/problem+json");
        assertThat(second.jsonPath().getLong("runningJob")).isEqualTo(running);
        assertThat(second.jsonPath().getString("detail")).contains("rotation job " + running + " is running");

        Response viaPage = given().auth().oauth2(admin).contentType(ContentType.JSON).redirects().follow(false)
                .post("/admin/rotate-credentials");
        assertThat(viaPage.statusCode()).isEqualTo(409);
        Response retry = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .post(Jobs.API + "/" + running + "/retry-failed");
        assertThat(retry.statusCode()).isEqualTo(409);
        assertThat(retry.jsonPath().getLong("runningJob")).isEqualTo(running);

        JsonPath progress = Jobs.report(admin, running);
        assertThat(progress.getString("state")).isEqualTo("running");
        assertThat(progress.getString("nextStep")).startsWith("Job " + running + " is running");
        assertThat(Jobs.awaitEnd(admin, running).getLong("rewritten")).isGreaterThanOrEqualTo(3000);
        assertThat(Rows.column(db, "SELECT count(*) FROM rotation_jobs WHERE id > ?", running))
                .containsExactly("0");
    }
}
