package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.keyhouse.crypto.KeyText;

/**
 * Keyhouse's own env-file reader and writer: the files read as Compose and a shell read them, every hard value
 * written comes back unchanged, and what readers would take differently is refused or warned about by line, never
 * quoting a value. {@code EnvFileReadersTest} reads the same corpus back with bash, python-dotenv and docker-compose.
 */
public class EnvFileDialectTest {

    /** Values every reader must get back exactly as written. */
    public static List<String> corpus() {
        return List.of("plain-key_0123456789", "sk-proj-AbC/def+ghi==", "", "with space", " leading and trailing ",
                "has#hash", "semi;colon", "amp&pipe|", "quote\"double", "apos'trophe", "back\\slash",
                "both 'single' and \"double\"", "dollar$HOME", "$NOT_EXPANDED", "back`tick`", "a=b=c", "tab\there",
                "ünïcødé-密钥-🔑", "~tilde", "*glob?[x]", "\\\\double backslash", "pa'ss\\word\"mix",
                "x\\ny (backslash-n, not a newline)", "\\$x");
    }

    /** Values no line reads back the same in a shell and in python-dotenv: refused by name. */
    static List<String> unwritable() {
        return List.of("it's $5", "${EXPANDED_BY_DOTENV}", "ends with \\", "two\\\\back$slashes", "`cmd`'q'", "line\nbreak", "carriage\rreturn", "nul\0byte", "bell\u0007");
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void everyWritableValueComesBackUnchangedThroughKeyhousesReader(String value) {
        String line = EnvFileDialect.line("HARD_VALUE", value);
        EnvFileDialect.Parsed parsed = EnvFileDialect.parse(line + "\n");
        assertThat(parsed.findings()).as(line).isEmpty();
        assertThat(parsed.values()).containsExactly(Map.entry("HARD_VALUE", value));
    }

    @ParameterizedTest
    @MethodSource("unwritable")
    void aValueNoLineHoldsAlikeIsRefusedByNameNeverByValue(String value) {
        assertThatThrownBy(() -> EnvFileDialect.line("TTS_API_KEY", value))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("TTS_API_KEY holds")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(value));
    }

    @Test
    void plainValuesAreWrittenUnquotedSoDockerEnvFileReadsThemToo() {
        assertThat(EnvFileDialect.line("OPENAI_API_KEY", "sk-proj-AbC/def+ghi==")).isEqualTo("OPENAI_API_KEY=sk-proj-AbC/def+ghi==");
        assertThat(EnvFileDialect.line("K", "with space")).isEqualTo("K='with space'");
        assertThat(EnvFileDialect.line("K", "apos'trophe")).isEqualTo("K=\"apos'trophe\"");
        assertThat(EnvFileDialect.line("K", "pa'ss\\word\"mix")).isEqualTo("K=\"pa'ss\\\\word\\\"mix\"");
    }

    @Test
    void quotedValuesLoseTheirQuotesAsComposeAndAShellRead() {
        EnvFileDialect.Parsed parsed = EnvFileDialect.parse(
                "SYSTEM_ADMIN_PASSWORD=\"correct horse\"\nPROVISIONER_INTERNAL_TOKEN='tok-123'\n");
        assertThat(parsed.values()).containsEntry("SYSTEM_ADMIN_PASSWORD", "correct horse")
                .containsEntry("PROVISIONER_INTERNAL_TOKEN", "tok-123");
        assertThat(parsed.findings()).isEmpty();
    }

    @Test
    void aByteOrderMarkAndExportAreReadWithAWarningByLine() {
        EnvFileDialect.Parsed parsed = EnvFileDialect.parse("\uFEFFSYSTEM_ADMIN_PASSWORD=pw-1234567890\n\n"
                + "export PROVISIONER_INTERNAL_TOKEN=tok-abc\r\nLOG_LEVEL=INFO\r\n");
        assertThat(parsed.values()).containsExactly(Map.entry("SYSTEM_ADMIN_PASSWORD", "pw-1234567890"),
                Map.entry("PROVISIONER_INTERNAL_TOKEN", "tok-abc"), Map.entry("LOG_LEVEL", "INFO"));
        assertThat(parsed.refused()).isEmpty();
        assertThat(parsed.warnings()).extracting(EnvFileDialect.Finding::line).containsExactly(1, 3, 3);
        assertThat(parsed.warnings().toString()).contains("byte-order mark").contains("CRLF").contains("systemd")
                .doesNotContain("pw-1234567890").doesNotContain("tok-abc");
    }

