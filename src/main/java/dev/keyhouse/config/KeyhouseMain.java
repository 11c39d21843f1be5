package dev.keyhouse.config;

import java.util.List;

import dev.keyhouse.vault.VaultBootstrap;

import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point of the packaged application. Checks the environment before Quarkus starts anything (the
 * embedded database included), so a misconfigured host gets one plain message and exit status 78
 * ({@code EX_CONFIG}) instead of a stack trace.
 */
@QuarkusMain
public final class KeyhouseMain {

    /** sysexits.h EX_CONFIG: systemd units can stop restarting on it. */
    static final int EXIT_CONFIGURATION = 78;
    private static final String PACKAGED_APP_CLASS_LOADER = "io.quarkus.bootstrap.runner.RunnerClassLoader";

    /** The log manager Quarkus' logging (format, levels, {@link LogMask}) is built on. */
    static final String LOG_MANAGER = "org.jboss.logmanager.LogManager";

    public static void main(String... args) {
        // the fast-jar's launcher sets it before this runs; an uber-jar (deploy/build-fast-start.sh) starts here, and
        // without it Hibernate's first lines would go through java.util.logging, past Keyhouse's format and masking
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", LOG_MANAGER);
        }
        EnvFileDialect.Parsed dotEnv;
        try {
            dotEnv = DotEnvFile.inWorkingDirectory().parse();
        } catch (IllegalStateException e) {
            // not UTF-8, unreadable: one message, as for any other configuration problem
            System.err.println(StartupCheck.message(List.of(e.getMessage())));
            System.exit(EXIT_CONFIGURATION);
            return;
        }
        // Vault (VAULT_ADDR + VAULT_KV_PATH) is read here, once: VaultConfigSource serves the same answer to Quarkus
        VaultBootstrap.Loaded vault = VaultBootstrap.load(VaultBootstrap.hostLookup(System.getenv(), dotEnv.values()));
        EnvironmentValues environment = new EnvironmentValues(System.getenv(), dotEnv.values(), vault.values());
        List<String> problems = new java.util.ArrayList<>(StartupCheck.dotEnvProblems(dotEnv));
        problems.addAll(vault.problems());
        if (vault.problems().isEmpty()) {
            problems.addAll(new StartupCheck(environment::explicit, vault.secret().map(secret ->
                    "the environment, .env or Vault secret " + secret.path()).orElse(null)).problems(isProduction()));
        }
        if (!problems.isEmpty() && !ApplicationLifecycleManager.isAppCDSGeneration()) {
            // the AppCDS archive is made at build time by a run that stops after static init (no environment, no
            // database): its check runs, so its classes are archived, but the build's missing keys stop nothing.
            // once started, StartupReport logs these warnings; refused here, they are said here
            StartupCheck.dotEnvWarnings(dotEnv).forEach(w -> System.err.println("Keyhouse: warning: " + w));
            vault.warnings().forEach(w -> System.err.println("Keyhouse: warning: " + w));
            System.err.println(StartupCheck.message(problems));
            System.exit(EXIT_CONFIGURATION);
        }
        Quarkus.run(args);
    }

    /**
     * Dev mode calls this main too, before its launch mode is known; only the packaged application (loaded by
     * Quarkus's runner class loader) on the prod profile is held to production rules.
     */
    private static boolean isProduction() {
        if (!KeyhouseMain.class.getClassLoader().getClass().getName().equals(PACKAGED_APP_CLASS_LOADER)) {
            return false;
        }
        String profile = System.getProperty("quarkus.profile", System.getenv("QUARKUS_PROFILE"));
        return profile == null || profile.isBlank() || profile.strip().equals("prod");
    }
}
