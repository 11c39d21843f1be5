package dev.keyhouse.vault;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.quarkus.vault.client.VaultClient;
import io.quarkus.vault.client.VaultClientException;
import io.quarkus.vault.client.api.secrets.kv2.VaultSecretsKV2ReadSecretData;
import io.quarkus.vault.client.http.jdk.JDKVaultHttpClient;
import io.quarkus.vault.client.logging.LogConfidentialityLevel;

/**
 * Keyhouse's reads from a Vault / OpenBao KV v2 engine, through the Quarkiverse Vault client
 * ({@code io.quarkiverse.vault:quarkus-vault-client}). Contract, as Vault documents it (api-docs/secret/kv/kv-v2):
 * {@code GET /v1/<mount>/data/<path>[?version=N]} answers {@code data.data} (the key/value pairs) and
 * {@code data.metadata.version}; {@code GET /v1/<mount>/metadata/<path>} answers {@code data.current_version}. The
 * client logs in (token, AppRole, Kubernetes auth) and caches the login's token until its lease ends.
 *
 * <p>Every failure becomes a {@link VaultFailure} whose message names the address, the path and what to do, and
 * never a token, a secret id or a value. Calls block for at most the request timeout (5 s) times the client's
 * attempts; none is made while a pooled database connection is held.
 */
public final class VaultKv {

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /**
     * One version of a KV v2 secret: its string key/value pairs, its version number, and the keys whose JSON value is
     * not a string (a number, an object, …), in name order: never turned into text, so never served; each is refused
     * by name.
     */
    public record KvSecret(VaultSettings.KvPath path, int version, Map<String, String> values, Set<String> notText) {
        @Override
        public String toString() {
            return path + " version " + version + " (" + values.size() + " keys)"; // never the values
        }
    }

    /** Why Vault did not answer as asked. */
    public enum FailureKind {
        /** No connection (refused, unknown host, timed out). */
        UNREACHABLE,
        /** 503: the node is sealed (or in standby without forwarding). */
        SEALED,
        /** 403 or a refused login: the token or credentials are unknown, expired, revoked, or not allowed the path. */
        DENIED,
        /** 404: no such mount, path, or version (or the version is deleted or destroyed). */
        NOT_FOUND,
        /** Anything else (5xx, an answer without the documented fields). */
        FAILED
    }

    /** A failed Vault call; {@link #getMessage()} is safe to show and log. */
    public static final class VaultFailure extends RuntimeException {
        private final FailureKind kind;

        public VaultFailure(FailureKind kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }

        public FailureKind kind() {
            return kind;
        }
    }

    private final VaultSettings settings;
    private final HttpClient http;
    private final VaultClient client;

    private VaultKv(VaultSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
                .build();
        VaultClient.Builder builder = VaultClient.builder().baseUrl(settings.address().toString())
                .executor(new JDKVaultHttpClient(http)).requestTimeout(REQUEST_TIMEOUT)
                .logConfidentialityLevel(LogConfidentialityLevel.HIGH);
        if (settings.auth() instanceof VaultSettings.TokenAuth token) {
            builder.clientToken(token.token());
        } else if (settings.auth() instanceof VaultSettings.AppRoleAuth appRole) {
            builder.appRole(appRole.roleId(), appRole.secretId());
        } else if (settings.auth() instanceof VaultSettings.KubernetesAuth kubernetes) {
            builder.kubernetes(kubernetes.role(), kubernetes.jwtPath());
        }
        this.client = builder.build();
    }

    /** A client for these settings; nothing is sent until the first read. */
    public static VaultKv connect(VaultSettings settings) {
        return new VaultKv(settings);
    }

    public VaultSettings settings() {
        return settings;
    }

    /**
     * Reads one version of a secret ({@code null}: the current one).
     *
     * @throws VaultFailure when Vault is unreachable, sealed, refuses the credentials, or has no such version
     */
    public KvSecret read(VaultSettings.KvPath path, Integer version) {
        VaultSecretsKV2ReadSecretData data = await(client.secrets().kv2(path.mount()).readSecret(path.path(), version),
                path.dataPath() + (version == null ? "" : "?version=" + version));
        if (data == null || data.getData() == null || data.getMetadata() == null
                || data.getMetadata().getVersion() == null) {
            throw new VaultFailure(FailureKind.FAILED, where(path.dataPath()) + " answered without data.data and"
                    + " data.metadata.version: is " + path.mount() + " a KV version 2 engine?");
        }
        Map<String, String> values = new LinkedHashMap<>();
        java.util.SortedSet<String> notText = new java.util.TreeSet<>();
        data.getData().forEach((key, value) -> {
            if (value instanceof String text) {
                values.put(key, text);
            } else if (value != null) {
                notText.add(key);
            }
        });
        return new KvSecret(path, data.getMetadata().getVersion(), Map.copyOf(values),
                java.util.Collections.unmodifiableSortedSet(notText));
    }

