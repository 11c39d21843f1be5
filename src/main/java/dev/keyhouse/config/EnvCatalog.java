package dev.keyhouse.config;

import static dev.keyhouse.config.EnvVar.Format.ADDRESS_LIST;
import static dev.keyhouse.config.EnvVar.Format.ADMIN_PASSWORD;
import static dev.keyhouse.config.EnvVar.Format.CHECK_MODE;
import static dev.keyhouse.config.EnvVar.Format.DATABASE_URL;
import static dev.keyhouse.config.EnvVar.Format.DIRECTORY_LIST;
import static dev.keyhouse.config.EnvVar.Format.EGRESS_HOSTS;
import static dev.keyhouse.config.EnvVar.Format.EMAIL;
import static dev.keyhouse.config.EnvVar.Format.INTEGER;
import static dev.keyhouse.config.EnvVar.Format.IPV4_ADDRESS;
import static dev.keyhouse.config.EnvVar.Format.JWT_ALGORITHM;
import static dev.keyhouse.config.EnvVar.Format.KEY_32_BYTES;
import static dev.keyhouse.config.EnvVar.Format.KEY_LIST;
import static dev.keyhouse.config.EnvVar.Format.LOG_FORMAT;
import static dev.keyhouse.config.EnvVar.Format.LOG_LEVEL;
import static dev.keyhouse.config.EnvVar.Format.NO_PROXY_LIST;
import static dev.keyhouse.config.EnvVar.Format.NON_NEGATIVE_INTEGER;
import static dev.keyhouse.config.EnvVar.Format.ORIGIN_LIST;
import static dev.keyhouse.config.EnvVar.Format.PORT;
import static dev.keyhouse.config.EnvVar.Format.PROVIDER_KEY;
import static dev.keyhouse.config.EnvVar.Format.PROXY_URL;
import static dev.keyhouse.config.EnvVar.Format.SECONDS_UP_TO_120;
import static dev.keyhouse.config.EnvVar.Format.SIGNING_KEY;
import static dev.keyhouse.config.EnvVar.Format.TEXT;
import static dev.keyhouse.config.EnvVar.Format.WEBHOOK_SECRET;
import static dev.keyhouse.config.EnvVar.Format.WEBHOOK_URL;

import java.util.List;
import java.util.Optional;

/**
 * The single source of truth for every environment variable Keyhouse reads.
 *
 * <p>{@code application.properties} maps each one onto a configuration property and {@code .env.example}
 * documents each one; {@code EnvCatalogContractTest} fails when the three disagree.
 */
public final class EnvCatalog {

    public static final String CREDENTIAL_ENCRYPTION_KEY = "CREDENTIAL_ENCRYPTION_KEY";
    public static final String CREDENTIAL_ENCRYPTION_KEY_PREVIOUS = "CREDENTIAL_ENCRYPTION_KEY_PREVIOUS";
    public static final String JWT_SECRET_KEY = "JWT_SECRET_KEY";
    public static final String JWT_SECRET_KEY_PREVIOUS = "JWT_SECRET_KEY_PREVIOUS";
    public static final String JWT_ALGORITHM_VAR = "JWT_ALGORITHM";
    public static final String SYSTEM_DATABASE_URL = "SYSTEM_DATABASE_URL";
    public static final String POSTGRES_PASSWORD = "POSTGRES_PASSWORD";
    public static final String SYSTEM_ADMIN_PASSWORD = "SYSTEM_ADMIN_PASSWORD";
    public static final String HTTP_PORT = "HTTP_PORT";
    public static final String MANAGEMENT_PORT = "MANAGEMENT_PORT";

