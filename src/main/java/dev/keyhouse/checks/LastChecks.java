package dev.keyhouse.checks;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.settings.ProviderKind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The last live check of every kind's key ({@code provider_checks}, one row per kind): records outcomes, audits a
 * change of a key's shown result, feeds the last-result gauges ({@link CheckMetrics}), and holds the lease with which
 * one replica claims a kind for a background check per interval ({@link #claim}).
 *
 * <p>A result stands for the key it checked: {@link #claim} treats a kind whose stored secret's fingerprint is not the
 * checked one as due at once. Every recorded check is also kept by its key ({@code provider_check_history}, V24: kind
 * and keyed fingerprint, the newest {@value #KEPT_PER_KEY} per key), so a key's last check ({@link #ofKey}) is its
 * own real one wherever the key moved since.
 *
 * <p>The audit follows the key too: every recorded check that changes what {@link #ofKey} shows for its key (the same
 * fingerprint at the same provider) is audited as {@value #CHANGED}, actor {@code system}, comparing that key's own
 * results: detail "ok → no_credit (HTTP 429, insufficient_quota)" with the key's fingerprint as old and new, or, for
 * the key's first check, "not checked yet → invalid_key (HTTP 401, invalid_api_key)" with no old fingerprint (never
 * another key's result). Which place the key is in does not matter: a save's check, a background check, a refused
 * make-primary's check and an automatic rollback's check of the key it restores ({@link #recordKey}) are all audited
 * alike; a check that finds the key's result again, or finishes after a newer check of the key, is not.
 */
@ApplicationScoped
public class LastChecks {

    private static final Logger LOG = Logger.getLogger(LastChecks.class);
    /** The "from" of a key's first check in its {@value #CHANGED} detail: the key had no result before. */
    public static final String NOT_CHECKED = "not checked yet";
    /** The actor of audit events Keyhouse records by itself. */
    static final String SYSTEM = "system";
    /** The audit action of a change of a key's shown result (its first check included). */
    public static final String CHANGED = "setting.check.changed";
    /** How many checks of one key {@code provider_check_history} keeps: the newest, the rest deleted on record. */
    public static final int KEPT_PER_KEY = 10;

    private final EntityManager em;
    private final Audit audit;
    private final CheckMetrics metrics;
    private final int intervalSeconds;

    public LastChecks(EntityManager em, Audit audit, CheckMetrics metrics,
            @ConfigProperty(name = "keyhouse.checks.interval-seconds", defaultValue = "900") int intervalSeconds) {
        this.em = em;
        this.audit = audit;
        this.metrics = metrics;
        this.intervalSeconds = intervalSeconds;
    }

    /**
     * Records the outcome of a check of {@code kind}'s key, in a transaction of its own (a caller's transaction is
     * suspended, so the record stands whether or not the caller's work commits). When it changes the key's shown
     * result, records the audit event {@value #CHANGED} (see the class comment; target e.g. "llm openai"). The kind is
     * then not due for a background check before {@code PROVIDER_CHECK_INTERVAL_SECONDS} have passed. An outcome
     * older than the one recorded (a slow check finishing after a newer one) is kept in the key's history only.
     *
     * @param fingerprint the keyed fingerprint of the secret that was checked ({@code SecretFingerprints.of})
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void record(ProviderKind kind, String provider, String fingerprint, CheckOutcome outcome) {
        LastCheck recorded = record(Scope.of(kind), provider, fingerprint, outcome);
        if (recorded != null) {
            metrics.last(recorded);
        }
    }

    /**
     * Records the outcome of a check of fallback entry {@code entryId}'s key ({@code provider_entry_checks}) as
     * {@link #record(ProviderKind, String, String, CheckOutcome)} records a kind's: own transaction, an older outcome
     * ignored, a change of the key's shown result audited ({@value #CHANGED}, target e.g. "stt fallback 12 soniox"),
     * not due for a background check before the interval has passed. The entry's row is share-locked meanwhile, so a delete of the
     * entry waits; for an entry already deleted only the key's history is recorded (the key may come back: a held
     * configuration restored). The last-result gauges are the primaries' only.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void recordEntry(ProviderKind kind, long entryId, String provider, String fingerprint,
            CheckOutcome outcome) {
        Scope scope = Scope.of(kind, entryId);
        if (entryRow(entryId)) {
            record(scope, provider, fingerprint, outcome);
        } else {
            keep(kind, provider, fingerprint, outcome, scope.label());
        }
    }

    /**
     * Records the outcome of a check of a key that is, at the time, in no place of {@code kind} (the previous key an
     * automatic rollback checks before it restores it): only the key's history ({@code provider_check_history}, its
     * newest {@value #KEPT_PER_KEY} kept), in a transaction of its own, so the key shows this check ({@link #ofKey})
     * wherever it is restored to, and no place's last check or lease changes. A check that changes the key's shown
     * result is audited as any other ({@value #CHANGED}, target {@code place} and the provider, e.g. "llm version 4
     * openai").
     *
     * @param place where the key comes from, in words, e.g. "llm version 4" (the version an automatic rollback
     *        restores)
     * @param fingerprint the checked key's keyed fingerprint; null: nothing is recorded
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void recordKey(ProviderKind kind, String place, String provider, String fingerprint, CheckOutcome outcome) {
        keep(kind, provider, fingerprint, outcome, place);
    }

    /**
     * Where a last check is kept: a kind's primary ({@code provider_checks}, keyed by kind) or a fallback entry
     * ({@code provider_entry_checks}, keyed by entry id).
     *
     * @param label the audit target's start, "stt" or "stt fallback 12"
     */
    private record Scope(String table, String column, Object key, ProviderKind kind, String label) {

        static Scope of(ProviderKind kind) {
            return new Scope("provider_checks", "kind", kind.id(), kind, kind.id());
        }

        static Scope of(ProviderKind kind, long entryId) {
            return new Scope("provider_entry_checks", "entry_id", entryId, kind, kind.id() + " fallback " + entryId);
        }
    }

    /**
     * The outcome recorded in {@code scope}'s row; null when an outcome newer than it was recorded already (the key's
     * history keeps it all the same: {@link #keep}).
     */
    private LastCheck record(Scope scope, String provider, String fingerprint, CheckOutcome outcome) {
        LastCheck previous = locked(scope);
        Instant since = keep(scope.kind(), provider, fingerprint, outcome, scope.label());
        if (previous != null && previous.checkedAt().isAfter(outcome.checkedAt())) {
            LOG.debugf("provider check %s: an outcome from %s is older than the one recorded, not kept",
                    scope.label(), outcome.checkedAt());
            return null;
        }
        em.createNativeQuery("UPDATE " + scope.table() + " SET provider = ?1, fingerprint = ?2, result = ?3,"
                + " http_status = ?4, code = ?5, checked_at = ?6, duration_ms = ?7, negative_control = ?8,"
                + " result_since = ?9, claimed_fingerprint = ?2,"
                + " next_due = greatest(next_due, now() + make_interval(secs => ?10)) WHERE " + scope.column()
                + " = ?11")
                .setParameter(1, provider).setParameter(2, fingerprint).setParameter(3, outcome.result().json())
                .setParameter(4, outcome.status()).setParameter(5, outcome.code())
                .setParameter(6, Timestamp.from(outcome.checkedAt())).setParameter(7, outcome.durationMs())
                .setParameter(8, outcome.negativeControl().json()).setParameter(9, Timestamp.from(since))
                .setParameter(10, intervalSeconds).setParameter(11, scope.key()).executeUpdate();
        return new LastCheck(scope.kind().id(), provider, fingerprint, outcome.result(), outcome.status(),
                outcome.code(), outcome.checkedAt(), outcome.durationMs(), outcome.negativeControl(), since);
    }

    /**
     * Adds the outcome to the history of the key with {@code fingerprint} ({@code provider_check_history}) and deletes
     * all but the key's newest {@value #KEPT_PER_KEY} checks, in the caller's transaction; audits {@value #CHANGED}
     * when the outcome changes the key's shown result ({@link #ofKey}: its newest check at {@code provider}): another
     * result than the key's newest check before it, or the key's first check. The key's checks are recorded one at a
     * time (a transaction-scoped advisory lock), so each is compared with the one before it.
     *
     * @param place the audit target's start: "llm", "stt fallback 12", "llm version 4"
     * @return when the result began for this key: the {@code since} of the key's check before this one when it found
     *         the same result, else this check's start
     */
    private Instant keep(ProviderKind kind, String provider, String fingerprint, CheckOutcome outcome, String place) {
        if (fingerprint == null) {
            return outcome.checkedAt();
        }
        em.createNativeQuery("SELECT count(*) FROM pg_advisory_xact_lock(hashtext(?1))")
                .setParameter(1, "provider_check_history " + kind.id() + " " + fingerprint).getSingleResult();
        Timestamp checkedAt = Timestamp.from(outcome.checkedAt());
        // what the key shows now: its newest check at this provider; "later" when it is newer than this outcome
        @SuppressWarnings("unchecked")
        List<Object[]> shown = em.createNativeQuery("SELECT result, result_since, checked_at > ?3"
                + " FROM provider_check_history WHERE kind = ?1 AND fingerprint = ?2"
                + " AND provider IS NOT DISTINCT FROM ?4 ORDER BY checked_at DESC, id DESC LIMIT 1")
                .setParameter(1, kind.id()).setParameter(2, fingerprint).setParameter(3, checkedAt)
                .setParameter(4, provider).getResultList();
        boolean late = !shown.isEmpty() && Boolean.TRUE.equals(shown.get(0)[2]);
        @SuppressWarnings("unchecked")
        List<Object[]> before = !late ? shown : em.createNativeQuery("SELECT result, result_since"
                + " FROM provider_check_history WHERE kind = ?1 AND fingerprint = ?2"
                + " AND provider IS NOT DISTINCT FROM ?4 AND checked_at <= ?3"
                + " ORDER BY checked_at DESC, id DESC LIMIT 1")
                .setParameter(1, kind.id()).setParameter(2, fingerprint).setParameter(3, checkedAt)
                .setParameter(4, provider).getResultList();
        Instant since = !before.isEmpty() && outcome.result().json().equals(before.get(0)[0])
                ? instant(before.get(0)[1]) : outcome.checkedAt();
        if (!late && (shown.isEmpty() || !outcome.result().json().equals(shown.get(0)[0]))) {
            // the same key's result before this check, never another key's; none before its first check
            String from = shown.isEmpty() ? NOT_CHECKED : (String) shown.get(0)[0];
            audit.record(Audit.Entry.of(SYSTEM, CHANGED, kind.id(), place + " " + provider)
                    .detail(from + " → " + outcome.summary())
                    .fingerprints(shown.isEmpty() ? null : fingerprint, fingerprint));
        }
        em.createNativeQuery("INSERT INTO provider_check_history (kind, fingerprint, provider, result, http_status,"
                + " code, checked_at, duration_ms, negative_control, result_since)"
                + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
                .setParameter(1, kind.id()).setParameter(2, fingerprint).setParameter(3, provider)
                .setParameter(4, outcome.result().json()).setParameter(5, outcome.status())
                .setParameter(6, outcome.code()).setParameter(7, checkedAt)
                .setParameter(8, outcome.durationMs()).setParameter(9, outcome.negativeControl().json())
                .setParameter(10, Timestamp.from(since)).executeUpdate();
        em.createNativeQuery("DELETE FROM provider_check_history WHERE kind = ?1 AND fingerprint = ?2 AND id NOT IN"
                + " (SELECT id FROM provider_check_history WHERE kind = ?1 AND fingerprint = ?2"
                + " ORDER BY checked_at DESC, id DESC LIMIT ?3)").setParameter(1, kind.id())
                .setParameter(2, fingerprint).setParameter(3, KEPT_PER_KEY).executeUpdate();
        return since;
    }

    /**
     * Share-locks fallback entry {@code entryId} (a delete waits for this transaction) and makes its check row when
     * it has none yet.
     *
     * @return false when the entry does not exist (deleted meanwhile)
     */
    private boolean entryRow(long entryId) {
        if (em.createNativeQuery("SELECT id FROM provider_entries WHERE id = ?1 FOR KEY SHARE")
                .setParameter(1, entryId).getResultList().isEmpty()) {
            return false;
        }
        em.createNativeQuery("INSERT INTO provider_entry_checks (entry_id) VALUES (?1) ON CONFLICT DO NOTHING")
                .setParameter(1, entryId).executeUpdate();
        return true;
    }

    /**
     * Swaps the last check of {@code kind}'s primary with fallback entry {@code entryId}'s, in the caller's
     * transaction: make-primary swaps their keys, and a check stands for the key it checked, so the key that becomes
     * primary brings its check to the kind and the old primary's goes with its key to the entry. Each row's lease
     * ({@code next_due}, {@code claimed_fingerprint}) goes with its check, so neither key is checked again sooner than
     * it would have been. Nothing is audited (no key's result changed); the kind's last-result gauge follows at once.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void swapWithEntry(ProviderKind kind, long entryId) {
        em.createNativeQuery("INSERT INTO provider_entry_checks (entry_id) VALUES (?1) ON CONFLICT DO NOTHING")
                .setParameter(1, entryId).executeUpdate();
        // both rows locked first (a check recorded meanwhile waits), then swapped in one statement, whose parts all
        // read the rows as they were before it (a FOR UPDATE inside it would miss a row the statement itself changed)
        em.createNativeQuery("SELECT 1 FROM provider_checks WHERE kind = ?1 FOR UPDATE").setParameter(1, kind.id())
                .getResultList();
        em.createNativeQuery("SELECT 1 FROM provider_entry_checks WHERE entry_id = ?1 FOR UPDATE")
                .setParameter(1, entryId).getResultList();
        em.createNativeQuery("WITH k AS (SELECT " + SWAPPED + " FROM provider_checks WHERE kind = ?1),"
                + " e AS (SELECT " + SWAPPED + " FROM provider_entry_checks WHERE entry_id = ?2),"
                + " kind_row AS (UPDATE provider_checks SET (" + SWAPPED + ") = (SELECT " + SWAPPED + " FROM e)"
                + " WHERE kind = ?1)"
                + " UPDATE provider_entry_checks SET (" + SWAPPED + ") = (SELECT " + SWAPPED + " FROM k)"
                + " WHERE entry_id = ?2").setParameter(1, kind.id()).setParameter(2, entryId).executeUpdate();
        metrics.refresh(all());
    }

    /** The columns of a check row that belong to the key it checked: all but the row's key. */
    private static final String SWAPPED = "provider, fingerprint, result, http_status, code, checked_at, duration_ms,"
            + " negative_control, result_since, next_due, claimed_fingerprint";

    /**
     * Claims {@code kind} for one background check by this replica, in a transaction of its own: true when it was
     * due (its interval since the last claim or record has passed, or {@code fingerprint} is not the key last claimed
     * or checked, i.e. the key changed) and is now this replica's until {@code interval} from now. One UPDATE that
     * matches only a due row: two replicas claiming at once serialise on the row and the second matches nothing.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public boolean claim(ProviderKind kind, String fingerprint, Duration interval) {
        return claim(Scope.of(kind), fingerprint, interval);
    }

    /**
     * Claims fallback entry {@code entryId} for one background check as {@link #claim(ProviderKind, String,
     * Duration)} claims a kind (its check row is made first when it has none); false when the entry is gone.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public boolean claimEntry(ProviderKind kind, long entryId, String fingerprint, Duration interval) {
        return entryRow(entryId) && claim(Scope.of(kind, entryId), fingerprint, interval);
    }

    private boolean claim(Scope scope, String fingerprint, Duration interval) {
        return em.createNativeQuery("UPDATE " + scope.table() + " SET next_due = now() + make_interval(secs => ?1),"
                + " claimed_fingerprint = ?2 WHERE " + scope.column() + " = ?3"
                + " AND (next_due <= now() OR claimed_fingerprint IS DISTINCT FROM ?2)")
                .setParameter(1, interval.toSeconds()).setParameter(2, fingerprint).setParameter(3, scope.key())
                .executeUpdate() == 1;
    }

    /** Gives back a claim whose check could not run (every check slot was busy): the kind is due again at once. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void release(ProviderKind kind) {
        release(Scope.of(kind));
    }

    /** Gives back a claim of fallback entry {@code entryId} as {@link #release(ProviderKind)} does a kind's. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void releaseEntry(ProviderKind kind, long entryId) {
        release(Scope.of(kind, entryId));
    }

    private void release(Scope scope) {
        em.createNativeQuery("UPDATE " + scope.table() + " SET next_due = '-infinity' WHERE " + scope.column()
                + " = ?1").setParameter(1, scope.key()).executeUpdate();
    }

    /**
     * The newest check of the key with {@code fingerprint} among {@code kind}'s keys, wherever it was made, from the
     * key's history ({@code provider_check_history}): a check follows its key, so a key rolled back to, restored
     * automatically, made primary or moved to a fallback shows its own last check (issue 19) with its real start and
     * measured duration. A check is of a key AT a provider: the same key checked for another provider (one key in a
     * custom entry and an openai one, say) says nothing about this one, so only checks for {@code provider} count
     * (a kind has at most one entry per provider: two would write one variable). Empty without a fingerprint or when the key was never checked (a key last checked before
     * V24 only where its place's check row no longer held it: nothing real is known, so nothing is invented).
     */
    @Transactional
    public Optional<LastCheck> ofKey(ProviderKind kind, String provider, String fingerprint) {
        if (fingerprint == null) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT " + COLUMNS + " FROM provider_check_history"
                + " WHERE kind = ?1 AND fingerprint = ?2 AND provider IS NOT DISTINCT FROM ?3"
                + " ORDER BY checked_at DESC, id DESC LIMIT 1")
                .setParameter(1, kind.id()).setParameter(2, fingerprint).setParameter(3, provider).getResultList();
        return rows.stream().map(LastChecks::check).findFirst();
    }

    /** The last check of every kind that was ever checked, whatever key it checked. */
    @Transactional
    public Map<ProviderKind, LastCheck> all() {
        Map<ProviderKind, LastCheck> checks = new EnumMap<>(ProviderKind.class);
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT " + COLUMNS + " FROM provider_checks"
                + " WHERE result IS NOT NULL").getResultList();
        for (Object[] row : rows) {
            LastCheck check = check(row);
            ProviderKind.parse(check.kind()).ifPresent(k -> checks.put(k, check));
        }
        return checks;
    }

    /** Publishes what {@code provider_checks} holds to the last-result gauges (every replica shows the same). */
    public void refreshMetrics() {
        metrics.refresh(all());
    }

    private static final String COLUMNS = "kind, provider, fingerprint, result, http_status, code, checked_at,"
            + " duration_ms, negative_control, result_since";

    /** {@link #COLUMNS} but the kind, as {@code provider_entry_checks} has them. */
    private static final String ENTRY_COLUMNS = COLUMNS.substring(COLUMNS.indexOf(',') + 2);

    /** The scope's row, locked for the rest of the transaction; null when it was never checked. */
    private LastCheck locked(Scope scope) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT ?1, " + ENTRY_COLUMNS + " FROM " + scope.table()
                + " WHERE " + scope.column() + " = ?2 FOR UPDATE").setParameter(1, scope.kind().id())
                .setParameter(2, scope.key()).getResultList();
        if (rows.isEmpty()) {
            throw new IllegalStateException(scope.table() + " has no row for " + scope.label()
                    + " (its row is made by migration V9 for a kind, by recordEntry or claimEntry for an entry)");
        }
        return rows.get(0)[3] == null ? null : check(rows.get(0));
    }

    private static LastCheck check(Object[] row) {
        return new LastCheck((String) row[0], (String) row[1], (String) row[2],
                CheckResult.valueOf(((String) row[3]).toUpperCase(Locale.ROOT)),
                row[4] == null ? null : ((Number) row[4]).intValue(), (String) row[5], instant(row[6]),
                row[7] == null ? 0 : ((Number) row[7]).longValue(),
                row[8] == null ? NegativeControl.NOT_RUN
                        : NegativeControl.valueOf(((String) row[8]).toUpperCase(Locale.ROOT)),
                instant(row[9]));
    }

    private static Instant instant(Object value) {
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof OffsetDateTime offset) {
            return offset.toInstant();
        }
        if (value instanceof Timestamp timestamp) {
            return timestamp.toInstant();
        }
        throw new IllegalStateException("not a timestamp: " + (value == null ? null : value.getClass()));
    }
}
