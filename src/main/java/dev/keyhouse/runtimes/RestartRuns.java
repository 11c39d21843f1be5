package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.settings.ProviderEnvironment;
import dev.keyhouse.settings.SettingSaved;
import dev.keyhouse.web.NotFound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Plans restart runs and reports on them. A save whose secret changed plans a run in the save's own transaction
 * (the outbox): one planned result per enabled target depending on the saved kind, expanded into one result per
 * runtime when the executor runs the target's discovery. A crash after the save's commit leaves the plan for any
 * replica to execute; a save that rolls back leaves no run.
 */
@ApplicationScoped
public class RestartRuns {

    private static final Logger LOG = Logger.getLogger(RestartRuns.class);

    /** One runtime's (or a not yet discovered target's) result, with the LLM key it came back with. */
    public record ResultView(long id, String target, String driver, String runtime, String state, int attempts,
            String error, Instant startedAt, Instant finishedAt, String ackFingerprint, Instant ackedAt,
            boolean confirmed) {
    }

    /**
     * How many restarted runtimes fetched their config after the restart and got the current LLM key.
     *
     * @param fingerprint the current LLM key's fingerprint (null when no LLM key is configured)
     * @param unconfirmed runtimes (target/runtime) that did not confirm it yet
     */
    public record Convergence(String fingerprint, int restarted, int confirmed, List<String> unconfirmed) {
    }

    /** {@code GET /api/v1/restarts/{id}}. */
    public record RunReport(long id, String state, boolean finished, String cause, String kind,
            Long settingsVersion, String createdBy, Instant createdAt, Instant finishedAt, Convergence convergence,
            List<ResultView> results) {
    }

    private final RuntimeTargets targets;
    private final RuntimeAcks acks;
    private final ProviderEnvironment environment;
    private final Audit audit;
    private final Event<RestartPlanned> planned;

    public RestartRuns(RuntimeTargets targets, RuntimeAcks acks, ProviderEnvironment environment, Audit audit,
            Event<RestartPlanned> planned) {
        this.targets = targets;
        this.acks = acks;
        this.environment = environment;
        this.audit = audit;
        this.planned = planned;
    }

    /** In the save's transaction: plans a run when the secret a runtime receives changed. */
    void onSaved(@Observes SettingSaved saved) {
        if (!saved.secretChanged()) {
            return;
        }
        List<RuntimeTarget> dependent = RuntimeTarget.<RuntimeTarget>list("enabled = true order by name").stream()
                .filter(t -> t.dependsOn(saved.kind())).toList();
        if (dependent.isEmpty()) {
            return;
        }
        RestartRun run = plan(RestartRun.CAUSE_SAVE, saved.kind(), saved.version(), saved.actor(), dependent);
        audit.record(Audit.Entry.of(saved.actor(), "restart.create", RuntimeTargets.AUDIT_KIND, "restart run " + run.id)
                .detail("after " + saved.kind() + " version " + saved.version() + " was saved: restarts "
                        + String.join(", ", dependent.stream().map(t -> t.name).toList())));
        saved.restartRun().accept(run.id);
    }

    /** "Restart now": a run of one target, enabled or not. */
    @Transactional
    public long restartNow(long targetId, String actor) {
        RuntimeTarget target = targets.get(targetId);
        RestartRun run = plan(RestartRun.CAUSE_MANUAL, null, null, actor, List.of(target));
        audit.record(Audit.Entry.of(actor, "restart.create", RuntimeTargets.AUDIT_KIND, "restart run " + run.id)
                .detail("restart now of " + target.name));
        return run.id;
    }

    private RestartRun plan(String cause, String kind, Long version, String actor, List<RuntimeTarget> dependent) {
        RestartRun run = new RestartRun();
        run.state = RestartRun.RUNNING;
        run.cause = cause;
        run.kind = kind;
        run.settingsVersion = version;
        run.createdBy = actor;
        run.createdAt = Instant.now();
        run.persist();
        for (RuntimeTarget target : dependent) {
            RestartResult result = new RestartResult();
            result.runId = run.id;
            result.targetId = target.id;
            result.targetName = target.name;
            result.driver = target.driver;
            result.state = RestartResult.PENDING;
            result.createdAt = run.createdAt;
            result.persist();
        }
        planned.fire(new RestartPlanned(run.id));
        LOG.infof("restart run %d planned (%s) for %d targets", run.id, cause, dependent.size());
        return run;
    }

    @Transactional
    public RunReport report(long id) {
        RestartRun run = RestartRun.<RestartRun>findByIdOptional(id).orElseThrow(() -> new NotFound("restart run " + id));
        List<RestartResult> results = RestartResult.list("runId = ?1 order by targetName, runtime, id", id);
        List<RuntimeAcks.Ack> recent = acks.since(run.createdAt);
        String current = environment.current().llmKeyFingerprint();
        List<ResultView> views = new ArrayList<>();
        List<String> unconfirmed = new ArrayList<>();
        int restarted = 0;
        int confirmed = 0;
        for (RestartResult result : results) {
            RuntimeAcks.Ack ack = latestAck(result, recent);
            boolean ok = ack != null && current != null && current.equals(ack.fingerprint());
            if (RestartResult.RESTARTED.equals(result.state)) {
                restarted++;
                if (ok) {
                    confirmed++;
                }
            }
            if (!ok) {
                unconfirmed.add(result.targetName + (result.runtime == null ? "" : "/" + result.runtime));
            }
            views.add(new ResultView(result.id, result.targetName, result.driver, result.runtime, result.state,
                    result.attempts, result.error, result.startedAt, result.finishedAt,
                    ack == null ? null : ack.fingerprint(), ack == null ? null : ack.at(), ok));
        }
        return new RunReport(run.id, run.state, run.finished(), run.cause, run.kind, run.settingsVersion,
                run.createdBy, run.createdAt, run.finishedAt,
                new Convergence(current, restarted, confirmed, List.copyOf(unconfirmed)), views);
    }

    /** The newest runs first, of one target when {@code target} names one. */
    @Transactional
    public List<RunReport> list(String target, int limit) {
        List<RestartRun> runs = target == null || target.isBlank()
                ? RestartRun.find("order by id desc").page(0, limit).list()
                : RestartRun.find("id in (select r.runId from RestartResult r where r.targetName = ?1) order by id desc",
                        target.strip()).page(0, limit).list();
        return runs.stream().map(r -> report(r.id)).toList();
    }

    /** Each target's latest run (by target name), for the runtimes page. */
    @Transactional
    public Map<String, RunReport> latestByTarget(List<RuntimeTarget> shown) {
        Map<String, RunReport> latest = new LinkedHashMap<>();
        Map<Long, RunReport> reports = new LinkedHashMap<>();
        for (RuntimeTarget target : shown) {
            RestartResult last = RestartResult.<RestartResult>find("targetName = ?1 order by runId desc", target.name)
                    .firstResult();
            if (last != null) {
                latest.put(target.name, reports.computeIfAbsent(last.runId, this::report));
            }
        }
        return latest;
    }

    /** The newest ack of the result's runtime since its restart began. */
    private static RuntimeAcks.Ack latestAck(RestartResult result, List<RuntimeAcks.Ack> recent) {
        if (result.runtime == null || result.startedAt == null) {
            return null;
        }
        return recent.stream().filter(a -> RuntimeAcks.matches(result.runtime, a.runtime()))
                .filter(a -> !a.at().isBefore(result.startedAt))
                .max(Comparator.comparing(RuntimeAcks.Ack::at)).filter(Objects::nonNull).orElse(null);
    }
}
