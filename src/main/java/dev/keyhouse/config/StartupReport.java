package dev.keyhouse.config;

import java.util.List;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import dev.keyhouse.vault.VaultBootstrap;

/**
 * Runs the start-up check again inside the application, where every configuration source (profiles, test
 * settings, generated development keys) is visible, and logs what dev mode generated.
 */
@Singleton
public class StartupReport {

    private static final Logger LOG = Logger.getLogger(StartupReport.class);

    void onStart(@Observes StartupEvent event, Config config) {
        String notice = DevelopmentKeys.takeGeneratedNotice();
        if (notice != null) {
            LOG.warn(notice);
        }
        java.util.function.Function<String, java.util.Optional<String>> value = name -> EnvCatalog.find(name)
                .flatMap(v -> config.getOptionalValue(v.property(), String.class))
                .filter(v -> !v.isBlank());
        EnvFileDialect.Parsed dotEnv = DotEnvFile.inWorkingDirectory().parse();
        // as KeyhouseMain: a refused .env line is its own problem, and no problem naming its variable follows
        StartupCheck check = new StartupCheck(value, null, name -> java.util.Optional.empty(),
                name -> java.util.Optional.empty(), dotEnv.refusedNames().stream()
                        .filter(name -> value.apply(name).isEmpty()).collect(java.util.stream.Collectors.toSet()));
        StartupCheck.dotEnvWarnings(dotEnv).forEach(LOG::warn);
        StartupCheck.lowerCaseProxyWarnings(System.getenv()).forEach(LOG::warn);
        VaultBootstrap.Loaded vault = VaultBootstrap.atStart(); // read once per process: no second call to Vault
        vault.warnings().forEach(LOG::warn);
        vault.secret().ifPresent(secret -> LOG.infof("Read %d variables from Vault secret %s (KV v2, version %d) with %s",
                vault.values().size(), secret.path(), secret.version(), vault.settings().orElseThrow().auth().describe()));
        List<String> problems = new java.util.ArrayList<>(StartupCheck.dotEnvProblems(dotEnv));
        problems.addAll(check.problems(LaunchMode.current() == LaunchMode.NORMAL));
        if (!problems.isEmpty()) {
            throw new IllegalStateException(StartupCheck.message(problems));
        }
    }
}
