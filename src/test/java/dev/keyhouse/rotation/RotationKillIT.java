package dev.keyhouse.rotation;

import static dev.keyhouse.Profiles.ROTATION_NEW_KEY;
import static dev.keyhouse.Profiles.ROTATION_OLD_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.KeyhouseHome;
import dev.keyhouse.config.KeyhouseProcess;
import dev.keyhouse.crypto.CredentialCipher;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * The packaged jar killed with SIGKILL in the middle of a re-encryption job, on its durable embedded PostgreSQL:
 * no value is lost or unreadable, the job shows as interrupted after the restart, and a new job finishes the rest.
 */
class RotationKillIT {

    private static final String PURPOSE = "kill-test/llm/api_key";
    private static final int VALUES = 4000;
    private static final String ADMIN_PASSWORD = "rotation-kill-test-admin-password";

    @TempDir
    Path temp;

    private KeyhouseHome home;
    private Path workDir;

    @BeforeEach
    void install() throws IOException {
        home = new KeyhouseHome(temp);
        workDir = home.workDir();
    }

    @AfterEach
    void stopEverything() throws Exception {
        home.close();
    }

    @Test
    void aJobKilledMidWayLosesNothingShowsInterruptedAndTheNextJobFinishes() throws Exception {
        CredentialCipher bothKeys = SealedRows.cipher(ROTATION_NEW_KEY, ROTATION_OLD_KEY);
        long newKeyId = SealedRows.keyIdOf(ROTATION_NEW_KEY);
        KeyhouseProcess first = start("first.log");
        List<UUID> seeded;
        try (Connection db = home.connect()) {
            seeded = SealedRows.seed(db, SealedRows.cipher(ROTATION_OLD_KEY), PURPOSE, VALUES);
        }
        long killed = startJob(first);

        try (Connection db = home.connect()) {
            long[] progress = awaitProgress(db, killed);
            first.kill();
            System.out.printf("rotation job %d killed (SIGKILL) after %d of %d values%n", killed, progress[0], progress[1]);

            // what the killed job left: its committed batches and counters, nothing half-written
            long[] job = job(db, killed);
            Map<UUID, SealedRows.Row> rows = SealedRows.withPurpose(db, PURPOSE);
            long underNew = rows.values().stream().filter(r -> r.keyId() == newKeyId).count();
            assertThat(job[0]).as("scanned when killed").isBetween(1L, job[1] - 1);
            assertThat(underNew).as("killed part-way").isBetween(1L, (long) VALUES - 1);
            assertThat(job[2]).as("its rewritten counter matches the rows it committed").isEqualTo(underNew);
            assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(seeded);
            assertThat(rows.values()).allSatisfy(row -> assertThat(row.open(bothKeys))
                    .isEqualTo(SealedRows.plaintextOf(row.id())));
            assertThat(state(db, killed)).as("nobody has looked yet").isEqualTo("running");
        }

        KeyhouseProcess second = start("second.log");
        String admin = token(second);
        JsonPath interrupted = given().baseUri(second.baseUrl()).auth().oauth2(admin)
                .get(Jobs.API + "/" + killed).then().statusCode(200).extract().jsonPath();
        assertThat(interrupted.getString("state")).isEqualTo("interrupted");
        assertThat(interrupted.getString("finishedAt")).isNotNull();
        assertThat(interrupted.getString("nextStep")).contains("Start the job again to finish");

        long resumed = startJob(second);
        JsonPath done = awaitEnd(second, admin, resumed);
        assertThat(done.getString("state")).isEqualTo("succeeded");
        assertThat(done.getBoolean("previousKeyRetirable")).isTrue();
        assertThat(done.getLong("rewritten") + interrupted.getLong("rewritten")).as("each value rewritten once")
                .isEqualTo(VALUES);

        CredentialCipher newOnly = SealedRows.cipher(ROTATION_NEW_KEY);
        try (Connection db = home.connect()) {
            assertThat(state(db, killed)).isEqualTo("interrupted");
            assertThat(SealedRows.withPurpose(db, PURPOSE).values()).hasSize(VALUES).allSatisfy(row -> {
                assertThat(row.keyId()).isEqualTo(newKeyId);
                assertThat(row.open(newOnly)).isEqualTo(SealedRows.plaintextOf(row.id()));
            });
        }
        assertThat(second.terminate(Duration.ofSeconds(30))).isTrue();
        assertThat(second.logText()).contains("rotation job " + resumed + ": ").doesNotContain(SealedRows.plaintextOf(seeded.get(0)));
    }

    private KeyhouseProcess start(String log) throws Exception {
        return home.start(log, Map.of(
                EnvCatalog.CREDENTIAL_ENCRYPTION_KEY, ROTATION_NEW_KEY,
                EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS, ROTATION_OLD_KEY,
                EnvCatalog.SYSTEM_ADMIN_PASSWORD, ADMIN_PASSWORD,
                "ROTATION_BATCH_SIZE", "5"));
    }

    private static String token(KeyhouseProcess keyhouse) {
        return given().baseUri(keyhouse.baseUrl()).contentType(ContentType.JSON)
                .body("{\"email\":\"admin@keyhouse.local\",\"password\":\"" + ADMIN_PASSWORD + "\"}")
                .post("/api/v1/auth/token").then().statusCode(200).extract().path("access_token");
    }

    private static long startJob(KeyhouseProcess keyhouse) {
        return given().baseUri(keyhouse.baseUrl()).auth().oauth2(token(keyhouse)).contentType(ContentType.JSON)
                .post(Jobs.API).then().statusCode(202).extract().jsonPath().getLong("id");
    }

    private static JsonPath awaitEnd(KeyhouseProcess keyhouse, String token, long id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath job = given().baseUri(keyhouse.baseUrl()).auth().oauth2(token).get(Jobs.API + "/" + id)
                    .then().statusCode(200).extract().jsonPath();
            if (!"running".equals(job.getString("state"))) {
                return job;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("rotation job " + id + " did not end");
    }

    /** Waits until the job has committed a good part of its batches (200 values); returns {scanned, total}. */
    private static long[] awaitProgress(Connection db, long id) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            long[] job = job(db, id);
            if (job[1] > 0 && job[0] >= 200) {
                return job;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("rotation job " + id + " made no progress");
    }

    /** {scanned, total, rewritten} as committed. */
    private static long[] job(Connection db, long id) throws SQLException {
        try (PreparedStatement select = db.prepareStatement("SELECT scanned, total, rewritten FROM rotation_jobs WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet row = select.executeQuery()) {
                assertThat(row.next()).isTrue();
                return new long[] {row.getLong(1), row.getLong(2), row.getLong(3)};
            }
        }
    }

    private static String state(Connection db, long id) throws SQLException {
        try (PreparedStatement select = db.prepareStatement("SELECT state FROM rotation_jobs WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getString(1);
            }
        }
    }
}
