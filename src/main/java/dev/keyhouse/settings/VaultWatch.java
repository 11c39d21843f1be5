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
 * of every secret a current setting references; when a secret has a newer version than a reference is pinned to,
 * it saves that kind through {@link CheckedSaves} with every such reference re-pinned, as actor {@value #ACTOR}: a new
 * setting version, audited, the live key check and its mode, and the same restart run and rollout gate as any save.
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
     * One reference a current setting holds, with the setting's non-secret fields as a save's input carries them (a
     * save replaces every field; secrets left out keep what is stored).
     */
    record Held(ProviderKind kind, long settingVersion, SettingField field, VaultReference reference,
            Map<String, String> fields, int highestEver) {

        /** Whether the setting was rolled back from a later version of this secret than it is pinned to now. */
        boolean rolledBack() {
            return highestEver > reference.version();
        }
    }

    /** What one poll did to one kind. */
    public record Change(ProviderKind kind, String outcome, String detail) {
    }

    private final EntityManager em;
    private final ProviderSettings settings;
    private final CheckedSaves saves;
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

    public VaultWatch(EntityManager em, ProviderSettings settings, CheckedSaves saves, VaultReferences references,
            Audit audit, @ConfigProperty(name = "keyhouse.vault.watch-interval-seconds", defaultValue = "60")
            long intervalSeconds) {
        this.em = em;
        this.settings = settings;
        this.saves = saves;
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
        Map<ProviderKind, List<Held>> behind = new LinkedHashMap<>();
        for (Held h : held) {
            Integer version = current.get(h.reference().kvPath());
            if (version == null || version <= h.reference().version()) {
                continue;
            }
            if (version <= h.highestEver()) {
                rolledBack(h, version);
                continue;
            }
            behind.computeIfAbsent(h.kind(), k -> new ArrayList<>()).add(h);
        }
        List<Change> changes = new ArrayList<>();
        behind.forEach((kind, list) -> {
            // one replica per (kind, secret, version): the others, and this one after a restart, leave it
            List<Held> claimed = list.stream().filter(h -> claim(h, current.get(h.reference().kvPath()), "claimed"))
                    .toList();
            if (claimed.size() == list.size()) {
                changes.add(save(kind, list, current));
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
                .setParameter(1, h.kind().id()).setParameter(2, h.reference().kvPath().dataPath())
                .setParameter(3, version).setParameter(4, outcome).setParameter(5, replica)
                .executeUpdate() == 1);
    }

    /** Records what became of this replica's claim. */
    private void settle(Held h, int version, String outcome, String detail) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("UPDATE vault_watch_versions SET outcome = ?1,"
                + " detail = ?2 WHERE kind = ?3 AND data_path = ?4 AND kv_version = ?5 AND replica = ?6")
                .setParameter(1, outcome).setParameter(2, truncate(detail)).setParameter(3, h.kind().id())
                .setParameter(4, h.reference().kvPath().dataPath()).setParameter(5, version)
                .setParameter(6, replica).executeUpdate());
    }

    /** Gives a claim back (a stale or busy save): the next poll, on any replica, tries that version again. */
    private void giveBack(Held h, int version) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("DELETE FROM vault_watch_versions"
                + " WHERE kind = ?1 AND data_path = ?2 AND kv_version = ?3 AND replica = ?4 AND outcome = 'claimed'")
                .setParameter(1, h.kind().id()).setParameter(2, h.reference().kvPath().dataPath())
                .setParameter(3, version).setParameter(4, replica).executeUpdate());
    }

    private static String truncate(String detail) {
        return detail.length() <= 2000 ? detail : detail.substring(0, 1999) + "…";
    }

    /** Every pinned reference in the current settings, read in one short read-only transaction. */
    List<Held> held() {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<Held> held = new ArrayList<>();
            List<Held> pinned = new ArrayList<>();
            for (ProviderSetting row : em.createQuery("from ProviderSetting", ProviderSetting.class)
                    .setHint(org.hibernate.jpa.HibernateHints.HINT_READ_ONLY, true).getResultList()) {
                Optional<ProviderKind> kind = ProviderKind.parse(row.kind);
                if (kind.isEmpty() || row.version == 0) {
                    continue;
                }
                SettingValues values = row.values();
                Map<String, String> fields = new LinkedHashMap<>();
                for (SettingField field : kind.get().fields()) {
                    if (!field.secret() && values.get(field) != null) {
                        fields.put(field.json(), values.get(field));
                    }
                }
                for (SettingField field : kind.get().secretFields()) {
                    if (values.secretRef(field) == null) {
                        continue;
                    }
                    Opened opened = settings.open(values.secretRef(field));
                    if (opened instanceof Opened.Plaintext plaintext && VaultReference.isReference(plaintext.value())) {
                        // a held reference (typed with its version) stays where the admin put it
                        VaultReference.parse(plaintext.value()).filter(r -> r.pinned() && !r.held())
                                .ifPresent(reference ->
                                pinned.add(new Held(kind.get(), row.version, field, reference, Map.copyOf(fields),
                                        reference.version())));
                    }
                }
            }
            for (Held h : pinned) {
                held.add(new Held(h.kind(), h.settingVersion(), h.field(), h.reference(), h.fields(),
                        highestEver(h.kind(), h.field(), h.reference())));
            }
            return held;
        });
    }

    /**
     * The highest KV version of the same secret and key that any stored version of the kind (history included) was
     * pinned to: above the current pin, the kind was rolled back from it, and the watcher must not apply it again
     * (an automatic rollback would otherwise be undone at the next poll, and rolled out and rolled back for ever).
     */
    private int highestEver(ProviderKind kind, SettingField field, VaultReference reference) {
        int highest = reference.version();
        for (ProviderSettingVersion version : em.createQuery("from ProviderSettingVersion where kind = ?1",
                ProviderSettingVersion.class).setParameter(1, kind.id())
                .setHint(org.hibernate.jpa.HibernateHints.HINT_READ_ONLY, true).getResultList()) {
            if (version.values().secretRef(field) == null) {
                continue;
            }
            if (settings.open(version.values().secretRef(field)) instanceof Opened.Plaintext plaintext) {
                Optional<VaultReference> earlier = VaultReference.parse(plaintext.value());
                if (earlier.isPresent() && earlier.get().pinned()
                        && earlier.get().unpinned().equals(reference.unpinned())) {
                    highest = Math.max(highest, earlier.get().version());
                }
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

    private Change save(ProviderKind kind, List<Held> behind, Map<VaultSettings.KvPath, Integer> current) {
        Map<String, String> input = new LinkedHashMap<>(behind.get(0).fields());
        Set<String> moves = new LinkedHashSet<>();
        for (Held h : behind) {
            int version = current.get(h.reference().kvPath());
            // as an admin types a reference to follow: the save pins it to the current version (this one, or newer)
            input.put(h.field().json(), h.reference().unpinned().toString());
            moves.add(h.reference().kvPath().dataPath() + " version " + h.reference().version() + " -> " + version);
        }
        String detail = "Vault secret " + String.join(", ", moves);
        long expected = behind.get(0).settingVersion();
        try {
            CheckedSaves.Saved saved = saves.save(kind, input, expected, ACTOR, null);
            LOG.infof("%s: %s; saved as %s version %d by %s", kind.id(), detail, kind.id(), saved.state().version(),
                    ACTOR);
            record(kind, "setting.vault.change", detail + "; saved as " + kind.id() + " version "
                    + saved.state().version() + (saved.warnings().isEmpty() ? "" : "; " + String.join("; ",
                            saved.warnings())));
            behind.forEach(h -> settle(h, current.get(h.reference().kvPath()), "saved", detail));
            return new Change(kind, "saved", detail);
        } catch (StaleSetting e) {
            behind.forEach(h -> giveBack(h, current.get(h.reference().kvPath())));
            return new Change(kind, "stale", detail + ": saved meanwhile; the next poll looks again");
        } catch (ChecksBusy e) {
            behind.forEach(h -> giveBack(h, current.get(h.reference().kvPath())));
            return new Change(kind, "busy", detail + ": every key check slot was taken; the next poll tries again");
        } catch (CheckRefused e) {
            return refuse(kind, behind, current, detail + ": the key check found " + e.outcome().summary() + " ("
                    + e.outcome().result().meaning() + "); nothing saved, runtimes keep the pinned version");
        } catch (FieldErrors e) {
            return refuse(kind, behind, current, detail + ": " + e.getMessage()
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
                + h.kind().id() + " was rolled back from version " + h.highestEver() + " of it to version "
                + h.reference().version() + "; a newer Vault version will be, or save the setting again";
        LOG.infof("%s: %s", h.kind().id(), detail);
        record(h.kind(), "setting.vault.held", detail);
    }

    private Change refuse(ProviderKind kind, List<Held> behind, Map<VaultSettings.KvPath, Integer> current,
            String detail) {
        behind.forEach(h -> settle(h, current.get(h.reference().kvPath()), "refused", detail));
        LOG.warnf("%s: %s", kind.id(), detail);
        record(kind, "setting.vault.refused", detail);
        return new Change(kind, "refused", detail);
    }

    private void record(ProviderKind kind, String action, String detail) {
        QuarkusTransaction.requiringNew().run(() -> audit.record(Audit.Entry.of(ACTOR, action, kind.id(), kind.id())
                .detail(detail)));
    }

}
