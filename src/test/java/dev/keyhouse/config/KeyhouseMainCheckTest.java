package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.crypto.GenerateKey;

/**
 * The pre-start check as {@link KeyhouseMain} runs it, on an environment and a {@code .env} text (plain JUnit, no
 * Quarkus): a refused line is reported once, with no consequence of it; every value problem names its source.
 */
class KeyhouseMainCheckTest {

    /** Nothing listens on port 1: a check that asked Vault would report it unreachable. */
    private static final String NO_VAULT = "http://127.0.0.1:1";

    private static Map<String, String> validEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("CREDENTIAL_ENCRYPTION_KEY", GenerateKey.newKey());
        env.put("JWT_SECRET_KEY", GenerateKey.newKey());
        env.put("SYSTEM_ADMIN_PASSWORD", "a-long-enough-password");
        return env;
    }

    private static KeyhouseMain.Verdict check(Map<String, String> env, String dotEnv) {
        return KeyhouseMain.check(env, EnvFileDialect.parse(dotEnv), true);
    }

    /**
     * The breaker's README .env: VAULT_KV_PATH's and VAULT_TOKEN's lines are refused (trailing comments); only those
     * lines are reported, never "no way to log in" (the token is set, its line refused), and Vault is not asked.
     */
    @Test
    void aRefusedVaultLineIsReportedAloneAndVaultIsNotAsked() {
        String dotEnv = "VAULT_ADDR=" + NO_VAULT + "\n"
                + "VAULT_KV_PATH=secret/data/keyhouse/production     # the KV v2 API path: <mount>/data/<path>\n"
                + "VAULT_TOKEN=hvs.abc                                # a token, or\n";
        List<String> problems = check(Map.of(), dotEnv).problems();
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).startsWith(".env line 2: VAULT_KV_PATH: an unquoted value holds a space");
        assertThat(problems.get(1)).startsWith(".env line 3: VAULT_TOKEN: an unquoted value holds a space");
        // the same kind: each login variable's line refused in turn, and the address's own
        for (String refused : List.of("VAULT_TOKEN=hvs.a b", "VAULT_ROLE_ID=role id\nVAULT_SECRET_ID=s",
                "VAULT_ROLE_ID=r\nVAULT_SECRET_ID=s #x", "VAULT_KUBERNETES_ROLE=keyhouse # k8s")) {
            List<String> only = check(validEnv(), "VAULT_ADDR=" + NO_VAULT + "\n" + refused + "\n").problems();
            assertThat(only).as(refused).singleElement().asString().startsWith(".env line ")
                    .doesNotContain("no way to log in", "is not set", "unreachable", "127.0.0.1");
        }
        List<String> addressRefused = check(validEnv(), "VAULT_ADDR=http://vault :8200\nVAULT_TOKEN=t\n").problems();
        assertThat(addressRefused).singleElement().asString().startsWith(".env line 1: VAULT_ADDR: ");
    }

    /** A required variable whose line is refused is not also "not set"; an unrelated bad value is still reported. */
    @Test
    void aRefusedLineOfARequiredVariableIsNotAlsoMissing() {
        Map<String, String> env = validEnv();
        env.remove("JWT_SECRET_KEY");
        List<String> problems = check(env, "JWT_SECRET_KEY=abc def\nHTTP_PORT=99999999999\n").problems();
        assertThat(problems).containsExactly(
                ".env line 1: JWT_SECRET_KEY: an unquoted value holds a space at position 4, which some readers take"
                        + " differently: quote the value ('...')",
                "HTTP_PORT (from .env line 2) must be a whole number from 1 to 65535 (a port)");
        env.put("JWT_SECRET_KEY", GenerateKey.newKey());
        assertThat(check(env, "JWT_SECRET_KEY=abc def\n").problems()).as("set in the environment: the line is"
                + " its only problem").containsExactly(".env line 1: JWT_SECRET_KEY: an unquoted value holds a space"
                        + " at position 4, which some readers take differently: quote the value ('...')");
    }

    /**
     * An empty value on the host is read by the configuration before .env, Vault and the default (Compose's
     * {@code ${VAR:-}} pass-through makes exactly this): named in one line before start, never a crash after it.
     */
    @Test
    void anEmptyValueThatHidesADefaultOrALowerValueIsNamedBeforeStart() {
        Map<String, String> env = validEnv();
        env.put("VAULT_WATCH_INTERVAL_SECONDS", "");
        env.put("HTTP_PORT", " ");
        assertThat(check(env, "RESTART_CONCURRENCY=\nPOSTGRES_DB=\"\"\n").problems()).containsExactlyInAnyOrder(
                "HTTP_PORT is set but empty (in the environment), which hides its default (8080): unset it, or give"
                        + " it a value",
                "POSTGRES_DB is set but empty (in .env line 2), which hides its default (keyhouse): unset it, or give"
                        + " it a value",
                "RESTART_CONCURRENCY is set but empty (in .env line 1), which hides its default (8): unset it, or give"
                        + " it a value",
                "VAULT_WATCH_INTERVAL_SECONDS is set but empty (in the environment), which hides its default (60):"
                        + " unset it, or give it a value");
        Map<String, String> shadowing = validEnv();
        shadowing.put("CORS_LAN_IP", "");
        assertThat(check(shadowing, "CORS_LAN_IP=192.168.1.20\n").problems()).singleElement().asString()
                .isEqualTo("CORS_LAN_IP is set but empty (in the environment), which hides the value on .env line 1:"
                        + " unset it, or give it a value");
        // empty with nothing below it is simply unset, as .env.example's empty lines are
        Map<String, String> plain = validEnv();
        plain.put("OPENAI_API_KEY", "");
        assertThat(check(plain, "VAULT_ADDR=\nPOSTGRES_PASSWORD=\n").problems()).isEmpty();
    }

    /** The source of a bad value: the environment, or the .env line it was read from. */
    @Test
    void aBadValueNamesTheEnvironmentOrItsEnvLine() {
        Map<String, String> env = validEnv();
        env.put("SYSTEM_ADMIN_PASSWORD", "short");
        assertThat(check(env, "").problems()).singleElement().asString()
                .startsWith("SYSTEM_ADMIN_PASSWORD (from the environment) must be");
        env.remove("SYSTEM_ADMIN_PASSWORD");
        assertThat(check(env, "# admin\n\nSYSTEM_ADMIN_PASSWORD=short\n").problems()).singleElement().asString()
                .startsWith("SYSTEM_ADMIN_PASSWORD (from .env line 3) must be");
        assertThat(check(env, "SYSTEM_ADMIN_PASSWORD=short\nSYSTEM_ADMIN_PASSWORD=shorter\n").problems())
                .as("a later line wins, and is the one named").singleElement().asString()
                .startsWith("SYSTEM_ADMIN_PASSWORD (from .env line 2) must be");
    }

    /** The .env's warnings come in file order, every run the same. */
    @Test
    void warningsComeInFileOrder() {
        String dotEnv = "export ZETA_UNKNOWN=1\nalpha_unknown=2\njwt_secret_key=3\nMIDDLE_UNKNOWN=4\n";
        List<String> first = check(validEnv(), dotEnv).warnings();
        assertThat(first).hasSize(5);
        assertThat(first.get(0)).startsWith(".env line 1: 'export NAME='");
        assertThat(first.subList(1, 5)).extracting(w -> w.split(" ")[2].replace(",", "")).containsExactly(
                "ZETA_UNKNOWN", "alpha_unknown", "jwt_secret_key", "MIDDLE_UNKNOWN");
        assertThat(check(validEnv(), dotEnv).warnings()).isEqualTo(first);
    }

    /**
     * The same kind: a key wrapped onto a second line (only its first part was on line 2) and {@code NAME = value}
     * are refused lines too; no problem of the truncated or unread value follows.
     */
    @Test
    void aWrappedKeyOrSpacesAroundTheEqualsSignAreReportedAlone() {
        Map<String, String> env = validEnv();
        env.remove("JWT_SECRET_KEY");
        String wrapped = "A".repeat(64) + "\n" + "B".repeat(22) + "==";
        List<String> problems = check(env, "JWT_ALGORITHM=HS512\nJWT_SECRET_KEY=" + wrapped + "\n").problems();
        assertThat(problems).singleElement().asString().startsWith(".env line 3: continues the value of line 2");
        env = validEnv();
        env.remove("SYSTEM_ADMIN_PASSWORD");
        assertThat(check(env, "SYSTEM_ADMIN_PASSWORD = a-long-enough-password\n").problems()).singleElement()
                .asString().startsWith(".env line 1: has spaces around '='");
        assertThat(check(Map.of(), "VAULT_ADDR=" + NO_VAULT + "\nVAULT_TOKEN = hvs.x\n").problems()).singleElement()
                .asString().startsWith(".env line 2: has spaces around '='");
    }
}
