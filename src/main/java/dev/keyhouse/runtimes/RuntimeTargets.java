package dev.keyhouse.runtimes;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.audit.Changes;
import dev.keyhouse.crypto.Opened;
import dev.keyhouse.egress.Origin;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import dev.keyhouse.sealed.SealedValue;
import dev.keyhouse.sealed.SealedValues;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.input.NoBody;
import dev.keyhouse.web.AlreadySo;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.NotFound;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Runtime targets, shared by the runtimes page and the REST API: validated against their driver's fields, secrets
 * sealed into {@link SealedValue} rows (purpose {@code runtime_target/<id>/<field>}), every change audited.
 */
@ApplicationScoped
public class RuntimeTargets {

    private static final Logger LOG = Logger.getLogger(RuntimeTargets.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,99}");
    static final String AUDIT_KIND = "runtimes";
    /** How an audit entry names a driver setting: {@code config.<name>}, as the API's {@code config} member holds it. */
    private static final String CONFIG = "config.";

    /** The transaction-scoped advisory lock a save holds while it asks its driver for conflicts. */
    private static final long CONFLICT_LOCK = 0x6b68_7274_6669_6c65L;

    /** Why {@code confirmation: health} is refused on a driver without {@link RuntimeDriver#canReportHealth}. */
    static final String HEALTH_NEEDS_SIGNAL = "health needs a health signal: docker containers with a healthcheck,"
            + " or kubernetes";

    /** What may be shown of a target's secret setting. */
    public record SecretState(boolean configured, String fingerprint, boolean needsReentry) {
    }

    private final RuntimeDrivers drivers;
    private final SealedValues sealedValues;
    private final SecretFingerprints fingerprints;
    private final Audit audit;
    private final RestartQueue queue;
    private final jakarta.enterprise.event.Event<dev.keyhouse.settings.EnvironmentChanged> changed;

    public RuntimeTargets(RuntimeDrivers drivers, SealedValues sealedValues, SecretFingerprints fingerprints,
            Audit audit, RestartQueue queue,
            jakarta.enterprise.event.Event<dev.keyhouse.settings.EnvironmentChanged> changed) {
        this.changed = changed;
        this.drivers = drivers;
        this.sealedValues = sealedValues;
        this.fingerprints = fingerprints;
        this.audit = audit;
        this.queue = queue;
    }

    @Transactional
    public List<RuntimeTarget> list() {
        return RuntimeTarget.list("order by name");
    }

    @Transactional
    public RuntimeTarget get(long id) {
        return RuntimeTarget.<RuntimeTarget>findByIdOptional(id)
                .orElseThrow(() -> new NotFound("runtime target " + id));
    }

    @Transactional
    public Optional<RuntimeTarget> find(Long id) {
        return id == null ? Optional.empty() : RuntimeTarget.findByIdOptional(id);
    }

    /** @throws FieldErrors naming each invalid field; nothing is written */
    @Transactional
    public RuntimeTarget create(TargetInput input, String actor) {
        return create(input, actor, new FieldErrors());
    }

    /**
     * {@link #create(TargetInput, String)} of a form's input, with the problems found while reading the form
     * ({@link TargetInput#fromForm(Map, FieldErrors)}): they are named with every other problem in one answer.
     *
     * @throws FieldErrors naming each invalid field, {@code read} included; nothing is written
     */
    @Transactional
    public RuntimeTarget create(TargetInput input, String actor, FieldErrors read) {
        RuntimeTarget target = new RuntimeTarget();
        target.enabled = true;
        target.dependsOn = String.join(",", kinds(null));
        Checked checked = check(input, target, read);
        RuntimeDriver driver = checked.driver();
        input = checked.input();
        apply(input, target, driver);
        target.createdAt = now();
        target.updatedAt = target.createdAt;
        target.updatedBy = actor;
        target.persist();
        target.flush();
        sealSecrets(input, target, driver);
        // every field from unset, in the update's words: values of the non-secret ones, fingerprints of the secrets
        Changes created = new Changes();
        auditFields(target).forEach((field, value) -> created.field(field, null, value));
        Map<String, String> prints = fingerprints(target);
        prints.forEach((field, print) -> created.secret(field, null, print, false));
        audit.record(Audit.Entry.of(actor, "runtime.create", AUDIT_KIND, target.name)
                .detail("created: " + created.text()).fingerprints(null, Changes.fingerprintColumn(prints)));
        LOG.infof("runtime target %s (%s) created by %s", target.name, target.driver, actor);
        return target;
    }

    /**
     * The version the edit page's form carries (issue 20): the target's {@code updated_at} in microseconds since the
     * epoch, the column's precision; every write of a target moves it ({@link #now}).
     */
    public static long version(RuntimeTarget target) {
        return target.updatedAt.getEpochSecond() * 1_000_000L + target.updatedAt.getNano() / 1_000;
    }

