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
            assertThat(AtRest.searchDump(dump, Map.of("overwritten", overwritten, "live", live, "bytea", bytes)))
                    .as("the dump has the live row as the server serialises it, bytea as hex; not the dead tuple")
                    .containsExactlyInAnyOrder(new AtRest.Hit("live", "COPY dump (text)"),
                            new AtRest.Hit("bytea", "COPY dump (bytea hex)"));
        } finally {
            execute("DROP TABLE " + table);
        }
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
