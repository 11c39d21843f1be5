package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.crypto.CredentialCipher;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Migration V17 (issue 19's provider entries) keeps what runtimes receive byte for byte. A database made by the
 * previous version is built in a schema of its own on the embedded PostgreSQL: migrations V1 to V16 only, then an
 * LLM and an STT setting written as the previous version stored them (raw SQL, keys sealed by the application's
 * cipher into sealed_values, a history row each). Then V17 runs, and runtime-config read from that schema, in both
 * formats, is byte for byte what the previous version served for those rows (the text below, as its
 * ProviderEnvironment and RuntimeConfigResource wrote it), and every row V1 to V16 made is untouched.
 */
@QuarkusTest
class ProviderEntriesMigrationTest {

    private static final String LLM_KEY = "sk-migration-llm-0123456789abcdef";
    private static final String STT_KEY = "dg-migration-stt-fedcba9876543210";

    /** What the previous version served for these rows: the JSON of runtime-config. */
    private static final String JSON = "{\"version\":2,\"env\":{\"LLM_PROVIDER\":\"openai\",\"LLM_MODEL\":\"gpt-4o-mini\","
            + "\"LLM_BASE_URL\":\"https://api.openai.com/v1\",\"LLM_API_KEY\":\"" + LLM_KEY + "\",\"OPENAI_API_KEY\":\""
            + LLM_KEY + "\",\"STT_PROVIDER\":\"deepgram\",\"STT_MODEL\":\"nova-3\",\"STT_LANGUAGE\":\"en-US\","
            + "\"STT_API_KEY\":\"" + STT_KEY + "\",\"DEEPGRAM_API_KEY\":\"" + STT_KEY + "\"},\"errors\":[],"
            + "\"unresolved\":[]}";

    /** What the previous version served for these rows: {@code ?format=env}. */
    private static final String ENV = "# Keyhouse runtime config, configuration version 2\n"
            + "LLM_PROVIDER=openai\n"
            + "LLM_MODEL=gpt-4o-mini\n"
            + "LLM_BASE_URL=https://api.openai.com/v1\n"
            + "LLM_API_KEY=" + LLM_KEY + "\n"
            + "OPENAI_API_KEY=" + LLM_KEY + "\n"
            + "STT_PROVIDER=deepgram\n"
            + "STT_MODEL=nova-3\n"
            + "STT_LANGUAGE=en-US\n"
            + "STT_API_KEY=" + STT_KEY + "\n"
            + "DEEPGRAM_API_KEY=" + STT_KEY + "\n";

    @Inject
    dev.keyhouse.MigrationSchemas schemas;
    @Inject
    CredentialCipher cipher;
    @Inject
    ProviderEnvironment environment;
    @Inject
    EntityManager em;
    @Inject
    ObjectMapper mapper;

    @Test
    void aDatabaseOfThePreviousVersionServesTheSameBytesAfterV17() throws Exception {
        String schema = "migration_v16_" + UUID.randomUUID().toString().substring(0, 8);
        try {
            schemas.flyway(schema, "16").migrate();
            try (Connection c = schemas.connection(); Statement s = c.createStatement()) {
                s.execute("SET search_path TO " + schema);
                assertThat(tables(s)).doesNotContain("provider_entries");
                previousVersionSave(c, "llm", "openai", "gpt-4o-mini", "https://api.openai.com/v1", null, LLM_KEY);
                previousVersionSave(c, "stt", "deepgram", "nova-3", null, "en-US", STT_KEY);
            }
            List<String> before = dump(schema);

            schemas.flyway(schema, "17").migrate();

            assertThat(dump(schema)).as("V17 changes no row V1 to V16 made").isEqualTo(before);
            RuntimeConfigResource.RuntimeConfig[] served = new RuntimeConfigResource.RuntimeConfig[1];
            String[] env = new String[1];
            QuarkusTransaction.requiringNew().run(() -> {
                em.createNativeQuery("SET LOCAL search_path TO " + schema).executeUpdate();
                assertThat(((Number) em.createNativeQuery("SELECT count(*) FROM provider_entries").getSingleResult())
                        .longValue()).isZero();
                ProviderEnvironment.RuntimeEnvironment read = environment.uncached();
                served[0] = new RuntimeConfigResource.RuntimeConfig(read.version(), read.env(), read.errors(),
                        read.unresolved());
                env[0] = RuntimeConfigResource.envLines(read);
            });
            assertThat(new String(mapper.writeValueAsBytes(served[0]), StandardCharsets.UTF_8))
                    .as("the JSON answer, byte for byte").isEqualTo(JSON);
            assertThat(env[0]).as("the env answer, byte for byte").isEqualTo(ENV);
        } finally {
            schemas.drop(schema);
        }
    }

    /** A save as the previous version wrote it: a new sealed row, the kind's row at version 1, its history row. */
    private void previousVersionSave(Connection c, String kind, String provider, String model, String baseUrl,
            String language, String key) throws Exception {
        UUID id = UUID.randomUUID();
        String purpose = "provider_setting/" + kind + "/api_key";
        var sealed = cipher.seal(id, purpose, key);
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO sealed_values (id, purpose, key_id, ciphertext) VALUES (?, ?, ?, ?)")) {
            insert.setObject(1, id);
            insert.setString(2, purpose);
            insert.setLong(3, sealed.keyId());
            insert.setBytes(4, sealed.bytes());
            insert.executeUpdate();
        }
        try (PreparedStatement update = c.prepareStatement("UPDATE provider_settings SET provider = ?, model = ?,"
                + " base_url = ?, language = ?, api_key_id = ?, version = 1, updated_by = 'previous-version',"
                + " updated_at = '2026-11-30T12:00:00Z' WHERE kind = ?")) {
            update.setString(1, provider);
            update.setString(2, model);
            update.setString(3, baseUrl);
            update.setString(4, language);
            update.setObject(5, id);
            update.setString(6, kind);
            update.executeUpdate();
        }
        try (PreparedStatement history = c.prepareStatement("INSERT INTO provider_setting_versions (kind, version,"
                + " action, provider, model, base_url, language, api_key_id, saved_by, saved_at) VALUES (?, 1, 'save',"
                + " ?, ?, ?, ?, ?, 'previous-version', '2026-11-30T12:00:00Z')")) {
            history.setString(1, kind);
            history.setString(2, provider);
            history.setString(3, model);
            history.setString(4, baseUrl);
            history.setString(5, language);
            history.setObject(6, id);
            history.executeUpdate();
        }
    }

    private static List<String> tables(Statement s) throws Exception {
        List<String> tables = new ArrayList<>();
        try (ResultSet rows = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                + " ORDER BY tablename")) {
            while (rows.next()) {
                tables.add(rows.getString(1));
            }
        }
        return tables;
    }

    /** Every row of every table but Flyway's own, as text, table by table in name order. */
    private List<String> dump(String schema) throws Exception {
        List<String> lines = new ArrayList<>();
        try (Connection c = schemas.connection(); Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + schema);
            for (String table : tables(s)) {
                if (table.startsWith("flyway") || table.startsWith("provider_entr")) {
                    continue;
                }
                try (ResultSet rows = s.executeQuery("SELECT t::text FROM " + table + " t ORDER BY t::text")) {
                    while (rows.next()) {
                        lines.add(table + " " + rows.getString(1));
                    }
                }
            }
        }
        return lines;
    }
}
