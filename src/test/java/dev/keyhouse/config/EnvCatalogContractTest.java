package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The catalog, the configuration that consumes it and .env.example must name the same variables, and every catalog
 * variable must be shown to change what Keyhouse does: {@link #EFFECTS} names, for each, the test that sets it (or
 * the property it feeds) and asserts the difference. A variable with no entry, or an entry naming a test method that
 * does not exist, fails the build: a documented variable that does nothing is a bug.
 */
class EnvCatalogContractTest {

    /**
     * Catalog variable -> {@code Class#method} (under {@code dev.keyhouse}) of a test proving its effect. Keep it in
     * catalog order; a new variable needs a line here and the test it names.
     */
    static final Map<String, String> EFFECTS = effects(
            "CREDENTIAL_ENCRYPTION_KEY", "rotation.RotationTest#everyValueEndsUnderTheCurrentKeyAndStillOpensToWhatItWas",
            "CREDENTIAL_ENCRYPTION_KEY_PREVIOUS", "rotation.RotationRetryTest#retryingTheFailedValuesRewritesThemOnceTheirKeyIsKnown",
            "JWT_SECRET_KEY", "auth.JwtRejectionTest#tokensTheAppIssuesCarryTheCurrentKeysKid",
            "JWT_SECRET_KEY_PREVIOUS", "auth.JwtRejectionTest#aTokenSignedWithThePreviousKeyIsStillAccepted",
            "JWT_ALGORITHM", "auth.Hs512SessionTest#tokensAreHs512AndOpenTheApi",
            "JWT_EXPIRE_MINUTES", "auth.SessionLifetimeTest#bearerTokensLiveJwtExpireMinutes",
            "SYSTEM_DATABASE_URL", "config.DatabaseConfigSourceFactoryTest#systemDatabaseUrlWinsOverPostgresVariables",
            "POSTGRES_HOST", "config.DatabaseConfigSourceFactoryTest#postgresVariablesNameTheServerTheDatabaseAndTheUser",
            "POSTGRES_PORT", "config.DatabaseConfigSourceFactoryTest#postgresVariablesNameTheServerTheDatabaseAndTheUser",
            "POSTGRES_DB", "config.DatabaseConfigSourceFactoryTest#postgresVariablesNameTheServerTheDatabaseAndTheUser",
            "POSTGRES_USER", "config.DatabaseConfigSourceFactoryTest#postgresVariablesNameTheServerTheDatabaseAndTheUser",
            "POSTGRES_PASSWORD", "config.DatabaseConfigSourceFactoryTest#postgresPasswordSelectsTheDsn",
            "EMBEDDED_DATABASE_DIR", "config.DatabaseConfigSourceFactoryTest#embeddedDatabaseDirChoosesTheDataFolder",
            "SYSTEM_ADMIN_EMAIL", "auth.BootstrapAdminResetTest#theBootstrapPasswordIsStoredOnlyAsBcrypt",
            "SYSTEM_ADMIN_PASSWORD", "auth.BootstrapAdminResetTest#theOldPasswordStopsWorkingAndTheNewOneWorks",
            "PASSWORD_HASH_COST", "auth.PasswordsTest#newHashesTakeTheConfiguredCostAndOlderOnesStillMatch",
            "PROVISIONER_INTERNAL_TOKEN", "settings.RuntimeConfigTest#onlyTheProvisionerTokenOpensIt",
            "OPENAI_API_KEY", "settings.ProviderBootstrapTest#replicasStartingTogetherSeedAnUnconfiguredLlmOnceAndAuditItWithoutTheValue",
            "ANTHROPIC_API_KEY", "settings.ProviderSeedTest#anthropicApiKeySeedsAnAnthropicSetting",
            "DEEPSEEK_API_KEY", "settings.ProviderSeedTest#deepseekApiKeySeedsADeepseekSetting",
            "ROTATION_BATCH_SIZE", "rotation.RotationTest#metricsShowValuesPerKeyAndWhatTheJobsDid",
            "RESTART_CONCURRENCY", "runtimes.RestartCrashIT#aCrashBetweenTheSaveAndTheRestartsStillRestartsEveryTarget",
            "RESTART_TIMEOUT_SECONDS", "runtimes.RuntimeRestartTest#aFailingASlowAndAHealthyTargetEachGetTheirOwnResultAndTheWaveRollsBack",
            "RESTART_ATTEMPTS", "runtimes.RuntimeRestartTest#aFailingASlowAndAHealthyTargetEachGetTheirOwnResultAndTheWaveRollsBack",
            "ROLLOUT_CANARY_COUNT", "runtimes.RolloutTest#withoutAMarkedTargetTheFirstCanaryCountRuntimesAreTheCanary",
            "ROLLOUT_WAVE_PERCENT", "runtimes.RolloutTest#aGoodKeyGoesOutCanaryFirstThenInWavesEachConfirmedByReports",
            "ROLLOUT_BAKE_SECONDS", "runtimes.RolloutControlsTest#manualApprovalWaitsAfterTheCanaryAndLaterWavesBake",
            "ROLLOUT_CONFIRM_TIMEOUT_SECONDS", "runtimes.RolloutTest#aRuntimeThatNeverConfirmsFailsItsWaveWithinTheConfirmTimeout",
            "ROLLOUT_APPROVAL", "runtimes.RolloutControlsTest#manualApprovalWaitsAfterTheCanaryAndLaterWavesBake",
            "RUNTIME_ENV_DIRS", "runtimes.RuntimeTargetsTest#theEgressPolicyAndTheEnvironmentFoldersAreAppliedWhenATargetIsSaved",
            "ROLLOUT_NOTIFY_URL", "runtimes.RolloutAlertsTest#haltedIsAnErrorACountAndASignedEventAtTheNotifyUrl",
            "ROLLOUT_NOTIFY_SECRET", "runtimes.RolloutAlertsTest#haltedIsAnErrorACountAndASignedEventAtTheNotifyUrl",
            "EGRESS_ALLOWED_HOSTS", "runtimes.RuntimeTargetsTest#theEgressPolicyAndTheEnvironmentFoldersAreAppliedWhenATargetIsSaved",
            "PROVIDER_CHECK_INTERVAL_SECONDS", "checks.BackgroundCheckScheduleTest#theScheduleChecksAStoredKeyOncePerInterval",
            "VAULT_CACHE_SECONDS", "settings.VaultReferencesServedTest#aReferenceIsPinnedAtSaveServedResolvedAndANewKvVersionChangesNothingUntilSavedAgain",
            "VAULT_WATCH_INTERVAL_SECONDS", "settings.VaultWatchTest#aNewKvVersionIsSavedByVaultCheckedAndRestartedAsAnAdminsSave",
            "PROVIDER_CHECK_MODE", "settings.SettingsCheckWarnTest#warnSavesABlockingResultWithAWarning",
            "HTTPS_PROXY", "checks.ProviderCheckEgressConfigTest#checksGoThroughTheConfiguredProxiesAndNoProxyHostsGoDirect",
            "HTTP_PROXY", "checks.ProviderCheckEgressConfigTest#checksGoThroughTheConfiguredProxiesAndNoProxyHostsGoDirect",
            "NO_PROXY", "checks.ProviderCheckEgressConfigTest#checksGoThroughTheConfiguredProxiesAndNoProxyHostsGoDirect",
            "PROVIDER_CHECK_TIMEOUT_SECONDS", "checks.ProviderCheckEgressConfigTest#providerCheckTimeoutSecondsBoundsEachCall",
            "CORS_ORIGINS", "web.CorsConfiguredTest#corsOriginsReplaceTheLoopbackDefault",
            "CORS_LAN_IP", "web.CorsConfiguredTest#theLanIpAddsItsHttpOriginOnTheHttpPort",
            "HTTP_PORT", "embeddedpostgres.EmbeddedDatabaseIT#embeddedDatabaseIsDurableAndStopsWithKeyhouse",
            "MANAGEMENT_PORT", "config.ManagementPortIT#healthAndMetricsAnswerOnManagementPortAndNotOnHttpPort",
            "TRUSTED_PROXIES", "auth.ThrottlingTest#anAttackerAtOneAddressIsSlowedWhileTheOwnerAtAnotherSignsInAtOnce",
            "LOG_LEVEL", "config.LogLevelTest#infoLinesAreDroppedAndWarningsKeptAtWarn",
            "LOG_FORMAT", "config.LogFormatIT#jsonWritesOneJsonObjectALine",
            "VAULT_ADDR", "vault.VaultStartupIT#startsOnTheSecretsValuesAndShowsVaultAsTheirSource",
            "VAULT_KV_PATH", "vault.VaultBootstrapTest#aMissingSecretIsNamed",
            "VAULT_TOKEN", "vault.VaultBootstrapTest#aRefusedTokenIsNamedNeverPrinted",
            "VAULT_ROLE_ID", "vault.VaultBootstrapTest#appRoleLogsInThenReads",
            "VAULT_SECRET_ID", "vault.VaultBootstrapTest#aWrongAppRoleSecretIdIsARefusedLogin",
            "VAULT_KUBERNETES_ROLE", "vault.VaultBootstrapTest#kubernetesAuthPresentsThePodsToken",
            "VAULT_KUBERNETES_TOKEN_PATH", "vault.VaultBootstrapTest#kubernetesAuthPresentsThePodsToken");

