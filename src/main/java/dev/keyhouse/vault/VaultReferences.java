package dev.keyhouse.vault;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import dev.keyhouse.config.EnvCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Resolves {@code vault:} references ({@link VaultReference}) in provider settings' secret fields: pins a reference
 * to a KV version when a setting is saved ({@link #pin}), and reads a pinned reference's value when runtime-config is
 * built or a key is checked ({@link #resolve}). Values read are kept for {@code VAULT_CACHE_SECONDS} (default 300;
 * 0 keeps nothing), per secret and version, in a Caffeine cache: a deleted, destroyed or no longer readable version
 * is noticed at the latest that long after. Failures are never cached.
 *
 * <p>Every call to Vault blocks (at most {@link VaultKv}'s bound); callers make none while they hold a pooled database
 * connection. Without {@code VAULT_ADDR} nothing resolves: every call fails with "VAULT_ADDR is not set".
 */
@ApplicationScoped
public class VaultReferences {

    /** Entries kept at most (secret versions, not keys). */
    static final int MAX_SECRETS = 1_000;

    /**
     * Why a reference cannot be resolved, in a sentence that is safe to show and log (it names the address, the path
     * and the reference, never a token or a value), e.g. "Vault at http://vault:8200 is sealed or not ready (503:
     * Vault is sealed): unseal it, … (vault:secret/llm#openai_key?version=3)".
     */
    public static final class Unresolvable extends RuntimeException {
        private final VaultKv.FailureKind kind;

        Unresolvable(VaultKv.FailureKind kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }

        /** What went wrong; null when Vault was not asked (not configured, or the secret has no such key). */
        public VaultKv.FailureKind kind() {
            return kind;
        }
    }

    /**
     * A resolved reference. Plaintext: never log or show {@link #value()}.
     *
     * @param reference the pinned reference
     */
    public record Resolved(VaultReference reference, String value) {
        @Override
        public String toString() {
            return "Resolved[" + reference + "]";
        }
    }

    private record SecretVersion(VaultSettings.KvPath path, int version) {
    }

    /**
     * The catalog's secret variables that are Keyhouse's own (encryption and signing keys, passwords, tokens; not the
     * provider keys that seed a setting): a secret that holds any of them is never read for a reference.
     */
    static final java.util.Set<String> OWN_SECRETS = EnvCatalog.all().stream()
            .filter(v -> v.secret() && v.format() != dev.keyhouse.config.EnvVar.Format.PROVIDER_KEY)
            .map(dev.keyhouse.config.EnvVar::name).collect(java.util.stream.Collectors.toUnmodifiableSet());

    private final VaultKv kv;
    private final Optional<VaultSettings.KvPath> ownPath;
    private final String notConfigured;
    private final Duration ttl;
    private final Cache<SecretVersion, VaultKv.KvSecret> cache;

    /** Settings from the {@code VAULT_*} variables as configured (catalog properties), TTL from VAULT_CACHE_SECONDS. */
    @Inject
    public VaultReferences(Config config,
            @ConfigProperty(name = "keyhouse.vault.cache-seconds", defaultValue = "300") int cacheSeconds) {
        this(settings(config), Duration.ofSeconds(cacheSeconds), Ticker.systemTicker());
    }

    /**
     * @param settings how to reach Vault, empty when VAULT_ADDR is unset; a failed result (the variables' problems)
     *        makes every resolution fail with its message
     * @param ttl how long a value read stays cached; zero caches nothing
     * @param ticker the cache's clock (tests move it)
     */
    public VaultReferences(Result settings, Duration ttl, Ticker ticker) {
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("VAULT_CACHE_SECONDS must be 0 or more");
        }
        this.kv = settings.settings().map(VaultKv::connect).orElse(null);
        this.ownPath = settings.settings().flatMap(VaultSettings::kvPath);
        this.notConfigured = settings.problem();
        this.ttl = ttl;
        this.cache = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(ttl.isZero() ? 0 : MAX_SECRETS)
                .ticker(ticker).build();
    }

    /**
     * The VAULT_* settings or why there are none.
     *
     * @param problem the sentence every resolution fails with when {@code settings} is empty
     */
    public record Result(Optional<VaultSettings> settings, String problem) {

        /** From a lookup of variables by name ({@link VaultSettings#from}). */
        public static Result of(java.util.function.Function<String, Optional<String>> lookup) {
            try {
                return VaultSettings.from(lookup).map(s -> new Result(Optional.of(s), null))
                        .orElseGet(() -> new Result(Optional.empty(), VaultSettings.ADDR + " is not set: set it (and"
                                + " a way to log in) for Keyhouse to resolve vault: references"));
            } catch (IllegalArgumentException e) {
                return new Result(Optional.empty(), "Vault is not configured correctly: "
                        + e.getMessage().replace('\n', ' '));
            }
        }
    }

    private static Result settings(Config config) {
        return Result.of(name -> config.getOptionalValue(
                EnvCatalog.find(name).orElseThrow(() -> new IllegalStateException(name + " is not in the catalog"))
                        .property(), String.class));
    }

    /** How long a value read stays cached: a snapshot built on it is served at most this long. */
    public Duration ttl() {
        return ttl;
    }

    /** Whether Vault is configured at all (VAULT_ADDR set and valid). */
    public boolean configured() {
        return kv != null;
    }

    /**
     * Pins a reference as a save stores it: reads the version it names, or the current one when it names none, and
     * checks the key is in it.
     *
     * @return the reference with {@code ?version=N}
     * @throws Unresolvable when Vault cannot be read, has no such version, or the version has no such key
     */
    public VaultReference pin(VaultReference reference) {
        return resolve(reference).reference();
    }

    /**
     * A pinned reference's value, from the cache or Vault (a reference without a version reads the current one).
     *
     * @throws Unresolvable as {@link #pin}
     */
    public Resolved resolve(VaultReference reference) {
        return resolved(reference, read(reference.kvPath(), reference.version(), reference));
    }

    /**
     * As {@link #resolve}, but always asks Vault, then caches what it read: what a rollback checks, so a KV version
     * deleted or destroyed since it was cached is found now, not when the cache expires.
     *
     * @throws Unresolvable as {@link #pin}
     */
    public Resolved resolveNow(VaultReference reference) {
        return resolved(reference, readNow(reference.kvPath(), reference.version(), reference));
    }

    /** {@code reference} pinned to the version read, with the value of its key in it. */
    private static Resolved resolved(VaultReference reference, VaultKv.KvSecret secret) {
        VaultReference pinned = reference.pinnedTo(secret.version());
        return new Resolved(pinned, value(pinned, secret));
    }

    /**
     * A pinned reference's value if it is cached now: no call to Vault, so it may be asked while a database
     * connection is held. Empty when it must be read ({@link #resolve}).
     */
    public Optional<Resolved> cached(VaultReference reference) {
        if (!reference.pinned()) {
            return Optional.empty();
        }
        VaultKv.KvSecret secret = cache.getIfPresent(new SecretVersion(reference.kvPath(), reference.version()));
        if (secret == null || !secret.values().containsKey(reference.key())) {
            return Optional.empty();
        }
        return Optional.of(new Resolved(reference, secret.values().get(reference.key())));
    }

    /**
     * Resolves several references, each either to its value or to why it cannot be: what a caller prefetches
     * outside its transaction.
     *
     * @return by reference: a {@link Resolved} or an {@link Unresolvable}
     */
    public Map<VaultReference, Object> resolveAll(Collection<VaultReference> references) {
        Map<VaultReference, Object> results = new LinkedHashMap<>();
        for (VaultReference reference : references) {
            try {
                results.put(reference, resolve(reference));
            } catch (Unresolvable e) {
                results.put(reference, e);
            }
        }
        return results;
    }

    private VaultKv.KvSecret read(VaultSettings.KvPath path, Integer version, VaultReference reference) {
        if (version != null && !ttl.isZero()) {
            readable(path, reference);
            // one read per secret version however many ask at once (a fleet after a change); failures not kept
            try {
                return cache.get(new SecretVersion(path, version), key -> kv.read(path, version));
            } catch (VaultKv.VaultFailure e) {
                throw new Unresolvable(e.kind(), e.getMessage() + " (" + reference + ")");
            }
        }
        return readNow(path, version, reference);
    }

    private VaultKv.KvSecret readNow(VaultSettings.KvPath path, Integer version, VaultReference reference) {
        readable(path, reference);
        VaultKv.KvSecret read;
        try {
            read = kv.read(path, version);
        } catch (VaultKv.VaultFailure e) {
            throw new Unresolvable(e.kind(), e.getMessage() + " (" + reference + ")");
        }
        if (!ttl.isZero()) {
            cache.put(new SecretVersion(path, read.version()), read);
        }
        return read;
    }

    /**
     * Whether {@code path} may be read for a reference: Vault is configured, and the path is not Keyhouse's own.
     * Keyhouse's own secrets are never a provider setting's: a reference into {@code VAULT_KV_PATH} would hand the
     * encryption keys, the JWT key or the database password to whoever may save a setting or fetch runtime-config.
     */
    private void readable(VaultSettings.KvPath path, VaultReference reference) {
        if (kv == null) {
            throw new Unresolvable(null, notConfigured);
        }
        if (ownPath.isPresent() && ownPath.get().equals(path)) {
            throw new Unresolvable(null, "Vault secret " + path.dataPath() + " is Keyhouse's own (VAULT_KV_PATH): a"
                    + " provider setting may not read it; keep provider keys at another path (" + reference + ")");
        }
    }

    private static String value(VaultReference pinned, VaultKv.KvSecret secret) {
        java.util.List<String> own = java.util.stream.Stream.concat(secret.values().keySet().stream(),
                secret.notText().stream()).filter(OWN_SECRETS::contains).sorted().toList();
        if (!own.isEmpty()) {
            // the Vault Agent route: Keyhouse's own variables rendered from a path VAULT_KV_PATH does not name
            throw new Unresolvable(null, "Vault secret " + pinned.kvPath().dataPath() + " holds Keyhouse's own "
                    + String.join(", ", own) + ": a provider setting may not read a secret that holds Keyhouse's own"
                    + " variables; keep provider keys at another path (" + pinned + ")");
        }
        if (secret.notText().contains(pinned.key())) {
            throw new Unresolvable(null, "Vault secret " + pinned.kvPath().dataPath() + " version " + secret.version()
                    + " holds key " + pinned.key() + " as a JSON number, boolean, object or list, not a string: write it"
                    + " as a string (" + pinned + ")");
        }
        String value = secret.values().get(pinned.key());
        if (value == null) {
            throw new Unresolvable(null, "Vault secret " + pinned.kvPath().dataPath() + " version " + secret.version()
                    + " has no key " + pinned.key() + " (" + pinned + ")");
        }
        return value;
    }

    /**
     * The current version of a secret, from its KV metadata (no value is read): what {@code settings.VaultWatch}
     * compares pinned references with.
     *
     * @throws Unresolvable when Vault is not configured or cannot be read
     */
    public int currentVersion(VaultSettings.KvPath path) {
        if (kv == null) {
            throw new Unresolvable(null, notConfigured);
        }
        try {
            return kv.currentVersion(path);
        } catch (VaultKv.VaultFailure e) {
            throw new Unresolvable(e.kind(), e.getMessage());
        }
    }
}
