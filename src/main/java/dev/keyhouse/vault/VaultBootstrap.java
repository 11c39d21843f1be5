package dev.keyhouse.vault;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import dev.keyhouse.config.DotEnvFile;
import dev.keyhouse.config.EnvCatalog;

/**
 * Reads Keyhouse's own variables from the one KV v2 secret {@code VAULT_KV_PATH} names, once per process: the
 * pre-start check ({@code KeyhouseMain}) and the configuration source ({@link VaultConfigSource}) share the result.
 *
 * <p>Precedence, highest first: the process environment, {@code .env}, Vault, the catalog's defaults. The host's own
 * settings win so an operator can override one value during an incident without writing to Vault, and a {@code .env}
 * that holds only {@code VAULT_ADDR} and the login loses nothing; every variable set in two places is named in a
 * start-up warning, so a stale host value never hides a Vault change silently.
 */
public final class VaultBootstrap {

    /**
     * What start-up learned from Vault.
     *
     * @param settings how Vault is reached; empty when {@code VAULT_ADDR} is unset
     * @param secret   the secret read from {@code VAULT_KV_PATH}; empty without a path or on failure
     * @param values   the catalog variables it sets (never a {@code VAULT_*} one), by name, in name order
     * @param problems what stops start-up (bad {@code VAULT_*} values, Vault unreachable, sealed, refusing the login)
     * @param warnings keys Keyhouse does not read, and values the host overrides; names only
     */
    public record Loaded(Optional<VaultSettings> settings, Optional<VaultKv.KvSecret> secret, Map<String, String> values,
            List<String> problems, List<String> warnings) {

        static final Loaded NONE = new Loaded(Optional.empty(), Optional.empty(), Map.of(), List.of(), List.of());

        @Override
        public String toString() {
            return "Loaded[" + secret.map(Object::toString).orElse("no secret") + ", " + values.keySet() + "]";
        }
    }

    private static Map<String, Optional<String>> lastKey;
    private static Loaded last;
    private static Loaded first;

    private VaultBootstrap() {
    }

    /** The host's own settings, as a shell would see them: the process environment, then {@code .env}. */
    public static Function<String, Optional<String>> hostLookup(Map<String, String> environment,
            Map<String, String> dotEnv) {
        return name -> Optional.ofNullable(nonBlank(environment.get(name))).or(() -> Optional.ofNullable(
                nonBlank(dotEnv.get(name))));
    }

    /** {@link #load(Function)} with the process environment and the working directory's {@code .env}. */
    public static Loaded loadFromHost() {
        Map<String, String> dotEnv;
        try {
            dotEnv = DotEnvFile.inWorkingDirectory().read();
        } catch (IllegalStateException e) {
            dotEnv = Map.of(); // the start-up check reports an unreadable .env on its own
        }
        return load(hostLookup(System.getenv(), dotEnv));
    }

    /**
     * Reads the secret when {@code VAULT_ADDR} and {@code VAULT_KV_PATH} are set; the same settings are read once per
     * process. Never throws: problems are returned, each naming the variable or Vault's answer, never a value.
     */
    public static synchronized Loaded load(Function<String, Optional<String>> lookup) {
        Map<String, Optional<String>> key = new LinkedHashMap<>();
        VaultSettings.CONNECTION_VARIABLES.forEach(name -> key.put(name, lookup.apply(name)));
        if (key.equals(lastKey) && last != null) {
            return last;
        }
        Loaded loaded = read(lookup);
        lastKey = key;
        last = loaded;
        if (first == null) {
            first = loaded;
        }
        return loaded;
    }

    /**
     * What this process read first (the configuration it runs on: {@link VaultConfigSource} reads at start-up),
     * never read again: what the Environment page and the start-up report show, even after the host's
     * {@code VAULT_*} or the secret in Vault changed. Reads from the host only if nothing was read yet.
     */
    public static synchronized Loaded atStart() {
        return first != null ? first : loadFromHost();
    }

    private static Loaded read(Function<String, Optional<String>> lookup) {
        Loaded loaded = readSecret(lookup);
        List<String> ignored = loaded.settings().map(s -> VaultSettings.ignoredLogins(lookup, s.auth()))
                .orElse(List.of());
        if (ignored.isEmpty()) {
            return loaded;
        }
        List<String> warnings = new ArrayList<>(ignored);
        warnings.addAll(loaded.warnings());
        return new Loaded(loaded.settings(), loaded.secret(), loaded.values(), loaded.problems(),
                List.copyOf(warnings));
    }

