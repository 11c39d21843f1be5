package dev.keyhouse.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import dev.keyhouse.vault.VaultBootstrap;
import dev.keyhouse.vault.VaultSettings;

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
        Verdict verdict = check(System.getenv(), dotEnv, isProduction());
        if (!verdict.problems().isEmpty() && !ApplicationLifecycleManager.isAppCDSGeneration()) {
            // the AppCDS archive is made at build time by a run that stops after static init (no environment, no
            // database): its check runs, so its classes are archived, but the build's missing keys stop nothing.
            // once started, StartupReport logs these warnings; refused here, they are said here
            verdict.warnings().forEach(w -> System.err.println("Keyhouse: warning: " + w));
            System.err.println(StartupCheck.message(verdict.problems()));
            System.exit(EXIT_CONFIGURATION);
        }
        Quarkus.run(args);
    }

    /**
     * What the pre-start check found.
     *
     * @param problems what stops start-up, each naming the variable and where its value came from, never a value
     * @param warnings what is said with them (the .env's and Vault's warnings), in file or name order
     */
    public record Verdict(List<String> problems, List<String> warnings) {
    }

    /**
     * The pre-start check: the refused {@code .env} lines, the {@code VAULT_*} settings and the secret (read once per
     * process, {@link VaultBootstrap#load}), then every catalog variable from the environment, {@code .env} and Vault.
     * A variable whose {@code .env} line was refused (and that is set nowhere else) was not read: the line's own
     * message says so, and no problem naming that variable is added as its consequence; with a {@code VAULT_*} line
     * refused, Vault is not asked at all (its settings are incomplete) and missing variables are not reported.
     *
     * @param environment the process environment
     * @param dotEnv      the working directory's {@code .env} as read
     * @param production  whether required variables must be set
     */
    public static Verdict check(Map<String, String> environment, EnvFileDialect.Parsed dotEnv, boolean production) {
        Map<String, String> host = dotEnv.values();
        Set<String> refused = dotEnv.refusedNames().stream().filter(name -> isBlank(environment.get(name))
                && isBlank(host.get(name))).collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new));
        List<String> problems = new ArrayList<>(StartupCheck.dotEnvProblems(dotEnv));
        List<String> warnings = new ArrayList<>(StartupCheck.dotEnvWarnings(dotEnv));
        Function<String, Optional<String>> lookup = VaultBootstrap.hostLookup(environment, host);
        Function<String, Optional<String>> hostOrigin = name -> !isBlank(environment.get(name))
                ? Optional.of("the environment")
                : !isBlank(host.get(name)) ? Optional.of(Optional.ofNullable(dotEnv.lines().get(name))
                        .map(line -> ".env line " + line).orElse(".env")) : Optional.empty();
        if (VaultSettings.CONNECTION_VARIABLES.stream().anyMatch(refused::contains)) {
            VaultSettings.problems(lookup).stream().filter(p -> !StartupCheck.namesAny(p, refused))
                    .forEach(problems::add);
            EnvironmentValues values = new EnvironmentValues(environment, host);
            problems.addAll(new StartupCheck(values::explicit, null, hostOrigin, name -> Optional.empty(), refused)
                    .problems(false)); // Vault was not read: what it would set is not missing
            return new Verdict(List.copyOf(problems), List.copyOf(warnings));
        }
        VaultBootstrap.Loaded vault = VaultBootstrap.load(lookup);
        warnings.addAll(vault.warnings());
        vault.problems().stream().filter(p -> !StartupCheck.namesAny(p, refused)).forEach(problems::add);
        if (vault.problems().isEmpty()) {
            EnvironmentValues values = new EnvironmentValues(environment, host, vault.values());
            String secretPlace = vault.secret().map(secret -> "Vault secret " + secret.path()).orElse(null);
            Function<String, Optional<String>> origin = name -> hostOrigin.apply(name)
                    .or(() -> vault.values().containsKey(name) ? Optional.ofNullable(secretPlace) : Optional.empty());
            Function<String, Optional<String>> emptyAt = name -> vault.secret()
                    .filter(secret -> secret.values().containsKey(name) && isBlank(secret.values().get(name)))
                    .map(secret -> secretPlace);
            problems.addAll(new StartupCheck(values::explicit, secretPlace == null ? null
                    : "the environment, .env or " + secretPlace, origin, emptyAt, refused).problems(production));
            problems.addAll(emptyButSet(environment, dotEnv, vault.values(), secretPlace));
        }
        return new Verdict(List.copyOf(problems), List.copyOf(warnings));
    }

    /**
     * Catalog variables set to an empty value on the host where something below would give them one: the
     * configuration reads the empty value first (the environment before {@code .env}, both before Vault and the
     * default), so the application would fail to start, or start without the value, with no one line saying why.
     * The check reads an empty value as unset; the configuration does not, so this names each such shadow.
     */
    static List<String> emptyButSet(Map<String, String> environment, EnvFileDialect.Parsed dotEnv,
            Map<String, String> vaultValues, String secretPlace) {
        List<String> problems = new ArrayList<>();
        for (EnvVar variable : EnvCatalog.all()) {
            String name = variable.name();
            boolean inEnvironment = environment.containsKey(name) && isBlank(environment.get(name));
            boolean inDotEnv = !environment.containsKey(name) && dotEnv.values().containsKey(name)
                    && isBlank(dotEnv.values().get(name));
            if (!inEnvironment && !inDotEnv) {
                continue;
            }
            String dotEnvLine = Optional.ofNullable(dotEnv.lines().get(name)).map(line -> ".env line " + line)
                    .orElse(".env");
            List<String> hidden = new ArrayList<>();
            if (inEnvironment && !isBlank(dotEnv.values().get(name))) {
                hidden.add("the value on " + dotEnvLine);
            }
            if (!isBlank(vaultValues.get(name)) && secretPlace != null) {
                hidden.add("the value in " + secretPlace);
            }
            if (variable.defaultValue() != null) {
                hidden.add(variable.secret() ? "its default" : "its default (" + variable.defaultValue() + ")");
            }
            if (!hidden.isEmpty()) {
                problems.add(name + " is set but empty (in " + (inEnvironment ? "the environment" : dotEnvLine)
                        + "), which hides " + String.join(" and ", hidden) + ": unset it, or give it a value");
            }
        }
        return problems;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
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
