package dev.keyhouse.settings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.keyhouse.crypto.Opened;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.vault.VaultReferences;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

/**
 * The decrypted provider settings as the environment pairs a runtime starts with. The one place plaintext
 * secrets leave the settings; only the runtime-config endpoint may hand them on.
 *
 * <p>The whole fleet calls this at once after a restart, so the decrypted result is kept in memory. While the
 * {@link EnvironmentListener} listens on {@code keyhouse_environment}, the current environment, every open rollout's
 * pins and the pinned environments built so far are one {@link #fromMemory snapshot} answered with no database
 * work and no decryption; every notification (a commit that changed settings, versions, sealed values or rollouts,
 * on any replica) and every local save drops it. While the listener is not connected, each call revalidates
 * (one small query of the kinds' versions, plus the runtime's pins), so a save or rollback on any replica is seen
 * by the next call on every replica either way.
 *
 * <p>Whatever is configured but cannot be served (a secret no configured key opens, a required field unset, a
 * provider this Keyhouse does not serve, a control character) is left out of the pairs and listed as
 * {@link Unresolved}; the runtime-config endpoint then refuses to serve the pairs unless a runtime asks for the
 * partial set, and restarts are refused.
 *
 * <p>A secret stored as a pinned {@code vault:} reference is served as the value it resolves to
 * ({@link VaultReferences}), read outside the transaction that reads the rows ({@link #resolving}); what was built on
 * a value from Vault is kept at most {@code VAULT_CACHE_SECONDS}, and a reference that cannot be resolved is
 * {@link Unresolved} like a value no key opens.
 */
@ApplicationScoped
public class ProviderEnvironment {

    /**
     * @param version the configuration version: the sum of the kinds' versions plus every shared-secret and
     *        fallback-entry change ever stored, so it only grows; the same for every runtime
     * @param env the pairs, e.g. {@code LLM_PROVIDER}, {@code LLM_API_KEY}, {@code OPENAI_API_KEY}; every
     *        resolvable value, so it is the whole configuration only when {@link #complete()}. The fleet-wide
     *        environment ({@link #current()}, {@link #receiver()} null) holds the provider kinds only: a shared
     *        secret is added by {@link #receivedBy} for the runtimes of the targets it lists, never to the fleet
     * @param unresolved what is configured but cannot be served, each left out of {@code env}: a secret no
     *        configured key opens, a required field unset, a provider this Keyhouse does not serve
     * @param llmKeyFingerprint the keyed fingerprint of the LLM API key handed out, or null when there is none
     * @param kindNames the provider kinds' names a runtime must have from Keyhouse alone, so a driver that keeps a
     *        runtime's own variables (docker's recreate) drops each of them that {@code env} lacks: every provider
     *        kind's name ({@link #MANAGED_NAMES} but the fleet kinds'), and a fleet kind's names only once that kind is
     *        configured (version above 0), so a runtime's own {@code AWS_REGION} or {@code OTEL_*} stay as they were
     *        while Keyhouse serves no storage or tracing
     * @param sharedVariables every variable a shared secret writes or ever wrote ({@code shared_secret_versions}):
     *        secret names, and names a driver removes from a runtime's environment when they are no longer served
     *        to it (unlinked, deleted); empty while no shared secret was ever stored
     * @param shared every current shared secret as built, with the targets it lists: what {@link #receivedBy} adds
     * @param receiver null for the fleet-wide environment; else whose environment this is ("targets 3, 7", "an
     *        unnamed runtime"), which {@link #receivedBy} was applied to already
     * @param received the names of the shared secrets this receiver gets (served or unresolved), sorted; empty for
     *        the fleet-wide environment and for a runtime of no target
     * @param held null for the current environment; for one a rollout holds a runtime at ({@link EnvironmentPins}),
     *        8 hex digits: the keyed fingerprint ({@link SecretFingerprints}) of its contents (the pins, every pair,
     *        what is unresolved, every shared secret as built). A held {@link #version} is a sum of earlier and current
     *        versions, which another configuration's sum can equal: {@link #configuration()} tells them apart
     * @param heldPins null for the current environment; for a held one the kinds served at an earlier version and
     *        that version, {@code kind:version} comma-separated in kind order ({@code stt:4}): what a rollout's gate
     *        reads to know which kinds such a configuration carries current ({@code runtimes.RuntimeAcks})
     */
    public record RuntimeEnvironment(long version, Map<String, String> env, List<Unresolved> unresolved,
            String llmKeyFingerprint, java.util.Set<String> kindNames, java.util.Set<String> sharedVariables,
            List<SharedValue> shared, String receiver, List<String> received, String held, String heldPins) {

        /**
         * What stands for this configuration's contents wherever a name or a key must differ when they differ (a
         * kubernetes copy of the environment, runtime-config's ETag, the http webhook's {@code configuration}):
         * {@code <version>} for the current environment, whose versions only grow, so its number is never another
         * content's; {@code <version>-h<held>} for a held one (e.g. {@code 7-h3fa9c2e1}), since llm held at 2 plus
         * stt at 5 is 7 as llm at 3 plus stt at 4 is. Never a value, and no unkeyed hash of one.
         */
        public String configuration() {
            return held == null ? String.valueOf(version) : version + "-h" + held;
        }

        /**
         * runtime-config's validator (the ETag's value, unquoted): what this receiver gets, not only the version,
         * since the answer depends on who fetches. {@link #configuration()} ({@code <version>}, or
         * {@code <version>-h<held>} for a held configuration) when it receives no shared secret (the fleet's kinds
         * alone); that and {@code -s<digest>} when it does, the digest the first 12 hex digits of the SHA-256
         * of the received shared secrets' names (names only, never a value): at one version each secret has one
         * value, so a change of which secrets a receiver gets changes its ETag, and another receiver's ETag never
         * matches its answer. {@code -partial} is appended while something is unresolved.
         */
        public String etag() {
            String tag = received.isEmpty() ? configuration()
                    : configuration() + "-s" + digest(String.join("\n", received));
            return complete() ? tag : tag + "-partial";
        }

        private static String digest(String names) {
            try {
                return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(names.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 12);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every Java platform", e);
            }
        }

        /**
         * The values of {@link #isSecretName secret names} in {@link #env} and of every shared secret: what a
         * runtime's free-form answer (a status report's detail) must never carry. Plaintext: compare in memory, never
         * log.
         */
        public List<String> secretValues() {
            List<String> values = new ArrayList<>(env.entrySet().stream().filter(e -> isSecretName(e.getKey())
                    || sharedVariables.contains(e.getKey())).map(Map.Entry::getValue).toList());
            shared.stream().map(SharedValue::value).filter(java.util.Objects::nonNull).forEach(values::add);
            return values;
        }

        /**
         * What the runtimes of the given targets receive (issue 19, the one rule of who receives a shared secret):
         * this fleet-wide environment plus each shared secret that lists one of them — its variable when it can be
         * served, else its problem as {@link Unresolved} (failing that answer closed, and no other runtime's). A
         * shared secret listing none of them is not in the answer at all.
         *
         * @param targets runtime target ids; empty for a runtime known to belong to no target
         * @throws IllegalStateException when this is already one receiver's environment
         */
        public RuntimeEnvironment receivedBy(java.util.Collection<Long> targets) {
            java.util.Set<Long> ids = new java.util.TreeSet<>(targets);
            return received("targets " + ids, s -> s.targets().stream().anyMatch(ids::contains));
        }

        /**
         * What a runtime whose targets are not known receives: the fleet-wide environment (every kind) and no shared
         * secret. A shared secret is served to the runtimes of the targets it lists, and this one is a runtime of
         * none: the kinds are its complete configuration. It is not withheld (503): one admin linking one secret to
         * one target must not stop every runtime that fetches without a name, the fleet-wide outage Keyhouse exists
         * to prevent. A runtime that needs a shared secret names itself ({@code X-Keyhouse-Runtime}).
         *
         * @param why the receiver's description, {@link #UNNAMED} or {@link #UNKNOWN}
         */
        public RuntimeEnvironment receivedByUnknown(String why) {
            return received(why, s -> false);
        }

        private RuntimeEnvironment received(String who, java.util.function.Predicate<SharedValue> listed) {
            if (receiver != null) {
                throw new IllegalStateException("already the environment of " + receiver);
            }
            Map<String, String> pairs = new LinkedHashMap<>(env);
            List<Unresolved> missing = new ArrayList<>(unresolved);
            java.util.Set<String> names = new java.util.TreeSet<>();
            for (SharedValue secret : shared) {
                if (!listed.test(secret)) {
                    continue;
                }
                names.add(secret.name());
                if (secret.value() != null) {
                    pairs.put(secret.variable(), secret.value());
                } else {
                    missing.add(secret.problem());
                }
            }
            return new RuntimeEnvironment(version, Collections.unmodifiableMap(pairs), List.copyOf(missing),
                    llmKeyFingerprint, kindNames, sharedVariables, shared, who, List.copyOf(names), held, heldPins);
        }

        /**
         * Every name Keyhouse manages in a runtime's environment: {@link #kindNames} and every variable a shared
         * secret writes or wrote, so a name no longer served to it (a shared secret unlinked from its target, or
         * deleted) is removed by the drivers.
         */
        public java.util.Set<String> managedNames() {
            if (sharedVariables.isEmpty()) {
                return kindNames;
            }
            java.util.Set<String> names = new java.util.TreeSet<>(kindNames);
            names.addAll(sharedVariables);
            return java.util.Collections.unmodifiableSet(names);
        }

        /** Whether every configured value resolved: only then may a runtime start on {@code env} alone. */
        public boolean complete() {
            return unresolved.isEmpty();
        }

        /** One sentence per unresolved field, e.g. "llm apiKey needs re-entry: written under key 3fa9c2e1, ...". */
        public List<String> errors() {
            return unresolved.stream().map(Unresolved::sentence).toList();
        }

        @Override
        public String toString() {
            return "RuntimeEnvironment[configuration " + configuration() + ", " + env.keySet() + ", unresolved "
                    + errors() + "]";
        }
    }