    @Test
    void anOpensslKeyWrappedOntoTheNextLineIsRefusedNamingThatLineAndTheOneLineCommand() {
        String key = "A".repeat(64) + "\n" + "B".repeat(22) + "==";
        EnvFileDialect.Parsed parsed = EnvFileDialect.parse("JWT_ALGORITHM=HS512\nJWT_SECRET_KEY=" + key + "\n");
        assertThat(parsed.refused()).singleElement().satisfies(f -> {
            assertThat(f.line()).isEqualTo(3);
            assertThat(f.message()).contains("continues the value of line 2").contains("| tr -d '\\n'")
                    .doesNotContain("BBBB");
        });
        assertThat(parsed.values()).doesNotContainKey("B".repeat(22));
        assertThat(parsed.values()).as("line 2 holds a part of the key: it sets nothing").containsOnlyKeys(
                "JWT_ALGORITHM");
        assertThat(parsed.refusedNames()).containsExactly("JWT_SECRET_KEY");
    }

    /** The names of refused assignments, in file order, once each; the line each value was read from. */
    @Test
    void refusedNamesAndLinesAreKept() {
        EnvFileDialect.Parsed parsed = EnvFileDialect.parse("# c\nA=1\nVAULT_TOKEN = x\nB=two words\nA=2\n"
                + "B=also refused #\nnot an assignment\n");
        assertThat(parsed.values()).containsExactly(Map.entry("A", "2"));
        assertThat(parsed.lines()).containsExactly(Map.entry("A", 5));
        assertThat(parsed.refusedNames()).containsExactly("VAULT_TOKEN", "B");
    }

    /** A 64-character value (openssl rand -hex 32, an HS384 key) then a blank line, the end, or an empty assignment. */
    @Test
    void aSixtyFourCharacterValueIsNotTakenForAWrappedKey() {
        String hex = "0123456789abcdef".repeat(4);
        String hs384 = "A".repeat(63) + "=";
        for (String file : List.of("PROVISIONER_INTERNAL_TOKEN=" + hex + "\n\n# next\nLOG_LEVEL=INFO\n",
                "JWT_SECRET_KEY=" + hs384 + "\n", "JWT_SECRET_KEY=" + hs384, "JWT_SECRET_KEY=" + "B".repeat(64)
                        + "\nCORS_LAN_IP=\n")) {
            EnvFileDialect.Parsed parsed = EnvFileDialect.parse(file);
            assertThat(parsed.findings()).as(file).isEmpty();
        }
    }

    @Test
    void unknownAndWrongCaseNamesAreNamedAsNotRead() {
        EnvFileDialect.Parsed parsed = EnvFileDialect.parse("http_port=18999\nMY_OWN=1\nHTTP_PORT=8080\n");
        assertThat(StartupCheck.dotEnvWarnings(parsed)).containsExactly(
                ".env sets http_port, which Keyhouse does not read (names are case-sensitive: did you mean HTTP_PORT?)",
                ".env sets MY_OWN, which Keyhouse does not read (see .env.example)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"K=a b", "K=abc # comment", "K= leading", "K =v", "K$=v", "1K=v", "; systemd comment",
            "K=$HOME", "K=`id`", "K=\"a$b\"", "K=\"unterminated", "K='x'y", "K=\"a\\nb\"", "K='a\\\\b'", "just-words",
            "K=back\\slash", "K=\"x\" # trailing", "K='${X}'", "K=\"end\\\\\""})
    void linesReadersTakeDifferentlyAreRefusedByLineNeverQuotingTheValue(String line) {
        EnvFileDialect.Parsed parsed = EnvFileDialect.parse("FIRST=ok\n" + line + "\n");
        assertThat(parsed.refused()).as(line).singleElement().satisfies(f -> assertThat(f.line()).isEqualTo(2));
        assertThat(parsed.values()).containsExactly(Map.entry("FIRST", "ok"));
        String value = line.contains("=") ? line.substring(line.indexOf('=') + 1) : line;
        if (value.length() > 3) {
            assertThat(parsed.refused().get(0).message()).as("the message quotes no value").doesNotContain(value);
        }
    }

    @Test
    void theKeyCommandsKeyhouseRecommendsMakeKeysItAccepts() {
        assertThat(KeyText.generateCommand(32)).isEqualTo("openssl rand -base64 32");
        assertThat(KeyText.generateCommand(48)).isEqualTo("openssl rand -base64 48");
        assertThat(KeyText.generateCommand(64)).isEqualTo("openssl rand -base64 64 | tr -d '\\n'");
        // openssl's own wrapped output, as `export KEY=$(openssl rand -base64 64)` holds it
        String wrapped = "q".repeat(64) + "\n" + "r".repeat(22) + "==\n";
        assertThat(KeyText.decode(wrapped)).hasSize(64);
    }
}
