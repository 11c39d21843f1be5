package dev.keyhouse.rotation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import dev.keyhouse.crypto.Ciphertext;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.crypto.Opened;

/** Sealed values written and read over plain JDBC, as the tests seed and check them. */
final class SealedRows {

    /** One row of {@code sealed_values} as stored. */
    record Row(UUID id, String purpose, long keyId, byte[] ciphertext, long version) {

        /** Opens the row with {@code cipher}; fails the test when it does not open. */
        String open(CredentialCipher cipher) {
            Opened opened = cipher.open(id, purpose, ciphertext);
            if (opened instanceof Opened.Plaintext plaintext) {
                return plaintext.value();
            }
            throw new AssertionError("sealed value " + id + " (" + purpose + ") does not open: " + opened);
        }
    }

    private SealedRows() {
    }

    static CredentialCipher cipher(String currentKey, String... previousKeys) {
        return new CredentialCipher(KeyRing.of(currentKey, Arrays.asList(previousKeys)));
    }

    /** The plaintext every seeded value holds: derived from its row id, so any test can check it. */
    static String plaintextOf(UUID id) {
        return "sk-seeded-" + id;
    }

    /** Inserts {@code count} values sealed under {@code cipher}'s current key, as an earlier Keyhouse would have. */
    static List<UUID> seed(DataSource db, CredentialCipher cipher, String purpose, int count) {
        try (Connection connection = db.getConnection()) {
            return seed(connection, cipher, purpose, count);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<UUID> seed(Connection connection, CredentialCipher cipher, String purpose, int count) throws SQLException {
        UUID[] ids = new UUID[count];
        for (int i = 0; i < count; i++) {
            ids[i] = UUID.randomUUID();
        }
        return seed(connection, cipher, purpose, List.of(ids));
    }

    /** Inserts one value per id, sealed under {@code cipher}'s current key; returns {@code ids}. */
    static List<UUID> seed(Connection connection, CredentialCipher cipher, String purpose, List<UUID> ids)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO sealed_values (id, purpose, key_id, ciphertext) VALUES (?, ?, ?, ?)")) {
            for (int i = 0; i < ids.size(); i++) {
                UUID id = ids.get(i);
                Ciphertext sealed = cipher.seal(id, purpose, plaintextOf(id));
                insert.setObject(1, id);
                insert.setString(2, purpose);
                insert.setLong(3, sealed.keyId());
                insert.setBytes(4, sealed.bytes());
                insert.addBatch();
                if (i % 1000 == 999) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
        }
        return ids;
    }

    /** Rows whose purpose starts with {@code prefix}, by id. */
    static Map<UUID, Row> withPurpose(DataSource db, String prefix) {
        try (Connection connection = db.getConnection()) {
            return withPurpose(connection, prefix);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<UUID, Row> withPurpose(Connection connection, String prefix) throws SQLException {
        return query(connection, "SELECT id, purpose, key_id, ciphertext, version FROM sealed_values"
                + " WHERE purpose LIKE ? ORDER BY id", prefix + "%");
    }

    static Map<UUID, Row> all(DataSource db) {
        try (Connection connection = db.getConnection()) {
            return query(connection, "SELECT id, purpose, key_id, ciphertext, version FROM sealed_values WHERE ? = ?",
                    "1", "1");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<UUID, Row> query(Connection connection, String sql, String... parameters) throws SQLException {
        Map<UUID, Row> rows = new LinkedHashMap<>();
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setString(i + 1, parameters[i]);
            }
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    Row row = new Row(result.getObject(1, UUID.class), result.getString(2), result.getLong(3),
                            result.getBytes(4), result.getLong(5));
                    rows.put(row.id(), row);
                }
            }
        }
        return rows;
    }

    static long keyIdOf(String key) {
        return KeyRing.of(key, List.of()).currentKeyId();
    }
}