    private static Loaded readSecret(Function<String, Optional<String>> lookup) {
        Optional<VaultSettings> settings;
        try {
            settings = VaultSettings.from(lookup);
        } catch (IllegalArgumentException e) {
            return new Loaded(Optional.empty(), Optional.empty(), Map.of(), List.of(e.getMessage().split("\n")),
                    List.of());
        }
        if (settings.isEmpty()) {
            return Loaded.NONE;
        }
        if (settings.get().kvPath().isEmpty()) {
            return new Loaded(settings, Optional.empty(), Map.of(), List.of(), List.of());
        }
        if (settings.get().auth() instanceof VaultSettings.KubernetesAuth kubernetes
                && !java.nio.file.Files.isReadable(kubernetes.jwtPath())) {
            return new Loaded(settings, Optional.empty(), Map.of(), List.of(VaultSettings.KUBERNETES_TOKEN_PATH + " "
                    + kubernetes.jwtPath() + " cannot be read: Kubernetes auth presents the service account token"
                    + " from that file (is the token mounted, and readable by Keyhouse's user?)"), List.of());
        }
        if (settings.get().auth() instanceof VaultSettings.KubernetesAuth kubernetes && isBlankFile(kubernetes.jwtPath())) {
            return new Loaded(settings, Optional.empty(), Map.of(), List.of(VaultSettings.KUBERNETES_TOKEN_PATH + " "
                    + kubernetes.jwtPath() + " is empty: Kubernetes auth presents the service account token from that"
                    + " file (is the projected token mounted there yet?)"), List.of());
        }
        VaultKv.KvSecret secret;
        try {
            secret = VaultKv.connect(settings.get()).read(settings.get().kvPath().get(), null);
        } catch (VaultKv.VaultFailure e) {
            return new Loaded(settings, Optional.empty(), Map.of(), List.of(VaultSettings.KV_PATH + ": "
                    + e.getMessage()), List.of());
        }
        List<String> notText = secret.notText().stream().filter(name -> EnvCatalog.find(name).isPresent()
                && !VaultSettings.CONNECTION_VARIABLES.contains(name))
                .map(name -> "Vault secret " + secret.path() + " holds " + name + " as a JSON number, boolean,"
                        + " object or list, not a string: write it as a string").toList();
        if (!notText.isEmpty()) {
            return new Loaded(settings, Optional.empty(), Map.of(), notText, List.of());
        }
        Map<String, String> values = new TreeMap<>();
        List<String> warnings = new ArrayList<>();
        new TreeMap<>(secret.values()).forEach((name, value) -> { // name order: warnings never in hash order
            if (VaultSettings.CONNECTION_VARIABLES.contains(name)) {
                warnings.add("Vault secret " + secret.path() + " sets " + name + ", which only the host may set (it"
                        + " says how to reach Vault): ignored");
            } else if (EnvCatalog.find(name).isEmpty()) {
                warnings.add("Vault secret " + secret.path() + " sets " + name + ", which Keyhouse does not read"
                        + EnvCatalog.all().stream().filter(v -> v.name().equalsIgnoreCase(name)).findFirst()
                                .map(v -> " (names are case-sensitive: did you mean " + v.name() + "?)")
                                .orElse(" (see .env.example)"));
            } else if (nonBlank(value) != null) {
                values.put(name, value.strip());
                if (lookup.apply(name).isPresent()) {
                    warnings.add(name + " is set both on the host (environment or .env) and in Vault secret "
                            + secret.path() + ": the host's value is used");
                }
            }
        });
        return new Loaded(settings, Optional.of(secret), java.util.Collections.unmodifiableMap(values), List.of(),
                List.copyOf(warnings)); // name order, as every list it gives
    }

    /** Whether the file holds nothing but blanks (read as bytes, never shown); an unreadable one is reported apart. */
    private static boolean isBlankFile(java.nio.file.Path path) {
        try {
            return new String(java.nio.file.Files.readAllBytes(path), java.nio.charset.StandardCharsets.UTF_8).isBlank();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Forgets the last read, so the next {@link #load} asks Vault again (tests). */
    static synchronized void forget() {
        lastKey = null;
        last = null;
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