    /** A write's time, at the precision {@code updated_at} keeps (microseconds), so a read gives it back equal. */
    private static Instant now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    /** Replaces what the input gives; absent members, and empty secrets, keep what is stored. */
    @Transactional
    public RuntimeTarget update(long id, TargetInput input, String actor) {
        return update(id, input, actor, new FieldErrors());
    }

    /**
     * {@link #update(long, TargetInput, String)} with the problems found while reading the input ({@code read}),
     * named with every other problem in one answer.
     */
    @Transactional
    public RuntimeTarget update(long id, TargetInput input, String actor, FieldErrors read) {
        return update(locked(id, input), input, actor, read);
    }

    /**
     * The target read under its row lock ({@code SELECT … FOR UPDATE}), held until the transaction ends. Every target
     * write takes it before judging the dependency rule, and a shared secret's write takes the same lock on each target
     * it links or unlinks ({@link #lockRows}), so the two never judge the rule on each other's stale state (issue 19:
     * a concurrent {@code dependsOn: []} and unlink both passed, leaving a target depending on nothing).
     *
     * @throws NotFound for an unknown id
     */
    private RuntimeTarget locked(long id) {
        RuntimeTarget target = get(id);
        RuntimeTarget.getEntityManager().refresh(target, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
        return target;
    }

    /**
     * {@link #locked(long)} for an update with {@code input}: when it renames the target, the results the rename
     * settles ({@link RestartQueue#lockRenamed}) are locked first, as a delete locks the target's results before its row.
     */
    private RuntimeTarget locked(long id, TargetInput input) {
        RuntimeTarget target = get(id);
        if (input.name() != null && !input.name().strip().equals(target.name)) {
            queue.lockRenamed(id);
        }
        return locked(id);
    }

    /**
     * Locks the given targets' rows ({@code SELECT … FOR UPDATE}) in id order (one order for every writer, so two
     * writers never deadlock), as a target's own write does ({@link #locked}); call inside the writer's transaction,
     * before judging the dependency rule.
     *
     * @return the ids that still exist (a target deleted meanwhile is absent)
     */
    public static java.util.Set<Long> lockRows(java.util.Collection<Long> ids) {
        return lockRows(ids, "FOR UPDATE");
    }

    /**
     * Takes the given targets' key-share locks ({@code SELECT … FOR KEY SHARE}) in id order, as inserting a row that
     * refers to them does, but before the insert: a target deleted meanwhile (committed, or committing while this
     * waits) is absent from the answer, so the caller leaves it out instead of inserting a row that violates the
     * foreign key. It blocks a target's delete until the caller commits, not other writers of the target. Callers that
     * also write restart results of existing runs lock those first ({@link #delete} takes a target's results before
     * its row: one lock order).
     *
     * @return the ids that still exist
     */
    public static java.util.Set<Long> shareRows(java.util.Collection<Long> ids) {
        return lockRows(ids, "FOR KEY SHARE");
    }

    @SuppressWarnings("unchecked")
    private static java.util.Set<Long> lockRows(java.util.Collection<Long> ids, String lock) {
        if (ids.isEmpty()) {
            return java.util.Set.of();
        }
        List<Number> rows = RuntimeTarget.getEntityManager().createNativeQuery("SELECT id FROM runtime_targets"
                + " WHERE id IN (:ids) ORDER BY id " + lock).setParameter("ids", List.copyOf(ids)).getResultList();
        java.util.Set<Long> found = new java.util.TreeSet<>();
        rows.forEach(n -> found.add(n.longValue()));
        return found;
    }

    /**
     * {@link #update(long, TargetInput, String)} if the target is still at {@code expected} ({@link #version}), read
     * under a row lock; else nothing is written. The problems found while reading the form ({@code read}) are named
     * with every other problem in one answer.
     *
     * @throws StaleTarget when another write moved it since the form was read
     * @throws FieldErrors naming each invalid field, {@code read} included
     */
    @Transactional
    public RuntimeTarget update(long id, TargetInput input, String actor, long expected, FieldErrors read) {
        RuntimeTarget target = locked(id, input);
        if (version(target) != expected) {
            throw new StaleTarget(target.name);
        }
        return update(target, input, actor, read);
    }

    /**
     * Checks {@code input} as {@link #update(long, TargetInput, String, long, FieldErrors)} would, writing nothing: the
     * page asks its confirmation step (a save that disables the target) only for a form that would be saved.
     *
     * @throws FieldErrors every problem, {@code read}'s included, as the update would name them (400)
     */
    public void check(long id, TargetInput input, FieldErrors read) {
        check(input, get(id), read);
    }

    private RuntimeTarget update(RuntimeTarget target, TargetInput input, String actor, FieldErrors read) {
        Checked checked = check(input, target, read);
        RuntimeDriver driver = checked.driver();
        input = checked.input();
        Map<String, String> before = auditFields(target);
        Map<String, String> printsBefore = fingerprints(target);
        Instant was = target.updatedAt;
        String wasBy = target.updatedBy;
        String wasNamed = target.name;
        if (!driver.id().equals(target.driver)) {
            // another driver's secrets mean nothing to this one
            dropSecrets(target, f -> driver.fields().stream().noneMatch(d -> d.secret() && d.name().equals(f)));
        }
        apply(input, target, driver);
        if (!wasNamed.equals(target.name)) {
            // its runtimes named after it lose that name now: a runtime taking it later must not confirm their
            // results, which its next restart would settle only then (V25)
            queue.settleRenamed(target.id);
            // what runtime-config serves under both names changes (an open rollout's pin and the shared secrets
            // follow the target): this replica's cache is dropped at commit, not when the notification comes back
            changed.fire(new dev.keyhouse.settings.EnvironmentChanged("runtime target " + target.name));
        }
        target.updatedAt = now();
        target.updatedBy = actor;
        sealSecrets(input, target, driver);
        Map<String, String> after = auditFields(target);
        Map<String, String> printsAfter = fingerprints(target);
        if (before.equals(after) && printsBefore.equals(printsAfter)) {
            // nothing a runtime or a reader sees changed (a secret typed again is the same value): an idempotent PUT
            // keeps the target's version (its ETag) and records nothing
            target.updatedAt = was;
            target.updatedBy = wasBy;
            return target;
        }
        Changes changes = new Changes();
        java.util.Set<String> fields = new java.util.LinkedHashSet<>(before.keySet());
        fields.addAll(after.keySet());
        fields.forEach(field -> changes.field(field, before.get(field), after.get(field)));
        java.util.Set<String> secretFields = new java.util.LinkedHashSet<>(printsBefore.keySet());
        secretFields.addAll(printsAfter.keySet());
        TargetInput typed = input;
        secretFields.forEach(field -> changes.secret(field, printsBefore.get(field), printsAfter.get(field),
                typed.config().get(field.substring(CONFIG.length())) != null
                        && !typed.config().get(field.substring(CONFIG.length())).isEmpty()));
        audit.record(Audit.Entry.of(actor, "runtime.update", AUDIT_KIND, target.name).detail(changes.changed())
                .fingerprints(Changes.fingerprintColumn(printsBefore), Changes.fingerprintColumn(printsAfter)));
        LOG.infof("runtime target %s updated by %s", target.name, actor);
        return target;
    }

    /**
     * Enables or disables a target; audited {@code runtime.enable} or {@code runtime.disable}.
     *
     * @throws NotFound for an unknown id
     * @throws FieldErrors enabling a target that depends on nothing
     * @throws Conflict (409) when it already is so: nothing changed, nothing audited
     */
    @Transactional
    public RuntimeTarget setEnabled(long id, boolean enabled, String actor) {
        RuntimeTarget target = locked(id);
        if (target.enabled == enabled) {
            throw AlreadySo.conflict("Runtime target " + target.name, enabled ? "enabled" : "disabled");
        }
        if (enabled) {
            requireADependency(target);
        }
        target.enabled = enabled;
        target.updatedAt = now();
        target.updatedBy = actor;
        audit.record(Audit.Entry.of(actor, enabled ? "runtime.enable" : "runtime.disable", AUDIT_KIND, target.name));
        return target;
    }

    /**
     * Puts a target on hold (left out of rollouts until released) or releases it; audited {@code runtime.hold} or
     * {@code runtime.release}.
     *
     * @throws NotFound for an unknown id
     * @throws Conflict (409) when it already is so: nothing changed, nothing audited
     */
    @Transactional
    public RuntimeTarget setHeld(long id, boolean held, String actor) {
        RuntimeTarget target = locked(id);
        if (target.held == held) {
            throw AlreadySo.conflict("Runtime target " + target.name, held ? "on hold" : "not on hold");
        }
        if (!held) {
            requireADependency(target);
        }
        target.held = held;
        target.updatedAt = now();
        target.updatedBy = actor;
        audit.record(Audit.Entry.of(actor, held ? "runtime.hold" : "runtime.release", AUDIT_KIND, target.name)
                .detail(held ? "left out of rollouts until released" : "back in rollouts"));
        LOG.infof("runtime target %s %s by %s", target.name, held ? "put on hold" : "released", actor);
        return target;
    }

    /**
     * What deleting target {@code id} does to the shared secrets: it is unlinked from each that lists it, and those
     * that list no other target are left with none (their value then reaches no runtime). For the delete step.
     *
     * @return e.g. " It is unlinked from the shared secrets that list it: cache, queue; cache is left with no
     *         target."; empty when none lists it
     */
    @Transactional
    public String sharedSecretsNote(long id) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = RuntimeTarget.getEntityManager().createNativeQuery("SELECT s.name, (SELECT count(*)"
                + " FROM shared_secret_targets o WHERE o.shared_secret_id = s.id) FROM shared_secrets s"
                + " JOIN shared_secret_targets l ON l.shared_secret_id = s.id WHERE l.target_id = :id ORDER BY s.name")
                .setParameter("id", id).getResultList();
        if (rows.isEmpty()) {
            return "";
        }
        List<String> names = rows.stream().map(r -> (String) r[0]).toList();
        List<String> alone = rows.stream().filter(r -> ((Number) r[1]).longValue() <= 1).map(r -> (String) r[0])
                .toList();
        return " It is unlinked from the shared secret" + (names.size() == 1 ? " that lists" : "s that list")
                + " it: " + String.join(", ", names) + (alone.isEmpty() ? "." : "; " + String.join(", ", alone)
                        + (alone.size() == 1 ? " is" : " are") + " left with no target (" + (alone.size() == 1
                                ? "its value then reaches" : "their values then reach") + " no runtime).");
    }

