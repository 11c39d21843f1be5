package dev.keyhouse.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import dev.keyhouse.auth.Passwords;
import dev.keyhouse.crypto.KeyConfigurationException;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.crypto.KeyText;
import dev.keyhouse.egress.EgressPolicy;
import dev.keyhouse.egress.EgressProxy;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import dev.keyhouse.runtimes.command.EnvironmentDirs;
import dev.keyhouse.runtimes.RolloutNotifier;
import dev.keyhouse.web.CorsOrigins;
import dev.keyhouse.web.TrustedProxies;

/**
 * Checks every catalog variable before Keyhouse starts and reports all problems at once, each naming the
 * variable and how to fix it. No message ever contains a value: a bad value may still be a real secret.
 */
public final class StartupCheck {

    static final String GENERATE_KEY = "generate one with: openssl rand -base64 32";
    private static final String EGRESS_ALLOWED_HOSTS = "EGRESS_ALLOWED_HOSTS";
    private static final Set<String> ALGORITHMS = Set.of("HS256", "HS384", "HS512");
    private static final Set<String> LOG_LEVELS = Set.of("FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG",
            "TRACE", "ALL", "OFF");

    private final Function<String, Optional<String>> explicitValue;
    private final String sources;
    private final Function<String, Optional<String>> origin;
    private final Function<String, Optional<String>> emptyAt;
    private final Set<String> refused;

    /** @param explicitValue a variable's explicitly set value by name (environment, .env or configuration) */
    public StartupCheck(Function<String, Optional<String>> explicitValue) {
        this(explicitValue, null);
    }

    /**
     * @param explicitValue a variable's explicitly set value by name (environment, .env, Vault or configuration)
     * @param sources       where a missing variable was looked for, named in its message (e.g. the Vault secret's
     *                      path), or null for the host alone
     */
    public StartupCheck(Function<String, Optional<String>> explicitValue, String sources) {
        this(explicitValue, sources, name -> Optional.empty(), name -> Optional.empty(), Set.of());
    }

    /**
     * @param explicitValue a variable's explicitly set value by name (environment, .env, Vault or configuration)
     * @param sources       where a missing variable was looked for, or null for the host alone
     * @param origin        where a set variable's value came from, named in every problem with it, e.g.
     *                      {@code the environment}, {@code .env line 4}, {@code Vault secret secret/data/x}
     * @param emptyAt       where an unset variable was found empty (e.g. {@code Vault secret secret/data/x}), said
     *                      instead of "is not set"
     * @param refused       the variables whose {@code .env} line was refused: that line's own message says what is
     *                      wrong, so no problem that names one of them is reported again as a consequence
     */
    public StartupCheck(Function<String, Optional<String>> explicitValue, String sources,
            Function<String, Optional<String>> origin, Function<String, Optional<String>> emptyAt, Set<String> refused) {
        this.explicitValue = explicitValue;
        this.sources = sources;
        this.origin = origin;
        this.emptyAt = emptyAt;
        this.refused = Set.copyOf(refused);
    }

