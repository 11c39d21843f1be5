package dev.keyhouse;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The test profiles, in one place. */
public final class Profiles {

    /** A fixed test-only previous encryption key, as after a rotation ({@link ChecksCalledByTests}). */
    public static final String PREVIOUS_KEY = "dGVzdC1vbmx5LXByZXZpb3VzLWtleS0zMi1ieXRlcyE=";

    private Profiles() {
    }

    /** A loopback port free now, for a stand-in a profile names before the test starts it (see {@link FreePorts}). */
    private static int freeLoopbackPort() {
        return FreePorts.outsideEphemeralRange();
    }

    /**
     * Restarts of real Docker containers: recreating one takes seconds on the test engine's vfs storage, so a 60 s
     * per-runtime timeout; 2 attempts 100 ms apart; 4 at a time.
     */
    static Map<String, String> dockerRestarts() {
        return Map.of(
                "keyhouse.restart.timeout-seconds", "60",
                "keyhouse.restart.attempts", "2",
                "keyhouse.restart.backoff", "100ms",
                "keyhouse.restart.concurrency", "4");
    }

    /**
     * Four groups of classes' settings in one application (each profile is a build and a start of its own), none of
     * which the other classes' tests here depend on:
     * <ul>
     * <li>Keyhouse behind a TLS-terminating reverse proxy on this host: TRUSTED_PROXIES (given as the variable itself,
     * so it goes through application.properties like a real environment) names the loopback addresses, so forwarded
     * headers are believed from this host only and a remote client cannot fake its address or scheme
     * (HttpsBehindProxyTest, SessionBehindProxyTest, ThrottlingTest). Requests without forwarded headers, as every
     * other request here, keep their peer's address and scheme.</li>
     * <li>restarts of real Docker containers ({@link #dockerRestarts()}: DockerRestartTest, DockerSharedSecretTest,
     * DockerRolloutTest); the proxy tests restart nothing.</li>
     * <li>rollouts of real Docker containers that report their status (DockerRolloutTest): no bake between waves
     * (ROLLOUT_BAKE_SECONDS=0), a {@value #CONFIRM_TIMEOUT_SECONDS} s confirmation timeout
     * (ROLLOUT_CONFIRM_TIMEOUT_SECONDS), a canary of 1 and waves of 25 %, automatic approval, given as the variables (so
     * they go through application.properties). All five are what every other class here gets without this profile
     * (the suite's bake 0 and 30 s, the defaults otherwise): pinned for DockerRolloutTest, changing nothing for the
     * others.</li>
     * <li>a database of its own: every target there is one these tests made (each Docker test deletes the targets it
     * made after every test, the proxy tests make none), so a save rolls out to nothing else (DockerRolloutTest's
     * fleet, DockerRestartTest's run of its one target), and a rotation job walks only values these classes sealed;</li>
     * <li>the rotation pages in a browser and the key ids on every page (RotationBrowserTest, KeyIdEverywhereTest):
     * {@link #ROTATION_NEW_KEY} current, {@link #ROTATION_OLD_KEY} previous, batches of {@value #ROTATION_BATCH_SIZE}
     * (the rotation tests' keys, on this database rather than theirs, so the jobs here leave theirs as they expect
     * it). The rotation tests seed what they rotate under OLD themselves; every value the other classes save is sealed
     * under NEW, the current key, so a job finds it already current and the key table counts it under NEW, as it
     * counts the values a job rewrote. The other classes read no key id.</li>
     * </ul>
     */
    public static final class BehindProxyDockerRestarts implements QuarkusTestProfile {

