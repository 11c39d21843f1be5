package dev.keyhouse.rotation;

import java.util.UUID;

import javax.sql.DataSource;

import dev.keyhouse.auth.Rows;

/**
 * A sealed value under a key configured nowhere (as an earlier deployment's key), inserted over JDBC so that a
 * re-encryption job has work where every other value is under the current key (a job with nothing to re-encrypt is
 * refused with 409): the job cannot open it and records the failure. Delete it after ({@link #close}).
 */
public final class UnknownKeyValue implements AutoCloseable {

    /** The key id it claims: configured in no test. */
    public static final long KEY_ID = 3141592653L;

    private final DataSource db;
    private final UUID id = UUID.randomUUID();

    private UnknownKeyValue(DataSource db) {
        this.db = db;
    }

    /** Inserts one, with purpose {@code purpose}. */
    public static UnknownKeyValue insert(DataSource db, String purpose) {
        UnknownKeyValue value = new UnknownKeyValue(db);
        Rows.update(db, "INSERT INTO sealed_values (id, purpose, key_id, ciphertext) VALUES (?, ?, ?, ?)", value.id,
                purpose, KEY_ID, new byte[] {1, 2, 3, 4, 5});
        return value;
    }

    public UUID id() {
        return id;
    }

    @Override
    public void close() {
        Rows.update(db, "DELETE FROM sealed_values WHERE id = ?", id);
    }
}