    private static final List<EnvVar> ALL = List.of(
            // Encryption of provider secrets
            new EnvVar(CREDENTIAL_ENCRYPTION_KEY, "keyhouse.crypto.key",
                    "Key that seals every provider secret stored in the database (base64 of 32 random bytes).",
                    true, true, null, KEY_32_BYTES),
            new EnvVar(CREDENTIAL_ENCRYPTION_KEY_PREVIOUS, "keyhouse.crypto.previous-keys",
                    "Earlier encryption keys, comma-separated, kept only to decrypt during a rotation window.",
                    false, true, null, KEY_LIST),
            // Sign-in tokens
            new EnvVar(JWT_SECRET_KEY, "keyhouse.jwt.key",
                    "Key that signs admin sessions and API access tokens (base64 of 32 or more random bytes).",
                    true, true, null, SIGNING_KEY),
            new EnvVar(JWT_SECRET_KEY_PREVIOUS, "keyhouse.jwt.previous-key",
                    "Previous signing key; tokens it signed keep verifying until they expire.",
                    false, true, null, SIGNING_KEY),
            new EnvVar(JWT_ALGORITHM_VAR, "keyhouse.jwt.algorithm",
                    "HMAC algorithm for signing tokens: HS256, HS384 or HS512.",
                    false, false, "HS256", JWT_ALGORITHM),
            new EnvVar("JWT_EXPIRE_MINUTES", "keyhouse.jwt.expire-minutes",
                    "Lifetime of a session or access token, in minutes.",
                    false, false, "1440", INTEGER),
            // Database
            new EnvVar(SYSTEM_DATABASE_URL, "keyhouse.database.url",
                    "PostgreSQL connection URL (postgresql://user:password@host:port/db); wins over POSTGRES_*.",
                    false, true, null, DATABASE_URL),
            new EnvVar("POSTGRES_HOST", "keyhouse.database.host",
                    "PostgreSQL host, used when POSTGRES_PASSWORD is set and SYSTEM_DATABASE_URL is not.",
                    false, false, "localhost", TEXT),
            new EnvVar("POSTGRES_PORT", "keyhouse.database.port",
                    "PostgreSQL port.", false, false, "5432", PORT),
            new EnvVar("POSTGRES_DB", "keyhouse.database.name",
                    "PostgreSQL database name.", false, false, "keyhouse", TEXT),
            new EnvVar("POSTGRES_USER", "keyhouse.database.user",
                    "PostgreSQL user.", false, false, "keyhouse", TEXT),
            new EnvVar(POSTGRES_PASSWORD, "keyhouse.database.password",
                    "PostgreSQL password; setting it selects the POSTGRES_* database over the embedded one.",
                    false, true, null, TEXT),
            new EnvVar("EMBEDDED_DATABASE_DIR", "keyhouse.database.embedded-dir",
                    "Data folder of the embedded PostgreSQL used when no database is configured (not for production).",
                    false, false, ".keyhouse/postgres", TEXT),
            // Bootstrap administrator
            new EnvVar("SYSTEM_ADMIN_EMAIL", "keyhouse.admin.email",
                    "E-mail of the bootstrap administrator created on first start.",
                    false, false, "admin@keyhouse.local", EMAIL),
            new EnvVar(SYSTEM_ADMIN_PASSWORD, "keyhouse.admin.password",
                    "Password of the bootstrap administrator (at least 12 characters); changing it resets that account's password at the next start.",
                    true, true, null, ADMIN_PASSWORD),
            new EnvVar("PASSWORD_HASH_COST", "keyhouse.auth.password-hash-cost",
                    "bcrypt cost of new password hashes (each step doubles the work of a sign-in); existing hashes keep theirs.",
                    false, false, "12", EnvVar.Format.BCRYPT_COST),
            // Runtimes
            new EnvVar("PROVISIONER_INTERNAL_TOKEN", "keyhouse.runtime-config.token",
                    "Bearer token runtimes present to fetch their provider configuration; unset disables that endpoint.",
                    false, true, null, TEXT),
            // Seeds for the LLM setting on first start
            new EnvVar("OPENAI_API_KEY", "keyhouse.bootstrap.openai-api-key",
                    "Seeds the LLM setting on first start when none exists (OpenAI).", false, true, null,
                    PROVIDER_KEY),
            new EnvVar("ANTHROPIC_API_KEY", "keyhouse.bootstrap.anthropic-api-key",
                    "Seeds the LLM setting on first start when none exists (Anthropic).", false, true, null,
                    PROVIDER_KEY),
            new EnvVar("DEEPSEEK_API_KEY", "keyhouse.bootstrap.deepseek-api-key",
                    "Seeds the LLM setting on first start when none exists (DeepSeek).", false, true, null,
                    PROVIDER_KEY),
            // Key rotation
            new EnvVar("ROTATION_BATCH_SIZE", "keyhouse.rotation.batch-size",
                    "Sealed values the re-encryption job rewrites per database transaction.",
                    false, false, "500", INTEGER),
            // Restarts of runtimes after a key is saved
            new EnvVar("RESTART_CONCURRENCY", "keyhouse.restart.concurrency",
                    "Runtimes this replica restarts at the same time; 0 means this replica executes no restarts.",
                    false, false, "8", NON_NEGATIVE_INTEGER),
            new EnvVar("RESTART_TIMEOUT_SECONDS", "keyhouse.restart.timeout-seconds",
                    "Seconds one runtime's restart may take before it is stopped and marked timed out.",
                    false, false, "120", INTEGER),
            new EnvVar("RESTART_ATTEMPTS", "keyhouse.restart.attempts",
                    "Attempts per runtime restart before it is marked failed (retries back off exponentially).",
                    false, false, "3", INTEGER),
            // Rollouts of a saved key: canary first, in waves, each confirmed by its runtimes
            new EnvVar("ROLLOUT_CANARY_COUNT", "keyhouse.rollout.canary-count",
                    "Runtimes in a rollout's first wave (the canary) when no dependent target is marked canary.",
                    false, false, "1", INTEGER),
            new EnvVar("ROLLOUT_WAVE_PERCENT", "keyhouse.rollout.wave-percent",
                    "Each later wave's share of the runtimes left after the canary, in percent (rounded up).",
                    false, false, "25", EnvVar.Format.PERCENT),
            new EnvVar("ROLLOUT_BAKE_SECONDS", "keyhouse.rollout.bake-seconds",
                    "Seconds a rollout waits after a wave is confirmed before the next wave starts.",
                    false, false, "30", NON_NEGATIVE_INTEGER),
            new EnvVar("ROLLOUT_CONFIRM_TIMEOUT_SECONDS", "keyhouse.rollout.confirm-timeout-seconds",
                    "Seconds a restarted runtime has to confirm the new key before its wave fails and rolls back.",
                    false, false, "120", INTEGER),
            new EnvVar("ROLLOUT_APPROVAL", "keyhouse.rollout.approval",
                    "auto: waves follow each other; manual: after the canary a rollout waits for an admin's Continue.",
                    false, false, "auto", EnvVar.Format.APPROVAL),
            new EnvVar("RUNTIME_ENV_DIRS", "keyhouse.runtimes.env-dirs",
                    "Absolute folders, comma-separated, a runtime target's environmentFile may be written in; "
                            + "unset means environment files are off.",
                    false, false, null, DIRECTORY_LIST),
            // Alerts when a rollout is rolled back, halted or aborted
            new EnvVar("ROLLOUT_NOTIFY_URL", "keyhouse.rollout-notify.url",
                    "http(s) URL that receives a signed JSON event when a rollout is rolled back, halted or aborted "
                            + "(sent through EGRESS_ALLOWED_HOSTS); unset: rollout alerts are logged and counted only.",
                    false, false, null, WEBHOOK_URL),
            new EnvVar("ROLLOUT_NOTIFY_SECRET", "keyhouse.rollout-notify.secret",
                    "HMAC-SHA256 key (16 or more characters) that signs every event sent to ROLLOUT_NOTIFY_URL, as "
                            + "the http driver signs its webhooks; required when ROLLOUT_NOTIFY_URL is set.",
                    false, true, null, WEBHOOK_SECRET),
            // What Keyhouse itself connects to
            new EnvVar("EGRESS_ALLOWED_HOSTS", "keyhouse.egress.allowed-hosts",
                    "Host names, addresses and CIDRs, comma-separated, whose loopback or private addresses Keyhouse "
                            + "may connect to (webhooks); unset means public addresses only.",
                    false, false, null, EGRESS_HOSTS),
            new EnvVar("HTTPS_PROXY", "keyhouse.egress.https-proxy",
                    "Proxy (http://[user:password@]host:port) provider key checks to https URLs go through, in a "
                            + "CONNECT tunnel; runtime webhooks always go direct. Unset: direct.",
                    false, true, null, PROXY_URL),
            new EnvVar("HTTP_PROXY", "keyhouse.egress.http-proxy",
                    "Proxy (http://[user:password@]host:port) provider key checks to http URLs go through; runtime "
                            + "webhooks always go direct. Unset: direct.",
                    false, true, null, PROXY_URL),
            new EnvVar("NO_PROXY", "keyhouse.egress.no-proxy",
                    "Destinations provider key checks reach directly, not through HTTPS_PROXY or HTTP_PROXY: "
                            + "comma-separated host names (each with its subdomains), .domains, IP addresses, CIDRs, or *.",
                    false, false, null, NO_PROXY_LIST),
            // Live provider key checks
            new EnvVar("PROVIDER_CHECK_TIMEOUT_SECONDS", "keyhouse.checks.timeout-seconds",
                    "Seconds one provider key check call may wait for the provider's answer (1 to 120); past it the "
                            + "result is unreachable.",
                    false, false, "10", SECONDS_UP_TO_120),
            new EnvVar("PROVIDER_CHECK_INTERVAL_SECONDS", "keyhouse.checks.interval-seconds",
                    "Seconds between background checks of every stored provider key (non-billed calls only); "
                            + "0 turns them off.",
                    false, false, "900", NON_NEGATIVE_INTEGER),
            new EnvVar("PROVIDER_CHECK_MODE", "keyhouse.checks.mode",
                    "What a failed live key check does to a save: enforce refuses invalid, out-of-credit and forbidden "
                            + "keys unless an admin overrides with a reason; warn saves with a warning; off skips checks.",
                    false, false, "enforce", CHECK_MODE),
            // Vault / OpenBao: set on the host (environment or .env), never read from Vault itself
            new EnvVar("VAULT_ADDR", "keyhouse.vault.address",
                    "Address of Vault or OpenBao, http(s)://host:port; set, Keyhouse reads its own variables from "
                            + "VAULT_KV_PATH and resolves vault: references in provider settings.",
                    false, false, null, TEXT),
            new EnvVar("VAULT_KV_PATH", "keyhouse.vault.kv-path",
                    "KV v2 API path, <mount>/data/<path> (e.g. secret/data/keyhouse/production), of the one secret "
                            + "holding Keyhouse's own variables; the environment and .env win over it.",
                    false, false, null, TEXT),
            new EnvVar("VAULT_TOKEN", "keyhouse.vault.token",
                    "Vault token Keyhouse reads with; wins over AppRole and Kubernetes auth when set.",
                    false, true, null, TEXT),
            new EnvVar("VAULT_ROLE_ID", "keyhouse.vault.role-id",
                    "AppRole role id (with VAULT_SECRET_ID) Keyhouse logs in to Vault with.",
                    false, false, null, TEXT),
            new EnvVar("VAULT_SECRET_ID", "keyhouse.vault.secret-id",
                    "AppRole secret id that goes with VAULT_ROLE_ID.",
                    false, true, null, TEXT),
            new EnvVar("VAULT_KUBERNETES_ROLE", "keyhouse.vault.kubernetes-role",
                    "Vault Kubernetes auth role Keyhouse logs in with, presenting its pod's service account token.",
                    false, false, null, TEXT),
            new EnvVar("VAULT_KUBERNETES_TOKEN_PATH", "keyhouse.vault.kubernetes-token-path",
                    "File holding the service account token (JWT) for VAULT_KUBERNETES_ROLE.",
                    false, false, "/var/run/secrets/kubernetes.io/serviceaccount/token", TEXT),
            new EnvVar("VAULT_CACHE_SECONDS", "keyhouse.vault.cache-seconds",
                    "Seconds a value read for a vault: reference in provider settings stays cached (and runtime-config "
                            + "built on it is served) before Vault is asked again; 0 asks every time.",
                    false, false, "300", NON_NEGATIVE_INTEGER),
            new EnvVar("VAULT_WATCH_INTERVAL_SECONDS", "keyhouse.vault.watch-interval-seconds",
                    "Seconds between reads of the KV metadata of every Vault secret provider settings reference; a "
                            + "new version is saved as a new setting version by vault (checked, rolled out); 0: never.",
                    false, false, "60", NON_NEGATIVE_INTEGER),
            // HTTP
            new EnvVar("CORS_ORIGINS", "keyhouse.cors.origins",
                    "Browser origins (scheme://host[:port]), comma-separated, allowed to call Keyhouse cross-origin; "
                            + "replaces the default http://localhost, 127.0.0.1 and [::1] on HTTP_PORT.",
                    false, false, null, ORIGIN_LIST),
            new EnvVar("CORS_LAN_IP", "keyhouse.cors.lan-ip",
                    "An IPv4 LAN address whose origin http://<address>:<HTTP_PORT> is allowed too (for admins on the local network).",
                    false, false, null, IPV4_ADDRESS),
            new EnvVar(HTTP_PORT, "quarkus.http.port",
                    "Port the HTTP server listens on.", false, false, "8080", PORT),
            new EnvVar(MANAGEMENT_PORT, "quarkus.management.port",
                    "Port of the management interface: health (/q/health/live, /ready, /started) and metrics (/q/metrics); "
                            + "keep it off the public network.", false, false, "9000", PORT),
            new EnvVar("TRUSTED_PROXIES", "keyhouse.http.trusted-proxies",
                    "Reverse proxies (IP addresses or CIDR ranges, comma-separated) whose X-Forwarded-For and "
                            + "X-Forwarded-Proto name the client's address and scheme; unset: the headers are ignored.",
                    false, false, null, ADDRESS_LIST),
            new EnvVar("LOG_LEVEL", "quarkus.log.level",
                    "Root log level: ERROR, WARN, INFO, DEBUG or TRACE.", false, false, "INFO", LOG_LEVEL),
            new EnvVar("LOG_FORMAT", "keyhouse.log.format",
                    "Console log format: text for people, json for one JSON object a line (log shippers).",
                    false, false, "text", LOG_FORMAT));

    private EnvCatalog() {
    }

    public static List<EnvVar> all() {
        return ALL;
    }

    public static Optional<EnvVar> find(String name) {
        return ALL.stream().filter(v -> v.name().equals(name)).findFirst();
    }
}
