package dev.keyhouse.rotation;

import static dev.keyhouse.Profiles.ROTATION_NEW_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.crypto.CredentialCipher;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * After {@link RotationTest}: the operator found the key the unreadable value was written under, added it to
 * CREDENTIAL_ENCRYPTION_KEY_PREVIOUS and restarted. "Retry failed" rewrites only that value.
 */
@QuarkusTest
@TestProfile(Profiles.Rotation2LostKeyFound.class)
class RotationRetryTest {

    @Inject
    DataSource db;

    @Test
    void retryingTheFailedValuesRewritesThemOnceTheirKeyIsKnown() {
        String admin = ApiClient.adminToken();
        List<String> failedJobs = Rows.column(db, "SELECT job_id FROM rotation_failures WHERE purpose = ? ORDER BY job_id",
                RotationTest.LOST);
        assertThat(failedJobs).as("RotationTest ran first on this database (profiles run in name order)").isNotEmpty();
        long failedJob = Long.parseLong(failedJobs.get(0));
        UUID lost = SealedRows.withPurpose(db, RotationTest.LOST).keySet().iterator().next();
        long rowsBefore = Long.parseLong(Rows.column(db, "SELECT count(*) FROM sealed_values").get(0));

        Response retry = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .post(Jobs.API + "/" + failedJob + "/retry-failed");
        retry.then().statusCode(202);
        long id = retry.jsonPath().getLong("id");
        assertThat(retry.header("Location")).endsWith(Jobs.API + "/" + id);

        JsonPath job = Jobs.awaitEnd(admin, id);
        assertThat(job.getString("state")).isEqualTo("succeeded");
        assertThat(job.getLong("retryOf")).isEqualTo(failedJob);
        assertThat(job.getLong("total")).as("only the failed values, not the " + rowsBefore + " in the table").isEqualTo(1);
        assertThat(job.getLong("scanned")).isEqualTo(1);
        assertThat(job.getLong("rewritten")).isEqualTo(1);
        assertThat(job.getLong("failed")).isZero();

        SealedRows.Row row = SealedRows.withPurpose(db, RotationTest.LOST).get(lost);
        CredentialCipher newOnly = SealedRows.cipher(ROTATION_NEW_KEY);
        assertThat(row.keyId()).isEqualTo(SealedRows.keyIdOf(ROTATION_NEW_KEY));
        assertThat(row.open(newOnly)).isEqualTo(SealedRows.plaintextOf(lost));

        Response nothingToRetry = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .post(Jobs.API + "/" + id + "/retry-failed");
        assertThat(nothingToRetry.statusCode()).isEqualTo(409);
        given().auth().oauth2(admin).contentType(ContentType.JSON).post(Jobs.API + "/999999/retry-failed")
                .then().statusCode(404);

        Response full = Jobs.start(admin);
        assertThat(full.statusCode()).as("the earlier jobs left nothing under a previous key: no job starts")
                .isEqualTo(409);
        assertThat(full.jsonPath().getBoolean("nothingToReEncrypt")).isTrue();
        JsonPath overview = given().auth().oauth2(admin).get(Jobs.API).then().statusCode(200).extract().jsonPath();
        assertThat(overview.getBoolean("previousKeyRetirable")).isTrue();
        assertThat(overview.getLong("underUnknownKeys")).isZero();
        assertThat(overview.getString("nextStep")).contains("Remove CREDENTIAL_ENCRYPTION_KEY_PREVIOUS and restart");
    }
}
