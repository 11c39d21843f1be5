package dev.keyhouse.vault;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * How Keyhouse reaches HashiCorp Vault or OpenBao, read from the {@code VAULT_*} variables: the address, the one KV v2
 * path Keyhouse's own variables live in (optional: without it Vault serves only {@code vault:} references), and one
 * way to authenticate. With several set, a token wins over AppRole, and AppRole over Kubernetes, as the Vault CLI
 * prefers {@code VAULT_TOKEN}.
 *
 * <p>{@link #toString()} never shows a token or a secret id.
 */
public record VaultSettings(URI address, Optional<KvPath> kvPath, Auth auth) {

    public static final String ADDR = "VAULT_ADDR";
    public static final String KV_PATH = "VAULT_KV_PATH";
    public static final String TOKEN = "VAULT_TOKEN";
    public static final String ROLE_ID = "VAULT_ROLE_ID";
    public static final String SECRET_ID = "VAULT_SECRET_ID";
    public static final String KUBERNETES_ROLE = "VAULT_KUBERNETES_ROLE";
    public static final String KUBERNETES_TOKEN_PATH = "VAULT_KUBERNETES_TOKEN_PATH";
    /** Where Kubernetes mounts a pod's service account token. */
    public static final String DEFAULT_KUBERNETES_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    /** Every variable that says how to reach Vault: never read from Vault itself. */
    public static final List<String> CONNECTION_VARIABLES = List.of(ADDR, KV_PATH, TOKEN, ROLE_ID, SECRET_ID,
            KUBERNETES_ROLE, KUBERNETES_TOKEN_PATH);

    /** One way to log in; secrets stay out of {@link #toString()}. */
    public sealed interface Auth {
        /** The method's name and the variables it came from, for messages. */
        String describe();
    }

    /** {@code VAULT_TOKEN}: used as is ({@code X-Vault-Token}). */
    public record TokenAuth(String token) implements Auth {
        @Override
        public String describe() {
            return "the token in " + TOKEN;
        }

        @Override
        public String toString() {
            return "TokenAuth[token=***]";
        }
    }

    /** {@code VAULT_ROLE_ID} + {@code VAULT_SECRET_ID}: {@code POST /v1/auth/approle/login}. */
    public record AppRoleAuth(String roleId, String secretId) implements Auth {
        @Override
        public String describe() {
            return "AppRole (" + ROLE_ID + ", " + SECRET_ID + ")";
        }

        @Override
        public String toString() {
            return "AppRoleAuth[roleId=" + roleId + ", secretId=***]";
        }
    }

    /** {@code VAULT_KUBERNETES_ROLE} + the pod's service account token: {@code POST /v1/auth/kubernetes/login}. */
    public record KubernetesAuth(String role, Path jwtPath) implements Auth {
        @Override
        public String describe() {
            return "Kubernetes auth (" + KUBERNETES_ROLE + " " + role + ", token file " + jwtPath + ")";
        }
    }

    /**
     * A KV v2 secret's place: the engine's mount and the path inside it. {@code VAULT_KV_PATH} is written as the KV v2
     * API path, {@code <mount>/data/<path>} (e.g. {@code secret/data/keyhouse/production}), as a Vault policy names it.
     */
    public record KvPath(String mount, String path) {

        /** The API path a policy grants read on: {@code <mount>/data/<path>}. */
        public String dataPath() {
            return mount + "/data/" + path;
        }

        /** The API path a policy grants read on for watching: {@code <mount>/metadata/<path>}. */
        public String metadataPath() {
            return mount + "/metadata/" + path;
        }

        @Override
        public String toString() {
            return dataPath();
        }

        /**
         * Parses {@code <mount>/data/<path>}; the mount is everything before the first {@code /data/}.
         *
         * @throws IllegalArgumentException naming {@code VAULT_KV_PATH} and the expected form
         */
        public static KvPath parseDataPath(String text) {
            String trimmed = text.strip();
            while (trimmed.startsWith("/")) {
                trimmed = trimmed.substring(1);
            }
            if (trimmed.startsWith("v1/")) {
                trimmed = trimmed.substring(3);
            }
            int data = trimmed.indexOf("/data/");
            if (data <= 0 || data + 6 >= trimmed.length() || trimmed.endsWith("/") || trimmed.contains("//")
                    || !trimmed.chars().allMatch(KvPath::pathCharacter)
                    || java.util.Arrays.stream(trimmed.split("/")).anyMatch(segment -> segment.matches("\\.+"))) {
                throw new IllegalArgumentException(KV_PATH + " must be a KV v2 API path, <mount>/data/<path>, e.g."
                        + " secret/data/keyhouse/production (letters, digits, - _ . / only; no . or .. segment)");
            }
            return new KvPath(trimmed.substring(0, data), trimmed.substring(data + 6));
        }

        static boolean pathCharacter(int c) {
            return c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == '/');
        }
    }

    /**
     * The settings, or empty when {@code VAULT_ADDR} is unset (Vault not used).
     *
     * @param lookup a variable's explicitly set value by name (blank counts as unset)
     * @throws IllegalArgumentException with every problem, one per line, when Vault is asked for but cannot be reached
     *                                  as configured (see {@link #problems})
     */
    public static Optional<VaultSettings> from(Function<String, Optional<String>> lookup) {
        List<String> problems = problems(lookup);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        Optional<String> address = value(lookup, ADDR);
        if (address.isEmpty()) {
            return Optional.empty();
        }
        Optional<KvPath> kvPath = value(lookup, KV_PATH).map(KvPath::parseDataPath);
        Auth auth;
        if (value(lookup, TOKEN).isPresent()) {
            auth = new TokenAuth(value(lookup, TOKEN).get());
        } else if (value(lookup, ROLE_ID).isPresent()) {
            auth = new AppRoleAuth(value(lookup, ROLE_ID).get(), value(lookup, SECRET_ID).get());
        } else {
            auth = new KubernetesAuth(value(lookup, KUBERNETES_ROLE).get(),
                    Path.of(value(lookup, KUBERNETES_TOKEN_PATH).orElse(DEFAULT_KUBERNETES_TOKEN_PATH)));
        }
        return Optional.of(new VaultSettings(URI.create(address.get()), kvPath, auth));
    }

    /** What is wrong with the {@code VAULT_*} variables as set, each naming the variable; never a value. */
    public static List<String> problems(Function<String, Optional<String>> lookup) {
        List<String> problems = new ArrayList<>();
        Optional<String> address = value(lookup, ADDR);
        if (address.isEmpty()) {
            for (String name : List.of(KV_PATH, TOKEN, ROLE_ID, SECRET_ID, KUBERNETES_ROLE)) {
                if (value(lookup, name).isPresent()) {
                    problems.add(name + " is set but " + ADDR + " is not: set " + ADDR
                            + " to the Vault address, e.g. https://vault.internal:8200, or unset " + name);
                }
            }
            return problems;
        }
        addressProblem(address.get()).ifPresent(problems::add);
        value(lookup, KV_PATH).ifPresent(path -> {
            try {
                KvPath.parseDataPath(path);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        });
        boolean token = value(lookup, TOKEN).isPresent();
        boolean roleId = value(lookup, ROLE_ID).isPresent();
        boolean secretId = value(lookup, SECRET_ID).isPresent();
        boolean kubernetes = value(lookup, KUBERNETES_ROLE).isPresent();
        if (!token && roleId != secretId) {
            problems.add((roleId ? SECRET_ID : ROLE_ID) + " is not set: AppRole needs both " + ROLE_ID + " and "
                    + SECRET_ID);
        } else if (!token && !roleId && !kubernetes) {
            problems.add(ADDR + " is set but Keyhouse has no way to log in to Vault: set " + TOKEN + ", or "
                    + ROLE_ID + " and " + SECRET_ID + " (AppRole), or " + KUBERNETES_ROLE + " (Kubernetes auth)");
        }
        return problems;
    }

    /**
     * A warning when more than one login is set: which one Keyhouse uses (token, then AppRole, then Kubernetes) and
     * which variables it ignores, names only; empty with one login.
     */
    public static List<String> ignoredLogins(Function<String, Optional<String>> lookup, Auth used) {
        List<String> ignored = new ArrayList<>();
        if (used instanceof TokenAuth) {
            List.of(ROLE_ID, SECRET_ID, KUBERNETES_ROLE).stream().filter(n -> value(lookup, n).isPresent())
                    .forEach(ignored::add);
        } else if (used instanceof AppRoleAuth) {
            List.of(KUBERNETES_ROLE).stream().filter(n -> value(lookup, n).isPresent()).forEach(ignored::add);
        }
        if (ignored.isEmpty()) {
            return List.of();
        }
        return List.of("more than one Vault login is set: Keyhouse logs in with " + used.describe() + " and ignores "
                + String.join(", ", ignored) + "; unset the login you do not use");
    }

    private static Optional<String> addressProblem(String address) {
        URI uri;
        try {
            uri = URI.create(address.strip());
        } catch (IllegalArgumentException e) {
            return Optional.of(ADDR + " is not a URL: write it as https://host:8200");
        }
        if (uri.getScheme() == null || !List.of("http", "https").contains(uri.getScheme().toLowerCase())
                || uri.getHost() == null || uri.getRawUserInfo() != null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return Optional.of(ADDR + " must be http(s)://host[:port] with no path, user or query, e.g."
                    + " https://vault.internal:8200");
        }
        return Optional.empty();
    }

    private static Optional<String> value(Function<String, Optional<String>> lookup, String name) {
        return lookup.apply(name).map(String::strip).filter(v -> !v.isEmpty());
    }
}
