package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.keyhouse.crypto.GenerateKey;

import org.junit.jupiter.api.Test;

class StartupCheckTest {

    private static final String KEY_A = GenerateKey.newKey();
    private static final String KEY_B = GenerateKey.newKey();

    private static List<String> problems(Map<String, String> env, boolean production) {
        return new StartupCheck(name -> Optional.ofNullable(env.get(name))).problems(production);
    }

    private static Map<String, String> validEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("CREDENTIAL_ENCRYPTION_KEY", KEY_A);
        env.put("JWT_SECRET_KEY", KEY_B);
        env.put("SYSTEM_ADMIN_PASSWORD", "a-long-enough-password");
        return env;
    }

    @Test
    void theTwoKeysAndTheAdminPasswordAreEnoughInProduction() {
        assertThat(problems(validEnv(), true)).isEmpty();
    }

    @Test
    void missingRequiredKeysAreAllListedInOneMessageWithTheFix() {
        List<String> problems = problems(Map.of(), true);
        assertThat(problems).hasSize(3);
        String message = StartupCheck.message(problems);
        assertThat(message).contains("CREDENTIAL_ENCRYPTION_KEY is not set", "JWT_SECRET_KEY is not set",
                "SYSTEM_ADMIN_PASSWORD is not set", "openssl rand -base64 32", "3 configuration problems");
    }

    /**
     * A seed key breaking the rules a typed key follows stops start-up in every mode, naming the variable, the
     * position and the code point, never the value; ASCII whitespace around it is fine (it is trimmed).
     */
    @Test
    void seedKeysFollowTheRulesOfATypedKey() {
        Map<String, String> env = validEnv();
        env.put("OPENAI_API_KEY", "sk-seed-012\u200B3456789abcdef");
        env.put("ANTHROPIC_API_KEY", "\uFEFFsk-ant-seed-0123456789");
        env.put("DEEPSEEK_API_KEY", "sk-deepseek-seed-0123456789\u00A0");
        for (boolean production : new boolean[] {true, false}) {
            List<String> problems = problems(env, production);
            assertThat(problems).containsExactly(
                    "OPENAI_API_KEY breaks the rules for an API key: invisible character U+200B (zero width space)"
                            + " at position 12",
                    "ANTHROPIC_API_KEY breaks the rules for an API key: invisible character U+FEFF"
                            + " (zero width no-break space) at position 1",
                    "DEEPSEEK_API_KEY breaks the rules for an API key: non-ASCII space U+00A0 (no-break space)"
                            + " at position 28");
            assertThat(StartupCheck.message(problems)).doesNotContain("sk-seed", "sk-ant", "sk-deepseek");
        }
        env.put("OPENAI_API_KEY", " sk-seed-0123456789abcdef\n");
        env.remove("ANTHROPIC_API_KEY");
        env.remove("DEEPSEEK_API_KEY");
        assertThat(problems(env, true)).isEmpty();
    }

    /** EGRESS_ALLOWED_HOSTS and RUNTIME_ENV_DIRS: each bad entry is named; good lists start. */
    @Test
    void badEgressAndEnvironmentFolderEntriesStopStartUpNamingTheEntry() {
        Map<String, String> env = validEnv();
        env.put("EGRESS_ALLOWED_HOSTS", "voice-1.internal, 10.0.0.0/8, ::1, 127.0.0.1");
        env.put("RUNTIME_ENV_DIRS", System.getProperty("java.io.tmpdir"));
        assertThat(problems(env, true)).isEmpty();
        env.put("EGRESS_ALLOWED_HOSTS", "voice-1.internal, 169.254.169.254, 10.0.0.0/40");
        env.put("RUNTIME_ENV_DIRS", "relative/runtimes");
        assertThat(problems(env, true)).containsExactly(
                "RUNTIME_ENV_DIRS entry 'relative/runtimes' must be an absolute folder, e.g. /etc/keyhouse/runtimes",
                "EGRESS_ALLOWED_HOSTS entry '169.254.169.254' is a link-local address (the range of cloud metadata"
                        + " services), which Keyhouse never connects to; remove it; EGRESS_ALLOWED_HOSTS entry"
                        + " '10.0.0.0/40' has a prefix length that is not a number from 1 to 32");
    }

    /** PROVIDER_CHECK_MODE: enforce, warn or off; anything else stops start-up naming the variable. */
    @Test
    void anUnknownProviderCheckModeStopsStartUpNamingTheVariable() {
        Map<String, String> env = validEnv();
        for (String mode : java.util.List.of("enforce", "warn", "off")) {
            env.put("PROVIDER_CHECK_MODE", mode);
            assertThat(problems(env, true)).as(mode).isEmpty();
        }
        for (String mode : java.util.List.of("strict", "ENFORCE", "Warn", "on", "false", "enforce,warn")) {
            env.put("PROVIDER_CHECK_MODE", mode);
            assertThat(problems(env, true)).as(mode)
                    .containsExactly("PROVIDER_CHECK_MODE must be enforce, warn or off");
        }
    }

    /** HTTPS_PROXY, HTTP_PROXY, NO_PROXY, PROVIDER_CHECK_TIMEOUT_SECONDS: named, never quoting user:password. */
    @Test
    void aMalformedProxyOrCheckTimeoutStopsStartUpNamingTheVariableNeverItsCredentials() {
        Map<String, String> env = validEnv();
        env.put("HTTPS_PROXY", "http://kh-ops:Pr0xy-s3cret@squid.internal:3128");
        env.put("HTTP_PROXY", "http://squid.internal:3128/");
        env.put("NO_PROXY", "localhost, .internal, 10.0.0.0/8, ::1, *");
        env.put("PROVIDER_CHECK_TIMEOUT_SECONDS", "120");
        assertThat(problems(env, true)).isEmpty();
        env.put("HTTPS_PROXY", "socks5://kh-ops:Pr0xy-s3cret@squid.internal:3128");
        env.put("HTTP_PROXY", "http://kh-ops:Pr0xy-s3cret@squid.internal");
        env.put("NO_PROXY", "api.example.com:443");
        env.put("PROVIDER_CHECK_TIMEOUT_SECONDS", "121");
        List<String> problems = problems(env, true);
        assertThat(problems).containsExactly(
                "HTTPS_PROXY does not start with http://: Keyhouse talks to a proxy over plain http:// only (https"
                        + " destinations are still TLS end to end, in a CONNECT tunnel)",
                "HTTP_PROXY has no port: write it, e.g. http://squid.example:3128 (tools disagree on the default)",
                "NO_PROXY entry 'api.example.com:443' is not a host name, .domain, IP address, CIDR or * (ports are"
                        + " not supported)",
                "PROVIDER_CHECK_TIMEOUT_SECONDS must be a whole number from 1 to 120 (seconds)");
        assertThat(StartupCheck.message(problems)).doesNotContain("Pr0xy-s3cret", "kh-ops", "squid.internal");
        env.put("PROVIDER_CHECK_TIMEOUT_SECONDS", "0");
        assertThat(problems(env, true)).contains("PROVIDER_CHECK_TIMEOUT_SECONDS must be a whole number"
                + " from 1 to 120 (seconds)");
    }

    /** Keyhouse reads only the upper-case names; a lower-case one alone is warned about, by name. */
    @Test
    void aLowerCaseProxyVariableAloneIsWarnedAboutByName() {
        assertThat(StartupCheck.lowerCaseProxyWarnings(Map.of("https_proxy", "http://u:Pr0xy-s3cret@p.internal:3128",
                "no_proxy", "localhost", "NO_PROXY", "localhost", "http_proxy", " ")))
                .containsExactly("https_proxy is set but Keyhouse reads only HTTPS_PROXY (upper case): provider key"
                        + " checks do not use it; set HTTPS_PROXY to the same value");
        assertThat(StartupCheck.lowerCaseProxyWarnings(Map.of("http_proxy", "http://a.internal:3128", "HTTP_PROXY",
                "http://b.internal:3128"))).singleElement().asString().startsWith("http_proxy is set")
                .doesNotContain("internal");
        assertThat(StartupCheck.lowerCaseProxyWarnings(Map.of("HTTPS_PROXY", "http://p.internal:3128"))).isEmpty();
    }

    @Test
    void missingKeysAreNoProblemOutsideProduction() {
        assertThat(problems(Map.of(), false)).isEmpty();
    }

    @Test
    void malformedKeysAreNamedWithoutTheirValue() {
        Map<String, String> env = validEnv();
        String shortKey = java.util.Base64.getEncoder().encodeToString(new byte[16]);
        env.put("CREDENTIAL_ENCRYPTION_KEY", shortKey);
        env.put("JWT_SECRET_KEY", "not-base64-secret!!");
        env.put("CREDENTIAL_ENCRYPTION_KEY_PREVIOUS", KEY_B + ",garbage-secret");
        String message = StartupCheck.message(problems(env, true));
        assertThat(message).contains("CREDENTIAL_ENCRYPTION_KEY is not standard base64 of 32 bytes",
                "JWT_SECRET_KEY must be standard base64", "CREDENTIAL_ENCRYPTION_KEY_PREVIOUS must be a comma-separated list");
        assertThat(message).doesNotContain(shortKey, "not-base64-secret", "garbage-secret", KEY_B);
    }

    @Test
    void aPreviousKeyEqualToTheCurrentOneIsRefused() {
        Map<String, String> env = validEnv();
        env.put("CREDENTIAL_ENCRYPTION_KEY_PREVIOUS", KEY_B + ", " + KEY_A);
        env.put("JWT_SECRET_KEY_PREVIOUS", KEY_B);
        List<String> problems = problems(env, true);
        assertThat(problems).hasSize(2);
        assertThat(StartupCheck.message(problems))
                .contains("CREDENTIAL_ENCRYPTION_KEY_PREVIOUS (entry 2) repeats CREDENTIAL_ENCRYPTION_KEY",
                        "JWT_SECRET_KEY_PREVIOUS contains the same key as JWT_SECRET_KEY")
                .doesNotContain(KEY_A, KEY_B);
    }

    @Test
    void longerAlgorithmsNeedLongerSigningKeys() {
        Map<String, String> env = validEnv();
        env.put("JWT_ALGORITHM", "HS512");
        assertThat(StartupCheck.message(problems(env, true))).contains("at least 64 random bytes");
        env.put("JWT_ALGORITHM", "RS256");
        assertThat(StartupCheck.message(problems(env, true))).contains("JWT_ALGORITHM must be one of HS256, HS384, HS512");
    }

    @Test
    void aShortAdminPasswordIsRefusedWithoutBeingPrinted() {
        Map<String, String> env = validEnv();
        env.put("SYSTEM_ADMIN_PASSWORD", "short-pw");
        assertThat(StartupCheck.message(problems(env, true)))
                .contains("SYSTEM_ADMIN_PASSWORD must be at least 12 characters").doesNotContain("short-pw");
    }

    @Test
    void placeholdersCopiedFromTheExampleAreCaught() {
        Map<String, String> env = validEnv();
        env.put("SYSTEM_ADMIN_PASSWORD", "<a long random password>");
        assertThat(problems(env, true)).singleElement().asString()
                .startsWith("SYSTEM_ADMIN_PASSWORD still holds the .env.example placeholder");
    }

    @Test
    void badNumbersUrlsAndLevelsAreNamed() {
        Map<String, String> env = validEnv();
        env.put("HTTP_PORT", "99999");
        env.put("JWT_EXPIRE_MINUTES", "-5");
        env.put("SYSTEM_DATABASE_URL", "mysql://root:hunter2@db/keyhouse");
        env.put("LOG_LEVEL", "LOUD");
        env.put("SYSTEM_ADMIN_EMAIL", "nobody");
        String message = StartupCheck.message(problems(env, true));
        assertThat(message).contains("HTTP_PORT must be a whole number from 1 to 65535 (a port)",
                "JWT_EXPIRE_MINUTES must be a whole number from 1 to 2147483647",
                "SYSTEM_DATABASE_URL is not a valid PostgreSQL URL", "LOG_LEVEL must be one of",
                "SYSTEM_ADMIN_EMAIL must be an e-mail address").doesNotContain("hunter2");
    }

    @Test
    void theManagementPortMustDifferFromTheHttpPortAsSetOrByDefault() {
        Map<String, String> env = validEnv();
        env.put("MANAGEMENT_PORT", "8080");
        assertThat(problems(env, true)).as("MANAGEMENT_PORT set to HTTP_PORT's default").singleElement().asString()
                .startsWith("MANAGEMENT_PORT is the same port as HTTP_PORT (8080)");
        env = validEnv();
        env.put("HTTP_PORT", "9000");
        assertThat(problems(env, true)).as("HTTP_PORT set to MANAGEMENT_PORT's default").singleElement().asString()
                .startsWith("MANAGEMENT_PORT is the same port as HTTP_PORT (9000)");
        env.put("MANAGEMENT_PORT", " 9000");
        assertThat(problems(env, true)).hasSize(1);
        env.put("MANAGEMENT_PORT", "9001");
        assertThat(problems(env, true)).isEmpty();
        env.put("MANAGEMENT_PORT", "99999");
        assertThat(problems(env, true)).singleElement().asString().isEqualTo("MANAGEMENT_PORT must be a whole number from 1 to 65535 (a port)");
    }

    @Test
    void theRotationBatchSizeMustBeAPositiveWholeNumber() {
        Map<String, String> env = validEnv();
        env.put("ROTATION_BATCH_SIZE", "0");
        assertThat(problems(env, true)).containsExactly("ROTATION_BATCH_SIZE must be a whole number from 1 to 2147483647");
        env.put("ROTATION_BATCH_SIZE", "lots");
        assertThat(problems(env, true)).containsExactly("ROTATION_BATCH_SIZE must be a whole number from 1 to 2147483647");
        env.put("ROTATION_BATCH_SIZE", "250");
        assertThat(problems(env, true)).isEmpty();
    }

    @Test
    void restartConcurrencyMayBeZeroTheTimeoutAndAttemptsMustBePositive() {
        Map<String, String> env = validEnv();
        env.put("RESTART_CONCURRENCY", "0");
        env.put("RESTART_TIMEOUT_SECONDS", "30");
        env.put("RESTART_ATTEMPTS", "1");
        assertThat(problems(env, true)).isEmpty();
        env.put("RESTART_CONCURRENCY", "-1");
        env.put("RESTART_TIMEOUT_SECONDS", "0");
        env.put("RESTART_ATTEMPTS", "three");
        assertThat(problems(env, true)).containsExactlyInAnyOrder(
                "RESTART_CONCURRENCY must be a whole number from 0 to 2147483647",
                "RESTART_TIMEOUT_SECONDS must be a whole number from 1 to 2147483647",
                "RESTART_ATTEMPTS must be a whole number from 1 to 2147483647");
    }

    @Test
    void theProviderCheckIntervalIsZeroOrWholeSeconds() {
        Map<String, String> env = validEnv();
        for (String good : List.of("0", "60", "900", "86400")) {
            env.put("PROVIDER_CHECK_INTERVAL_SECONDS", good);
            assertThat(problems(env, true)).as(good).isEmpty();
        }
        for (String bad : List.of("-1", "15m", "1.5", "PT15M", "99999999999", "")) {
            env.put("PROVIDER_CHECK_INTERVAL_SECONDS", bad);
            assertThat(problems(env, true)).as(bad)
                    .containsExactly("PROVIDER_CHECK_INTERVAL_SECONDS must be a whole number from 0 to 2147483647");
        }
    }

    @Test
    void corsOriginsAndTheLanIpAreCheckedByNameWithoutTheirValues() {
        Map<String, String> env = validEnv();
        env.put("CORS_ORIGINS", "https://admin.example.com, http://localhost:3000,HTTP://Dev.Example:8443");
        env.put("CORS_LAN_IP", "192.168.1.20");
        assertThat(problems(env, true)).isEmpty();

        env.put("CORS_ORIGINS", "https://admin.example.com/app,ftp://files.example,admin.example.com,https://ok.example");
        env.put("CORS_LAN_IP", "192.168.1.300");
        List<String> problems = problems(env, true);
        assertThat(problems).containsExactly(
                "CORS_ORIGINS entries 1, 2, 3 are not origins: each comma-separated entry must be scheme://host[:port]"
                        + " with http or https and no path, e.g. https://admin.example.com",
                "CORS_LAN_IP must be an IPv4 address such as 192.168.1.20 (any other origin goes in CORS_ORIGINS)");
        assertThat(String.join("\n", problems)).doesNotContain("files.example", "/app", "192.168.1.300");

        env.put("CORS_ORIGINS", "*");
        env.remove("CORS_LAN_IP");
        assertThat(problems(env, true)).singleElement().asString()
                .startsWith("CORS_ORIGINS entry 1 is a wildcard or pattern");
        env.put("CORS_ORIGINS", "https://a.example,,https://b.example");
        assertThat(problems(env, true)).singleElement().asString().startsWith("CORS_ORIGINS entry 2 is not an origin");
    }

    @Test
    void trustedProxiesAreAddressesOrRangesCheckedByPositionWithoutTheirValues() {
        Map<String, String> env = validEnv();
        env.put("TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16,::1,[::1],2001:db8::/32");
        assertThat(problems(env, true)).isEmpty();

        env.put("TRUSTED_PROXIES", "proxy.internal,10.0.0.5,10.0.0.0/33,10.0.0.256,,::1/129,10.0.0.0/x");
        List<String> problems = problems(env, true);
        assertThat(problems).containsExactly("TRUSTED_PROXIES entries 1, 3, 4, 5, 6, 7 are not an IP address "
                + "(10.0.0.5, ::1) or a CIDR range (10.0.0.0/24) (host names are not accepted)");
        assertThat(problems.get(0)).doesNotContain("proxy.internal", "256");
        env.put("TRUSTED_PROXIES", "10.0.0.5,fe80::1%eth0");
        assertThat(problems(env, true)).containsExactly("TRUSTED_PROXIES entry 2 is not an IP address "
                + "(10.0.0.5, ::1) or a CIDR range (10.0.0.0/24) (host names are not accepted)");
    }

    /**
     * ROLLOUT_NOTIFY_URL: an http(s) URL with a host and no user info, whose host the egress policy does not refuse as
     * written, and only with ROLLOUT_NOTIFY_SECRET (16 or more characters). Each problem names the variable, never
     * the value; a secret alone is allowed (it signs nothing, but breaks nothing).
     */
    @Test
    void rolloutNotifyUrlIsAnHttpUrlWithoutUserInfoThatNeedsItsSecret() {
        for (boolean production : new boolean[] {true, false}) {
            Map<String, String> env = validEnv();
            env.put("ROLLOUT_NOTIFY_URL", "https://alerts.example.com/keyhouse");
            env.put("ROLLOUT_NOTIFY_SECRET", "0123456789abcdef");
            assertThat(problems(env, production)).isEmpty();
            env.put("ROLLOUT_NOTIFY_URL", "http://alerts_hub.internal:8080/keyhouse?channel=ops");
            assertThat(problems(env, production)).singleElement().asString()
                    .startsWith("ROLLOUT_NOTIFY_URL has a host name with '_'");

            env.put("ROLLOUT_NOTIFY_URL", "https://alerts.example.com/keyhouse");
            env.remove("ROLLOUT_NOTIFY_SECRET");
            assertThat(problems(env, production)).containsExactly("ROLLOUT_NOTIFY_SECRET is not set: ROLLOUT_NOTIFY_URL"
                    + " is set and every rollout alert is signed with it; generate one with: openssl rand -hex 32");
            env.put("ROLLOUT_NOTIFY_SECRET", "");
            assertThat(problems(env, production)).singleElement().asString()
                    .startsWith("ROLLOUT_NOTIFY_SECRET is not set");
            env.put("ROLLOUT_NOTIFY_SECRET", "short-s3cret");
            assertThat(problems(env, production)).containsExactly("ROLLOUT_NOTIFY_SECRET must be at least 16"
                    + " characters: generate one with: openssl rand -hex 32");

            env.put("ROLLOUT_NOTIFY_SECRET", "0123456789abcdef");
            Map<String, String> refused = Map.of(
                    "https://ops:hunter2@alerts.example.com/keyhouse",
                    "ROLLOUT_NOTIFY_URL must not contain a user name or password (user:password@); keep credentials"
                            + " in a secret field",
                    "ftp://alerts.example.com/keyhouse", "ROLLOUT_NOTIFY_URL must be an http or https URL",
                    "alerts.example.com/keyhouse",
                    "ROLLOUT_NOTIFY_URL must be a valid http or https URL, such as https://api.example.com/v1 or"
                            + " http://local_llm:11434/v1",
                    "https://alerts.example.com/keyhouse#ops",
                    "ROLLOUT_NOTIFY_URL must not contain a #fragment (clients never send it)",
                    "https://alerts.example.com:99999/keyhouse",
                    "ROLLOUT_NOTIFY_URL has a port that is not a number from 1 to 65535");
            for (Map.Entry<String, String> bad : refused.entrySet()) {
                env.put("ROLLOUT_NOTIFY_URL", bad.getKey());
                List<String> problems = problems(env, production);
                assertThat(problems).as(bad.getKey()).containsExactly(bad.getValue());
                assertThat(StartupCheck.message(problems)).doesNotContain("hunter2", "0123456789abcdef");
            }

            // the egress policy: loopback and private addresses, and localhost, only when listed
            for (String url : List.of("http://127.0.0.1:9099/alerts", "http://localhost:9099/alerts",
                    "http://10.1.2.3/alerts", "http://[::1]:9099/alerts")) {
                env.put("ROLLOUT_NOTIFY_URL", url);
                env.remove("EGRESS_ALLOWED_HOSTS");
                assertThat(problems(env, production)).as(url).singleElement().asString()
                        .startsWith("ROLLOUT_NOTIFY_URL is refused by the egress policy: ")
                        .endsWith("; list its host in EGRESS_ALLOWED_HOSTS or use another receiver");
                env.put("EGRESS_ALLOWED_HOSTS", "localhost,127.0.0.1,10.0.0.0/8,::1");
                assertThat(problems(env, production)).as(url).isEmpty();
            }
            env.put("ROLLOUT_NOTIFY_URL", "http://169.254.169.254/latest");
            assertThat(problems(env, production)).singleElement().asString()
                    .startsWith("ROLLOUT_NOTIFY_URL is refused by the egress policy: ");

            env.remove("ROLLOUT_NOTIFY_URL");
            assertThat(problems(env, production)).as("a secret alone").isEmpty();
        }
    }

    /**
     * The breaker's VAULT_CACHE_SECONDS=99999999999 and the same kind for every whole-number variable of the catalog:
     * a number past the largest is refused with the one message shape naming both bounds, and the bounds themselves
     * pass.
     */
    @Test
    void everyWholeNumberVariableNamesItsRangeAndAcceptsItsBounds() {
        Map<String, String> env = validEnv();
        env.put("VAULT_CACHE_SECONDS", "99999999999");
        assertThat(problems(env, true)).containsExactly(
                "VAULT_CACHE_SECONDS must be a whole number from 0 to 2147483647");
        List<EnvVar> numeric = EnvCatalog.all().stream().filter(v -> switch (v.format()) {
            case INTEGER, NON_NEGATIVE_INTEGER, PORT, SECONDS_UP_TO_120, PERCENT -> true;
            default -> false;
        }).toList();
        assertThat(numeric).extracting(EnvVar::name).contains("VAULT_CACHE_SECONDS", "HTTP_PORT",
                "PROVIDER_CHECK_TIMEOUT_SECONDS", "ROLLOUT_WAVE_PERCENT", "JWT_EXPIRE_MINUTES");
        for (EnvVar variable : numeric) {
            long[] range = StartupCheck.range(variable.format());
            String expected = variable.name() + " must be a whole number from " + range[0] + " to " + range[1];
            for (String bad : List.of(String.valueOf(range[1] + 1), "99999999999", "99999999999999999999999",
                    String.valueOf(range[0] - 1), "1.5", "ten", "0x10")) {
                Map<String, String> one = validEnv();
                one.put(variable.name(), bad);
                assertThat(problems(one, true)).as(variable.name() + "=" + bad).singleElement().asString()
                        .startsWith(expected);
            }
            for (long good : new long[] {range[0], range[1]}) {
                Map<String, String> one = validEnv();
                one.put(variable.name(), String.valueOf(good));
                if (variable.format() == EnvVar.Format.PORT) {
                    // the other server's port must differ: both at the same bound would be another problem
                    one.put(variable.name().equals("HTTP_PORT") ? "MANAGEMENT_PORT" : "HTTP_PORT", "8081");
                }
                assertThat(problems(one, true)).as(variable.name() + "=" + good).isEmpty();
            }
        }
    }

    /**
     * The breaker's OPENAI_API_KEY=vault:secret/llm#openai_key: every seed variable (the catalog's provider keys)
     * holding a vault: reference, pinned or not, in any case, is refused before start with one line naming the
     * variable and where to save the reference instead.
     */
    @Test
    void aVaultReferenceInAnySeedVariableIsRefusedBeforeStartSayingWhereToSaveIt() {
        List<String> seeds = EnvCatalog.all().stream().filter(v -> v.format() == EnvVar.Format.PROVIDER_KEY)
                .map(EnvVar::name).toList();
        assertThat(seeds).containsExactly("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DEEPSEEK_API_KEY");
        for (String reference : List.of("vault:secret/llm#openai_key", "vault:secret/llm#openai_key?version=3",
                " VAULT:secret/llm#openai_key", "Vault:secret/llm", "vault:")) {
            for (String seed : seeds) {
                Map<String, String> env = validEnv();
                env.put(seed, reference);
                for (boolean production : new boolean[] {true, false}) {
                    assertThat(problems(env, production)).as(seed + "=" + reference).containsExactly(seed
                            + " holds a vault: reference, which cannot seed the llm setting (a seed takes the key"
                            + " itself): unset " + seed + " and save the reference as the llm setting's API key at"
                            + " /admin/settings or with PUT /api/v1/settings/llm");
                }
            }
        }
        Map<String, String> env = validEnv();
        env.put("OPENAI_API_KEY", "sk-vault-lookalike-0123456789");
        assertThat(problems(env, true)).as("a key that merely contains the word").isEmpty();
    }

    /** Every value problem names where the value came from; a cross-variable one names each variable's source. */
    @Test
    void everyValueProblemNamesWhereTheValueCameFrom() {
        Map<String, String> env = validEnv();
        env.put("SYSTEM_ADMIN_PASSWORD", "short");
        env.put("HTTP_PORT", "9000");
        env.put("CORS_ORIGINS", "ftp://x");
        env.put("JWT_SECRET_KEY", "<generate>");
        Map<String, String> origins = Map.of("SYSTEM_ADMIN_PASSWORD", "Vault secret secret/data/keyhouse/production",
                "HTTP_PORT", ".env line 4", "CORS_ORIGINS", "the environment", "JWT_SECRET_KEY", ".env line 7");
        List<String> problems = new StartupCheck(name -> Optional.ofNullable(env.get(name)), null,
                name -> Optional.ofNullable(origins.get(name)), name -> Optional.empty(), java.util.Set.of())
                .problems(true);
        assertThat(problems).hasSize(4);
        assertThat(problems.get(0)).startsWith("JWT_SECRET_KEY (from .env line 7) still holds the .env.example"
                + " placeholder");
        assertThat(problems.get(1)).startsWith("SYSTEM_ADMIN_PASSWORD (from Vault secret"
                + " secret/data/keyhouse/production) must be");
        assertThat(problems.get(2)).startsWith("CORS_ORIGINS (from the environment) ");
        assertThat(problems.get(3)).startsWith("MANAGEMENT_PORT is the same port as HTTP_PORT (9000)")
                .endsWith(" (HTTP_PORT from .env line 4)");
        assertThat(String.join("\n", problems)).doesNotContain("short", "ftp://x");
    }

    /** A required variable that Vault holds as an empty string is said to be empty there, not "not set". */
    @Test
    void aRequiredVariableEmptyInVaultIsSaidToBeEmptyThere() {
        Map<String, String> env = validEnv();
        env.remove("SYSTEM_ADMIN_PASSWORD");
        List<String> problems = new StartupCheck(name -> Optional.ofNullable(env.get(name)),
                "the environment, .env or Vault secret s/data/k", name -> Optional.empty(),
                name -> name.equals("SYSTEM_ADMIN_PASSWORD") ? Optional.of("Vault secret s/data/k") : Optional.empty(),
                java.util.Set.of()).problems(true);
        assertThat(problems).singleElement().asString()
                .startsWith("SYSTEM_ADMIN_PASSWORD is empty in Vault secret s/data/k: choose a password");
    }

    /** A problem naming a variable whose .env line was refused is a consequence of that line, and is left out. */
    @Test
    void problemsNamingAVariableWhoseLineWasRefusedAreLeftOut() {
        Map<String, String> env = validEnv();
        env.remove("JWT_SECRET_KEY");
        env.put("ROLLOUT_NOTIFY_URL", "https://hooks.example.com/keyhouse");
        List<String> problems = new StartupCheck(name -> Optional.ofNullable(env.get(name)), null,
                name -> Optional.empty(), name -> Optional.empty(),
                java.util.Set.of("JWT_SECRET_KEY", "ROLLOUT_NOTIFY_SECRET")).problems(true);
        assertThat(problems).isEmpty();
        assertThat(StartupCheck.namesAny("VAULT_ADDR is set but Keyhouse has no way to log in to Vault: set"
                + " VAULT_TOKEN, or ...", List.of("VAULT_TOKEN"))).isTrue();
        assertThat(StartupCheck.namesAny("JWT_SECRET_KEY_PREVIOUS is bad", List.of("JWT_SECRET_KEY"))).isFalse();
    }
}
