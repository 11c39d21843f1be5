package dev.keyhouse.runtimes;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import dev.keyhouse.runtimes.docker.DockerDriver;
import dev.keyhouse.runtimes.kubernetes.KubernetesDriver;

/**
 * What confirms that a target's runtimes took a new key ({@code runtime_targets.confirmation}): a rollout's gate waits
 * on it; a run that is not a rollout (manual, shared secret) records a target deciding {@code none} as not asked, as
 * the gate does ({@code RestartExecutor}), and otherwise confirms by a fetch of what it was restarted onto.
 *
 * <p>An explicit mode is used as set. {@code auto} picks the strongest signal the target's runtimes have shown they
 * give, strongest first: {@code report} once one of them has sent a status report ({@code runtime_status}),
 * {@code fetch} once one has fetched its configuration by name ({@code runtime_acks}), {@code health} when its
 * driver says a health signal exists ({@link RuntimeDriver#hasHealth}), else {@code none} (a restart that succeeds
 * counts). A target's runtimes are those it has now ({@link TargetRuntimes#KNOWN}: for command, systemd and http its
 * current name, and the name its process was restarted under at its latest restart while it has not been restarted
 * since a rename, unless another target has that name now — the names a rollout's gate counts,
 * {@link TargetRuntimes.NamesNow#all}; b19 D; its latest discovery under its current driver for docker and
 * kubernetes), matched to a report or fetch as {@link RuntimeAcks#matches} does (a kubernetes workload by its pods;
 * fetches as {@link RuntimeAcks#relation} shows them, this replica's unwritten ones included).
 */
@ApplicationScoped
public class Confirmations {

    public static final String AUTO = "auto";
    public static final String REPORT = "report";
    public static final String FETCH = "fetch";
    public static final String HEALTH = "health";
    public static final String NONE = "none";
    /** Every value {@code confirmation} may hold, strongest signal first after {@code auto}. */
    public static final List<String> MODES = List.of(AUTO, REPORT, FETCH, HEALTH, NONE);

    /** How long a driver's {@code hasHealth} answer is reused: pages ask on every refresh. */
    static final Duration HEALTH_MEMORY = Duration.ofSeconds(30);

    /**
     * The confirmation that applies to a target and why, in plain words ("chat-1 reported ok 3 min ago").
     *
     * @param mode report, fetch, health or none (never auto)
     * @param weak true for health and none: neither proves the new key works
     * @param recorded {@code reason} as a run's result keeps it: the signal's time in UTC, never an age that the
     *        stored text would freeze ("chat-1 reported ok at 2026-12-03 07:12:03 UTC"; b20 L4)
     */
    public record Decision(String mode, String reason, boolean weak,
            @com.fasterxml.jackson.annotation.JsonIgnore String recorded) {

        public Decision(String mode, String reason, boolean weak) {
            this(mode, reason, weak, reason);
        }

        static Decision of(String mode, String reason) {
            return new Decision(mode, reason, HEALTH.equals(mode) || NONE.equals(mode));
        }

        static Decision of(String mode, String reason, String recorded) {
            return new Decision(mode, reason, HEALTH.equals(mode) || NONE.equals(mode), recorded);
        }
    }

    /** The newest report or fetch of one of a target's runtimes. */
    private record Signal(String runtime, String status, Instant at) {
    }

    private record Remembered(boolean hasHealth, Instant until) {
    }

    private final EntityManager em;
    private final RuntimeDrivers drivers;
    private final RuntimeTargets targets;
    private final RuntimeAcks acks;
    private final HeldSecrets held;
    private final Map<String, Remembered> health = new ConcurrentHashMap<>();
    private final List<String> ownNamed;

    public Confirmations(EntityManager em, RuntimeDrivers drivers, RuntimeTargets targets, RuntimeAcks acks,
            HeldSecrets held) {
        this.held = held;
        this.em = em;
        this.ownNamed = TargetRuntimes.ownNamed(drivers);
        this.drivers = drivers;
        this.targets = targets;
        this.acks = acks;
    }