    /**
     * The current version number of a secret, from its metadata (the call a watcher makes: it reads no value).
     *
     * @throws VaultFailure as {@link #read}
     */
    public int currentVersion(VaultSettings.KvPath path) {
        var metadata = await(client.secrets().kv2(path.mount()).readSecretMetadata(path.path()), path.metadataPath());
        if (metadata == null || metadata.getCurrentVersion() == null) {
            throw new VaultFailure(FailureKind.FAILED, where(path.metadataPath()) + " answered without"
                    + " data.current_version: is " + path.mount() + " a KV version 2 engine?");
        }
        return metadata.getCurrentVersion();
    }

    private <T> T await(CompletionStage<T> stage, String path) {
        try {
            return stage.toCompletableFuture().get(REQUEST_TIMEOUT.toMillis() * 4, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VaultFailure(FailureKind.UNREACHABLE, where(path) + ": interrupted while waiting for Vault");
        } catch (TimeoutException e) {
            throw new VaultFailure(FailureKind.UNREACHABLE, where(path) + " did not answer within "
                    + REQUEST_TIMEOUT.toSeconds() * 4 + " s");
        } catch (ExecutionException | CompletionException e) {
            throw translate(e.getCause() == null ? e : e.getCause(), path);
        }
    }

    VaultFailure translate(Throwable failure, String path) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof VaultClientException e) {
            boolean login = e.getRequestPath() != null && e.getRequestPath().contains("auth/")
                    && !e.getRequestPath().contains("auth/token/");
            Integer status = e.getStatus();
            String said = said(e.getErrors());
            if (status != null && status == 503) {
                return new VaultFailure(FailureKind.SEALED, "Vault at " + settings.address() + " is sealed or not"
                        + " ready (503" + said + "): unseal it, or point " + VaultSettings.ADDR + " at an active node");
            }
            if (login) {
                return new VaultFailure(FailureKind.DENIED, "Vault at " + settings.address() + " refused the login"
                        + " with " + settings.auth().describe() + " (" + status + said + "): check the credentials and"
                        + " that the role exists");
            }
            if (status != null && status == 403) {
                return new VaultFailure(FailureKind.DENIED, "Vault at " + settings.address() + " refused "
                        + settings.auth().describe() + " for " + path + " (403" + said + "): the token is unknown,"
                        + " expired or revoked, or its policy does not allow read on " + path);
            }
            if (status != null && status == 404) {
                return new VaultFailure(FailureKind.NOT_FOUND, where(path) + " does not exist (404): no such mount,"
                        + " secret or version, or the version is deleted");
            }
            return new VaultFailure(FailureKind.FAILED, where(path) + " failed (" + status + said + ")");
        }
        if ((cause instanceof TimeoutException || cause instanceof java.net.http.HttpTimeoutException)
                && !(cause instanceof java.net.http.HttpConnectTimeoutException)) {
            // connected, and no answer: Vault (or a proxy before it) is running but hung, not unreachable
            return new VaultFailure(FailureKind.UNREACHABLE, "Vault at " + settings.address() + " accepted the"
                    + " connection but did not answer " + path + " within " + REQUEST_TIMEOUT.toSeconds() + " s: is it"
                    + " overloaded, or a proxy in front of it hung?");
        }
        if (cause instanceof ConnectException || cause instanceof UnresolvedAddressException
                || cause instanceof java.net.http.HttpConnectTimeoutException
                || cause instanceof java.net.UnknownHostException
                || (cause instanceof IOException && !(cause instanceof java.io.UncheckedIOException))) {
            return new VaultFailure(FailureKind.UNREACHABLE, "Vault at " + settings.address() + " is unreachable ("
                    + cause.getClass().getSimpleName() + "): check " + VaultSettings.ADDR + " and that Vault is running");
        }
        return new VaultFailure(FailureKind.FAILED, where(path) + " failed: " + cause.getClass().getSimpleName());
    }

    /** Vault's own error strings (they name no secret), bounded; empty when there are none. */
    private String said(List<String> errors) {
        if (errors == null || errors.isEmpty()) {
            return "";
        }
        String joined = String.join("; ", errors).replaceAll("[\\p{Cntrl}]", " ");
        joined = redact(joined);
        return ": " + (joined.length() > 160 ? joined.substring(0, 160) + "…" : joined);
    }

    /** Belt and braces: no credential Keyhouse holds may reach a message, even if Vault echoed it. */
    private String redact(String text) {
        String result = text;
        for (String secret : credentials()) {
            if (secret != null && !secret.isEmpty()) {
                result = result.replace(secret, "***");
            }
        }
        return result;
    }

    private List<String> credentials() {
        if (settings.auth() instanceof VaultSettings.TokenAuth token) {
            return List.of(token.token());
        }
        if (settings.auth() instanceof VaultSettings.AppRoleAuth appRole) {
            return List.of(appRole.secretId());
        }
        return List.of();
    }

    private String where(String path) {
        return "Vault at " + settings.address() + ", " + path + ",";
    }
}
