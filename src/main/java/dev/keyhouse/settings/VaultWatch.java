package dev.keyhouse.settings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.checks.ChecksBusy;
import dev.keyhouse.crypto.Opened;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.vault.VaultReferences;
import dev.keyhouse.vault.VaultSettings;
import dev.keyhouse.web.FieldErrors;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Makes a new version of a Vault secret that provider settings reference reach the fleet the way an admin's save does.
 * Every {@code VAULT_WATCH_INTERVAL_SECONDS} (0: never) it reads the KV metadata ({@code current_version}, no value)
 * of every secret a current setting or fallback entry references; when a secret has a newer version than a reference
 * is pinned to, it saves that kind (or that fallback, {@link CheckedSaves#saveEntry}) through {@link CheckedSaves} with
 * every such reference re-pinned, as actor {@value #ACTOR}: a new setting (or entry) version, audited, the live key
 * check and its mode, and the same restart run and rollout gate as any save (a fallback's: when it is served).
 *
 * <p>A reference held at its version ({@code ?version=N&hold}: typed with a version) is not watched.
 *
 * <p>A save the key check refuses (enforce mode), or that cannot pin the new version (its key missing, the version
 * deleted), changes nothing: runtimes keep the pinned version. It is audited once as {@code setting.vault.refused}
 * and logged, and that version is not tried again, by any replica; a later version is. Vault being unreachable is logged once per
 * change of state. Reads happen with no transaction open; each save is the normal save's own transactions.
 *
 * <p>With several replicas each polls, and one claims each new version ({@code vault_watch_versions}): only it
 * checks, saves and audits that version; a refused or held version stays so across restarts.
 */
@ApplicationScoped
public class VaultWatch {

    /** Who a save made for a new Vault version is by, in the audit log and history. */
    public static final String ACTOR = "vault";
    private static final Logger LOG = Logger.getLogger(VaultWatch.class);

    /**
     * One reference a current setting or fallback entry holds, with its non-secret fields as a save's input carries
     * them (a save replaces every field; secrets left out keep what is stored).
     *
     * @param entryId null for the kind's primary (its setting), else the fallback entry's id (issue 19)
     * @param settingVersion the setting's version, or the entry's
     */
    record Held(ProviderKind kind, Long entryId, long settingVersion, SettingField field, VaultReference reference,
            Map<String, String> fields, int highestEver) {

        /** Whether the setting was rolled back from a later version of this secret than it is pinned to now. */
        boolean rolledBack() {
            return highestEver > reference.version();
        }

        /** Who holds it, as {@code vault_watch_versions.kind} records claims: {@code stt}, or {@code stt:12}. */
        String owner() {
            return entryId == null ? kind.id() : kind.id() + ":" + entryId;
        }

        /** "stt", or "stt fallback 12" (audit targets and details). */
        String label() {
            return entryId == null ? kind.id() : kind.id() + " fallback " + entryId;
        }
    }

    /**
     * What one poll did to one kind's primary or to one fallback.
     *
     * @param entryId null for the primary, else the fallback entry's id
     */
    public record Change(ProviderKind kind, String outcome, String detail, Long entryId) {
    }

    private final EntityManager em;
    private final ProviderSettings settings;
    private final CheckedSaves saves;
    private final ProviderEntries entries;
    private final VaultReferences references;
    private final Audit audit;
    private final Duration interval;
    /** This replica, as its claims in {@code vault_watch_versions} name it. */
    private final String replica = java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "/"
            + java.util.UUID.randomUUID().toString().substring(0, 8);
    /** Paths whose metadata could not be read at the last poll, with why: logged once per change. */
    private final Map<String, String> failing = new ConcurrentHashMap<>();
    private volatile long lastPollNanos;
    private volatile boolean polledOnce;

    public VaultWatch(EntityManager em, ProviderSettings settings, CheckedSaves saves, ProviderEntries entries,
            VaultReferences references, Audit audit,
            @ConfigProperty(name = "keyhouse.vault.watch-interval-seconds", defaultValue = "60") long intervalSeconds) {
        this.em = em;
        this.settings = settings;
        this.saves = saves;
        this.entries = entries;
        this.references = references;
        this.audit = audit;
        this.interval = Duration.ofSeconds(intervalSeconds);
    }

    /** Whether watching is on: Vault configured and the interval not 0. */
    public boolean enabled() {
        return references.configured() && !interval.isZero();
    }

    @Scheduled(every = "${keyhouse.vault.watch-tick:1s}", delayed = "${keyhouse.vault.watch-delay:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!enabled() || (polledOnce && System.nanoTime() - lastPollNanos < interval.toNanos())) {
            return;
        }
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warnf("watching Vault failed (%s); the next poll tries again", e.getClass().getName());
        }
    }

    /**
     * Reads the current version of every referenced secret and saves each kind whose references are behind.
     * Must be called with no transaction open (Vault and the key checks are waited for).
     *
     * @return what happened to each kind that had a reference behind; empty when none was, or Vault is not configured
     */
    @Transactional(Transactional.TxType.NEVER)
    public List<Change> poll() {
        lastPollNanos = System.nanoTime();
        polledOnce = true;
        if (!references.configured()) {
            return List.of();
        }
        List<Held> held = held();
        Map<VaultSettings.KvPath, Integer> current = new LinkedHashMap<>();
        for (VaultSettings.KvPath path : new LinkedHashSet<>(held.stream().map(h -> h.reference().kvPath()).toList())) {
            currentVersion(path).ifPresent(version -> current.put(path, version));
        }
        Map<String, List<Held>> behind = new LinkedHashMap<>();
        for (Held h : held) {
            Integer version = current.get(h.reference().kvPath());
            if (version == null || version <= h.reference().version()) {
                continue;
            }
            if (version <= h.highestEver()) {
                rolledBack(h, version);
                continue;
            }
            behind.computeIfAbsent(h.owner(), k -> new ArrayList<>()).add(h);
        }
        List<Change> changes = new ArrayList<>();
        behind.forEach((owner, list) -> {
            // one replica per (kind or fallback, secret, version): the others, and this one after a restart, leave it
            List<Held> claimed = list.stream().filter(h -> claim(h, current.get(h.reference().kvPath()), "claimed"))
                    .toList();
            if (claimed.size() == list.size()) {
                changes.add(save(list, current));
            } else {
                claimed.forEach(h -> giveBack(h, current.get(h.reference().kvPath())));
            }
        });
        return changes;
    }

    /**
     * Claims {@code version} of the secret {@code h} references for its kind, recorded as {@code outcome}: true for
     * exactly one caller across replicas. A {@code claimed} row left by a stopped replica is taken over after 10
     * minutes; a {@code saved} version the kind was since rolled back from becomes {@code held} once.
     */
    private boolean claim(Held h, int version, String outcome) {
        return QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("""
                INSERT INTO vault_watch_versions (kind, data_path, kv_version, outcome, replica)
                VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (kind, data_path, kv_version) DO UPDATE
                    SET outcome = EXCLUDED.outcome, replica = EXCLUDED.replica, claimed_at = now(), detail = NULL
                    WHERE (EXCLUDED.outcome = 'claimed' AND vault_watch_versions.outcome = 'claimed'
                           AND vault_watch_versions.claimed_at < now() - interval '10 minutes')
                       OR (EXCLUDED.outcome = 'held' AND vault_watch_versions.outcome = 'saved')""")
                .setParameter(1, h.owner()).setParameter(2, h.reference().kvPath().dataPath())
                .setParameter(3, version).setParameter(4, outcome).setParameter(5, replica)
                .executeUpdate() == 1);
    }

    /** Records what became of this replica's claim. */
    private void settle(Held h, int version, String outcome, String detail) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("UPDATE vault_watch_versions SET outcome = ?1,"
                + " detail = ?2 WHERE kind = ?3 AND data_path = ?4 AND kv_version = ?5 AND replica = ?6")
                .setParameter(1, outcome).setParameter(2, truncate(detail)).setParameter(3, h.owner())
                .setParameter(4, h.reference().kvPath().dataPath()).setParameter(5, version)
                .setParameter(6, replica).executeUpdate());
    }

    /** Gives a claim back (a stale or busy save): the next poll, on any replica, tries that version again. */
    private void giveBack(Held h, int version) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("DELETE FROM vault_watch_versions"
                + " WHERE kind = ?1 AND data_path = ?2 AND kv_version = ?3 AND replica = ?4 AND outcome = 'claimed'")
                .setParameter(1, h.owner()).setParameter(2, h.reference().kvPath().dataPath())
                .setParameter(3, version).setParameter(4, replica).executeUpdate());
    }

    private static String truncate(String detail) {
        return detail.length() <= 2000 ? detail : detail.substring(0, 1999) + "…";
    }

    /**
     * Every pinned reference in the current settings and fallback entries (issue 19: a fallback's reference is
     * followed exactly as a primary's), read in one short read-only transaction.
     */
    List<Held> held() {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<Held> pinned = new ArrayList<>();
            for (ProviderSetting row : em.createQuery("from ProviderSetting", ProviderSetting.class)
                    .setHint(org.hibernate.jpa.HibernateHints.HINT_READ_ONLY, true).getResultList()) {
                Optional<ProviderKind> kind = ProviderKind.parse(row.kind);
                if (kind.isPresent() && row.version != 0) {
                    pinned.addAll(pinned(kind.get(), null, row.version, row.values()));
                }
            }
            for (ProviderEntry entry : em.createQuery("from ProviderEntry order by kind, position", ProviderEntry.class)
                    .setHint(org.hibernate.jpa.HibernateHints.HINT_READ_ONLY, true).getResultList()) {
                ProviderKind.parse(entry.kind).ifPresent(kind -> pinned.addAll(pinned(kind, entry.id, entry.version,
                        entry.values())));
            }
            List<Held> held = new ArrayList<>();
            for (Held h : pinned) {
                held.add(new Held(h.kind(), h.entryId(), h.settingVersion(), h.field(), h.reference(), h.fields(),
                        highestEver(h)));
            }
            return held;
        });
    }

    /** The followed references of one primary ({@code entryId} null) or fallback; a held one is left out. */
    private List<Held> pinned(ProviderKind kind, Long entryId, long version, SettingValues values) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (SettingField field : kind.fields()) {
            if (!field.secret() && values.get(field) != null) {
                fields.put(field.json(), values.get(field));
            }
        }
        List<Held> pinned = new ArrayList<>();
        for (SettingField field : kind.secretFields()) {
            reference(values.secretRef(field))
                    // a held reference (typed with its version) stays where the admin put it
                    .filter(r -> r.pinned() && !r.held())
                    .ifPresent(reference -> pinned.add(new Held(kind, entryId, version, field, reference,
                            Map.copyOf(fields), reference.version())));
        }
        return pinned;
    }

    /** The {@code vault:} reference a sealed secret holds, or empty (none stored, a value, not openable). */
    private Optional<VaultReference> reference(java.util.UUID ref) {
        if (ref != null && settings.open(ref) instanceof Opened.Plaintext plaintext
                && VaultReference.isReference(plaintext.value())) {
            return VaultReference.parse(plaintext.value());
        }
        return Optional.empty();
    }

    /**
     * The highest KV version of the same secret and key that any stored version of the kind or fallback (history
     * included) was pinned to: above the current pin, it was rolled back from it, and the watcher must not apply it
     * again (an automatic rollback would otherwise be undone at the next poll, and rolled out and rolled back for
     * ever).
     */
    private int highestEver(Held h) {
        List<SettingValues> history = h.entryId() == null
                ? em.createQuery("from ProviderSettingVersion where kind = ?1", ProviderSettingVersion.class)
                        .setParameter(1, h.kind().id()).setHint(org.hibernate.jpa.HibernateHints.HINT_READ_ONLY, true)
                        .getResultList().stream().map(ProviderSettingVersion::values).toList()
                : em.createQuery("from ProviderEntryVersion where entryId = ?1", ProviderEntryVersion.class)
                        .setParameter(1, h.entryId()).setHint(org.hibernate.jpa.HibernateHints.HINT_READ_ONLY, true)
                        .getResultList().stream().map(version -> version.values).toList();
        int highest = h.reference().version();
        for (SettingValues values : history) {
            Optional<VaultReference> earlier = reference(values.secretRef(h.field()));
            if (earlier.isPresent() && earlier.get().pinned()
                    && earlier.get().unpinned().equals(h.reference().unpinned())) {
                highest = Math.max(highest, earlier.get().version());
            }
        }
        return highest;
    }

    private Optional<Integer> currentVersion(VaultSettings.KvPath path) {
        try {
            int version = references.currentVersion(path);
            if (failing.remove(path.dataPath()) != null) {
                LOG.infof("Vault secret %s is readable again (version %d)", path.dataPath(), version);
            }
            return Optional.of(version);
        } catch (VaultReferences.Unresolvable e) {
            if (!Objects.equals(failing.put(path.dataPath(), e.getMessage()), e.getMessage())) {
                LOG.warnf("cannot watch Vault secret %s: %s; runtimes keep the versions they have", path.dataPath(),
                        e.getMessage());
            }
            return Optional.empty();
        }
    }

    /** Saves one primary or fallback with every reference in {@code behind} re-pinned, as actor {@value #ACTOR}. */
    private Change save(List<Held> behind, Map<VaultSettings.KvPath, Integer> current) {
        Held first = behind.get(0);
        ProviderKind kind = first.kind();
        Map<String, String> input = new LinkedHashMap<>(first.fields());
        Set<String> moves = new LinkedHashSet<>();
        for (Held h : behind) {
            int version = current.get(h.reference().kvPath());
            // as an admin types a reference to follow: the save pins it to the current version (this one, or newer)
            input.put(h.field().json(), h.reference().unpinned().toString());
            moves.add(h.reference().kvPath().dataPath() + " version " + h.reference().version() + " -> " + version);
        }
        String detail = "Vault secret " + String.join(", ", moves);
        long expected = first.settingVersion();
        try {
            String saved;
            List<String> warnings = List.of();
            if (first.entryId() == null) {
                CheckedSaves.Saved setting = saves.save(kind, input, expected, ACTOR, null);
                saved = kind.id() + " version " + setting.state().version();
                warnings = setting.warnings();
            } else {
                ProviderEntries.EntryState entry = saves.saveEntry(entries, kind, first.entryId(),
                        new ProviderEntries.Change(input, null, null), expected, ACTOR, null);
                saved = first.label() + " version " + entry.version();
            }
            LOG.infof("%s: %s; saved as %s by %s", first.label(), detail, saved, ACTOR);
            record(first, "setting.vault.change", detail + "; saved as " + saved + (warnings.isEmpty() ? ""
                    : "; " + String.join("; ", warnings)));
            behind.forEach(h -> settle(h, current.get(h.reference().kvPath()), "saved", detail));
            return new Change(kind, "saved", detail, first.entryId());
        } catch (StaleSetting | EntryRefused e) {
            behind.forEach(h -> giveBack(h, current.get(h.reference().kvPath())));
            return new Change(kind, "stale", detail + ": saved meanwhile; the next poll looks again", first.entryId());
        } catch (ChecksBusy e) {
            behind.forEach(h -> giveBack(h, current.get(h.reference().kvPath())));
            return new Change(kind, "busy", detail + ": every key check slot was taken; the next poll tries again",
                    first.entryId());
        } catch (CheckRefused e) {
            return refuse(behind, current, detail + ": the key check found " + e.outcome().summary() + " ("
                    + e.outcome().result().meaning() + "); nothing saved, runtimes keep the pinned version");
        } catch (FieldErrors | dev.keyhouse.web.Conflict e) {
            return refuse(behind, current, detail + ": " + e.getMessage()
                    + "; nothing saved, runtimes keep the pinned version");
        } catch (RuntimeException e) {
            behind.forEach(h -> giveBack(h, current.get(h.reference().kvPath())));
            throw e;
        }
    }

    /** Said once per secret version, on one replica: the kind was rolled back from it, so it is not applied again. */
    private void rolledBack(Held h, int version) {
        if (!claim(h, version, "held")) {
            return;
        }
        String detail = "Vault secret " + h.reference().kvPath().dataPath() + " version " + version + " is not applied: "
                + h.label() + " was rolled back from version " + h.highestEver() + " of it to version "
                + h.reference().version() + "; a newer Vault version will be, or save the setting again";
        LOG.infof("%s: %s", h.label(), detail);
        record(h, "setting.vault.held", detail);
    }

    private Change refuse(List<Held> behind, Map<VaultSettings.KvPath, Integer> current, String detail) {
        Held first = behind.get(0);
        behind.forEach(h -> settle(h, current.get(h.reference().kvPath()), "refused", detail));
        LOG.warnf("%s: %s", first.label(), detail);
        record(first, "setting.vault.refused", detail);
        return new Change(first.kind(), "refused", detail, first.entryId());
    }

    /** Audited on the kind, its target the kind ({@code stt}) or the fallback ({@code stt fallback 12}). */
    private void record(Held h, String action, String detail) {
        QuarkusTransaction.requiringNew().run(() -> audit.record(Audit.Entry.of(ACTOR, action, h.kind().id(),
                h.label()).detail(detail)));
    }

}
