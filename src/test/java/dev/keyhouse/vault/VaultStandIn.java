package dev.keyhouse.vault;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * HashiCorp Vault (or OpenBao, which keeps the same HTTP API) at the protocol level: a real HTTP server on 127.0.0.1,
 * on an ephemeral port, answering the calls Keyhouse makes as Vault's API documentation describes them, so that the
 * code reading Keyhouse's variables and {@code vault:} references can be tested where no Vault can run. This class is
 * the whole contract; a real Vault with the same mounts, roles and secrets can replace it.
 *
 * <p>Sources (Vault API documentation, developer.hashicorp.com):
 * <ul>
 * <li>vault/api-docs/secret/kv/kv-v2: {@code GET /v1/<mount>/data/<path>[?version=N]} answers
 * {@code {"data": {"data": {...}, "metadata": {"created_time", "custom_metadata", "deletion_time", "destroyed",
 * "version"}}}}; a soft-deleted version is answered 404 with that metadata and {@code "data": null}; a path never
 * written, or a version that does not exist, 404 {@code {"errors": []}}. {@code GET /v1/<mount>/metadata/<path>}
 * answers {@code current_version}, {@code oldest_version}, {@code created_time}, {@code updated_time},
 * {@code max_versions}, {@code cas_required}, {@code delete_version_after}, {@code custom_metadata} and
 * {@code versions} ({@code {"1": {"created_time", "deletion_time", "destroyed"}}}); 404 when the path has none.</li>
 * <li>vault/api-docs/auth/token: {@code GET /v1/auth/token/lookup-self} answers the token's {@code data} (its
 * {@code id}, {@code accessor}, {@code policies}, {@code ttl} in seconds, {@code renewable}, ...);
 * {@code POST /v1/auth/token/renew-self} answers an {@code auth} block (400 "lease is not renewable" for a root
 * token). The token travels in {@code X-Vault-Token} (or {@code Authorization: Bearer}).</li>
 * <li>vault/api-docs/auth/approle: {@code POST /v1/auth/approle/login} with {@code {"role_id", "secret_id"}}
 * answers {@code {"auth": {"client_token", "accessor", "policies", "token_policies", "metadata", "lease_duration",
 * "renewable": true}}}; a wrong pair 400 {@code {"errors": ["invalid role or secret ID"]}}.</li>
 * <li>vault/api-docs/auth/kubernetes: {@code POST /v1/auth/kubernetes/login} with {@code {"role", "jwt"}} answers
 * the same {@code auth} block (its metadata naming the service account); an unknown role 400
 * {@code invalid role name "<role>"}, a service-account token the role does not accept 403 "permission denied".</li>
 * <li>vault/api-docs/system/health: {@code GET} or {@code HEAD /v1/sys/health}, no token: 200 initialized, unsealed
 * and active, 503 sealed, with {@code {"initialized", "sealed", "standby", "version", ...}}. (501, not initialized,
 * is not modelled: a stand-in Vault is always initialized.)</li>
 * <li>vault/api-docs ("HTTP API" overview, errors): every error is {@code {"errors": [...]}}; a missing, unknown or
 * revoked token is 403 {@code ["permission denied"]}; a sealed Vault answers every call but health 503
 * {@code ["Vault is sealed"]}; a path no mount serves 404 {@code ["no handler for route \"<path>\". route entry
 * not found."]}; a method the path does not support 405 {@code ["unsupported operation"]}.</li>
 * </ul>
 *
 * <p>Not modelled: policies (every valid token may read every path), token expiry (login tokens carry Vault's default
 * 768 h lease), namespaces, response wrapping, writes over HTTP (tests write with {@link #put}).
 *
 * <p>Tokens, secret ids and accessors come from {@link SecureRandom}, so a leak test can look for them. Every request is
 * recorded ({@link #requests()}) without its body or token value.
 */
public final class VaultStandIn implements AutoCloseable {

    /** The server version {@code sys/health} reports. */
    public static final String VERSION = "1.18.0";
    /** Seconds a login or {@link #issueToken()} token lives: Vault's default {@code max_lease_ttl}, 768 h. */
    public static final long TOKEN_TTL_SECONDS = 2_764_800;

    /** One request as received: method, raw path (e.g. {@code /v1/secret/data/app}), raw query or null, and whether a
     *  token was sent. Neither the body nor the token value is kept. */
    public record Received(String method, String path, String query, boolean token) {
    }

    private record Version(Map<String, Object> data, Instant created, Instant deleted) {
    }

    private static final class Secret {
        final List<Version> versions = new ArrayList<>();
        final Instant created;
        Instant updated;

        Secret(Instant created) {
            this.created = created;
            this.updated = created;
        }
    }

    private record Token(String id, String accessor, List<String> policies, String path, String displayName,
            Map<String, String> meta, Instant created, boolean root) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PERMISSION_DENIED = "permission denied";

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final String clusterId = UUID.randomUUID().toString();
    // all state below is guarded by this
    private final Map<String, Map<String, Secret>> mounts = new HashMap<>();
    private final Map<String, Token> tokens = new HashMap<>();
    private final Map<String, Set<String>> appRoles = new HashMap<>();
    private final Map<String, String> kubernetesRoles = new HashMap<>();
    private final String rootToken;
    private boolean sealed;

    private VaultStandIn() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        rootToken = newToken(List.of("root"), "auth/token/root", "root", null, true).id();
        mounts.put("secret", new HashMap<>());
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A running stand-in with one empty KV v2 mount, {@code secret} (as {@code vault server -dev} has). */
    public static VaultStandIn start() {
        return new VaultStandIn();
    }

    /** {@code http://127.0.0.1:<port>}, no trailing slash: what {@code VAULT_ADDR} holds. */
    public String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The root token: valid for every path, never expires, not renewable. */
    public String rootToken() {
        return rootToken;
    }

    /**
     * Writes a new version of the KV v2 secret {@code mount}/{@code path} (creating the mount when it is new) and
     * returns its number, 1 for the first.
     */
    public synchronized int put(String mount, String path, Map<String, String> data) {
        return putJson(mount, path, Map.copyOf(data));
    }

    /**
     * As {@link #put}, with any JSON values (numbers, objects, lists, as Vault stores whatever JSON was written):
     * what a client must not take for text.
     */
    public synchronized int putJson(String mount, String path, Map<String, Object> data) {
        Secret secret = mounts.computeIfAbsent(mount, m -> new HashMap<>())
                .computeIfAbsent(path, p -> new Secret(Instant.now()));
        Instant now = Instant.now();
        secret.versions.add(new Version(Map.copyOf(data), now, null));
        secret.updated = now;
        return secret.versions.size();
    }

    /**
     * Soft-deletes the latest version of {@code mount}/{@code path}, as {@code DELETE /v1/<mount>/data/<path>} does:
     * reading it answers 404, its metadata stays.
     *
     * @throws IllegalStateException when the path has no version
     */
    public synchronized void deleteLatest(String mount, String path) {
        Secret secret = mounts.getOrDefault(mount, Map.of()).get(path);
        if (secret == null || secret.versions.isEmpty()) {
            throw new IllegalStateException(mount + "/" + path + " has no version to delete");
        }
        int last = secret.versions.size() - 1;
        Version version = secret.versions.get(last);
        Instant now = Instant.now();
        secret.versions.set(last, new Version(version.data(), version.created(), now));
        secret.updated = now;
    }

    /** Seals ({@code true}) or unseals the stand-in: sealed, every call but health is 503 "Vault is sealed". */
    public synchronized void seal(boolean sealed) {
        this.sealed = sealed;
    }

    /** A new service token (policies {@code default}, {@code keyhouse}) valid for every path until {@link #revoke}. */
    public synchronized String issueToken() {
        return newToken(List.of("default", "keyhouse"), "auth/token/create", "token", null, false).id();
    }

    /** Revokes {@code token}: from now on it is answered 403 "permission denied". */
    public synchronized void revoke(String token) {
        tokens.remove(token);
    }

    /**
     * Makes {@code roleId} an AppRole and returns a new secret id for it; a login with the pair issues a fresh token.
     * Call again for another secret id of the same role.
     */
    public synchronized String addAppRole(String roleId) {
        String secretId = UUID.randomUUID().toString();
        appRoles.computeIfAbsent(roleId, r -> new HashSet<>()).add(secretId);
        return secretId;
    }

    /** Makes {@code role} a Kubernetes auth role that accepts the service-account token {@code jwt}. */
    public synchronized void addKubernetesRole(String role, String jwt) {
        kubernetesRoles.put(role, jwt);
    }

    /** Every request received so far, in order. */
    public List<Received> requests() {
        return List.copyOf(received);
    }

    /** How many requests so far had {@code method} and a path starting with {@code pathPrefix} (e.g. {@code /v1/sys/}). */
    public int count(String method, String pathPrefix) {
        return (int) received.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).count();
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------------- serving

    /** A status and a JSON body (null for none). */
    private record Answer(int status, Object body) {
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI uri = exchange.getRequestURI();
            String method = exchange.getRequestMethod();
            String token = tokenOf(exchange);
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(method, uri.getRawPath(), uri.getRawQuery(), token != null));
            Answer answer;
            try {
                answer = answer(method, uri.getPath(), uri.getRawQuery(), token, body);
            } catch (RuntimeException e) {
                answer = errors(500, "internal error: " + e.getClass().getSimpleName());
            }
            byte[] bytes = answer.body() == null ? new byte[0] : JSON.writeValueAsBytes(answer.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            boolean head = "HEAD".equals(method);
            exchange.sendResponseHeaders(answer.status(), head || bytes.length == 0 ? -1 : bytes.length);
            if (!head && bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    private static String tokenOf(HttpExchange exchange) {
        String token = exchange.getRequestHeaders().getFirst("X-Vault-Token");
        if (token == null) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null && authorization.startsWith("Bearer ")) {
                token = authorization.substring("Bearer ".length());
            }
        }
        return token == null || token.isEmpty() ? null : token;
    }

    private synchronized Answer answer(String method, String path, String query, String token, byte[] body) {
        if (!path.startsWith("/v1/")) {
            return errors(404, "no handler for route \"" + path + "\". route entry not found.");
        }
        String route = path.substring("/v1/".length());
        if (route.equals("sys/health")) {
            return method.equals("GET") || method.equals("HEAD") ? health() : unsupported();
        }
        if (sealed) {
            return errors(503, "Vault is sealed");
        }
        if (route.equals("auth/approle/login")) {
            return method.equals("POST") || method.equals("PUT")
                    ? login(body, "role_id", "secret_id", this::appRoleLogin) : unsupported();
        }
        if (route.equals("auth/kubernetes/login")) {
            return method.equals("POST") || method.equals("PUT")
                    ? login(body, "role", "jwt", this::kubernetesLogin) : unsupported();
        }
        Token caller = token == null ? null : tokens.get(token);
        if (caller == null) {
            return errors(403, PERMISSION_DENIED);
        }
        if (route.equals("auth/token/lookup-self")) {
            return method.equals("GET") ? lookupSelf(caller) : unsupported();
        }
        if (route.equals("auth/token/renew-self")) {
            return method.equals("POST") || method.equals("PUT") ? renewSelf(caller) : unsupported();
        }
        // the longest mount path first, as Vault's router matches (a mount may be nested: kv/team under kv)
        List<Map.Entry<String, Map<String, Secret>>> byLength = new ArrayList<>(mounts.entrySet());
        byLength.sort((a, b) -> b.getKey().length() - a.getKey().length());
        for (Map.Entry<String, Map<String, Secret>> mount : byLength) {
            String prefix = mount.getKey() + "/";
            if (!route.startsWith(prefix)) {
                continue;
            }
            String rest = route.substring(prefix.length());
            if (rest.startsWith("data/")) {
                return method.equals("GET") ? readSecret(mount.getValue().get(rest.substring(5)), query)
                        : unsupported();
            }
            if (rest.startsWith("metadata/")) {
                return method.equals("GET") ? readMetadata(mount.getValue().get(rest.substring(9))) : unsupported();
            }
        }
        return errors(404, "no handler for route \"" + route + "\". route entry not found.");
    }

    private Answer health() {
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("initialized", true);
        health.put("sealed", sealed);
        health.put("standby", sealed);
        health.put("performance_standby", false);
        health.put("replication_performance_mode", "disabled");
        health.put("replication_dr_mode", "disabled");
        health.put("server_time_utc", Instant.now().getEpochSecond());
        health.put("version", VERSION);
        if (!sealed) {
            health.put("cluster_name", "vault-cluster-standin");
            health.put("cluster_id", clusterId);
        }
        return new Answer(sealed ? 503 : 200, health);
    }

    private Answer readSecret(Secret secret, String query) {
        if (secret == null || secret.versions.isEmpty()) {
            return errors(404);
        }
        int number = secret.versions.size();
        String asked = queryParameter(query, "version");
        if (asked != null) {
            try {
                int version = Integer.parseInt(asked);
                if (version != 0) {
                    number = version;
                }
            } catch (NumberFormatException e) {
                return errors(400, "error converting input for field \"version\": not an integer");
            }
        }
        if (number < 1 || number > secret.versions.size()) {
            return errors(404);
        }
        Version version = secret.versions.get(number - 1);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("created_time", version.created().toString());
        metadata.put("custom_metadata", null);
        metadata.put("deletion_time", version.deleted() == null ? "" : version.deleted().toString());
        metadata.put("destroyed", false);
        metadata.put("version", number);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("data", version.deleted() == null ? new TreeMap<>(version.data()) : null);
        data.put("metadata", metadata);
        return new Answer(version.deleted() == null ? 200 : 404, envelope(data, null));
    }

    private Answer readMetadata(Secret secret) {
        if (secret == null) {
            return errors(404);
        }
        Map<String, Object> versions = new LinkedHashMap<>();
        for (int i = 0; i < secret.versions.size(); i++) {
            Version version = secret.versions.get(i);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("created_time", version.created().toString());
            entry.put("deletion_time", version.deleted() == null ? "" : version.deleted().toString());
            entry.put("destroyed", false);
            versions.put(Integer.toString(i + 1), entry);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("cas_required", false);
        data.put("created_time", secret.created.toString());
        data.put("current_version", secret.versions.size());
        data.put("custom_metadata", null);
        data.put("delete_version_after", "0s");
        data.put("max_versions", 0);
        data.put("oldest_version", 0);
        data.put("updated_time", secret.updated.toString());
        data.put("versions", versions);
        return new Answer(200, envelope(data, null));
    }

    private Answer lookupSelf(Token token) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("accessor", token.accessor());
        data.put("creation_time", token.created().getEpochSecond());
        data.put("creation_ttl", token.root() ? 0 : TOKEN_TTL_SECONDS);
        data.put("display_name", token.displayName());
        data.put("entity_id", "");
        data.put("expire_time", token.root() ? null : token.created().plusSeconds(TOKEN_TTL_SECONDS).toString());
        data.put("explicit_max_ttl", 0);
        data.put("id", token.id());
        data.put("issue_time", token.created().toString());
        data.put("meta", token.meta());
        data.put("num_uses", 0);
        data.put("orphan", true);
        data.put("path", token.path());
        data.put("policies", token.policies());
        data.put("renewable", !token.root());
        data.put("ttl", token.root() ? 0
                : Math.max(0, TOKEN_TTL_SECONDS - (Instant.now().getEpochSecond() - token.created().getEpochSecond())));
        data.put("type", "service");
        return new Answer(200, envelope(data, null));
    }

    private Answer renewSelf(Token token) {
        if (token.root()) {
            return errors(400, "lease is not renewable");
        }
        return new Answer(200, envelope(null, auth(token)));
    }

    /**
     * A login call: the JSON object body's string fields {@code first} and {@code second}, each 400 "missing
     * &lt;field&gt;" when absent or empty, handed to {@code check}.
     */
    private static Answer login(byte[] body, String first, String second, BiFunction<String, String, Answer> check) {
        JsonNode request = parse(body);
        if (request == null) {
            return errors(400, "failed to parse JSON input");
        }
        String[] values = new String[2];
        String[] names = {first, second};
        for (int i = 0; i < 2; i++) {
            values[i] = request.path(names[i]).asText("");
            if (values[i].isEmpty()) {
                return errors(400, "missing " + names[i]);
            }
        }
        return check.apply(values[0], values[1]);
    }

    private Answer appRoleLogin(String roleId, String secretId) {
        if (!appRoles.getOrDefault(roleId, Set.of()).contains(secretId)) {
            return errors(400, "invalid role or secret ID");
        }
        Token token = newToken(List.of("default", "keyhouse"), "auth/approle/login", "approle",
                Map.of("role_name", "keyhouse"), false);
        return new Answer(200, envelope(null, auth(token)));
    }

    private Answer kubernetesLogin(String role, String jwt) {
        String accepted = kubernetesRoles.get(role);
        if (accepted == null) {
            return errors(400, "invalid role name \"" + role + "\"");
        }
        if (!accepted.equals(jwt)) {
            return errors(403, PERMISSION_DENIED);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("role", role);
        meta.put("service_account_name", "keyhouse");
        meta.put("service_account_namespace", "keyhouse");
        meta.put("service_account_secret_name", "");
        meta.put("service_account_uid", UUID.randomUUID().toString());
        Token token = newToken(List.of("default", "keyhouse"), "auth/kubernetes/login", "kubernetes-keyhouse-keyhouse",
                meta, false);
        return new Answer(200, envelope(null, auth(token)));
    }

    private static Map<String, Object> auth(Token token) {
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("client_token", token.id());
        auth.put("accessor", token.accessor());
        auth.put("policies", token.policies());
        auth.put("token_policies", token.policies());
        auth.put("metadata", token.meta());
        auth.put("lease_duration", TOKEN_TTL_SECONDS);
        auth.put("renewable", true);
        auth.put("entity_id", "");
        auth.put("token_type", "service");
        auth.put("orphan", true);
        auth.put("num_uses", 0);
        return auth;
    }

    private Token newToken(List<String> policies, String path, String displayName, Map<String, String> meta,
            boolean root) {
        Token token = new Token("hvs." + random(BASE62, 40), random(BASE62, 24), policies, path, displayName, meta,
                Instant.now(), root);
        tokens.put(token.id(), token);
        return token;
    }

    /** Vault's response envelope around {@code data} or {@code auth}. */
    private static Map<String, Object> envelope(Object data, Object auth) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("request_id", UUID.randomUUID().toString());
        envelope.put("lease_id", "");
        envelope.put("renewable", false);
        envelope.put("lease_duration", 0);
        envelope.put("data", data);
        envelope.put("wrap_info", null);
        envelope.put("warnings", null);
        envelope.put("auth", auth);
        return envelope;
    }

    private static Answer errors(int status, String... errors) {
        return new Answer(status, Map.of("errors", List.of(errors)));
    }

    private static Answer unsupported() {
        return errors(405, "unsupported operation");
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String queryParameter(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static String random(String alphabet, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