    /** The receiver of a runtime-config fetch that names no runtime: a runtime of no target. */
    public static final String UNNAMED = "an unnamed runtime";
    /** The receiver of a fetch whose runtime belongs to no known target: a runtime of no target. */
    public static final String UNKNOWN = "a runtime of no known target";

    /**
     * A current shared secret as built for the runtimes that receive it ({@link RuntimeEnvironment#receivedBy}).
     *
     * @param value the plaintext served, or null when it cannot be served ({@code problem} says why). Never log it
     * @param targets the ids of the runtime targets it lists
     * @param targetNames their names, by name
     */
    public record SharedValue(String name, String variable, String value, Unresolved problem,
            java.util.Set<Long> targets, List<String> targetNames) {

        @Override
        public String toString() {
            return "SharedValue[" + name + ", " + variable + ", " + (value == null ? "unresolved" : "resolved")
                    + ", targets " + targets + "]";
        }
    }

    /**
     * A configured field that cannot be served. Names, never values.
     *
     * @param kind e.g. {@code llm}
     * @param field the JSON name, e.g. {@code apiKey}
     * @param reason e.g. "needs re-entry: written under key 3fa9c2e1, which is not configured", "is not set"
     * @param variables the environment names it would have been served as, e.g. {@code LLM_API_KEY},
     *        {@code OPENAI_API_KEY}
     */
    public record Unresolved(String kind, String field, String reason, List<String> variables) {

        /** {@code kind.field}, as problem+json {@code errors[].field} names it: {@code llm.apiKey}. */
        public String path() {
            return kind + "." + field;
        }

        /** e.g. "llm apiKey needs re-entry: written under key 3fa9c2e1, which is not configured". */
        public String sentence() {
            return kind + " " + field + " " + reason;
        }
    }

    /**
     * A result and the versions it was built from.
     *
     * @param expiresAt {@link System#nanoTime()} when a value it took from Vault must be read again, or
     *        {@link Long#MAX_VALUE}
     */
    private record Cached(String stamp, RuntimeEnvironment environment, long expiresAt) {

        boolean validFor(String now) {
            return stamp.equals(now) && !expired(expiresAt);
        }
    }

    /** Most distinct pin sets kept built at once; a rollout has one or two (one per kind being rolled out). */
    static final int MAX_PINNED_SETS = 32;

