package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.keyhouse.MigrationSchemas;
import dev.keyhouse.settings.ProviderKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Migration V24 (issue 19, h19m: a key's check history) fills {@code provider_check_history} from the last checks a
 * database of the previous version holds, and from nothing else. A database made by V1 to V23 is built in a schema of
 * its own on the embedded PostgreSQL: the llm kind's check row and a fallback entry's check row written as the
 * previous version wrote them, the stt kind and a second fallback never checked. After V24 each checked key has one
 * history row with that check's start and measured duration, which {@link LastChecks#ofKey} serves; a key never
 * checked has none (not checked yet), and no check row was changed.
 */
@QuarkusTest
class CheckHistoryMigrationTest {

    @Inject
    MigrationSchemas schemas;
    @Inject
    LastChecks lastChecks;
    @Inject
    EntityManager em;

    @Test
    void theLastChecksOfAPreviousVersionDatabaseBecomeTheirKeysHistory() throws Exception {
        String schema = "migration_v23_" + UUID.randomUUID().toString().substring(0, 8);
        try {
            schemas.flyway(schema, "23").migrate();
            List<String> before;
            try (Connection c = schemas.connection(); Statement s = c.createStatement()) {
                s.execute("SET search_path TO " + schema);
                s.executeUpdate("UPDATE provider_checks SET provider = 'openai', fingerprint = 'fp-llm-kind',"
                        + " result = 'no_credit', http_status = 429, code = 'insufficient_quota',"
                        + " checked_at = '2026-11-30T12:00:00.123456Z', duration_ms = 321,"
                        + " negative_control = 'rejected', result_since = '2026-11-30T11:00:00Z',"
                        + " claimed_fingerprint = 'fp-llm-kind' WHERE kind = 'llm'");
                s.executeUpdate("INSERT INTO provider_entries (id, kind, position, provider, created_by, updated_by)"
                        + " VALUES (501, 'stt', 1, 'soniox', 'previous-version', 'previous-version'),"
                        + " (502, 'stt', 2, 'deepgram', 'previous-version', 'previous-version')");
                s.executeUpdate("INSERT INTO provider_entry_checks (entry_id, provider, fingerprint, result,"
                        + " http_status, checked_at, duration_ms, negative_control, result_since) VALUES (501,"
                        + " 'soniox', 'fp-stt-entry', 'ok', 200, '2026-11-30T12:05:00.5Z', 87, 'rejected',"
                        + " '2026-11-29T08:00:00Z')");
                s.executeUpdate("INSERT INTO provider_entry_checks (entry_id, claimed_fingerprint) VALUES (502,"
                        + " 'fp-stt-unchecked')");
                before = rows(s, "SELECT * FROM provider_checks ORDER BY kind");
                before.addAll(rows(s, "SELECT * FROM provider_entry_checks ORDER BY entry_id"));
            }

            schemas.flyway(schema, "24").migrate();

            try (Connection c = schemas.connection(); Statement s = c.createStatement()) {
                s.execute("SET search_path TO " + schema);
                List<String> after = rows(s, "SELECT * FROM provider_checks ORDER BY kind");
                after.addAll(rows(s, "SELECT * FROM provider_entry_checks ORDER BY entry_id"));
                assertThat(after).as("V24 changes no check row").isEqualTo(before);
                assertThat(rows(s, "SELECT kind, fingerprint, provider, result, http_status, code,"
                        + " to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), duration_ms,"
                        + " negative_control FROM provider_check_history ORDER BY checked_at"))
                        .as("one row per check row that holds a check, none for a key never checked")
                        .containsExactly(
                                "llm|fp-llm-kind|openai|no_credit|429|insufficient_quota|2026-11-30 12:00:00.123456|321"
                                        + "|rejected",
                                "stt|fp-stt-entry|soniox|ok|200|null|2026-11-30 12:05:00.500000|87|rejected");
            }
            LastCheck[] served = new LastCheck[2];
            boolean[] unchecked = new boolean[1];
            QuarkusTransaction.requiringNew().run(() -> {
                em.createNativeQuery("SET LOCAL search_path TO " + schema).executeUpdate();
                served[0] = lastChecks.ofKey(ProviderKind.LLM, "openai", "fp-llm-kind").orElseThrow();
                served[1] = lastChecks.ofKey(ProviderKind.STT, "soniox", "fp-stt-entry").orElseThrow();
                unchecked[0] = lastChecks.ofKey(ProviderKind.STT, "deepgram", "fp-stt-unchecked").isEmpty();
            });
            assertThat(served[0].checkedAt()).isEqualTo(Instant.parse("2026-11-30T12:00:00.123456Z"));
            assertThat(served[0].durationMs()).as("the measured duration, as the check row kept it").isEqualTo(321);
            assertThat(served[0].since()).isEqualTo(Instant.parse("2026-11-30T11:00:00Z"));
            assertThat(served[1].durationMs()).isEqualTo(87);
            assertThat(served[1].since()).isEqualTo(Instant.parse("2026-11-29T08:00:00Z"));
            assertThat(unchecked[0]).as("a key never checked stays not checked yet").isTrue();
        } finally {
            schemas.drop(schema);
        }
    }

    /** Each row of {@code sql}, its columns joined by {@code |}. */
    private static List<String> rows(Statement s, String sql) throws java.sql.SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet r = s.executeQuery(sql)) {
            int columns = r.getMetaData().getColumnCount();
            while (r.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    values.add(String.valueOf(r.getObject(i)));
                }
                rows.add(String.join("|", values));
            }
        }
        return rows;
    }
}
