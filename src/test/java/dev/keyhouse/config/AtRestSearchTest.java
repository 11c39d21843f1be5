package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.auth.Rows;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The at-rest search that {@code LeakTest} relies on finds plaintext wherever PostgreSQL keeps it: a value written in
 * clear and then overwritten is still found in the table's file (the dead tuple) and in the WAL, and a live value in
 * the {@code COPY} dump. Without this, a search that read nothing would pass the leak test.
 */
@QuarkusTest
class AtRestSearchTest {

    @Inject
    DataSource db;

    @Test
    void findsAnOverwrittenValueInItsDeadTupleAndInTheWalAndALiveOneInTheCopyDump() throws SQLException {
        String table = "at_rest_probe_" + UUID.randomUUID().toString().substring(0, 8);
        String overwritten = "ATREST-overwritten-" + UUID.randomUUID();
        String live = "ATREST-live-" + UUID.randomUUID();
        String bytes = "ATREST-bytea-" + UUID.randomUUID();
        String never = "ATREST-never-written-" + UUID.randomUUID();
        // autovacuum off for the probe table: the dead tuple must stay where the UPDATE left it
        execute("CREATE TABLE " + table + " (id int PRIMARY KEY, secret text, raw bytea) WITH (autovacuum_enabled = off)");
        try {
            execute("INSERT INTO " + table + " VALUES (1, ?, convert_to(?, 'UTF8'))", overwritten, bytes);
            execute("UPDATE " + table + " SET secret = ? WHERE id = 1", live);
            String heapFile = Rows.column(db, "SELECT pg_relation_filepath(?::regclass)", table).get(0);

            Path data = AtRest.checkpointedDataDirectory();
            List<AtRest.Hit> hits = AtRest.searchFiles(data,
                    Map.of("overwritten", overwritten, "live", live, "bytea", bytes, "never", never));

            assertThat(hits).as("the overwritten value's dead tuple, in the table's own file")
                    .contains(new AtRest.Hit("overwritten", heapFile));
            assertThat(hits).filteredOn(hit -> hit.name().equals("overwritten") && hit.where().startsWith("pg_wal/"))
                    .as("the overwritten value in the WAL").isNotEmpty();
            assertThat(hits).as("the live value in the table's file").contains(new AtRest.Hit("live", heapFile));
            assertThat(hits).as("a bytea value as its raw bytes").contains(new AtRest.Hit("bytea", heapFile));
            assertThat(hits).as("a value never written is nowhere").noneMatch(hit -> hit.name().equals("never"));

            String dump = AtRest.copyDump();
            assertThat(dump).as("the dump lists the probe table").contains("-- public." + table + "\n");
            List<AtRest.Hit> dumped = AtRest.searchDump(dump, Map.of("overwritten", overwritten, "live", live,
                    "bytea", bytes));
            assertThat(dumped).as("the dump has the live row as the server serialises it, bytea as hex")
                    .contains(new AtRest.Hit("live", "COPY dump (text)"), new AtRest.Hit("bytea", "COPY dump (bytea hex)"));
            assertThat(dumped).as("not the dead tuple").noneMatch(hit -> hit.name().startsWith("overwritten"));
        } finally {
            execute("DROP TABLE " + table);
        }
    }

    /**
     * A compressible value of 6 kB, which PostgreSQL would compress (a control byte every 8 bytes, invisible to a byte
     * search): after {@link AtRest#prepare()} it is stored as is, so once deleted it is still found on disk.
     */
    @Test
    void aLongCompressibleValueWrittenAfterPrepareIsFoundOnDiskOnceDeleted() throws SQLException {
        String table = "at_rest_long_" + UUID.randomUUID().toString().substring(0, 8);
        String marker = "ATREST-long-" + UUID.randomUUID();
        execute("CREATE TABLE " + table + " (id int PRIMARY KEY, detail text, doc jsonb)");
        try {
            AtRest.prepare();
            String padded = "x".repeat(3000) + marker + "y".repeat(3000);
            execute("INSERT INTO " + table + " VALUES (1, ?, jsonb_build_object('k', ?::text))", padded, padded);
            execute("DELETE FROM " + table);
            assertThat(Rows.column(db, "SELECT count(*) FROM " + table)).containsExactly("0");

            List<AtRest.Hit> hits = AtRest.searchFiles(AtRest.checkpointedDataDirectory(), Map.of("marker", marker));
            assertThat(hits).as("the deleted long value, uncompressed, on disk (TOAST table or WAL)")
                    .anyMatch(hit -> hit.name().equals("marker"));
            assertThat(hits).as("and in the WAL").anyMatch(hit -> hit.where().startsWith("pg_wal/"));
        } finally {
            execute("DROP TABLE " + table);
        }
    }

    @Test
    void valuesAreSearchedInTheFormsKeyhouseWritesThemIn() {
        String secret = "ATREST-form\\" + UUID.randomUUID();
        String dump = "-- public.t\n1\t" + java.util.Base64.getEncoder().encodeToString(
                ("user:" + secret).getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\n2\t"
                + secret.replace("\\", "\\\\") + "\n";
        assertThat(AtRest.searchDump(dump, Map.of("secret", secret)))
                .as("as COPY escapes a backslash, and base64 inside a longer base64 text")
                .anySatisfy(hit -> assertThat(hit).isEqualTo(new AtRest.Hit("secret", "COPY dump (text)")))
                .anySatisfy(hit -> assertThat(hit.name()).startsWith("secret as "));
    }

    private void execute(String sql, Object... parameters) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            s.execute();
        }
    }
}