    private static Map<String, String> effects(String... variablesAndTests) {
        Map<String, String> effects = new LinkedHashMap<>();
        for (int i = 0; i + 1 < variablesAndTests.length; i += 2) {
            assertThat(effects.put(variablesAndTests[i], variablesAndTests[i + 1]))
                    .as("%s is listed twice in EFFECTS", variablesAndTests[i]).isNull();
        }
        return effects;
    }

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");
    private static final Pattern EXAMPLE_LINE = Pattern.compile("^([A-Z][A-Z0-9_]*)=(.*)$");

    /** property -> [variable, default or null] for every ${VAR} mapping outside a %profile. */
    private static Map<String, String[]> mappings() throws IOException {
        Map<String, String[]> mappings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("src/main/resources/application.properties"))) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("%")) {
                continue;
            }
            String property = line.substring(0, line.indexOf('=')).strip();
            Matcher matcher = REFERENCE.matcher(line);
            while (matcher.find()) {
                String fallback = matcher.group(2);
                mappings.put(property, new String[] {matcher.group(1), fallback == null || fallback.isEmpty() ? null : fallback});
            }
        }
        return mappings;
    }

    private static Map<String, String> example() throws IOException {
        Map<String, String> names = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(".env.example"))) {
            Matcher matcher = EXAMPLE_LINE.matcher(line);
            if (matcher.matches()) {
                names.put(matcher.group(1), matcher.group(2));
            }
        }
        return names;
    }

    private static Set<String> catalogNames() {
        return EnvCatalog.all().stream().map(EnvVar::name).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyVariableConsumedByConfigurationIsInTheCatalogAndBack() throws IOException {
        Set<String> consumed = mappings().values().stream().map(m -> m[0]).collect(Collectors.toCollection(TreeSet::new));
        assertThat(consumed).as("variables referenced in application.properties").isEqualTo(catalogNames());
    }

    @Test
    void everyCatalogVariableIsDocumentedInEnvExampleAndBack() throws IOException {
        assertThat(new TreeSet<>(example().keySet())).as("variables in .env.example").isEqualTo(catalogNames());
    }

    @Test
    void eachVariableFeedsItsDeclaredPropertyWithTheCatalogDefault() throws IOException {
        Map<String, String[]> mappings = mappings();
        for (EnvVar variable : EnvCatalog.all()) {
            assertThat(mappings).as("application.properties maps %s", variable.property()).containsKey(variable.property());
            String[] mapping = mappings.get(variable.property());
            assertThat(mapping[0]).as("%s is fed by", variable.property()).isEqualTo(variable.name());
            assertThat(mapping[1]).as("default of %s", variable.name()).isEqualTo(variable.defaultValue());
        }
    }

    @Test
    void exampleShowsDefaultsAndNeverARealLookingSecret() throws IOException {
        Map<String, String> example = example();
        for (EnvVar variable : EnvCatalog.all()) {
            String shown = example.get(variable.name());
            if (variable.secret()) {
                assertThat(shown).as("%s in .env.example is empty or a <placeholder>", variable.name())
                        .matches("|<[^>]+>");
            } else if (variable.hasDefault()) {
                assertThat(shown).as("%s in .env.example shows the default", variable.name())
                        .isEqualTo(variable.defaultValue());
            }
        }
    }

    @Test
    void everyCatalogVariableHasATestProvingItsEffect() {
        assertThat(new TreeSet<>(EFFECTS.keySet()))
                .as("variables in EnvCatalogContractTest.EFFECTS: every catalog variable needs the test proving it "
                        + "changes what Keyhouse does (or, if it truly does nothing, leave the catalog)")
                .isEqualTo(catalogNames());
    }

    @Test
    void eachTestNamedInTheTableExists() {
        for (Map.Entry<String, String> effect : EFFECTS.entrySet()) {
            String[] parts = effect.getValue().split("#");
            assertThat(parts).as("%s: Class#method", effect.getKey()).hasSize(2);
            Class<?> type;
            try {
                type = Class.forName("dev.keyhouse." + parts[0]);
            } catch (ClassNotFoundException e) {
                throw new AssertionError(effect.getKey() + ": no test class dev.keyhouse." + parts[0], e);
            }
            boolean found = Arrays.stream(type.getDeclaredMethods())
                    .filter(m -> m.getName().equals(parts[1]))
                    .anyMatch(m -> m.isAnnotationPresent(Test.class) || m.isAnnotationPresent(ParameterizedTest.class));
            assertThat(found).as("%s: %s has a @Test method %s", effect.getKey(), type.getName(), parts[1]).isTrue();
        }
    }

    @Test
    void everyVariableIsDescribed() {
        assertThat(EnvCatalog.all()).allSatisfy(v -> {
            assertThat(v.purpose()).as(v.name()).isNotBlank();
            assertThat(v.property()).as(v.name()).isNotBlank();
        });
        assertThat(EnvCatalog.all().stream().map(EnvVar::name).distinct().count()).isEqualTo(EnvCatalog.all().size());
    }
}