    /** Every problem, in catalog order; empty when Keyhouse may start. */
    public List<String> problems(boolean production) {
        List<String> problems = new ArrayList<>();
        for (EnvVar variable : EnvCatalog.all()) {
            Optional<String> value = explicitValue.apply(variable.name());
            if (value.isEmpty()) {
                if (variable.required() && production) {
                    problems.add(emptyAt.apply(variable.name())
                            .map(place -> variable.name() + " is empty in " + place + ": " + howToSet(variable))
                            .orElseGet(() -> variable.name() + " is not set" + (sources == null ? "" : " in " + sources)
                                    + ": " + howToSet(variable)));
                }
                continue;
            }
            if (value.get().startsWith("<") && value.get().endsWith(">")) {
                problems.add(located(variable.name(),
                        variable.name() + " still holds the .env.example placeholder: " + howToSet(variable)));
                continue;
            }
            formatProblem(variable, value.get()).map(p -> located(variable.name(), p)).ifPresent(problems::add);
        }
        if (problems.stream().noneMatch(p -> p.startsWith(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY))) {
            keyRingProblem().map(p -> locatedAll(p, EnvCatalog.CREDENTIAL_ENCRYPTION_KEY,
                    EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS)).ifPresent(problems::add);
        }
        sameAsCurrent(EnvCatalog.JWT_SECRET_KEY, EnvCatalog.JWT_SECRET_KEY_PREVIOUS)
                .map(p -> locatedAll(p, EnvCatalog.JWT_SECRET_KEY, EnvCatalog.JWT_SECRET_KEY_PREVIOUS))
                .ifPresent(problems::add);
        samePort().map(p -> locatedAll(p, EnvCatalog.HTTP_PORT, EnvCatalog.MANAGEMENT_PORT)).ifPresent(problems::add);
        rolloutNotifyProblem().map(p -> locatedAll(p, RolloutNotifier.URL_VARIABLE, RolloutNotifier.SECRET_VARIABLE,
                EGRESS_ALLOWED_HOSTS)).ifPresent(problems::add);
        return problems.stream().filter(p -> !namesAny(p, refused)).toList();
    }

    /**
     * Whether a problem names one of the variables (as a whole word): a problem naming a variable whose {@code .env}
     * line was refused is that refusal's consequence (its value was not read), not a fault of its own.
     */
    public static boolean namesAny(String problem, java.util.Collection<String> names) {
        return names.stream().anyMatch(name -> java.util.regex.Pattern
                .compile("(?<![A-Za-z0-9_])" + java.util.regex.Pattern.quote(name) + "(?![A-Za-z0-9_])")
                .matcher(problem).find());
    }

    /** The problem with its variable's source after the name: {@code NAME (from .env line 3) must be ...}. */
    private String located(String name, String problem) {
        Optional<String> from = origin.apply(name);
        if (from.isEmpty()) {
            return problem;
        }
        return problem.startsWith(name + " ") || problem.startsWith(name + ":")
                ? name + " (from " + from.get() + ")" + problem.substring(name.length())
                : problem + " (" + name + " from " + from.get() + ")";
    }

    /** A problem of several variables with the source of each one set: {@code ... (A from the environment, B from ...)}. */
    private String locatedAll(String problem, String... names) {
        List<String> froms = new ArrayList<>();
        for (String name : names) {
            if (explicitValue.apply(name).isPresent()) {
                origin.apply(name).ifPresent(from -> froms.add(name + " from " + from));
            }
        }
        return froms.isEmpty() ? problem : problem + " (" + String.join(", ", froms) + ")";
    }

    /**
     * ROLLOUT_NOTIFY_URL needs ROLLOUT_NOTIFY_SECRET (every alert is signed), and a host the egress policy refuses as
     * written (an address or {@code localhost} not in EGRESS_ALLOWED_HOSTS) would never receive one.
     */
    private Optional<String> rolloutNotifyProblem() {
        Optional<String> url = explicitValue.apply(RolloutNotifier.URL_VARIABLE).filter(v -> !v.isBlank());
        if (url.isEmpty()) {
            return Optional.empty();
        }
        if (explicitValue.apply(RolloutNotifier.SECRET_VARIABLE).filter(v -> !v.isEmpty()).isEmpty()) {
            return Optional.of(RolloutNotifier.secretMissing());
        }
        String allowed = explicitValue.apply(EGRESS_ALLOWED_HOSTS).orElse("");
        if (!EgressPolicy.problems(allowed).isEmpty()) {
            return Optional.empty(); // reported on its own
        }
        EgressPolicy policy = EgressPolicy.parse(allowed);
        return RolloutNotifier.parsed(url.get())
                .flatMap(uri -> policy.checkWithoutLookup(uri.getHost()))
                .map(refusal -> RolloutNotifier.URL_VARIABLE + " is refused by the egress policy: " + refusal
                        + "; list its host in " + EGRESS_ALLOWED_HOSTS + " or use another receiver");
    }

