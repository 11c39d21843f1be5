package dev.keyhouse.rotation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Metrics;
import dev.keyhouse.TestSettings;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.crypto.LegacyCiphertexts;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * A database an earlier Keyhouse wrote, with key ids that were a SHA-256 prefix of the key: after the upgrade every
 * such value still opens, the rotation page and metrics say values wait under a legacy id, and the job moves them
 * to the keyed id, unchanged in content. Ciphertexts are built with Tink directly, as the old version wrote them.
 */
@QuarkusTest
class LegacyKeyIdTest {

    private static final String PURPOSE = "legacy-upgrade/";

    @Inject
    DataSource db;
    @Inject
    CredentialCipher cipher;

    @Test
    void valuesUnderTheSha256IdOpenAreReportedAndMovedToTheKeyedIdByTheJob() throws Exception {
        long legacyId = LegacyCiphertexts.sha256Id(TestSettings.ENCRYPTION_KEY);
        long keyedId = KeyRing.keyIdOf(Base64.getDecoder().decode(TestSettings.ENCRYPTION_KEY));
        assertThat(cipher.keyRing().currentKeyId()).as("the keyed id").isEqualTo(keyedId).isNotEqualTo(legacyId);

        String tag = UUID.randomUUID().toString().substring(0, 8);
        List<UUID> ids = seedLegacy(PURPOSE + tag + "/", 7);
        Map<UUID, SealedRows.Row> before = SealedRows.withPurpose(db, PURPOSE + tag + "/");
        assertThat(before.values()).allSatisfy(row -> {
            assertThat(row.keyId()).isEqualTo(legacyId);
            assertThat(CredentialCipher.keyIdOf(row.ciphertext())).hasValue(legacyId);
            assertThat(row.open(cipher)).as("opens after the upgrade").isEqualTo(SealedRows.plaintextOf(row.id()));
        });

        String admin = ApiClient.adminToken();
        JsonPath overview = given().auth().oauth2(admin).get(Jobs.API).then().statusCode(200).extract().jsonPath();
        String keyedHex = KeyRing.hex(keyedId);
        assertThat(overview.getInt("keys.find { it.keyId == '" + keyedHex + "' && it.status == 'LEGACY' }.values"))
                .isGreaterThanOrEqualTo(7);
        assertThat(overview.getList("keys.keyId", String.class)).as("the legacy id itself is shown nowhere")
                .doesNotContain(KeyRing.hex(legacyId));
        assertThat(overview.getBoolean("previousKeyRetirable")).isFalse();
        assertThat(overview.getLong("remainingUnderPreviousKeys")).isGreaterThanOrEqualTo(7);
        // the database is shared with other tests, which may leave values under keys this process does not know;
        // those come first in the next step (nothing can move them), the legacy values otherwise
        boolean unknownKeys = overview.getList("keys.status", String.class).contains("NOT_CONFIGURED");
        if (unknownKeys) {
            assertThat(overview.getString("nextStep")).contains("not configured");
        } else {
            assertThat(overview.getString("nextStep")).contains("legacy (SHA-256) id", "start the job", keyedHex);
        }
        // KeyCounts refreshes the gauges on every count, as the overview above just did
        assertThat(Metrics.value("keyhouse_sealed_values", "key_id=\"" + keyedHex + "\",status=\"legacy\""))
                .isGreaterThanOrEqualTo(7);

        long job = Jobs.started(admin);
        JsonPath report = Jobs.awaitEnd(admin, job);
        assertThat(report.getLong("rewritten")).isGreaterThanOrEqualTo(7);
        assertThat(report.getString("targetKeyId")).isEqualTo(keyedHex);

        Map<UUID, SealedRows.Row> after = SealedRows.withPurpose(db, PURPOSE + tag + "/");
        assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(after.values()).allSatisfy(row -> {
            assertThat(row.keyId()).isEqualTo(keyedId);
            assertThat(CredentialCipher.keyIdOf(row.ciphertext())).hasValue(keyedId);
            assertThat(row.open(cipher)).isEqualTo(SealedRows.plaintextOf(row.id()));
            assertThat(row.ciphertext()).isNotEqualTo(before.get(row.id()).ciphertext());
        });
        JsonPath done = given().auth().oauth2(admin).get(Jobs.API).then().statusCode(200).extract().jsonPath();
        assertThat(done.getList("keys.status", String.class)).doesNotContain("LEGACY");
        assertThat(Metrics.value("keyhouse_sealed_values", "key_id=\"" + keyedHex + "\",status=\"legacy\"")).isZero();
    }

    @Test
    void aNewValueIsNeverWrittenUnderTheLegacyId() {
        long legacyId = LegacyCiphertexts.sha256Id(TestSettings.ENCRYPTION_KEY);
        for (int i = 0; i < 20; i++) {
            var sealed = cipher.seal(UUID.randomUUID(), PURPOSE + "new", "v" + i);
            assertThat(sealed.keyId()).isEqualTo(cipher.keyRing().currentKeyId()).isNotEqualTo(legacyId);
            assertThat(CredentialCipher.keyIdOf(sealed.bytes())).hasValue(cipher.keyRing().currentKeyId());
        }
    }

    private List<UUID> seedLegacy(String purpose, int count) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (Connection connection = db.getConnection(); PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO sealed_values (id, purpose, key_id, ciphertext) VALUES (?, ?, ?, ?)")) {
            for (int i = 0; i < count; i++) {
                UUID id = UUID.randomUUID();
                insert.setObject(1, id);
                insert.setString(2, purpose + i);
                insert.setLong(3, LegacyCiphertexts.sha256Id(TestSettings.ENCRYPTION_KEY));
                insert.setBytes(4, LegacyCiphertexts.seal(TestSettings.ENCRYPTION_KEY, id, purpose + i,
                        SealedRows.plaintextOf(id)));
                insert.executeUpdate();
                ids.add(id);
            }
        }
        return ids;
    }
}
