package dev.keyhouse.runtimes;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.keyhouse.audit.Audit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Each runtime's last status report (table {@code runtime_status}, one row per name) and, for the Runtimes list,
 * every runtime that fetched its configuration or reported. A report is one short transaction: lock the row,
 * upsert, audit {@code runtime.status} when the status differs from the stored one.
 */
@ApplicationScoped
public class RuntimeStatuses {

    /**
     * A stored report; {@code kind} the provider kind a failing report names as the one whose call failed (null: none
     * named), {@code from} the client address it came from.
     */
    public record Report(String runtime, long version, String status, String detail, String kind, Instant at,
            String from) {

        /** The reason as pages show it: "invalid_key (stt)", "invalid_key", "(stt)", or null. */
        public String reason() {
            if (kind == null) {
                return detail;
            }
            return (detail == null ? "" : detail + " ") + "(" + kind + ")";
        }
    }

    /**
     * One runtime as the Runtimes list shows it.
     *
     * @param fetchedVersion the settings version it was last served, or null when it never fetched by name
     * @param report its last report, or null when it never reported
     * @param current whether its report (else its fetch) is on the current runtime-config version
     * @param age seconds since its report (else its fetch)
     */
    public record Runtime(String name, Long fetchedVersion, Instant fetchedAt, Report report, boolean current,
            long age) {

        /** The age as "12 s", "3 min", "2 h" or "4 d". */
        public String ageText() {
            return RuntimeStatuses.ageText(age);
        }
    }

    /** Seconds as "12 s", "3 min", "2 h" or "4 d" (rounded down). */
    static String ageText(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min";
        }
        return seconds < 86400 ? seconds / 3600 + " h" : seconds / 86400 + " d";
    }

    private final EntityManager em;
    private final Audit audit;
    private final RuntimeAcks acks;
    private final HeldSecrets held;

    public RuntimeStatuses(EntityManager em, Audit audit, RuntimeAcks acks, HeldSecrets held) {
        this.em = em;
        this.audit = audit;
        this.acks = acks;
        this.held = held;
    }

    /**
     * Stores a report as the runtime's last one; audits when its status changed, or when it is the runtime's first.
     * The insert-or-lock order makes two reports of one runtime at once audit exactly one change between them.
     */
    @Transactional
    public void record(Report report) {
        int inserted = em.createNativeQuery("INSERT INTO runtime_status (runtime, settings_version, status, detail,"
                        + " kind, reported_at, reported_from) VALUES (:r, :v, :s, :d, :k, now(), :f)"
                        + " ON CONFLICT (runtime) DO NOTHING")
                .setParameter("r", report.runtime()).setParameter("v", report.version())
                .setParameter("s", report.status()).setParameter("d", report.detail())
                .setParameter("k", report.kind()).setParameter("f", report.from()).executeUpdate();
        String before = null;
        if (inserted == 0) {
            before = (String) em.createNativeQuery("SELECT status FROM runtime_status WHERE runtime = :r FOR UPDATE")
                    .setParameter("r", report.runtime()).getSingleResult();
            em.createNativeQuery("UPDATE runtime_status SET settings_version = :v, status = :s, detail = :d,"
                            + " kind = :k, reported_at = now(), reported_from = :f WHERE runtime = :r")
                    .setParameter("r", report.runtime()).setParameter("v", report.version())
                    .setParameter("s", report.status()).setParameter("d", report.detail())
                    .setParameter("k", report.kind()).setParameter("f", report.from()).executeUpdate();
        }
        if (!report.status().equals(before)) {
            audit.record(Audit.Entry.of("runtime:" + report.runtime(), "runtime.status", RuntimeTargets.AUDIT_KIND,
                    report.runtime()).detail((before == null ? "first report" : before) + " → " + report.status()
                            + " on configuration version " + report.version()
                            + (report.reason() == null ? "" : ": " + report.reason())));
        }
    }

    /**
     * Every runtime that fetched by name (this replica's fetches not yet written included, see
     * {@link RuntimeAcks#relation}) or reported, by name, against the current runtime-config version. Each name is
     * read through the held-secrets mask ({@link HeldSecrets}): a name is the runtime's own text, which may carry a
     * secret it was served (breaker b9, H2), and every page and answer listing runtimes reads them here.
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Runtime> all(long currentVersion) {
        RuntimeAcks.Relation acks = this.acks.relation();
        List<Object[]> rows = acks.bind(em.createNativeQuery("SELECT coalesce(s.runtime, a.runtime), a.settings_version,"
                + " a.acked_at, s.settings_version, s.status, s.detail, s.reported_at, s.reported_from, s.kind"
                + " FROM runtime_status s FULL OUTER JOIN " + acks.sql() + " a ON a.runtime = s.runtime"
                + " ORDER BY 1")).getResultList();
        Instant now = Instant.now();
        java.util.function.UnaryOperator<String> mask = held.nameMasker();
        Map<String, Runtime> byName = new TreeMap<>();
        for (Object[] row : rows) {
            String stored = (String) row[0];
            String name = mask.apply(stored);
            Long fetched = row[1] == null ? null : ((Number) row[1]).longValue();
            Instant fetchedAt = RuntimeAcks.instant(row[2]);
            Report report = row[3] == null ? null : new Report(name, ((Number) row[3]).longValue(), (String) row[4],
                    (String) row[5], (String) row[8], RuntimeAcks.instant(row[6]), (String) row[7]);
            long version = report != null ? report.version() : fetched;
            Instant at = report != null ? report.at() : fetchedAt;
            byName.put(stored, new Runtime(name, fetched, fetchedAt, report, version == currentVersion,
                    Math.max(0, Duration.between(at, now).toSeconds())));
        }
        return new ArrayList<>(byName.values());
    }
}