    /** HTTP_PORT and MANAGEMENT_PORT (as set, or their defaults) must differ: two servers cannot share a port. */
    private Optional<String> samePort() {
        String http = valueOrDefault(EnvCatalog.HTTP_PORT).strip();
        String management = valueOrDefault(EnvCatalog.MANAGEMENT_PORT).strip();
        if (!isPort(http) || !isPort(management) || Integer.parseInt(http) != Integer.parseInt(management)) {
            return Optional.empty();
        }
        return Optional.of(EnvCatalog.MANAGEMENT_PORT + " is the same port as " + EnvCatalog.HTTP_PORT + " (" + http
                + "): health and metrics need a port of their own, e.g. 9000");
    }

    private String valueOrDefault(String name) {
        return explicitValue.apply(name).orElseGet(() -> EnvCatalog.find(name).orElseThrow().defaultValue());
    }

    /**
     * What start-up warns about in {@code .env}, one line each, never a value: lines read with a warning (a BOM, CRLF,
     * {@code export}), and names Keyhouse does not read — another case than the catalog's (which a shell, systemd and
     * Compose take for another variable, and so does Keyhouse) or not in the catalog at all.
     */
    public static List<String> dotEnvWarnings(EnvFileDialect.Parsed dotEnv) {
        List<String> warnings = new ArrayList<>();
        dotEnv.warnings().forEach(w -> warnings.add(".env " + w));
        dotEnv.values().keySet().stream().filter(name -> EnvCatalog.find(name).isEmpty())
                .map(name -> ".env sets " + name + ", which Keyhouse does not read" + EnvCatalog.all().stream()
                        .filter(v -> v.name().equalsIgnoreCase(name)).findFirst()
                        .map(v -> " (names are case-sensitive: did you mean " + v.name() + "?)")
                        .orElse(" (see .env.example)"))
                .forEach(warnings::add);
        return warnings;
    }

    /**
     * Warnings for the proxy variables set in the process environment in lower case ({@code https_proxy},
     * {@code http_proxy}, {@code no_proxy}, as curl also reads them) without the same value in upper case: Keyhouse
     * reads only the upper-case names, so such a proxy is not used. Names only, never a value.
     */
    public static List<String> lowerCaseProxyWarnings(java.util.Map<String, String> environment) {
        List<String> warnings = new ArrayList<>();
        for (String name : List.of(EgressProxy.HTTPS_PROXY, EgressProxy.HTTP_PROXY, EgressProxy.NO_PROXY)) {
            String lower = environment.get(name.toLowerCase(Locale.ROOT));
            if (lower != null && !lower.isBlank() && !lower.strip().equals(
                    String.valueOf(environment.get(name)).strip())) {
                warnings.add(name.toLowerCase(Locale.ROOT) + " is set but Keyhouse reads only " + name
                        + " (upper case): provider key checks do not use it; set " + name + " to the same value");
            }
        }
        return warnings;
    }

    /** One problem per {@code .env} line the env-file dialect refuses, naming the line, never its value. */
    public static List<String> dotEnvProblems(EnvFileDialect.Parsed dotEnv) {
        return dotEnv.refused().stream().map(f -> ".env " + f).toList();
    }

    /** The single message start-up prints when it refuses to go on. */
    public static String message(List<String> problems) {
        StringBuilder message = new StringBuilder("Keyhouse cannot start: ")
                .append(problems.size()).append(problems.size() == 1 ? " configuration problem" : " configuration problems")
                .append(" (set variables in the environment or in .env; see .env.example):");
        problems.forEach(p -> message.append(System.lineSeparator()).append("  - ").append(p));
        return message.toString();
    }

    private static String howToSet(EnvVar variable) {
        return switch (variable.format()) {
            case KEY_32_BYTES, SIGNING_KEY -> GENERATE_KEY;
            case ADMIN_PASSWORD -> "choose a password of 12 or more characters, e.g. openssl rand -base64 18";
            default -> "set it to " + variable.purpose().toLowerCase(Locale.ROOT);
        };
    }