        public static final int CONFIRM_TIMEOUT_SECONDS = 30;

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new java.util.HashMap<>(dockerRestarts());
            overrides.put("TRUSTED_PROXIES", "127.0.0.0/8,::1");
            overrides.put("ROLLOUT_BAKE_SECONDS", "0");
            overrides.put("ROLLOUT_CONFIRM_TIMEOUT_SECONDS", String.valueOf(CONFIRM_TIMEOUT_SECONDS));
            overrides.put("ROLLOUT_CANARY_COUNT", "1");
            overrides.put("ROLLOUT_WAVE_PERCENT", "25");
            overrides.put("ROLLOUT_APPROVAL", "auto");
            overrides.putAll(rotation(ROTATION_NEW_KEY, ROTATION_OLD_KEY));
            overrides.put("keyhouse.database.embedded-dir", "target/embedded-postgres-docker-proxy-rotation");
            return overrides;
        }
    }

    /**
     * Two classes' settings in one application (each profile is a build and a start of its own), neither of which
     * the other's tests depend on:
     * <ul>
     * <li>the operator changed SYSTEM_ADMIN_PASSWORD to one that is easy to guess, {@link #NEW_PASSWORD}, and
     * restarted: the start resets the bootstrap administrator's password (BootstrapAdminResetTest) and warns about the
     * weak one without refusing it (WeakBootstrapPasswordTest). The start-up log goes to {@link #LOG_FILE} too.
     * BackgroundCheckScheduleTest signs in through {@code ApiClient.admin()}, which uses the configured password
     * ({@code TestSettings.adminPassword()}).</li>
     * <li>background provider checks as they run in production (PROVIDER_CHECK_INTERVAL_SECONDS, given as the
     * variable), polled every second instead of every minute; saves do not check (PROVIDER_CHECK_MODE=off: a save's
     * check is recorded as the last one), only the poll does (BackgroundCheckScheduleTest). Every kind stored here is
     * checked: only BackgroundCheckScheduleTest stores one, on a loopback stand-in; the password tests store none,
     * and neither the poll nor the check mode touches users, sessions, the audit rows they count or the log lines
     * they read.</li>
     * <li>a database of its own, so the poll finds only the kinds BackgroundCheckScheduleTest stored; the password
     * tests need no other class's rows (each sets the stored password it starts from).</li>
     * </ul>
     */
    public static final class RotatedAdminPassword implements QuarkusTestProfile {

        /** A very common password, so the start-up warns about it. */
        public static final String NEW_PASSWORD = "password1234";
        /** One file per test JVM, so a stale log from an earlier build cannot make a test pass. */
        public static final String LOG_FILE = "target/rotated-admin-" + ProcessHandle.current().pid() + ".log";
        public static final int INTERVAL_SECONDS = 3600;

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "keyhouse.admin.password", NEW_PASSWORD,
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", LOG_FILE,
                    "PROVIDER_CHECK_INTERVAL_SECONDS", String.valueOf(INTERVAL_SECONDS),
                    "PROVIDER_CHECK_MODE", "off",
                    "keyhouse.checks.poll", "1s",
                    "keyhouse.checks.poll-delay", "1s",
                    "keyhouse.database.embedded-dir", "target/embedded-postgres-scheduled-checks");
        }
    }

    /**
     * An operator's settings, none of which the other classes' tests here depend on; all but the JWT and TLS ones are
     * given as the environment variables themselves (so they go through application.properties like a real
     * environment):
     * <ul>
     * <li>CORS_ORIGINS replacing the loopback default, and CORS_LAN_IP (CorsConfiguredTest);</li>
     * <li>5-minute sessions (JWT_EXPIRE_MINUTES; SessionLifetimeTest), signed with HS512 and a 64-byte key,
     * {@link #JWT_KEY} (JWT_ALGORITHM=HS512; Hs512SessionTest, the others' tokens follow the configured algorithm);</li>
     * <li>the root log level at WARN (LOG_LEVEL; LogLevelTest);</li>
     * <li>TRUSTED_PROXIES naming a proxy that is not this host, {@link #UNTRUSTED_PROXY} (a TEST-NET-1 address nothing
     * here connects from), so the forwarded headers tests send from loopback come from an untrusted peer and must be
     * ignored (UntrustedProxyTest);</li>
     * <li>HTTPS served by Keyhouse itself on a random port next to plain HTTP, with a self-signed loopback certificate
     * that the JDK's keytool makes once per test JVM (DirectHttpsTest);</li>
     * <li>provider key checks behind an egress proxy: HTTPS_PROXY and HTTP_PROXY name a proxy with Basic credentials
     * ({@link #PROXY_USER}, {@link #PROXY_PASSWORD}) on a loopback port reserved here (the test starts its proxy
     * stand-in there, reading the port back from the configuration), NO_PROXY lists localhost, and
     * PROVIDER_CHECK_TIMEOUT_SECONDS is 2 (ProviderCheckEgressConfigTest; no other test here makes a check or any
     * other outbound call);</li>
     * <li>OPENAI_API_KEY set, {@link #OPENAI_KEY}, to seed the llm setting on start when it was never configured
     * (ProviderBootstrapTest, which makes llm "never configured" itself; no other test here reads or saves llm).</li>
     * </ul>
     */
    public static final class OperatorSettings implements QuarkusTestProfile {

        public static final String ADMIN_ORIGIN = "https://admin.example.com";
        public static final String DEV_ORIGIN = "http://localhost:3000";
        public static final String LAN_IP = "192.168.1.20";
        public static final int EXPIRE_MINUTES = 5;
        /** The HS512 signing key, 64 bytes, base64. */
        public static final String JWT_KEY = java.util.Base64.getEncoder().encodeToString(
                "test-only-hs512-signing-key-that-is-sixty-four-bytes-long-xxxxxx".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        public static final String UNTRUSTED_PROXY = "192.0.2.10";
        public static final String KEY_STORE = "target/direct-https-" + ProcessHandle.current().pid() + ".p12";
        private static final String KEY_STORE_PASSWORD = "test-only-keystore-password";
        public static final String PROXY_USER = "kh-egress";
        public static final String PROXY_PASSWORD = "Pr0xy pass@word%";
        private static final int PROXY_PORT = freeLoopbackPort();
        /** A test-only value; it must never show up outside the sealed value. */
        public static final String OPENAI_KEY = "sk-bootstrap-test-7c1e0d93a4b2f6e8";

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new java.util.HashMap<>();
            overrides.put("CORS_ORIGINS", ADMIN_ORIGIN + ", " + DEV_ORIGIN);
            overrides.put("CORS_LAN_IP", LAN_IP);
            overrides.put("JWT_EXPIRE_MINUTES", String.valueOf(EXPIRE_MINUTES));
            overrides.put("keyhouse.jwt.algorithm", "HS512");
            overrides.put("keyhouse.jwt.key", JWT_KEY);
            overrides.put("keyhouse.jwt.previous-key", "");
            overrides.put("LOG_LEVEL", "WARN");
            overrides.put("TRUSTED_PROXIES", UNTRUSTED_PROXY);
            overrides.put("quarkus.http.ssl.certificate.key-store-file", selfSignedKeyStore().toAbsolutePath().toString());
            overrides.put("quarkus.http.ssl.certificate.key-store-password", KEY_STORE_PASSWORD);
            overrides.put("quarkus.http.test-ssl-port", "0");
            overrides.put("quarkus.http.insecure-requests", "enabled");
            String proxy = "http://" + PROXY_USER + ":Pr0xy%20pass%40word%25@127.0.0.1:" + PROXY_PORT;
            overrides.put("HTTPS_PROXY", proxy);
            overrides.put("HTTP_PROXY", proxy);
            overrides.put("NO_PROXY", "localhost");
            overrides.put("PROVIDER_CHECK_TIMEOUT_SECONDS", "2");
            overrides.put("OPENAI_API_KEY", OPENAI_KEY);
            return overrides;
        }

        /** {@link #KEY_STORE}, made by keytool unless this test JVM made it already: an EC key for localhost. */
        private static java.nio.file.Path selfSignedKeyStore() {
            java.nio.file.Path store = java.nio.file.Path.of(KEY_STORE);
            if (java.nio.file.Files.exists(store)) {
                return store;
            }
            String keytool = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            try {
                Process made = new ProcessBuilder(keytool, "-genkeypair", "-alias", "keyhouse", "-keyalg", "EC",
                        "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                        "-validity", "2", "-storetype", "PKCS12", "-keystore", KEY_STORE, "-storepass",
                        KEY_STORE_PASSWORD).redirectErrorStream(true).start();
                String output = new String(made.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (made.waitFor() != 0) {
                    throw new IllegalStateException("keytool failed: " + output);
                }
                return store;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Keys of the rotation tests: OLD was current before the rotation, NEW is current now, LOST is in neither. */
    public static final String ROTATION_OLD_KEY = "cm90YXRpb24tdGVzdC1vbGQta2V5LTMyLWJ5dGVzISE=";
    public static final String ROTATION_NEW_KEY = "cm90YXRpb24tdGVzdC1uZXcta2V5LTMyLWJ5dGVzISE=";
    public static final String ROTATION_LOST_KEY = "cm90YXRpb24tdGVzdC1sb3N0LWtleS0zMi1ieXRlcyE=";
    /** Small batches, so a job over a few thousand values runs long enough to be caught running. */
    public static final int ROTATION_BATCH_SIZE = 7;

    /**
     * The rotation tests own a database: the job walks every sealed value, and values other tests leave under
     * their keys would be failures here (and rewriting them would break those tests). Profiles run in name order,
     * so the three rotation profiles below run one after the other on this database, which starts empty.
     */
    private static Map<String, String> rotation(String currentKey, String previousKeys) {
        return Map.of(
                "keyhouse.crypto.key", currentKey,
                "keyhouse.crypto.previous-keys", previousKeys,
                "keyhouse.rotation.batch-size", String.valueOf(ROTATION_BATCH_SIZE),
                "keyhouse.database.embedded-dir", "target/embedded-postgres-rotation");
    }

    /** Step 1 of a rotation: the old key moved to CREDENTIAL_ENCRYPTION_KEY_PREVIOUS, a new current key. */
    public static final class Rotation1Window implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return rotation(ROTATION_NEW_KEY, ROTATION_OLD_KEY);
        }
    }

    /** The operator found the key some values were written under and added it as a previous key. */
    public static final class Rotation2LostKeyFound implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return rotation(ROTATION_NEW_KEY, ROTATION_OLD_KEY + "," + ROTATION_LOST_KEY);
        }
    }

    /** The last step: the previous keys removed and Keyhouse restarted. */
    public static final class Rotation3PreviousKeyRetired implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return rotation(ROTATION_NEW_KEY, "");
        }
    }

    /**
     * Everything logged goes to {@link #LOG_FILE} as well, as text, Keyhouse's own loggers at DEBUG and HTTP access lines on:
     * the leak test searches the log from the very first start-up line. Background provider checks are on, as in
     * {@link ChecksCalledByTests} (PROVIDER_CHECK_INTERVAL_SECONDS=3600, never polled): the leak test runs a round
     * itself by calling {@code BackgroundChecks}. A {@link dev.keyhouse.vault.VaultStandIn} is VAULT_ADDR (with a
     * token) from the start, for {@code vault:} references, values cached 1 s (VAULT_CACHE_SECONDS). Failed restart
     * attempts are retried 100 ms apart (doubling), as in {@link FastRestarts}; the number of attempts is the default, 3.
     */
    public static final class LoggedToFile implements QuarkusTestProfile {

        /** One file per test JVM, so a stale log from an earlier build cannot make a test pass. */
        public static final String LOG_FILE = "target/leak-check-" + ProcessHandle.current().pid() + ".log";

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", LOG_FILE,
                    // the text format (LOG_FORMAT=text, the default), where a line break in a message could forge a line
                    "quarkus.log.file.json.enabled", "false",
                    "quarkus.log.category.\"dev.keyhouse\".level", "DEBUG",
                    "quarkus.http.access-log.enabled", "true",
                    "PROVIDER_CHECK_INTERVAL_SECONDS", String.valueOf(ChecksCalledByTests.INTERVAL_SECONDS),
                    "keyhouse.checks.poll", "off",
                    // vault: references (VaultReferencesServedTest, LeakTest): a value read stays 1 s, so a test
                    // sees Vault's changes after a short wait
                    "VAULT_CACHE_SECONDS", "1",
                    // the tests that move a Vault secret call VaultWatch.poll themselves; none is surprised by a tick
                    "VAULT_WATCH_INTERVAL_SECONDS", "0",
                    // a failing command's 3 attempts (CommandOutputLogTest) 100 + 200 ms apart, not 1 + 2 s
                    "keyhouse.restart.backoff", "100ms");
        }

        /** A {@link dev.keyhouse.vault.VaultStandIn} on loopback, as VAULT_ADDR with a token, from the start. */
        @Override
        public java.util.List<TestResourceEntry> testResources() {
            return java.util.List.of(new TestResourceEntry(dev.keyhouse.vault.VaultStandInResource.class));
        }
    }

    /**
     * Rollouts tested end to end: live checks only warn at save time (a test saves a bad key on purpose; the rollout
     * finds it) and still check the previous key before a rollback, no bake, 6 s to confirm, a canary of two (when no target is marked) and waves of half the rest,
     * restarts that fail fast.
     */
    public static final class Rollouts implements QuarkusTestProfile {

        public static final int CONFIRM_TIMEOUT_SECONDS = 6;
        /** The loopback port ROLLOUT_NOTIFY_URL names; RolloutAlertsTest starts its receiver there. */
        public static final int ALERTS_PORT = freeLoopbackPort();
        public static final String ALERTS_SECRET = "rollout-alerts-test-secret-9d41f7";

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new java.util.HashMap<>(steered());
            // rollout alerts to a receiver on loopback, given as the variables themselves (so they go through
            // application.properties), retried 100 ms apart; the test settings' EGRESS_ALLOWED_HOSTS lists loopback.
            // Sent off the rollout's thread: while no receiver listens, an alert is a WARN line and nothing else.
            overrides.put("ROLLOUT_NOTIFY_URL", "http://127.0.0.1:" + ALERTS_PORT + "/alerts");
            overrides.put("ROLLOUT_NOTIFY_SECRET", ALERTS_SECRET);
            overrides.put("keyhouse.rollout-notify.backoff", "100ms");
            return overrides;
        }

        /** The rollout settings alone, without the alert receiver. */
        static Map<String, String> steered() {
            return Map.of(
                    "PROVIDER_CHECK_MODE", "warn",
                    "ROLLOUT_CONFIRM_TIMEOUT_SECONDS", String.valueOf(CONFIRM_TIMEOUT_SECONDS),
                    "ROLLOUT_BAKE_SECONDS", "0",
                    "ROLLOUT_CANARY_COUNT", "2",
                    "ROLLOUT_WAVE_PERCENT", "50",
                    "keyhouse.restart.timeout-seconds", "5",
                    "keyhouse.restart.attempts", "2",
                    "keyhouse.restart.backoff", "100ms");
        }
    }

    /**
     * Rollouts an admin steers: manual approval after the canary, a 2 s bake between waves; otherwise as
     * {@link Rollouts}.
     */
    public static final class RolloutControls implements QuarkusTestProfile {

        public static final int BAKE_SECONDS = 2;

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new java.util.HashMap<>(Rollouts.steered());
            overrides.put("ROLLOUT_APPROVAL", "manual");
            overrides.put("ROLLOUT_BAKE_SECONDS", String.valueOf(BAKE_SECONDS));
            overrides.put("ROLLOUT_CONFIRM_TIMEOUT_SECONDS", "20");
            return overrides;
        }
    }

    /**
     * Restarts that fail fast: a 3 s per-runtime timeout, 2 attempts 100 ms apart (the defaults are 120 s and 3), so
     * failing, slow and healthy runtimes settle within seconds. The runtime tests own this profile.
     */
    public static final class FastRestarts implements QuarkusTestProfile {

        public static final int TIMEOUT_SECONDS = 3;
        public static final int ATTEMPTS = 2;

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "keyhouse.restart.timeout-seconds", String.valueOf(TIMEOUT_SECONDS),
                    "keyhouse.restart.attempts", String.valueOf(ATTEMPTS),
                    "keyhouse.restart.backoff", "100ms",
                    "keyhouse.restart.concurrency", "4");
        }
    }

    /**
     * The runtimes' token unset (PROVISIONER_INTERNAL_TOKEN empty: every runtime-config fetch and status report is
     * refused), restarts given 30 s and one attempt, so a test decides when a restart ends and a failure is final at
     * once, and {@value #CONFIRM_TIMEOUT_SECONDS} s to confirm (a runtime refused its fetch is "not confirmed" then,
     * not after the test settings' 30 s). The run pages' browser test owns this profile.
     */
    public static final class RuntimeTokenUnset implements QuarkusTestProfile {

        public static final int CONFIRM_TIMEOUT_SECONDS = 5;

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "keyhouse.runtime-config.token", "",
                    "ROLLOUT_CONFIRM_TIMEOUT_SECONDS", String.valueOf(CONFIRM_TIMEOUT_SECONDS),
                    "keyhouse.restart.timeout-seconds", "30",
                    "keyhouse.restart.attempts", "1",
                    "keyhouse.restart.backoff", "100ms",
                    "keyhouse.restart.concurrency", "4");
        }
    }

    /**
     * {@code RuntimeAcksBenchmark} only: builds in its stand-in of the synchronous acknowledgement written before
     * issue 17, so one run measures both.
     */
    public static final class AckBenchmark implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhouse.benchmark.synchronous-acks", "true");
        }
    }

    /**
     * Two groups of classes' settings in one application (each profile is a build and a start of its own), neither of
     * which the other's tests depend on:
     * <ul>
     * <li>LOG_LEVEL=DEBUG, given as the environment variable (so it goes through application.properties like a real
     * environment), with the log also written to {@link #LOG_FILE} through the same filter as the console: what an
     * operator debugging a sign-in problem gets (issue 14, item 5; DebugLogLeakTest, ProviderCheckLogLeakTest). The
     * DEBUG records change no answer SettingsCheckWarnTest reads.</li>
     * <li>PROVIDER_CHECK_MODE=warn (given as the variable, so it goes through application.properties), with a datasource
     * pool of {@link #POOL} connections: the concurrency test keeps five times as many checks waiting on a slow
     * provider while other requests still get a connection at once (SettingsCheckWarnTest). The leak tests save
     * nothing a check decides (DebugLogLeakTest's every body is refused before a check; ProviderCheckLogLeakTest
     * calls the checks directly) and send one request at a time, so neither the mode nor the pool changes them.</li>
     * </ul>
     */
    public static final class DebugLog implements QuarkusTestProfile {

        /** One file per test JVM, so a stale log from an earlier build cannot make a test pass. */
        public static final String LOG_FILE = "target/debug-log-" + ProcessHandle.current().pid() + ".log";
        public static final int POOL = 4;

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "LOG_LEVEL", "DEBUG",
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", LOG_FILE,
                    "quarkus.http.access-log.enabled", "true",
                    // the console (the build's output) stays at INFO: the records and the file are what the tests
                    // search, and a DEBUG console was nine tenths of CI's output (some 260,000 lines)
                    "quarkus.log.console.level", "INFO",
                    // the provider stand-ins' own server (test code, not Keyhouse) logs each request line it gets
                    "quarkus.log.category.\"com.sun.net.httpserver\".level", "INFO",
                    "PROVIDER_CHECK_MODE", "warn",
                    "quarkus.datasource.jdbc.max-size", String.valueOf(POOL));
        }
    }

    /**
     * Three classes' settings in one application (each profile is a build and a start of its own), none of which the
     * other classes' tests here depend on:
     * <ul>
     * <li>background provider checks on (PROVIDER_CHECK_INTERVAL_SECONDS=3600, given as the variable) but never polled
     * ({@code keyhouse.checks.poll=off}): the tests run each background check themselves by calling
     * {@code BackgroundChecks}, so no poll races them, and an hour-long interval keeps a checked kind not due
     * (BackgroundChecksTest);</li>
     * <li>PROVIDER_CHECK_MODE=off: saves do not check (a save's check is recorded as the last one), only Check key,
     * {@code POST .../check} and the tests' runs do (SettingsCheckOffTest, BackgroundChecksTest);</li>
     * <li>a database of its own, in which the tts setting is never saved, so "no key stored" is a fact
     * SettingsCheckOffTest can rely on;</li>
     * <li>{@link #PREVIOUS_KEY} as the previous encryption key next to the test configuration's current one, as after
     * a rotation (SealedValuesTest).</li>
     * </ul>
     */
    public static final class ChecksCalledByTests implements QuarkusTestProfile {

        public static final int INTERVAL_SECONDS = 3600;

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "PROVIDER_CHECK_INTERVAL_SECONDS", String.valueOf(INTERVAL_SECONDS),
                    "PROVIDER_CHECK_MODE", "off",
                    "keyhouse.checks.poll", "off",
                    "keyhouse.database.embedded-dir", "target/embedded-postgres-checks-off",
                    "keyhouse.crypto.previous-keys", PREVIOUS_KEY);
        }
    }
}
