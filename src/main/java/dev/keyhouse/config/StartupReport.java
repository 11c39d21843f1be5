package dev.keyhouse.config;

import java.util.List;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

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
        StartupCheck check = new StartupCheck(name -> EnvCatalog.find(name)
                .flatMap(v -> config.getOptionalValue(v.property(), String.class))
                .filter(value -> !value.isBlank()));
        EnvFileDialect.Parsed dotEnv = DotEnvFile.inWorkingDirectory().parse();
        StartupCheck.dotEnvWarnings(dotEnv).forEach(LOG::warn);
        StartupCheck.lowerCaseProxyWarnings(System.getenv()).forEach(LOG::warn);
        List<String> problems = new java.util.ArrayList<>(StartupCheck.dotEnvProblems(dotEnv));
        problems.addAll(check.problems(LaunchMode.current() == LaunchMode.NORMAL));
        if (!problems.isEmpty()) {
            throw new IllegalStateException(StartupCheck.message(problems));
        }
    }
}