    private Optional<String> formatProblem(EnvVar variable, String value) {
        String name = variable.name();
        return switch (variable.format()) {
            case TEXT -> Optional.empty();
            case KEY_32_BYTES -> keyBytes(value).filter(b -> b.length == 32).isPresent() ? Optional.empty()
                    : Optional.of(name + " is not standard base64 of 32 bytes: " + GENERATE_KEY);
            case KEY_LIST -> Arrays.stream(value.split(",")).map(String::strip)
                    .allMatch(k -> keyBytes(k).filter(b -> b.length == 32).isPresent()) ? Optional.empty()
                    : Optional.of(name + " must be a comma-separated list of keys, each standard base64 of 32 bytes: "
                            + GENERATE_KEY);
            case SIGNING_KEY -> signingKeyProblem(name, value);
            case INTEGER, NON_NEGATIVE_INTEGER, PORT, SECONDS_UP_TO_120, PERCENT, BCRYPT_COST -> wholeNumberProblem(variable, value);
            case EMAIL -> value.matches("[^@\\s]+@[^@\\s]+") ? Optional.empty()
                    : Optional.of(name + " must be an e-mail address");
            case DATABASE_URL -> databaseUrlProblem(name, value);
            case ADMIN_PASSWORD -> Optional.ofNullable(Passwords.problem(value)).map(p -> name + " " + p);
            case JWT_ALGORITHM -> ALGORITHMS.contains(value) ? Optional.empty()
                    : Optional.of(name + " must be one of HS256, HS384, HS512");
            case LOG_LEVEL -> LOG_LEVELS.contains(value.toUpperCase(Locale.ROOT)) ? Optional.empty()
                    : Optional.of(name + " must be one of ERROR, WARN, INFO, DEBUG, TRACE");
            case LOG_FORMAT -> value.equals("json") || value.equals("text") ? Optional.empty()
                    : Optional.of(name + " must be json or text");
            case CHECK_MODE -> dev.keyhouse.settings.CheckMode.parse(value).isPresent() ? Optional.empty()
                    : Optional.of(name + " must be enforce, warn or off");
            case PROVIDER_KEY -> dev.keyhouse.vault.VaultReference.isReference(value.strip())
                    ? Optional.of(dev.keyhouse.settings.ProviderBootstrap.vaultReferenceRefusal(name))
                    : Optional.ofNullable(FieldRules.clean(FieldType.SECRET, value).problem())
                    .or(() -> value.strip().length() > dev.keyhouse.settings.SettingField.API_KEY.maxLength()
                            ? Optional.of("it is longer than " + dev.keyhouse.settings.SettingField.API_KEY.maxLength()
                                    + " characters")
                            : Optional.empty())
                    .map(problem -> name + " breaks the rules for an API key: " + problem);
            case ORIGIN_LIST -> CorsOrigins.originsProblem(name, value);
            case IPV4_ADDRESS -> CorsOrigins.lanIpProblem(name, value);
            case ADDRESS_LIST -> TrustedProxies.problem(name, value);
            case EGRESS_HOSTS -> joined(EgressPolicy.problems(value));
            case DIRECTORY_LIST -> joined(EnvironmentDirs.problems(value));
            case PROXY_URL -> joined(EgressProxy.proxyProblems(name, value));
            case NO_PROXY_LIST -> joined(EgressProxy.noProxyProblems(value));
            case WEBHOOK_URL -> RolloutNotifier.urlProblem(name, value);
            case WEBHOOK_SECRET -> RolloutNotifier.secretProblem(name, value);
            case APPROVAL -> value.equals("auto") || value.equals("manual") ? Optional.empty()
                    : Optional.of(name + " must be auto or manual");
        };
    }