    private final ProviderSettings settings;
    private final SecretFingerprints fingerprints;
    private final EntityManager em;
    private final EnvironmentPins pins;
    private volatile Cached cached;
    /** Pinned environments by pin set ({@code llm:3;tts:7}), each valid for the stamp it was built under. */
    private final Map<String, Cached> pinned = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * What {@link #fromMemory} serves, valid while the listener listens: built at {@code generation}, dropped by
     * {@link #invalidate()}. Pinned sets are added as runtimes ask for them.
     */
    record Snapshot(long generation, RuntimeEnvironment current, EnvironmentPins.Open pins,
            RuntimeReceivers.Known receivers, Map<String, RuntimeEnvironment> pinned,
            java.util.concurrent.atomic.AtomicLong expiresAt) {
    }

    /** Guards {@link #generation} and {@link #memory} together: a snapshot is stored only if nothing came since. */
    private final Object memoryLock = new Object();
    /** Held while a snapshot is built: one build at a time. */
    private final Object buildLock = new Object();
    /** Bumped by every notification and local save: a snapshot built before a bump is never stored. */
    private volatile long generation;
    private volatile Snapshot memory;
    private volatile boolean listening;
    /** {@link System#nanoTime()} just before the listener sent the newest of its pings that came back. */
    private volatile long listenerAliveAt;
    /**
     * The snapshot is served only while the listener's newest echoed ping was sent less than this ago: several ping
     * intervals ({@code EnvironmentListener.PING_MILLIS}), so one late echo on a busy machine does not drop to
     * revalidating. Counted from the ping's send, never from its arrival, so a replica that committed a change knows
     * no other replica trusts an older cache once this has passed ({@link ReplicaBarrier}'s deadline).
     */
    static final long ALIVE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1500);

    private final VaultReferences vault;

    private final RuntimeReceivers receivers;

    public ProviderEnvironment(ProviderSettings settings, SecretFingerprints fingerprints, EntityManager em,
            EnvironmentPins pins, VaultReferences vault, RuntimeReceivers receivers) {
        this.receivers = receivers;
        this.settings = settings;
        this.fingerprints = fingerprints;
        this.em = em;
        this.pins = pins;
        this.vault = vault;
    }

    /**
     * While one read of the rows runs ({@link #resolving}): the references resolved before it, outside its
     * transaction, the ones it found neither there nor in {@link VaultReferences}' cache, and when the first value it
     * used from Vault must be read again ({@code VAULT_CACHE_SECONDS}).
     */
    private static final class Resolving {
        final Map<VaultReference, Object> fetched;
        final boolean last;
        final java.util.Set<VaultReference> missed = new java.util.LinkedHashSet<>();
        long expiresAt = Long.MAX_VALUE;

        Resolving(Map<VaultReference, Object> fetched, boolean last) {
            this.fetched = fetched;
            this.last = last;
        }
    }

    private static final ThreadLocal<Resolving> RESOLVING = new ThreadLocal<>();

    /** A read met references that are not resolved yet: nothing it built is kept; they are read, then it runs again. */
    private static final class Missed extends RuntimeException {
        Missed() {
            super(null, null, false, false);
        }
    }

    /** The longest an environment withheld for a reference Vault did not resolve is served before Vault is asked again. */
    static final java.time.Duration FAILURE_RETRY = java.time.Duration.ofSeconds(5);

    /** How many reads of the rows one call makes at most: the last counts a reference still unread as unresolved. */
    static final int MAX_READS = 3;

    /**
     * Runs a read of the rows in a transaction (joining the caller's, if any) with the references it needs resolved
     * outside it: a read that meets a reference neither resolved before nor cached stops ({@link Missed}, keeping
     * nothing), the references are read from Vault with no transaction of this call open, and the read runs again.
     * So no pooled connection of this call is held while Vault answers (issue 17's hold-and-wait).
     */
    private RuntimeEnvironment resolving(java.util.function.Supplier<RuntimeEnvironment> read) {
        Map<VaultReference, Object> fetched = new java.util.HashMap<>();
        for (int pass = 1;; pass++) {
            Resolving context = new Resolving(fetched, pass == MAX_READS);
            Resolving outer = RESOLVING.get();
            RESOLVING.set(context);
            try {
                return io.quarkus.narayana.jta.QuarkusTransaction.joiningExisting()
                        .exceptionHandler(failure -> failure instanceof Missed
                                ? io.quarkus.narayana.jta.TransactionExceptionResult.COMMIT
                                : io.quarkus.narayana.jta.TransactionExceptionResult.ROLLBACK)
                        .call(read::get);
            } catch (Missed missed) {
                fetched.putAll(vault.resolveAll(context.missed));
            } finally {
                if (outer == null) {
                    RESOLVING.remove();
                } else {
                    RESOLVING.set(outer);
                }
            }
        }
    }

    /** When what the current read resolved from Vault must be read again; {@link Long#MAX_VALUE}: never. */
    private static long expiresAt() {
        Resolving context = RESOLVING.get();
        return context == null ? Long.MAX_VALUE : context.expiresAt;
    }

    private static boolean expired(long expiresAt) {
        return expiresAt != Long.MAX_VALUE && System.nanoTime() - expiresAt >= 0;
    }

    /**
     * What a runtime that named itself ({@code X-Keyhouse-Runtime}) is served: the current environment, except for
     * the kinds a rollout holds it back on ({@link EnvironmentPins}), which are served at their pinned version. Its
     * {@link RuntimeEnvironment#version()} is then the sum of the versions served, which is what that runtime ran
     * before the rollout. An unnamed runtime ({@code runtime} null) cannot be held back. Either way the answer is
     * {@link RuntimeEnvironment#receivedBy} the targets the name belongs to ({@link RuntimeReceivers}), or
     * {@link RuntimeEnvironment#receivedByUnknown} ({@link #UNNAMED}, {@link #UNKNOWN}) when it belongs to none.
     * The pins and the settings are read in one transaction (one pooled connection, nothing else awaited); the
     * {@code vault:} references among the secrets are resolved outside it ({@link #resolving}).
     */
    public RuntimeEnvironment forRuntime(String runtime) {
        return resolving(() -> forRuntimeRead(runtime));
    }

    private RuntimeEnvironment forRuntimeRead(String runtime) {
        if (listening()) {
            Snapshot snapshot = snapshot();
            List<EnvironmentPins.Pin> held = snapshot.pins().pinsFor(runtime);
            RuntimeEnvironment base = snapshot.current();
            if (!held.isEmpty()) {
                Map<String, EnvironmentPins.Pin> byKind = byKind(held);
                base = snapshot.pinned().computeIfAbsent(pinKey(byKind), key -> {
                    RuntimeEnvironment built = buildPinned(byKind);
                    snapshot.expiresAt().accumulateAndGet(expiresAt(), Math::min);
                    return built;
                });
            }
            return received(snapshot, base, pinKey(byKind(held)), runtime);
        }
        return received(heldRead(runtime), runtime, runtime == null ? java.util.Set.of() : receivers.targetsOf(runtime));
    }

    /** The current environment, or the one pinned for the named runtime by open rollouts, read from the rows. */
    private RuntimeEnvironment heldRead(String runtime) {
        List<EnvironmentPins.Pin> held = runtime == null ? List.of() : pins.pinsFor(runtime);
        return held.isEmpty() ? currentRead() : pinnedRead(held);
    }

    /**
     * What a runtime restarted by a run that is not a rollout starts on (a shared secret's run, a "Restart now"; issue
     * 19): what runtime-config serves it by name ({@link #forRuntime}), so a runtime an open rollout holds gets the
     * held configuration of the kind under rollout ({@link EnvironmentPins}) and everything else current, never that
     * rollout's change ahead of its wave, and its {@link RuntimeEnvironment#version()} is the version it is served.
     * Read from the rows, never the snapshot, so a pin committed just before is seen.
     *
     * @param runtime the runtime's name as its target's driver discovered it (what it names itself as)
     * @param targetId the target restarting it: {@link RuntimeEnvironment#receivedBy} it and every target the name
     *        belongs to ({@link RuntimeReceivers}), so a runtime discovered for the first time gets its target's
     *        shared secrets too
     * @return an environment whose {@link RuntimeEnvironment#errors()} name what cannot be served (a held version
     *         not stored, ...), which the caller must refuse to restart on
     */
    public RuntimeEnvironment forRestart(String runtime, long targetId) {
        java.util.Objects.requireNonNull(runtime, "runtime");
        return resolving(() -> {
            java.util.Set<Long> targets = new java.util.TreeSet<>(receivers.targetsOf(runtime));
            targets.add(targetId);
            return heldRead(runtime).receivedBy(targets);
        });
    }

    /**
     * What the runtime receives of {@code base}: {@link RuntimeEnvironment#receivedBy} its targets, or
     * {@link RuntimeEnvironment#receivedByUnknown} when it names none or belongs to none.
     */
    private static RuntimeEnvironment received(RuntimeEnvironment base, String runtime, java.util.Set<Long> targets) {
        if (runtime == null) {
            return base.receivedByUnknown(UNNAMED);
        }
        return targets.isEmpty() ? base.receivedByUnknown(UNKNOWN) : base.receivedBy(targets);
    }

    /**
     * {@link #received(RuntimeEnvironment, String, java.util.Set)} from the snapshot's known runtimes, kept in the
     * snapshot per pin set and receiver (so the resource renders one answer once): memory only.
     */
    private static RuntimeEnvironment received(Snapshot snapshot, RuntimeEnvironment base, String pinKey,
            String runtime) {
        java.util.Set<Long> targets = runtime == null ? java.util.Set.of() : snapshot.receivers().targetsOf(runtime);
        String receiver = runtime == null ? "unnamed" : targets.isEmpty() ? "unknown"
                : new java.util.TreeSet<>(targets).toString();
        return snapshot.pinned().computeIfAbsent(pinKey + "|" + receiver, key -> received(base, runtime, targets));
    }

    /**
     * What {@link #forRuntime} would answer, from memory only: no database work, no decryption, no blocking, so
     * it may run on an event-loop thread. Null when it cannot be answered from memory: the listener is not
     * connected or has not read within {@link #ALIVE_NANOS}, nothing is cached since the last change, or the
     * runtime's pin set has not been built yet; the caller then asks {@link #forRuntime} on a worker thread.
     */
    public RuntimeEnvironment fromMemory(String runtime) {
        Snapshot snapshot = memory;
        if (snapshot == null || !listening() || expired(snapshot.expiresAt().get())) {
            return null;
        }
        List<EnvironmentPins.Pin> held = snapshot.pins().pinsFor(runtime);
        RuntimeEnvironment base = held.isEmpty() ? snapshot.current() : snapshot.pinned().get(pinKey(byKind(held)));
        return base == null ? null : received(snapshot, base, pinKey(byKind(held)), runtime);
    }

    /** The snapshot in memory, or a new one (one query for the pins, the settings read and opened). */
    private Snapshot snapshot() {
        Snapshot known = memory;
        if (known != null && !expired(known.expiresAt().get())) {
            return known;
        }
        // one build at a time (the fleet asks at once after a change); the others take what it stored. Waiting
        // here holds no pooled connection: nothing was read in this transaction yet.
        synchronized (buildLock) {
            known = memory;
            return known != null && !expired(known.expiresAt().get()) ? known : snapshot(() -> {
            });
        }
    }

    /**
     * Builds a snapshot and stores it unless something was invalidated since the build began; {@code afterRead}
     * runs between the reads and the store (tests put a concurrent save there). Needs a transaction.
     */
    Snapshot snapshot(Runnable afterRead) {
        long built = generation;
        RuntimeEnvironment current = build(sources());
        Snapshot fresh = new Snapshot(built, current, pins.open(), receivers.known(),
                new java.util.concurrent.ConcurrentHashMap<>(),
                new java.util.concurrent.atomic.AtomicLong(expiresAt()));
        afterRead.run();
        synchronized (memoryLock) {
            // a notification that came while this was read makes it possibly older than that commit: not stored
            if (generation == built && listening) {
                memory = fresh;
            }
        }
        return fresh;
    }

    /**
     * Drops every cached environment: a notification arrived ({@link EnvironmentListener}), the listener
     * (re)connected, or this replica committed a save. A snapshot being built while this runs is not stored.
     */
    public void invalidate() {
        synchronized (memoryLock) {
            generation++;
            memory = null;
            cached = null;
            pinned.clear();
        }
    }

    /** After a local save commits: this replica's next call must not wait for its own notification. */
    void onSaved(@jakarta.enterprise.event.Observes(during = jakarta.enterprise.event.TransactionPhase.AFTER_SUCCESS)
            SettingSaved saved) {
        invalidate();
    }

    /** After a local change of another source of the environment (a shared secret) commits, as {@link #onSaved}. */
    void onChanged(@jakarta.enterprise.event.Observes(during = jakarta.enterprise.event.TransactionPhase.AFTER_SUCCESS)
            EnvironmentChanged changed) {
        invalidate();
    }

    /** How many times the cache was dropped so far: grows with every notification, local save and reconnect. */
    public long generation() {
        return generation;
    }

    /**
     * Whether the snapshot may be served: the listener is connected and a ping it sent less than
     * {@link #ALIVE_NANOS} ago has come back.
     */
    public boolean listening() {
        return listening && System.nanoTime() - listenerAliveAt < ALIVE_NANOS;
    }

    /**
     * The listener's first ping came back after a (re)connect: drops everything (notifications were missed while
     * down), then serves.
     *
     * @param sentAt {@link System#nanoTime()} just before that ping was sent
     */
    void listenerUp(long sentAt) {
        synchronized (memoryLock) {
            invalidate();
            listenerAliveAt = sentAt;
            listening = true;
        }
    }

    /**
     * The listener's ping came back: notifications are still being delivered.
     *
     * @param sentAt {@link System#nanoTime()} just before that ping was sent
     */
    void listenerAlive(long sentAt) {
        if (sentAt - listenerAliveAt > 0) {
            listenerAliveAt = sentAt;
        }
    }

    /** The listener lost its connection (or stops): back to revalidating every call. */
    void listenerDown() {
        synchronized (memoryLock) {
            listening = false;
            invalidate();
        }
    }

    /**
     * The environment with each pinned kind at its pinned version (the lowest when two pins name one kind) and
     * every other kind current. A pinned version whose stored row is missing leaves that kind unresolved (so the
     * answer fails closed) rather than falling back to the current, newer key. Cached per pin set, rebuilt when the
     * current settings change (the same stamp as {@link #current()}) or a value it took from Vault is due again.
     */
    public RuntimeEnvironment pinned(List<EnvironmentPins.Pin> held) {
        return resolving(() -> pinnedRead(held));
    }

    private RuntimeEnvironment pinnedRead(List<EnvironmentPins.Pin> held) {
        Map<String, EnvironmentPins.Pin> byKind = byKind(held);
        String key = pinKey(byKind);
        String stamp = stamp();
        Cached known = pinned.get(key);
        if (known != null && known.validFor(stamp)) {
            return known.environment();
        }
        RuntimeEnvironment built = buildPinned(byKind);
        if (pinned.size() >= MAX_PINNED_SETS) {
            pinned.clear();
        }
        pinned.put(key, new Cached(stamp, built, expiresAt()));
        return built;
    }

    /** The pins by kind, the lowest version when two pins name one kind. */
    private static Map<String, EnvironmentPins.Pin> byKind(List<EnvironmentPins.Pin> held) {
        Map<String, EnvironmentPins.Pin> byKind = new java.util.TreeMap<>();
        for (EnvironmentPins.Pin pin : held) {
            byKind.merge(pin.kind(), pin, (a, b) -> earlier(a, b) ? a : b);
        }
        return byKind;
    }

    /**
     * Whether pin {@code a} holds an earlier configuration than {@code b}: the lower version, then the fallbacks as
     * they were longer ago (a pin without them, a run planned before V23, serves the current ones: the newest).
     */
    private static boolean earlier(EnvironmentPins.Pin a, EnvironmentPins.Pin b) {
        if (a.version() != b.version()) {
            return a.version() < b.version();
        }
        return b.entries() == null || a.entries() != null && a.entries().upTo() <= b.entries().upTo();
    }

    /** A pin set's key, e.g. {@code llm:3;tts:7=12,15@17} (the held fallbacks after {@code =}). */
    private static String pinKey(Map<String, EnvironmentPins.Pin> byKind) {
        return String.join(";", byKind.values().stream().map(p -> p.kind() + ":" + p.version()
                + (p.entries() == null ? "" : "=" + p.entries().key())).toList());
    }

    private RuntimeEnvironment buildPinned(Map<String, EnvironmentPins.Pin> byKind) {
        Map<ProviderKind, Source> sources = sources();
        List<Unresolved> missing = new ArrayList<>();
        Map<String, HeldFallbacks> heldFallbacks = new java.util.HashMap<>();
        for (EnvironmentPins.Pin pin : byKind.values()) {
            ProviderKind kind = ProviderKind.parse(pin.kind()).orElse(null);
            if (kind == null) {
                continue;
            }
            if (pin.entries() != null) {
                heldFallbacks.put(kind.id(), pin.entries());
            }
            ProviderSettingVersion stored = ProviderSettingVersion.of(kind, pin.version()).orElse(null);
            if (stored == null) {
                sources.remove(kind);
                missing.add(new Unresolved(kind.id(), "version", "is held at version " + pin.version()
                        + " for this runtime by rollout run " + pin.runId() + ", and that version is not stored",
                        kindVariables(kind)));
            } else {
                sources.put(kind, new Source(stored.version, stored.values()));
            }
        }
        RuntimeEnvironment built = build(sources, heldFallbacks);
        if (!missing.isEmpty()) {
            List<Unresolved> unresolved = new ArrayList<>(missing);
            unresolved.addAll(built.unresolved());
            built = new RuntimeEnvironment(built.version() + byKind.values().stream()
                    .filter(p -> missing.stream().anyMatch(m -> m.kind().equals(p.kind())))
                    .mapToLong(EnvironmentPins.Pin::version).sum(), built.env(), List.copyOf(unresolved),
                    built.llmKeyFingerprint(), built.kindNames(), built.sharedVariables(), built.shared(), null, List.of(),
                    null, null);
        }
        return new RuntimeEnvironment(built.version(), built.env(), built.unresolved(), built.llmKeyFingerprint(),
                built.kindNames(), built.sharedVariables(), built.shared(), null, List.of(),
                fingerprints.of(contents(pinKey(byKind), built)), String.join(",", byKind.values().stream()
                        .map(p -> p.kind() + ":" + p.version()).toList()));
    }

    /**
     * An unambiguous text of a held environment's contents, for its keyed fingerprint only (plaintext: never log or
     * keep it): the pins, every pair, what is unresolved and every shared secret as built (what any receiver's answer
     * is made of), each length-prefixed and each list preceded by its size.
     */
    private static String contents(String pinKey, RuntimeEnvironment built) {
        StringBuilder text = new StringBuilder("keyhouse/held-configuration\n");
        java.util.function.Consumer<String> field = value -> {
            String v = value == null ? "" : value;
            text.append(value == null ? -1 : v.length()).append(':').append(v).append('\n');
        };
        field.accept(String.valueOf(built.version()));
        field.accept(pinKey);
        field.accept(String.valueOf(built.env().size()));
        new java.util.TreeMap<>(built.env()).forEach((name, value) -> {
            field.accept(name);
            field.accept(value);
        });
        field.accept(String.valueOf(built.unresolved().size()));
        built.errors().forEach(field);
        field.accept(String.valueOf(built.shared().size()));
        for (SharedValue secret : built.shared()) {
            field.accept(secret.name());
            field.accept(secret.variable());
            field.accept(secret.value());
            field.accept(secret.problem() == null ? null : secret.problem().sentence());
            field.accept(new java.util.TreeSet<>(secret.targets()).toString());
        }
        return text.toString();
    }

    /**
     * The current environment of every configured kind, its {@code vault:} references resolved outside the
     * transaction that reads the rows ({@link #resolving}); when called inside a caller's transaction, that one's
     * connection stays held while Vault answers (only when the value is not cached).
     */
    public RuntimeEnvironment current() {
        return resolving(this::currentRead);
    }

    private RuntimeEnvironment currentRead() {
        String stamp = stamp();
        Cached known = cached;
        if (known != null && known.validFor(stamp)) {
            return known.environment();
        }
        // A save between the stamp and this read makes the result newer than its stamp: the next call rebuilds.
        RuntimeEnvironment fresh = build(sources());
        cached = new Cached(stamp, fresh, expiresAt());
        return fresh;
    }

    /**
     * The environment of the rows the caller's transaction sees, built afresh (no cache, no stamp, no Vault call):
     * what the migration test reads from a schema of its own.
     */
    RuntimeEnvironment uncached() {
        return build(sources());
    }

    /**
     * Each kind's version and change time, the shared secrets' and fallback entries' histories and the shared
     * secrets' links, in one short row: what a cached result is valid for.
     */
    private String stamp() {
        return (String) em.createNativeQuery("SELECT (SELECT string_agg(kind || ':' || version || ':'"
                + " || coalesce(extract(epoch FROM updated_at)::text, ''), ';' ORDER BY kind) FROM provider_settings)"
                + " || (SELECT ';shared:' || count(*) || ':' || coalesce(max(id), 0) FROM shared_secret_versions)"
                + " || (SELECT ';entries:' || count(*) || ':' || coalesce(max(id), 0) FROM provider_entry_versions)"
                // the links a shared secret's receivers are read from: a deleted target takes its links along
                + " || (SELECT ';links:' || count(*) || ':' || coalesce(sum(target_id), 0) FROM shared_secret_targets)")
                .getSingleResult();
    }

    /**
     * The variables each fleet kind's fields are served as (issue 19), every field of the kind listed, in field
     * order; a field served as none (the provider of a kind with one provider) maps to an empty list. The names are
     * the ones the software reading them takes by default:
     * <ul>
     * <li>livekit: {@code LIVEKIT_URL}, {@code LIVEKIT_API_KEY}, {@code LIVEKIT_API_SECRET}, which LiveKit's server
     * SDKs and agents fall back to when no URL, key or secret is passed in code;
     * <li>storage: {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY} and {@code AWS_REGION} (the AWS SDKs'
     * credential and region variables) and {@code AWS_ENDPOINT_URL_S3}, the AWS SDKs' service-specific endpoint
     * variable ("Service-specific endpoints", AWS SDKs and Tools Reference Guide: it overrides
     * {@code AWS_ENDPOINT_URL} for S3 only, so a runtime's other AWS clients keep theirs); plus
     * {@code STORAGE_PROVIDER} ({@code s3} or {@code minio}), {@code STORAGE_ENDPOINT} and {@code STORAGE_BUCKET}
     * for code that is not an AWS SDK (no AWS variable names a bucket);
     * <li>tracing: {@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_PROTOCOL},
     * {@code OTEL_EXPORTER_OTLP_HEADERS}, as OpenTelemetry's "OTLP Exporter Configuration" names them for every
     * signal at once.
     * </ul>
     * An unset optional field is served as nothing (e.g. no {@code AWS_ENDPOINT_URL_S3} for S3 without an
     * endpoint, no {@code OTEL_EXPORTER_OTLP_PROTOCOL} without a protocol): the SDK's own default applies.
     */
    static final Map<ProviderKind, Map<SettingField, List<String>>> FLEET_VARIABLES = fleetVariables();

    private static Map<ProviderKind, Map<SettingField, List<String>>> fleetVariables() {
        Map<ProviderKind, Map<SettingField, List<String>>> variables = new EnumMap<>(ProviderKind.class);
        for (ProviderKind kind : ProviderKind.values()) {
            Map<SettingField, List<String>> names = new LinkedHashMap<>();
            switch (kind) {
                case LLM, STT, TTS, TELEPHONY -> {
                    // served by the provider kinds' own rules (build, managedNames)
                    continue;
                }
                case LIVEKIT -> {
                    names.put(SettingField.PROVIDER, List.of());
                    names.put(SettingField.URL, List.of("LIVEKIT_URL"));
                    names.put(SettingField.API_KEY, List.of("LIVEKIT_API_KEY"));
                    names.put(SettingField.API_SECRET, List.of("LIVEKIT_API_SECRET"));
                }
                case STORAGE -> {
                    names.put(SettingField.PROVIDER, List.of("STORAGE_PROVIDER"));
                    names.put(SettingField.ENDPOINT, List.of("STORAGE_ENDPOINT", "AWS_ENDPOINT_URL_S3"));
                    names.put(SettingField.REGION, List.of("AWS_REGION"));
                    names.put(SettingField.BUCKET, List.of("STORAGE_BUCKET"));
                    names.put(SettingField.ACCESS_KEY, List.of("AWS_ACCESS_KEY_ID"));
                    names.put(SettingField.SECRET_KEY, List.of("AWS_SECRET_ACCESS_KEY"));
                }
                case TRACING -> {
                    names.put(SettingField.PROVIDER, List.of());
                    names.put(SettingField.ENDPOINT, List.of("OTEL_EXPORTER_OTLP_ENDPOINT"));
                    names.put(SettingField.PROTOCOL, List.of("OTEL_EXPORTER_OTLP_PROTOCOL"));
                    names.put(SettingField.HEADERS, List.of("OTEL_EXPORTER_OTLP_HEADERS"));
                }
            }
            if (!names.keySet().equals(new java.util.LinkedHashSet<>(kind.fields()))) {
                throw new IllegalStateException(kind.id() + ": every field needs its variables, " + kind.fields());
            }
            variables.put(kind, Collections.unmodifiableMap(names));
        }
        return Collections.unmodifiableMap(variables);
    }

    /** The fleet kinds' variables that carry a secret: those of their secret fields. */
    private static final java.util.Set<String> FLEET_SECRET_NAMES = FLEET_VARIABLES.values().stream()
            .flatMap(names -> names.entrySet().stream()).filter(e -> e.getKey().secret())
            .flatMap(e -> e.getValue().stream()).collect(java.util.stream.Collectors.toUnmodifiableSet());

    /**
     * Whether an environment name carries a secret: every {@code *_API_KEY} but {@code TWILIO_API_KEY} (an API key's
     * SID, {@code SK…}), {@code TWILIO_AUTH_TOKEN}, {@code TWILIO_API_SECRET}, and every variable of a fleet kind's
     * secret field ({@code LIVEKIT_API_SECRET}, {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
     * {@code OTEL_EXPORTER_OTLP_HEADERS}; {@link #FLEET_VARIABLES}).
     */
    public static boolean isSecretName(String name) {
        return name.endsWith("_API_KEY") && !"TWILIO_API_KEY".equals(name) || "TWILIO_AUTH_TOKEN".equals(name)
                || "TWILIO_API_SECRET".equals(name) || FLEET_SECRET_NAMES.contains(name);
    }

    private static java.util.Set<String> managedNames() {
        java.util.Set<String> names = new java.util.TreeSet<>(List.of(
                "LLM_PROVIDER", "LLM_MODEL", "LLM_BASE_URL", "LLM_ORGANIZATION", "LLM_API_VERSION", "LLM_API_KEY",
                "STT_PROVIDER", "STT_MODEL", "STT_LANGUAGE", "STT_BASE_URL", "STT_API_KEY",
                "TTS_PROVIDER", "TTS_VOICE", "TTS_MODEL", "TTS_BASE_URL", "TTS_API_KEY",
                "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_FROM_NUMBER",
                "TWILIO_WHATSAPP_FROM"));
        for (ProviderKind kind : ProviderKind.values()) {
            switch (kind) {
                case LLM, STT, TTS -> kind.providers().stream().filter(p -> !ProviderKind.CUSTOM.equals(p))
                        .forEach(p -> names.add(p.toUpperCase(Locale.ROOT) + "_API_KEY"));
                case TELEPHONY -> {
                    // its names are listed above
                }
                case LIVEKIT, STORAGE, TRACING -> FLEET_VARIABLES.get(kind).values().forEach(names::addAll);
            }
        }
        names.addAll(EntryVariables.allNames());
        return java.util.Collections.unmodifiableSet(names);
    }

    /** The kind of a shared secret's {@link Unresolved}: its path is {@code sharedSecret.<name>}. */
    public static final String SHARED_SECRET = "sharedSecret";

    /**
     * Every name {@link #build} may ever put in an environment, whatever is configured now. Which of them a runtime
     * must drop when an environment lacks them (e.g. a provider changed) is that environment's
     * {@link RuntimeEnvironment#managedNames()}: the fleet kinds' names only once their kind is configured.
     */
    public static final java.util.Set<String> MANAGED_NAMES = managedNames();

    /** One kind's version and fields, from its current row or from a stored earlier version. */
    private record Source(long version, SettingValues values) {
    }

    /**
     * Every kind's current row, read only: {@link ProviderSetting#values()} fills in an empty embeddable for a row
     * whose fields are all null, which Hibernate would otherwise write back at commit (an UPDATE per build, and a
     * notification that drops the cache just built).
     */
    private Map<ProviderKind, Source> sources() {
        Map<ProviderKind, Source> sources = new EnumMap<>(ProviderKind.class);
        for (ProviderSetting row : em.createQuery("from ProviderSetting", ProviderSetting.class)
                .setHint(org.hibernate.jpa.HibernateHints.HINT_READ_ONLY, true).getResultList()) {
            ProviderKind.parse(row.kind).ifPresent(kind -> sources.put(kind, new Source(row.version, row.values())));
        }
        return sources;
    }

    /** The names a kind's fields are served under (not the provider's own key names), for a kind left out whole. */
    private static List<String> kindVariables(ProviderKind kind) {
        return switch (kind) {
            case LLM, STT, TTS, TELEPHONY -> {
                String prefix = kind == ProviderKind.TELEPHONY ? "TWILIO_" : kind.name() + "_";
                yield MANAGED_NAMES.stream().filter(name -> name.startsWith(prefix)).toList();
            }
            case LIVEKIT, STORAGE, TRACING -> FLEET_VARIABLES.get(kind).values().stream().flatMap(List::stream)
                    .toList();
        };
    }

    private RuntimeEnvironment build(Map<ProviderKind, Source> sources) {
        return build(sources, Map.of());
    }

    /**
     * The environment of the given kinds' rows, each kind's fallbacks current or, for a kind in {@code held}, as they
     * were then (a rollout holding a runtime at the kind's whole earlier configuration).
     */
    private RuntimeEnvironment build(Map<ProviderKind, Source> sources, Map<String, HeldFallbacks> held) {
        Map<String, String> env = new LinkedHashMap<>();
        List<Unresolved> unresolved = new ArrayList<>();
        String llmFingerprint = null;
        long version = sources.values().stream().mapToLong(Source::version).sum();
        Entries entries = entries(held);
        version += entries.versions();
        java.util.Set<String> managed = new java.util.TreeSet<>(MANAGED_NAMES);
        FLEET_VARIABLES.values().forEach(names -> names.values().forEach(managed::removeAll));
        for (ProviderKind kind : ProviderKind.values()) {
            Source row = sources.get(kind);
            if (row == null || row.version() == 0) {
                continue;
            }
            if (FLEET_VARIABLES.containsKey(kind)) {
                // configured: from now on Keyhouse owns these names in its runtimes
                FLEET_VARIABLES.get(kind).values().forEach(managed::addAll);
            }
            SettingValues values = row.values();
            Map<SettingField, String> problems = new EnumMap<>(SettingRules.unservable(kind, values));
            String provider = problems.containsKey(SettingField.PROVIDER) ? null : values.provider;
            Map<SettingField, String> secrets = secrets(kind, provider, values, problems);
            String secret = secrets.get(kind.secretField());
            KindFields served = new KindFields(env, values, problems);
            switch (kind) {
                case LLM -> {
                    served.put("LLM_PROVIDER", SettingField.PROVIDER);
                    served.put("LLM_MODEL", SettingField.MODEL);
                    served.put("LLM_BASE_URL", SettingField.BASE_URL);
                    if (values.baseUrl == null && provider != null) {
                        // a version saved without one means the provider's default, as a save fills it in
                        put(env, "LLM_BASE_URL", SettingRules.LLM_BASE_URLS.get(provider));
                    }
                    served.put("LLM_ORGANIZATION", SettingField.ORGANIZATION);
                    served.put("LLM_API_VERSION", SettingField.API_VERSION);
                    apiKey(env, "LLM_API_KEY", provider, secret);
                    llmFingerprint = secret == null ? null : fingerprints.of(secret);
                }
                case STT -> {
                    served.put("STT_PROVIDER", SettingField.PROVIDER);
                    served.put("STT_MODEL", SettingField.MODEL);
                    served.put("STT_LANGUAGE", SettingField.LANGUAGE);
                    served.put("STT_BASE_URL", SettingField.BASE_URL);
                    apiKey(env, "STT_API_KEY", provider, secret);
                }
                case TTS -> {
                    served.put("TTS_PROVIDER", SettingField.PROVIDER);
                    served.put("TTS_VOICE", SettingField.VOICE);
                    served.put("TTS_MODEL", SettingField.MODEL);
                    served.put("TTS_BASE_URL", SettingField.BASE_URL);
                    apiKey(env, "TTS_API_KEY", provider, secret);
                }
                case TELEPHONY -> {
                    served.put("TWILIO_ACCOUNT_SID", SettingField.ACCOUNT_SID);
                    put(env, "TWILIO_AUTH_TOKEN", secret);
                    served.put("TWILIO_API_KEY", SettingField.API_KEY_SID);
                    put(env, "TWILIO_API_SECRET", secrets.get(SettingField.API_SECRET));
                    served.put("TWILIO_FROM_NUMBER", SettingField.FROM_NUMBER);
                    served.put("TWILIO_WHATSAPP_FROM", SettingField.WHATSAPP_FROM);
                }
                case LIVEKIT, STORAGE, TRACING -> FLEET_VARIABLES.get(kind).forEach((field, names) -> names.forEach(
                        name -> {
                            if (field.secret()) {
                                put(env, name, secrets.get(field));
                            } else {
                                served.put(name, field);
                            }
                        }));
            }
            for (SettingField field : kind.fields()) {
                String reason = problems.get(field);
                if (reason != null) {
                    unresolved.add(new Unresolved(kind.id(), field.json(), reason, variables(kind, field, provider)));
                }
            }
            fallbacks(kind, provider, entries.current(), env, unresolved);
        }
        SharedSecrets shared = sharedSecrets();
        List<SharedValue> values = new ArrayList<>();
        for (SharedSecret secret : shared.current()) {
            String reserved = ReservedVariables.problem(secret.variable());
            Object served = reserved != null ? null : serve(secret.valueId(), true);
            if (served instanceof Served value) {
                values.add(new SharedValue(secret.name(), secret.variable(), value.value(), null, secret.targets(),
                        secret.targetNames()));
            } else {
                // stored before the validator refused it: never served, its receivers' answers fail closed until
                // renamed
                String reason = reserved != null ? "variable " + secret.variable() + " " + reserved
                        + "; rename the shared secret's variable" : (String) served;
                values.add(new SharedValue(secret.name(), secret.variable(), null, new Unresolved(SHARED_SECRET,
                        secret.name(), reason, List.of(secret.variable())), secret.targets(), secret.targetNames()));
            }
        }
        Resolving context = RESOLVING.get();
        if (context != null && !context.missed.isEmpty()) {
            throw new Missed();
        }
        return new RuntimeEnvironment(version + shared.versions(), Collections.unmodifiableMap(env),
                List.copyOf(unresolved), llmFingerprint, Collections.unmodifiableSet(managed), shared.variables(),
                List.copyOf(values), null, List.of(), null, null);
    }

    /**
     * The enabled fallback entries of every kind in order, and how many entry versions were ever stored (what they add
     * to the runtime-config version, which so only grows, a deletion included).
     */
    private record Entries(List<Fallback> current, long versions) {
    }

    /**
     * A fallback as served: its entry id, kind and fields (the entry's current ones, or a held version's); values
     * null for a held version that is not stored (served as nothing, unresolved).
     */
    private record Fallback(long id, String kind, SettingValues values) {
    }

    /**
     * The fallbacks served: every kind's current enabled entries, but for a kind in {@code held} the versions it
     * holds, in their order; its entry history counted only up to where it was then, so the version is the one
     * served then.
     */
    private Entries entries(Map<String, HeldFallbacks> held) {
        List<Fallback> current = new ArrayList<>();
        for (ProviderEntry entry : em.createQuery("from ProviderEntry where enabled = true order by kind, position",
                ProviderEntry.class).setHint(org.hibernate.jpa.HibernateHints.HINT_READ_ONLY, true).getResultList()) {
            if (!held.containsKey(entry.kind)) {
                current.add(new Fallback(entry.id, entry.kind, entry.values()));
            }
        }
        long versions = ((Number) em.createNativeQuery("SELECT count(*) FROM provider_entry_versions")
                .getSingleResult()).longValue();
        for (Map.Entry<String, HeldFallbacks> kind : held.entrySet()) {
            List<Long> rows = kind.getValue().rows();
            Map<Long, ProviderEntryVersion> byId = new java.util.HashMap<>();
            if (!rows.isEmpty()) {
                em.createQuery("from ProviderEntryVersion where id in ?1", ProviderEntryVersion.class)
                        .setParameter(1, rows).setHint(org.hibernate.jpa.HibernateHints.HINT_READ_ONLY, true)
                        .getResultList().forEach(v -> byId.put(v.id, v));
            }
            for (Long row : rows) {
                ProviderEntryVersion version = byId.get(row);
                current.add(version == null ? new Fallback(row, kind.getKey(), null) : new Fallback(version.entryId,
                        version.kind, version.values == null ? new SettingValues() : version.values));
            }
            versions -= ((Number) em.createNativeQuery("SELECT count(*) FROM provider_entry_versions"
                    + " WHERE kind = :kind AND id > :upTo").setParameter("kind", kind.getKey())
                    .setParameter("upTo", kind.getValue().upTo()).getSingleResult()).longValue();
        }
        return new Entries(current, versions);
    }

    /**
     * A kind's enabled fallbacks ({@link EntryVariables}): nothing while it has none, so a kind without fallbacks is
     * served exactly as before they existed. A fallback's problem (a key no configured key opens, a required field
     * unset) is unresolved as {@code <kind>.providers.<id>.<field>}, failing the whole answer closed as the
     * primary's would.
     */
    private void fallbacks(ProviderKind kind, String primaryProvider, List<Fallback> all, Map<String, String> env,
            List<Unresolved> unresolved) {
        List<Fallback> fallbacks = all.stream().filter(e -> e.kind().equals(kind.id())).toList();
        if (fallbacks.isEmpty()) {
            return;
        }
        List<String> order = new ArrayList<>();
        if (primaryProvider != null) {
            order.add(primaryProvider);
        }
        for (Fallback entry : fallbacks) {
            if (entry.values() == null) {
                // never replaced by the current fallbacks: this runtime's answer fails closed
                unresolved.add(new Unresolved(kind.id(), "providers.version", "is held by a rollout at fallback"
                        + " version row " + entry.id() + ", which is not stored", List.of(EntryVariables.listName(kind))));
                continue;
            }
            SettingValues values = entry.values();
            Map<SettingField, String> problems = new EnumMap<>(SettingRules.unservable(kind, values));
            String provider = problems.containsKey(SettingField.PROVIDER) ? null : values.provider;
            Map<SettingField, String> secrets = secrets(kind, provider, values, problems);
            String field = "providers." + entry.id() + ".";
            if (provider != null) {
                order.add(provider);
                put(env, EntryVariables.keyName(kind, provider), secrets.get(kind.secretField()));
                for (SettingField plain : EntryVariables.fields(kind)) {
                    if (!problems.containsKey(plain)) {
                        put(env, EntryVariables.fieldName(kind, provider, plain), values.get(plain));
                    }
                }
            }
            problems.forEach((f, reason) -> unresolved.add(new Unresolved(kind.id(), field + f.json(), reason,
                    provider == null ? List.of(EntryVariables.listName(kind))
                            : List.of(f.secret() ? EntryVariables.keyName(kind, provider)
                                    : EntryVariables.fieldName(kind, provider, f)))));
        }
        put(env, EntryVariables.listName(kind), String.join(",", order));
    }

    /** A shared secret as runtime-config serves it: its name, variable, sealed value and the targets it lists. */
    private record SharedSecret(String name, String variable, java.util.UUID valueId, java.util.Set<Long> targets,
            List<String> targetNames) {
    }

    /**
     * The shared secrets (issue 19): the current ones by name, how many versions were ever stored (what they add to
     * the runtime-config version, which so only grows, a deletion included) and every variable they ever wrote.
     */
    private record SharedSecrets(List<SharedSecret> current, long versions, java.util.Set<String> variables) {
    }

    @SuppressWarnings("unchecked")
    private SharedSecrets sharedSecrets() {
        List<SharedSecret> current = ((List<Object[]>) em.createNativeQuery("SELECT s.name, s.variable, s.value_id,"
                + " string_agg(t.id::text, ',' ORDER BY t.name), string_agg(t.name, ',' ORDER BY t.name)"
                + " FROM shared_secrets s LEFT JOIN shared_secret_targets l ON l.shared_secret_id = s.id"
                + " LEFT JOIN runtime_targets t ON t.id = l.target_id"
                + " GROUP BY s.id, s.name, s.variable, s.value_id ORDER BY s.name").getResultList()).stream()
                .map(row -> new SharedSecret((String) row[0], (String) row[1], (java.util.UUID) row[2],
                        row[3] == null ? java.util.Set.of() : java.util.Arrays.stream(((String) row[3]).split(","))
                                .map(Long::valueOf).collect(java.util.stream.Collectors.toUnmodifiableSet()),
                        row[4] == null ? List.of() : List.of(((String) row[4]).split(","))))
                .toList();
        List<Object[]> history = em.createNativeQuery("SELECT count(*), array_to_string(array_agg(DISTINCT variable),"
                + " ',') FROM shared_secret_versions").getResultList();
        long versions = ((Number) history.get(0)[0]).longValue();
        String variables = (String) history.get(0)[1];
        return new SharedSecrets(current, versions, variables == null || variables.isEmpty() ? java.util.Set.of()
                : java.util.Set.copyOf(List.of(variables.split(","))));
    }

    /** One kind's non-secret fields going into the environment; a field with a problem is left out. */
    private record KindFields(Map<String, String> env, SettingValues values, Map<SettingField, String> problems) {

        void put(String name, SettingField field) {
            if (!problems.containsKey(field)) {
                ProviderEnvironment.put(env, name, values.get(field));
            }
        }
    }

    /**
     * Every secret of the kind in plaintext, by field; a field is absent when unset or unservable. A secret that
     * cannot be opened, or that is required and unset, or that an environment cannot carry, is recorded in
     * {@code problems} (with the key it was written under, never the ciphertext or the value): any one of them
     * makes the environment incomplete, so nothing is served on a partial set of credentials.
     */
    private Map<SettingField, String> secrets(ProviderKind kind, String provider, SettingValues values,
            Map<SettingField, String> problems) {
        Map<SettingField, String> secrets = new EnumMap<>(SettingField.class);
        for (SettingField field : kind.secretFields()) {
            Object served = serve(values.secretRef(field), required(kind, field, provider, values));
            if (served instanceof Served value) {
                secrets.put(field, value.value());
            } else if (served != null) {
                problems.put(field, (String) served);
            }
        }
        return secrets;
    }

    /** A stored secret's plaintext as an environment may carry it. Plaintext: never log it. */
    private record Served(String value) {

        @Override
        public String toString() {
            return "Served[" + value.length() + " characters]";
        }
    }

    /**
     * A stored secret as a runtime is served it: {@link Served} (a {@code vault:} reference resolved), or why it
     * cannot be served as a String ("needs re-entry: written under key 3fa9c2e1, …", "is not set" when
     * {@code required}), or null when unset and not required.
     */
    private Object serve(java.util.UUID ref, boolean required) {
        Opened opened = settings.open(ref);
        if (opened == null) {
            return required ? "is not set" : null;
        }
        if (opened instanceof Opened.Unreadable unreadable) {
            return "needs re-entry: " + unreadable.message();
        }
        String value = ((Opened.Plaintext) opened).value();
        if (VaultReference.isReference(value)) {
            Object resolved = resolve(value);
            if (resolved instanceof String problem) {
                return problem;
            }
            value = ((VaultReferences.Resolved) resolved).value();
        }
        if (value.isEmpty()) {
            return "is empty: re-enter it";
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            return "contains a control character, which an environment cannot carry: re-enter it";
        }
        return new Served(value);
    }

    /**
     * A stored {@code vault:} reference's value ({@link VaultReferences.Resolved}) or, as a String, why it cannot be
     * served ("cannot be resolved: Vault at … is sealed …"). Inside {@link #resolving} it takes what was resolved
     * before the read or is cached, and notes the rest as missed (no Vault call while the read's connection is held);
     * outside (a caller of {@link #snapshot(Runnable)}) it asks Vault.
     */
    private Object resolve(String text) {
        VaultReference reference = VaultReference.parse(text).orElse(null);
        if (reference == null) {
            return "holds a malformed Vault reference: re-enter it (" + VaultReference.FORM + ")";
        }
        if (!reference.pinned()) {
            return "holds a Vault reference without ?version=N, which a save always adds: save it again";
        }
        Resolving context = RESOLVING.get();
        Object result = context == null ? null : context.fetched.get(reference);
        if (result == null) {
            result = vault.cached(reference).orElse(null);
        }
        if (result == null && context == null) {
            try {
                result = vault.resolve(reference);
            } catch (VaultReferences.Unresolvable e) {
                result = e;
            }
        }
        if (result == null) {
            if (!context.last) {
                context.missed.add(reference);
            }
            context.expiresAt = System.nanoTime();
            return "cannot be resolved: " + reference + " was not read from Vault in time; ask again";
        }
        if (context != null) {
            // a value is read again after the TTL; a failure too, but at most FAILURE_RETRY later (Vault unsealed)
            long after = result instanceof VaultReferences.Unresolvable
                    ? Math.min(vault.ttl().toNanos(), FAILURE_RETRY.toNanos()) : vault.ttl().toNanos();
            context.expiresAt = Math.min(context.expiresAt, System.nanoTime() + after);
        }
        if (result instanceof VaultReferences.Unresolvable e) {
            return "cannot be resolved: " + e.getMessage();
        }
        return result;
    }

    /** Whether an unset secret leaves the kind unservable: {@link SettingRules#secretRequired}. */
    private static boolean required(ProviderKind kind, SettingField field, String provider, SettingValues values) {
        return SettingRules.secretRequired(kind, field, provider, values);
    }

    /** The names a field is served under; a secret also under its provider's own name when there is one. */
    private static List<String> variables(ProviderKind kind, SettingField field, String provider) {
        switch (kind) {
            case LLM, STT, TTS, TELEPHONY -> {
                // below
            }
            case LIVEKIT, STORAGE, TRACING -> {
                return FLEET_VARIABLES.get(kind).get(field);
            }
        }
        if (field == SettingField.API_KEY_SID) {
            return List.of("TWILIO_API_KEY");
        }
        String prefix = kind == ProviderKind.TELEPHONY ? "TWILIO_" : kind.name() + "_";
        String name = prefix + field.column().toUpperCase(Locale.ROOT);
        if (field.secret() && provider != null && kind != ProviderKind.TELEPHONY
                && !ProviderKind.CUSTOM.equals(provider)) {
            return List.of(name, provider.toUpperCase(Locale.ROOT) + "_API_KEY");
        }
        return List.of(name);
    }

    /** The generic name and the provider's own, e.g. LLM_API_KEY and OPENAI_API_KEY; custom has no own name. */
    private static void apiKey(Map<String, String> env, String generic, String provider, String value) {
        put(env, generic, value);
        if (provider != null && !ProviderKind.CUSTOM.equals(provider)) {
            put(env, provider.toUpperCase(Locale.ROOT) + "_API_KEY", value);
        }
    }

    private static void put(Map<String, String> env, String name, String value) {
        if (value != null && !value.isEmpty()) {
            env.put(name, value);
        }
    }
}