    /**
     * The shared secrets deleting target {@code id} unlinks it from, for the delete's audit entry: each by name, with
     * its value's fingerprint (never the value) and the targets it lists afterwards, e.g. "; unlinked from shared
     * secrets cache (value fingerprint 1a2b3c4d, targets now api), queue (value fingerprint unreadable, targets now
     * none)"; empty when none lists it.
     */
    private String unlinkedSecrets(long id) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = RuntimeTarget.getEntityManager().createNativeQuery("SELECT s.name, s.value_id,"
                + " (SELECT string_agg(t.name, ', ' ORDER BY t.name) FROM shared_secret_targets o JOIN runtime_targets t"
                + " ON t.id = o.target_id WHERE o.shared_secret_id = s.id AND o.target_id <> :id) FROM shared_secrets s"
                + " JOIN shared_secret_targets l ON l.shared_secret_id = s.id WHERE l.target_id = :id ORDER BY s.name")
                .setParameter("id", id).getResultList();
        if (rows.isEmpty()) {
            return "";
        }
        List<String> secrets = rows.stream().map(r -> r[0] + " (value fingerprint "
                + sealedValues.find((UUID) r[1]).map(sealedValues::open)
                        .map(o -> o instanceof Opened.Plaintext p ? fingerprints.of(p.value()) : null)
                        .orElse("unreadable")
                + ", targets now " + (r[2] == null ? "none" : r[2]) + ")").toList();
        return "; unlinked from shared secret" + (secrets.size() == 1 ? " " : "s ") + String.join(", ", secrets);
    }

    /**
     * What an action on target {@code id} does to the rollouts it is in now (a rollout run running, waiting for
     * approval or rolling back that has a restart of it), for the action's confirmation step, e.g. " Target voice is
     * in rollout 12 (running): deleting it leaves it out of the rest of that rollout."; empty when it is in none.
     *
     * @param doing the action as a gerund, e.g. "deleting", "disabling", "holding"
     */
    public String rolloutNote(long id, String doing) {
        return rolloutNote(id, runs -> doing + " it leaves it out of the rest of "
                + (runs == 1 ? "that rollout." : "those rollouts."));
    }

    /**
     * What restarting target {@code id} now does to the rollouts it is in (as {@link #rolloutNote(long, String)}):
     * nothing to them. Restart now is a run of its own; each rollout keeps its row for the target, and the restarted
     * runtimes fetch what the rollouts' pins serve them ({@link RolloutPins}: the configuration they ran before while
     * their wave has not come or the target is held). Empty when it is in none.
     */
    public String restartNowNote(long id) {
        return rolloutNote(id, runs -> "restarting it now does not change " + (runs == 1 ? "that rollout" : "them")
                + " (" + (runs == 1 ? "it keeps its" : "each keeps its") + " own restart or hold of the target): its"
                + " runtimes restart once more outside it and fetch what " + (runs == 1 ? "it serves" : "they serve")
                + " them, the configuration they ran before while their wave has not come or the target is held.");
    }

    private String rolloutNote(long id, java.util.function.IntFunction<String> consequence) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = RuntimeTarget.getEntityManager().createNativeQuery("SELECT DISTINCT r.id, r.state"
                + " FROM restart_runs r JOIN restart_results x ON x.run_id = r.id WHERE x.target_id = :id"
                + " AND r.rollout AND r.state IN ('running', 'waiting_approval', 'rolling_back') ORDER BY r.id")
                .setParameter("id", id).getResultList();
        if (rows.isEmpty()) {
            return "";
        }
        List<String> runs = rows.stream().map(r -> ((Number) r[0]).longValue() + " ("
                + ((String) r[1]).replace("waiting_approval", "waiting for approval").replace('_', ' ') + ")")
                .toList();
        return " Target " + get(id).name + " is in rollout" + (runs.size() == 1 ? " " : "s ")
                + String.join(", ", runs) + ": " + consequence.apply(runs.size());
    }

    /**
     * Deletes target {@code id} (audited {@code runtime.delete}), settling its results
     * ({@link RestartQueue#settleDeleted}) and dropping its secrets, in a transaction of its own. A restart worker or
     * rollout gate writing one of the target's runs at the same moment can still make PostgreSQL abort the delete as a
     * deadlock's victim (SQLSTATE 40P01; PostgreSQL's manual advises trying such a transaction again): up to
     * {@value #DELETE_ATTEMPTS} attempts, a few milliseconds apart, before the failure is an error.
     *
     * @throws NotFound when no target has that id
     */
    public void delete(long id, String actor) {
        for (int attempt = 1;; attempt++) {
            try {
                QuarkusTransaction.requiringNew().run(() -> deleteOnce(id, actor));
                return;
            } catch (RuntimeException e) {
                if (attempt >= DELETE_ATTEMPTS || !deadlock(e)) {
                    throw e;
                }
                LOG.debugf("runtime target %d: delete chosen as a deadlock's victim, attempt %d of %d; trying again",
                        id, attempt, DELETE_ATTEMPTS);
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(5, 50L * attempt));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Attempts of {@link #delete} when PostgreSQL aborts it as a deadlock's victim. */
    static final int DELETE_ATTEMPTS = 5;

    /** Whether {@code e} or one of its causes is PostgreSQL's "deadlock detected" (SQLSTATE 40P01). */
    private static boolean deadlock(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "40P01".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private void deleteOnce(long id, String actor) {
        RuntimeTarget target = get(id);
        String name = target.name;
        // Lock order: the runs of the target's restart results, then those results, then the target's own row, the
        // order a restart worker and the rollout gate follow (a run, then its results). A rollout planning its waves
        // holds those results and then reads what refers to the target; a delete that took the target's row first and
        // reached the results through ON DELETE SET NULL waited on it while it waited on the delete (PostgreSQL
        // answered "deadlock detected", a 500). The runs come first because the SET NULL's foreign key check on
        // run_id key-share locks each run, which a worker finishing a result holds while it waits for that result.
        RuntimeTarget.getEntityManager().createNativeQuery("SELECT id FROM restart_runs WHERE id IN (SELECT run_id"
                + " FROM restart_results WHERE target_id = :id) ORDER BY id FOR UPDATE").setParameter("id", id)
                .getResultList();
        RuntimeTarget.getEntityManager().createNativeQuery("SELECT id FROM restart_results WHERE target_id = :id"
                + " ORDER BY id FOR UPDATE").setParameter("id", id).getResultList();
        // its results end with the target: a later fetch by one of their runtime names (a target created again under
        // the same name) is not this target's, and nothing would settle them once target_id is null (V25)
        queue.settleDeleted(id);
        String unlinked = unlinkedSecrets(id);
        dropSecrets(target, f -> true);
        target.delete();
        audit.record(Audit.Entry.of(actor, "runtime.delete", AUDIT_KIND, name).detail(describe(target) + unlinked));
        LOG.infof("runtime target %s deleted by %s", name, actor);
    }

    /** The target as its driver sees it: defaults applied, secrets opened. */
    @Transactional
    public TargetSpec spec(RuntimeTarget target) {
        RuntimeDriver driver = drivers.find(target.driver)
                .orElseThrow(() -> new IllegalStateException("no driver " + target.driver + " in this Keyhouse"));
        Map<String, String> config = new LinkedHashMap<>();
        Map<String, String> secrets = new HashMap<>();
        for (DriverField field : driver.fields()) {
            if (field.secret()) {
                UUID ref = target.secrets.get(field.name());
                if (ref != null) {
                    secrets.put(field.name(), open(target, field.name(), ref));
                }
            } else {
                String value = target.config.get(field.name());
                if ((value == null || value.isBlank()) && field.defaultValue() != null) {
                    value = field.defaultValue();
                }
                if (value != null) {
                    config.put(field.name(), value);
                }
            }
        }
        return new TargetSpec(target.id, target.name, target.driver, config, secrets);
    }

    /**
     * The target as its driver sees it without its secrets (none is opened): for the questions a driver answers from
     * settings alone, {@link RuntimeDriver#hasHealth} and {@link RuntimeDriver#sharedConfig}.
     */
    public TargetSpec settings(RuntimeTarget target) {
        Map<String, String> config = new LinkedHashMap<>();
        for (DriverField field : drivers.find(target.driver).map(RuntimeDriver::fields).orElse(List.of())) {
            String value = field.secret() ? null : target.config.get(field.name());
            if ((value == null || value.isBlank()) && !field.secret() && field.defaultValue() != null) {
                value = field.defaultValue();
            }
            if (value != null) {
                config.put(field.name(), value);
            }
        }
        return new TargetSpec(target.id == null ? 0 : target.id, target.name, target.driver, config, Map.of());
    }

    /**
     * Why a rollout restarts all of this target's runtimes in one wave ({@link RuntimeDriver#sharedConfig}), or null
     * when they can move one at a time.
     */
    public String sharedConfig(RuntimeTarget target) {
        return drivers.find(target.driver).map(d -> d.sharedConfig(settings(target))).orElse(null);
    }

    /**
     * Why the stored target cannot be restarted as it is saved, for its page: another target holds what it names
     * ({@link RuntimeDriver#conflict}: its environment file), as the field and sentence a restart fails with; null
     * when nothing collides.
     */
    public String conflict(RuntimeTarget target) {
        return drivers.find(target.driver).flatMap(d -> d.conflict(settings(target)))
                .map(c -> c.field().substring(c.field().indexOf('.') + 1) + " " + c.message()).orElse(null);
    }

    /** Secret settings of a target, summarised, by field name. */
    @Transactional
    public Map<String, SecretState> secrets(RuntimeTarget target) {
        Map<String, SecretState> states = new LinkedHashMap<>();
        for (DriverField field : drivers.find(target.driver).map(RuntimeDriver::fields).orElse(List.of())) {
            if (field.secret()) {
                UUID ref = target.secrets.get(field.name());
                states.put(field.name(), ref == null ? new SecretState(false, null, false) : summary(ref));
            }
        }
        return states;
    }

    private SecretState summary(UUID ref) {
        Opened opened = sealedValues.find(ref).map(sealedValues::open).orElse(null);
        if (opened instanceof Opened.Plaintext plaintext) {
            return new SecretState(true, fingerprints.of(plaintext.value()), false);
        }
        return new SecretState(true, null, true);
    }

    private String open(RuntimeTarget target, String field, UUID ref) {
        Opened opened = sealedValues.find(ref).map(sealedValues::open).orElse(null);
        if (opened instanceof Opened.Plaintext plaintext) {
            return plaintext.value();
        }
        String why = opened == null ? "its sealed value is missing" : ((Opened.Unreadable) opened).message();
        throw new IllegalStateException("target " + target.name + ": secret " + field + " needs re-entry: " + why);
    }

    /** A valid input, its config values cleaned, and its driver. */
    private record Checked(RuntimeDriver driver, TargetInput input) {
    }

    /**
     * Why a target that depends on no provider kind is refused while no shared secret lists it (issue 19): it would
     * depend on nothing, and no change would ever restart it. Names both ways out.
     */
    static final String NEEDS_A_DEPENDENCY = "must name at least one provider kind, or the target must use a shared"
            + " secret: link it on the shared secret's page (or its targets in /api/v1/shared-secrets), then it may"
            + " depend on no kind";

    /** Whether no shared secret lists the target (a target not saved yet is listed by none). */
    private static boolean usesNoSharedSecret(RuntimeTarget target) {
        return target.id == null || ((Number) RuntimeTarget.getEntityManager().createNativeQuery(
                "SELECT count(*) FROM shared_secret_targets WHERE target_id = :id").setParameter("id", target.id)
                .getSingleResult()).longValue() == 0;
    }

    /**
     * The dependency rule on a write's resulting state ({@code dependsOn}, the comma-separated kinds the target will
     * hold), whatever members the write sent: whether the target would depend on no kind while no shared secret lists
     * it. Judged under the target's row lock ({@link #locked}) for a stored target.
     */
    private static boolean dependsOnNothing(RuntimeTarget target, String dependsOn) {
        return (dependsOn == null || dependsOn.isBlank()) && usesNoSharedSecret(target);
    }

    /**
     * {@link #dependsOnNothing} on the stored state, for a write that puts the target back in rollouts (enable,
     * release); one that takes it out (disable, hold) is always allowed.
     *
     * @throws FieldErrors 400 naming {@code dependsOn} ({@link #NEEDS_A_DEPENDENCY})
     */
    private static void requireADependency(RuntimeTarget target) {
        if (dependsOnNothing(target, target.dependsOn)) {
            throw new FieldErrors().add("dependsOn", NEEDS_A_DEPENDENCY);
        }
    }

    /**
     * Validates name, driver, dependsOn, cleans each config value by its field's type ({@link FieldRules}: the same
     * rules as provider settings), then checks the driver's required fields and the driver's own rules.
     */
    private Checked check(TargetInput input, RuntimeTarget stored, FieldErrors read) {
        FieldErrors errors = new FieldErrors().addAll(read);
        String name = input.name() == null ? stored.name : input.name().strip();
        if (name == null || name.isEmpty()) {
            errors.add("name", "is required");
        } else if (!NAME.matcher(name).matches()) {
            errors.add("name", "must be 1 to 100 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
        } else if (RuntimeTarget.count("name = ?1 and id <> ?2", name, stored.id == null ? -1L : stored.id) > 0) {
            errors.add("name", "is already used by another target");
        }
        String driverId = input.driver() == null ? stored.driver : input.driver().strip();
        Optional<RuntimeDriver> driver = drivers.find(driverId);
        if (driverId == null || driverId.isEmpty()) {
            errors.add("driver", "is required: one of " + String.join(", ", drivers.ids()));
        } else if (driver.isEmpty()) {
            errors.add("driver", "must be one of " + String.join(", ", drivers.ids()));
        }
        // judged on the resulting state, whatever the input sends (a write of `enabled` alone included)
        String dependsOn = input.dependsOn() != null ? String.join(",", kinds(input.dependsOn())) : stored.dependsOn;
        if (dependsOnNothing(stored, dependsOn)) {
            errors.add("dependsOn", NEEDS_A_DEPENDENCY);
        }
        if (input.confirmation() != null && !Confirmations.MODES.contains(input.confirmation().strip())) {
            errors.add("confirmation", "must be one of " + String.join(", ", Confirmations.MODES));
        }
        if (driver.isEmpty()) {
            errors.throwIfAny();
        }
        String confirmation = input.confirmation() == null ? stored.confirmation : input.confirmation().strip();
        if (Confirmations.HEALTH.equals(confirmation) && !driver.get().canReportHealth()) {
            // the driver never gives a health signal: every wave of a rollout would end unconfirmed
            errors.add("confirmation", HEALTH_NEEDS_SIGNAL);
        }
        boolean sameDriver = driver.get().id().equals(stored.driver);
        for (String field : input.config().keySet()) {
            if (driver.get().fields().stream().noneMatch(f -> f.name().equals(field))) {
                errors.add("config." + NoBody.member(field), "is not a setting of the " + driverId + " driver");
            } else if (TargetInput.NOT_A_STRING.equals(input.config().get(field))) {
                errors.add("config." + field, "has the wrong type: must be a string");
            }
        }
        Map<String, String> typed = new LinkedHashMap<>(input.config());
        typed.values().removeIf(TargetInput.NOT_A_STRING::equals);
        input = input.with(input.driver(), typed);
        input = cleaned(input, driver.get(), errors);
        for (DriverField field : driver.get().fields()) {
            String given = input.config().get(field.name());
            boolean hasGiven = given != null && !given.isBlank();
            boolean hasStored = sameDriver && (field.secret() ? stored.secrets.containsKey(field.name())
                    : input.config().containsKey(field.name()) ? false : stored.config.get(field.name()) != null);
            if (field.required() && !hasGiven && !hasStored) {
                errors.add("config." + field.name(), "is required");
            }
        }
        if (sameDriver) {
            secretsFollowTheirDestination(driver.get(), input, stored, errors);
        }
        // the driver's own rules always run (issue 20: every problem in one answer), on the cleaned settings and a
        // refused one as typed; a field already refused keeps its first finding
        FieldErrors driverErrors = new FieldErrors();
        TargetSpec candidate = candidate(name, driver.get(), input, stored, sameDriver);
        driver.get().validate(candidate, driverErrors);
        errors.addNew(driverErrors);
        errors.throwIfAny();
        // valid alone, but another target may hold what it names (one environment file for two targets): 409;
        // judged one save at a time (a transaction-scoped lock), so two saves naming one file never both pass
        RuntimeTarget.getEntityManager().createNativeQuery("SELECT count(*) FROM pg_advisory_xact_lock(:key)")
                .setParameter("key", CONFLICT_LOCK).getSingleResult();
        driver.get().conflict(candidate).ifPresent(conflict -> {
            throw FieldErrors.conflict().add(conflict.field(), conflict.message());
        });
        return new Checked(driver.get(), input);
    }

    /**
     * A stored secret never follows its target to a new destination: when a URL setting's origin (scheme, host,
     * port: {@link Origin}) changes, each stored secret must be entered again in the same save, or the http driver
     * would sign webhooks to a host its owner never chose (as provider settings do: SettingRules).
     */
    private static void secretsFollowTheirDestination(RuntimeDriver driver, TargetInput input, RuntimeTarget stored,
            FieldErrors errors) {
        List<String> moved = new java.util.ArrayList<>();
        for (DriverField field : driver.fields()) {
            String before = stored.config.get(field.name());
            if (field.type() == FieldType.URL && before != null && input.config().containsKey(field.name())
                    && errors.messageFor("config." + field.name()) == null
                    && !Origin.of(before).equals(Origin.of(input.config().get(field.name())))) {
                moved.add(field.label());
            }
        }
        if (moved.isEmpty()) {
            return;
        }
        for (DriverField field : driver.fields()) {
            String given = input.config().get(field.name());
            if (field.secret() && stored.secrets.containsKey(field.name()) && (given == null || given.isEmpty())) {
                errors.add("config." + field.name(), "enter the " + field.label().toLowerCase(java.util.Locale.ROOT)
                        + " again: the " + String.join(" and ", moved) + " now points to another origin (scheme,"
                        + " host or port), and a stored secret is never sent to a new destination");
            }
        }
    }

    /** The input with each of the driver's config values cleaned; a blank value becomes "" (clear, or keep a secret). */
    private static TargetInput cleaned(TargetInput input, RuntimeDriver driver, FieldErrors errors) {
        Map<String, String> config = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : input.config().entrySet()) {
            Optional<DriverField> field = driver.fields().stream().filter(f -> f.name().equals(entry.getKey()))
                    .findFirst();
            if (field.isEmpty()) {
                continue;
            }
            FieldRules.Cleaned value = FieldRules.clean(field.get().type(), entry.getValue());
            if (value.ok()) {
                config.put(entry.getKey(), value.value() == null ? "" : value.value());
            } else {
                errors.add("config." + entry.getKey(), value.problem());
                // kept only so that the field is not also called missing: nothing is saved with an error
                config.put(entry.getKey(), entry.getValue());
            }
        }
        return input.with(input.driver(), config);
    }

    /** What the driver validates: the stored settings with the input's on top; only secrets the input sets. */
    private static TargetSpec candidate(String name, RuntimeDriver driver, TargetInput input, RuntimeTarget stored,
            boolean sameDriver) {
        Map<String, String> config = new HashMap<>();
        Map<String, String> secrets = new HashMap<>();
        for (DriverField field : driver.fields()) {
            String given = input.config().get(field.name());
            if (field.secret()) {
                if (given != null && !given.isEmpty()) {
                    secrets.put(field.name(), given);
                }
                continue;
            }
            String value = input.config().containsKey(field.name()) ? given
                    : sameDriver ? stored.config.get(field.name()) : null;
            if ((value == null || value.isBlank()) && field.defaultValue() != null) {
                value = field.defaultValue();
            }
            if (value != null) {
                config.put(field.name(), value.strip());
            }
        }
        return new TargetSpec(stored.id == null ? 0 : stored.id, name, driver.id(), config, secrets);
    }

    private void apply(TargetInput input, RuntimeTarget target, RuntimeDriver driver) {
        if (input.name() != null) {
            target.name = input.name().strip();
        }
        boolean sameDriver = driver.id().equals(target.driver);
        Map<String, String> config = new LinkedHashMap<>();
        for (DriverField field : driver.fields()) {
            if (field.secret()) {
                continue;
            }
            String value = input.config().containsKey(field.name()) ? input.config().get(field.name())
                    : sameDriver ? target.config.get(field.name()) : null;
            if (value != null && !value.isBlank()) {
                config.put(field.name(), value.strip());
            }
        }
        target.driver = driver.id();
        target.config = config;
        if (input.dependsOn() != null) {
            target.dependsOn = String.join(",", kinds(input.dependsOn()));
        }
        if (input.enabled() != null) {
            target.enabled = input.enabled();
        }
        if (input.canary() != null) {
            target.canary = input.canary();
        }
        if (input.confirmation() != null) {
            target.confirmation = input.confirmation().strip();
        }
        if (input.held() != null) {
            target.held = input.held();
        }
    }

    /** Seals each secret the input sets; the row it replaces is deleted (targets keep no history). */
    private List<String> sealSecrets(TargetInput input, RuntimeTarget target, RuntimeDriver driver) {
        List<String> set = new java.util.ArrayList<>();
        for (DriverField field : driver.fields()) {
            String value = input.config().get(field.name());
            if (!field.secret() || value == null || value.isEmpty()) {
                continue;
            }
            SealedValue sealed = sealedValues.seal("runtime_target/" + target.id + "/" + field.name(), value);
            UUID old = target.secrets.put(field.name(), sealed.id);
            target.flush();
            if (old != null) {
                sealedValues.find(old).ifPresent(sealedValues::delete);
            }
            set.add(field.name() + " (fingerprint " + fingerprints.of(value) + ")");
        }
        return set;
    }

    private void dropSecrets(RuntimeTarget target, java.util.function.Predicate<String> which) {
        List<UUID> dropped = new java.util.ArrayList<>();
        target.secrets.entrySet().removeIf(e -> {
            if (which.test(e.getKey())) {
                dropped.add(e.getValue());
                return true;
            }
            return false;
        });
        target.flush();
        dropped.forEach(id -> sealedValues.find(id).ifPresent(sealedValues::delete));
    }

    /** Kinds in the settings' order; null means all. */
    private static List<String> kinds(List<String> given) {
        return java.util.Arrays.stream(ProviderKind.values()).map(ProviderKind::id)
                .filter(k -> given == null || given.contains(k)).toList();
    }

    /**
     * A target's non-secret fields as an update's audit entry compares them (old → new, {@link Changes}): name,
     * driver, kinds, switches, confirmation and each driver setting as {@code config.<name>}.
     */
    private static Map<String, String> auditFields(RuntimeTarget target) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("name", target.name);
        fields.put("driver", target.driver);
        fields.put("dependsOn", target.dependsOn);
        fields.put("enabled", String.valueOf(target.enabled));
        fields.put("canary", String.valueOf(target.canary));
        fields.put("confirmation", target.confirmation);
        fields.put("held", String.valueOf(target.held));
        new java.util.TreeMap<>(target.config).forEach((name, value) -> fields.put(CONFIG + name, value));
        return fields;
    }

    /** The fingerprint of each secret field of the target's driver (null when unset or unreadable), in field order. */
    private Map<String, String> fingerprints(RuntimeTarget target) {
        Map<String, String> prints = new LinkedHashMap<>();
        secrets(target).forEach((name, state) -> prints.put(CONFIG + name, state.fingerprint()));
        return prints;
    }

    private static String describe(RuntimeTarget target) {
        return "driver " + target.driver + ", depends on " + target.dependsOn + ", "
                + (target.enabled ? "enabled" : "disabled") + (target.canary ? ", canary" : "") + ", confirmation "
                + target.confirmation + (target.held ? ", held" : "") + ", settings " + target.config.keySet();
    }
}
