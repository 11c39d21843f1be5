package dev.keyhouse.rotation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Profiles;
import dev.keyhouse.crypto.Opened;
import dev.keyhouse.sealed.SealedValue;
import dev.keyhouse.sealed.SealedValues;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * The end of the rotation: CREDENTIAL_ENCRYPTION_KEY_PREVIOUS removed and Keyhouse restarted with the new key alone.
 * Every value the earlier rotation tests left in their database still opens in the application.
 */
@QuarkusTest
@TestProfile(Profiles.Rotation3PreviousKeyRetired.class)
class RotationPreviousKeyRetiredTest {

    @Inject
    DataSource db;
    @Inject
    SealedValues sealedValues;

    @Test
    void everyValueStillOpensWithThePreviousKeyGone() {
        Map<UUID, SealedRows.Row> rows = SealedRows.all(db);
        assertThat(SealedRows.withPurpose(db, RotationTest.ALL)).as("RotationTest ran first on this database")
                .hasSizeGreaterThan(5000);
        assertThat(rows.values()).allSatisfy(row -> {
            SealedValue value = sealedValues.find(row.id()).orElseThrow();
            Opened opened = sealedValues.open(value);
            assertThat(opened).as(row.purpose() + " " + row.id()).isInstanceOf(Opened.Plaintext.class);
            if (row.purpose().startsWith(RotationTest.ALL) && !row.purpose().contains("telephony")) {
                assertThat(((Opened.Plaintext) opened).value()).isEqualTo(SealedRows.plaintextOf(row.id()));
            }
        });

        String admin = ApiClient.adminToken();
        JsonPath overview = given().auth().oauth2(admin).get(Jobs.API).then().statusCode(200).extract().jsonPath();
        assertThat(overview.getList("previousKeyIds")).isEmpty();
        assertThat(overview.getList("keys.status")).containsExactly("CURRENT");
        assertThat(overview.getLong("keys[0].values")).isEqualTo(rows.size());
        assertThat(overview.getBoolean("previousKeyRetirable")).isTrue();
        assertThat(overview.getString("nextStep")).contains("no previous key is configured");

        // every value is under the current key: a job would re-encrypt nothing, so none is started (409)
        io.restassured.response.Response start = Jobs.start(admin);
        assertThat(start.statusCode()).as(start.asString()).isEqualTo(409);
        assertThat(start.jsonPath().getBoolean("nothingToReEncrypt")).isTrue();
    }
}