    /** Problems that each name the variable and the entry, as one. */
    private static Optional<String> joined(List<String> problems) {
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    private Optional<String> signingKeyProblem(String name, String value) {
        int minimum = switch (explicitValue.apply(EnvCatalog.JWT_ALGORITHM_VAR).orElse("HS256")) {
            case "HS384" -> 48;
            case "HS512" -> 64;
            default -> 32;
        };
        if (keyBytes(value).filter(b -> b.length >= minimum).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(name + " must be standard base64 of at least " + minimum
                + " random bytes for the configured JWT_ALGORITHM: generate one with: " + KeyText.generateCommand(minimum));
    }

    /** Well-formed keys can still not form a ring: a previous key repeating the current one, or colliding ids. */
    private Optional<String> keyRingProblem() {
        Optional<String> current = explicitValue.apply(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        try {
            KeyRing.fromEnvironment(current.get(),
                    explicitValue.apply(EnvCatalog.CREDENTIAL_ENCRYPTION_KEY_PREVIOUS).orElse(""));
            return Optional.empty();
        } catch (KeyConfigurationException e) {
            return Optional.of(e.getMessage());
        }
    }

    private Optional<String> sameAsCurrent(String currentName, String previousName) {
        Optional<byte[]> current = explicitValue.apply(currentName).flatMap(StartupCheck::keyBytes);
        Optional<String> previous = explicitValue.apply(previousName);
        if (current.isEmpty() || previous.isEmpty()) {
            return Optional.empty();
        }
        boolean repeated = Arrays.stream(previous.get().split(",")).map(String::strip)
                .map(StartupCheck::keyBytes).flatMap(Optional::stream)
                .anyMatch(p -> Arrays.equals(p, current.get()));
        return repeated ? Optional.of(previousName + " contains the same key as " + currentName
                + ": a previous key must be the one you replaced; remove it or put the new key in " + currentName)
                : Optional.empty();
    }

    static Optional<byte[]> keyBytes(String value) {
        try {
            return Optional.of(KeyText.decode(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The bounds a whole-number format allows, {@code {min, max}}: one rule for every numeric variable, each read as
     * a Java {@code int} (the type its property has), so the largest is at most {@link Integer#MAX_VALUE}.
     */
    static long[] range(EnvVar.Format format) {
        return switch (format) {
            case INTEGER -> new long[] {1, Integer.MAX_VALUE};
            case NON_NEGATIVE_INTEGER -> new long[] {0, Integer.MAX_VALUE};
            case PORT -> new long[] {1, 65535};
            case SECONDS_UP_TO_120 -> new long[] {1, 120};
            case PERCENT -> new long[] {1, 100};
            case BCRYPT_COST -> new long[] {10, 14};
            default -> throw new IllegalArgumentException(format + " is not a whole-number format");
        };
    }

    private static String unit(EnvVar.Format format) {
        return switch (format) {
            case PORT -> " (a port)";
            case SECONDS_UP_TO_120 -> " (seconds)";
            case PERCENT -> " (a percentage)";
            case BCRYPT_COST -> " (a bcrypt cost)";
            default -> "";
        };
    }

    /**
     * {@code NAME must be a whole number from MIN to MAX[ (unit)]} for anything but digits in that range (a sign
     * allowed, as Java's {@code int} reading allows it), a too large number included: the message names both bounds.
     */
    static Optional<String> wholeNumberProblem(EnvVar variable, String value) {
        long[] range = range(variable.format());
        String text = value.strip();
        if (text.matches("[+-]?[0-9]+")) {
            java.math.BigInteger number = new java.math.BigInteger(text.startsWith("+") ? text.substring(1) : text);
            if (number.compareTo(java.math.BigInteger.valueOf(range[0])) >= 0
                    && number.compareTo(java.math.BigInteger.valueOf(range[1])) <= 0) {
                return Optional.empty();
            }
        }
        return Optional.of(variable.name() + " must be a whole number from " + range[0] + " to " + range[1]
                + unit(variable.format()));
    }

    private static boolean isPort(String value) {
        try {
            int port = Integer.parseInt(value.strip());
            return port >= 1 && port <= 65535;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Optional<String> databaseUrlProblem(String name, String value) {
        try {
            DatabaseUrl.parse(value, name);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage()); // names the variable, never the value
        }
    }

}