    /**
     * Decides a target's confirmation: one query (joining the caller's transaction, if any) for its runtimes' newest
     * report and fetch; for {@code auto} without either, the driver's cheap {@code hasHealth}, outside that query.
     */
    public Decision decide(RuntimeTarget target) {
        String mode = target.confirmation == null ? AUTO : target.confirmation;
        if (!AUTO.equals(mode) && MODES.contains(mode)) {
            return Decision.of(mode, "set on the target");
        }
        // command, systemd and http restart one runtime named as the target: known before its first restart (and,
        // renamed since its latest restart, still named as it was restarted: TargetRuntimes.KNOWN, b19 D)
        String own = drivers.find(target.driver).filter(RuntimeDriver::runtimeIsTarget).map(d -> target.name)
                .orElse(null);
        List<Signal> signals = target.id == null && own == null ? List.of()
                : QuarkusTransaction.joiningExisting().call(() -> signals(target.id, own));
        Instant now = Instant.now();
        Signal report = signals.stream().filter(s -> s.status() != null).findFirst().orElse(null);
        if (report != null) {
            // the name is the runtime's own text, shown masked (breaker b9, H2)
            String said = held.nameMasker().apply(report.runtime()) + " reported " + report.status() + " ";
            return Decision.of(REPORT, said + age(report, now) + " ago", said + "at " + utc(report));
        }
        Signal fetch = signals.stream().filter(s -> s.status() == null).findFirst().orElse(null);
        if (fetch != null) {
            String said = "no runtime has reported; " + held.nameMasker().apply(fetch.runtime())
                    + " fetched by name ";
            return Decision.of(FETCH, said + age(fetch, now) + " ago", said + "at " + utc(fetch));
        }
        if (hasHealth(target)) {
            return Decision.of(HEALTH, "no runtime has reported or fetched by name; " + healthSignal(target.driver));
        }
        return Decision.of(NONE, "no runtime reports, fetches by name or has a healthcheck: a restart that succeeds"
                + " counts");
    }

    /**
     * The newest report (status set) and the newest fetch (status null) of the target's runtimes: those
     * {@link TargetRuntimes#KNOWN} holds for it (for command, systemd and http its stored name and, renamed since its
     * latest restart, the name its process was restarted under: b19 D, where the current name alone resolved
     * {@code auto} to none right after a rename while the process kept reporting), and {@code own} (the target's name
     * as given, when its driver's runtime is the target) when not null: a target not stored yet has that name alone.
     */
    @SuppressWarnings("unchecked")
    private List<Signal> signals(Long targetId, String own) {
        String report = "EXISTS (SELECT 1 FROM known k WHERE " + RuntimeAcks.matchesSql("k.runtime", "s.runtime") + ")";
        String fetch = "EXISTS (SELECT 1 FROM known k WHERE " + RuntimeAcks.matchesSql("k.runtime", "a.runtime") + ")";
        RuntimeAcks.Relation fetches = acks.relation();
        List<Object[]> rows = fetches.bind(em.createNativeQuery("WITH known AS (SELECT k.runtime FROM "
                        + TargetRuntimes.KNOWN + " k WHERE k.target_id = :t"
                        + " UNION SELECT CAST(:name AS text) WHERE CAST(:name AS text) IS NOT NULL)"
                        + " (SELECT s.runtime, s.status, s.reported_at FROM runtime_status s WHERE "
                        + report + " ORDER BY s.reported_at DESC LIMIT 1)"
                        + " UNION ALL (SELECT a.runtime, NULL, a.acked_at FROM " + fetches.sql() + " a WHERE "
                        + fetch + " ORDER BY a.acked_at DESC LIMIT 1)")
                .setParameter("t", targetId == null ? -1L : targetId).setParameter("name", own)
                .setParameter("own", ownNamed)).getResultList();
        return rows.stream().map(r -> new Signal((String) r[0], (String) r[1], RuntimeAcks.instant(r[2]))).toList();
    }

    private static String utc(Signal signal) {
        return dev.keyhouse.web.TemplateExtensions.utc(signal.at());
    }

    private static String age(Signal signal, Instant now) {
        return RuntimeStatuses.ageText(Math.max(0, Duration.between(signal.at(), now).toSeconds()));
    }

    /** The driver's answer, reused for {@link #HEALTH_MEMORY} per target and settings; false when it cannot say. */
    private boolean hasHealth(RuntimeTarget target) {
        RuntimeDriver driver = drivers.find(target.driver).orElse(null);
        if (driver == null) {
            return false;
        }
        String key = target.id + "@" + target.updatedAt;
        Instant now = Instant.now();
        Remembered known = health.get(key);
        if (known != null && known.until().isAfter(now)) {
            return known.hasHealth();
        }
        boolean answer;
        try {
            answer = driver.hasHealth(targets.settings(target));
        } catch (RuntimeException e) {
            answer = false;
        }
        health.entrySet().removeIf(e -> !e.getValue().until().isAfter(now));
        health.put(key, new Remembered(answer, now.plus(HEALTH_MEMORY)));
        return answer;
    }

    private static String healthSignal(String driver) {
        return switch (driver) {
            case DockerDriver.ID -> "containers have a healthcheck";
            case KubernetesDriver.ID -> "Kubernetes reports each workload's rollout status";
            default -> "the " + driver + " driver reports health";
        };
    }
}
