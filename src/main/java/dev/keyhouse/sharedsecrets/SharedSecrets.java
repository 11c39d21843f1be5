package dev.keyhouse.sharedsecrets;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.audit.Changes;
import dev.keyhouse.config.EnvFileDialect;
import dev.keyhouse.crypto.Opened;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import dev.keyhouse.runtimes.RestartRuns;
import dev.keyhouse.runtimes.RuntimeTargets;
import dev.keyhouse.sealed.SealedValue;
import dev.keyhouse.sealed.SealedValues;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.settings.CheckedSaves;
import dev.keyhouse.settings.DisplayedSecret;
import dev.keyhouse.settings.EnvironmentChanged;
import dev.keyhouse.settings.ReservedVariables;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.NotFound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Shared secrets (issue 19): a named secret served to runtimes as one variable (e.g. {@code voxcore} as
 * {@code VOXCORE_SECRET}) and the runtime targets that use it, which must change together. Shared by the REST API and
 * the page: validation, version-checked writes that seal every new value into a new sealed row and record a history
 * row ({@code shared_secret_versions}, never overwritten), audit with fingerprints (never values), and one restart run
 * over exactly the linked targets when the value (or the variable) a runtime receives changes.
 */
@ApplicationScoped
public class SharedSecrets {

    private static final Logger LOG = Logger.getLogger(SharedSecrets.class);
    /**
     * The audit log's kind for shared-secret events ({@code shared-secret.create|save|generate|rollback|delete}).
     */
    public static final String AUDIT_KIND = "shared-secret";
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    static final Pattern VARIABLE = Pattern.compile("[A-Z][A-Z0-9_]{0,127}");
    /** The longest value accepted, as a provider's API key. */
    static final int MAX_VALUE_LENGTH = 4096;
    /** Random bytes of a generated value: 256 bits, base64url without padding (43 characters). */
    static final int GENERATED_BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * What a caller submits; a null member is absent: on create, a null value is generated; on a save, a null member
     * keeps what is stored.
     *
     * @param targets runtime target ids; on a save, the whole new set
     */
    public record Input(String name, String variable, String value, List<Long> targets) {

        @Override
        public String toString() {
            return "Input[" + name + ", " + variable + ", value " + (value == null ? "absent" : "given") + ", targets "
                    + targets + "]";
        }
    }

    /** A linked runtime target; {@code held}: an admin's hold leaves it out of rollouts (not of a shared secret's run). */
    public record Target(long id, String name, boolean enabled, boolean held) {
    }

    /**
     * A shared secret as the API and the page show it: never its value.
     *
     * @param fingerprint the keyed fingerprint of the value ({@code SecretFingerprints}); of the reference for a
     *        {@code vault:} one; null when the value cannot be opened ({@code needsReentry})
     * @param vault the pinned {@code vault:} reference the value is read from, or null for a stored value
     * @param restartRun the restart run the write planned, or null
     */
    public record View(long id, String name, String variable, long version, String fingerprint, boolean needsReentry,
            String vault, List<Target> targets, String createdBy, Instant createdAt, String updatedBy,
            Instant updatedAt, Long restartRun) {

        /** The ETag of GET: the version, quoted. */
        public String etag() {
            return "\"" + version + "\"";
        }

        /** The enabled linked targets on hold, by name: a new value restarts them anyway (not a rollout). */
        public List<String> heldRestarted() {
            return targets.stream().filter(t -> t.enabled() && t.held()).map(Target::name).toList();
        }

        /** What a new value does to {@link #heldRestarted} ({@code RestartRuns#heldRestartedAnyway}); "" for none. */
        public String heldNote() {
            return dev.keyhouse.runtimes.RestartRuns.heldRestartedAnyway(heldRestarted(), "a new value");
        }

        View withRestartRun(Long run) {
            return new View(id, name, variable, version, fingerprint, needsReentry, vault, targets, createdBy,
                    createdAt, updatedBy, updatedAt, run);
        }
    }

    private final SealedValues sealedValues;
    private final SecretFingerprints fingerprints;
    private final Audit audit;
    private final RestartRuns runs;
    private final Event<EnvironmentChanged> changed;
    private final CheckedSaves checkedSaves;
    private final EntityManager em;

    public SharedSecrets(SealedValues sealedValues, SecretFingerprints fingerprints, Audit audit, RestartRuns runs,
            Event<EnvironmentChanged> changed, CheckedSaves checkedSaves, EntityManager em) {
        this.sealedValues = sealedValues;
        this.fingerprints = fingerprints;
        this.audit = audit;
        this.runs = runs;
        this.changed = changed;
        this.checkedSaves = checkedSaves;
        this.em = em;
    }

    /** Every shared secret by name. */
    @Transactional
    public List<View> list() {
        return SharedSecret.<SharedSecret>list("order by name").stream().map(this::view).toList();
    }

    /**
     * Looks the id up, so a write on an unknown id is a 404 before its body or preconditions are judged.
     *
     * @throws NotFound when there is no such shared secret
     */
    @Transactional
    public void exists(long id) {
        find(id);
    }

    /** @throws NotFound when there is no such shared secret */
    @Transactional
    public View get(long id) {
        return view(find(id));
    }

    /**
     * A typed {@code vault:} reference pinned to its KV version (as provider secrets are), other input unchanged. Calls
     * Vault: call before the write, outside any transaction.
     *
     * @param create whether the input creates a shared secret (name and variable required), for the errors below
     * @throws FieldErrors naming {@code value} when the reference is malformed or cannot be read now, with the name's
     *         and variable's problems in the same answer
     */
    public Input pinned(Input input, boolean create) {
        if (input.value() == null || !VaultReference.isReference(input.value().strip())) {
            return input;
        }
        FieldErrors errors = new FieldErrors();
        var pin = checkedSaves.pinnedReference("value", input.value(), errors);
        if (pin != null) {
            // the value it resolves to is held to what a typed value is (length, not a masked display, …)
            FieldErrors typed = new FieldErrors();
            value(pin.value(), !create, typed);
            for (var error : typed.errors()) {
                errors.add("value", "the value of " + pin.reference() + " is refused: it " + error.message());
            }
        }
        if (!errors.isEmpty()) {
            // never one problem per submit: the other fields are judged now too
            name(input.name(), create, errors);
            variable(input.variable(), create, errors);
        }
        errors.throwIfAny();
        // always held: the Vault watcher follows provider settings only, so a shared secret's reference moves to a
        // new KV version only when it is saved again (as its restart run needs a save)
        return new Input(input.name(), input.variable(), pin.reference().hold().toString(), input.targets());
    }

    /**
     * Throws {@code refused} (what the form itself found wrong: its {@code generate} choice, a target box that is no
     * id) together with every problem the rules find in {@code input} (name, variable, value, unknown targets), so
     * one answer names them all (issue 20, point 7). Validates only: calls no Vault, writes nothing.
     *
     * @param create whether the input creates a shared secret (name and variable required)
     * @throws FieldErrors always
     */
    @Transactional
    public void refuseWithAll(Input input, boolean create, FieldErrors refused) {
        refused.addNew(problems(input, create));
        throw refused;
    }

    /** Every problem of {@code input} by the rules of a create or a save, none thrown. */
    private FieldErrors problems(Input input, boolean create) {
        FieldErrors errors = new FieldErrors();
        name(input.name(), create, errors);
        variable(input.variable(), create, errors);
        value(input.value(), !create, errors);
        if (input.targets() != null) {
            targets(input.targets(), errors);
        }
        return errors;
    }

    /**
     * Creates a shared secret (version 1); without a value, one is generated ({@link #generated()}) and never shown.
     * Plans one restart run over its enabled linked targets.
     *
     * @throws FieldErrors naming each invalid field; nothing is written
     * @throws SharedSecretRefused 409 when the name or the variable is taken (by another shared secret or a provider
     *         setting), naming both
     */
    @Transactional
    public View create(Input input, String actor) {
        FieldErrors errors = new FieldErrors();
        String name = name(input.name(), true, errors);
        String variable = variable(input.variable(), true, errors);
        String value = value(input.value(), false, errors);
        Set<Long> targets = targets(input.targets(), errors);
        errors.throwIfAny();
        lockTable();
        lockTargets(targets, targets);
        checkFree(null, name, variable);
        boolean generated = value == null;
        String plaintext = generated ? generated() : value;
        SharedSecret secret = new SharedSecret();
        secret.name = name;
        secret.variable = variable;
        secret.valueId = seal(name, plaintext);
        secret.version = 1;
        secret.createdBy = actor;
        secret.createdAt = Instant.now();
        secret.updatedBy = actor;
        secret.updatedAt = secret.createdAt;
        secret.persist();
        linkTargets(secret.id, targets);
        history(secret, "create", actor, generated);
        String fingerprint = fingerprints.of(plaintext);
        audit.record(Audit.Entry.of(actor, "shared-secret.create", AUDIT_KIND, "shared secret " + name)
                .detail("variable " + variable + ", " + (generated ? "value generated" : source(plaintext))
                        + ", targets: " + targetNames(targets))
                .fingerprints(null, fingerprint));
        Long run = runs.planForSharedSecret(name, variable, secret.version, actor, targets);
        changed.fire(new EnvironmentChanged("shared secret " + name));
        LOG.infof("shared secret %s (%s) created by %s", name, variable, actor);
        return view(secret).withRestartRun(run);
    }

    /**
     * Saves a new version: the members given replace the stored ones (a null value keeps the stored value). When the
     * value or the variable changes, plans one restart run over the enabled linked targets.
     *
     * @param expectedVersion the version the caller edited (its ETag)
     * @throws SharedSecretRefused 412 when another write came first, 409 when the name or variable is taken
     * @throws FieldErrors naming each invalid field
     */
    @Transactional
    public View save(long id, Input input, long expectedVersion, String actor) {
        FieldErrors errors = new FieldErrors();
        String name = name(input.name(), false, errors);
        String variable = variable(input.variable(), false, errors);
        String value = value(input.value(), true, errors);
        Set<Long> targets = input.targets() == null ? null : targets(input.targets(), errors);
        errors.throwIfAny();
        lockTable();
        SharedSecret secret = lock(id, expectedVersion);
        String newName = name == null ? secret.name : name;
        String newVariable = variable == null ? secret.variable : variable;
        checkFree(secret.id, newName, newVariable);
        String before = fingerprint(secret.valueId);
        String after = before;
        boolean valueChanged = false;
        Changes changes = new Changes();
        if (value != null) {
            after = fingerprints.of(value);
            valueChanged = !Objects.equals(before, after);
            if (valueChanged) {
                secret.valueId = seal(newName, value);
                changes.secret("value", before, after, true);
                changes.note("value " + source(value));
            }
        }
        changes.field("name", secret.name, newName);
        boolean variableChanged = !newVariable.equals(secret.variable);
        changes.field("variable", secret.variable, newVariable);
        Set<Long> linked = linkedIds(secret.id);
        if (targets != null) {
            Set<Long> concerned = new LinkedHashSet<>(linked);
            concerned.addAll(targets);
            lockTargets(concerned, targets);
        }
        // the targets whose received configuration changes: every linked one when the value or variable does, and
        // the newly linked and unlinked ones in any case
        Set<Long> restart = new LinkedHashSet<>();
        if (valueChanged || variableChanged) {
            restart.addAll(linked);
        }
        if (targets != null && !targets.equals(linked)) {
            changes.field("targets", targetNames(linked), targetNames(targets));
            linkTargets(secret.id, targets);
            Set<Long> moved = new LinkedHashSet<>(targets);
            moved.removeAll(linked);
            restart.addAll(moved);
            Set<Long> unlinked = new LinkedHashSet<>(linked);
            unlinked.removeAll(targets);
            refuseOrphans(secret, unlinked);
            restart.addAll(unlinked);
            if (valueChanged || variableChanged) {
                restart.addAll(targets);
            }
        }
        if (changes.isEmpty()) {
            // nothing a runtime or a reader sees changes: no new version, no run (issue 19 breaker, point 4)
            return view(secret);
        }
        secret.name = newName;
        secret.variable = newVariable;
        // a new value was typed; an unchanged one keeps the origin of the version it came from
        return write(secret, "save", actor, changes.changed(), before, after, restart, valueChanged ? false : null);
    }

    /**
     * A new random value ({@link #generated()}), never shown: a new version, one restart run over the enabled linked
     * targets.
     */
    @Transactional
    public View generate(long id, long expectedVersion, String actor) {
        lockTable();
        SharedSecret secret = lock(id, expectedVersion);
        String before = fingerprint(secret.valueId);
        String plaintext = generated();
        secret.valueId = seal(secret.name, plaintext);
        return write(secret, "generate", actor, "value generated", before, fingerprints.of(plaintext),
                linkedIds(secret.id), true);
    }

    /**
     * One stored version as the history shows it: never the value.
     *
     * @param action create, save, generate, rollback or delete
     * @param fingerprint the keyed fingerprint of the value that version held; null for a delete, or when it cannot
     *        be opened
     * @param restorable whether {@link #rollback} to it would change the value: it holds a value that opens and is
     *        not the one in use
     */
    public record Version(long version, String action, String savedBy, Instant savedAt, String fingerprint,
            boolean restorable) {
    }

    /** Every version of a shared secret, newest first. @throws NotFound when there is no such shared secret */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Version> history(long id) {
        SharedSecret secret = find(id);
        String current = fingerprint(secret.valueId);
        List<Object[]> rows = em.createNativeQuery("SELECT version, action, saved_by, saved_at, value_id FROM"
                + " shared_secret_versions WHERE shared_secret_id = :id ORDER BY version DESC")
                .setParameter("id", id).getResultList();
        return rows.stream().map(r -> {
            String fingerprint = r[4] == null ? null : fingerprint((UUID) r[4]);
            return new Version(((Number) r[0]).longValue(), (String) r[1], (String) r[2], instant(r[3]),
                    fingerprint, fingerprint != null && !fingerprint.equals(current));
        }).toList();
    }

    private static Instant instant(Object value) {
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof java.time.OffsetDateTime offset) {
            return offset.toInstant();
        }
        return ((java.sql.Timestamp) value).toInstant();
    }

    /**
     * Rolls the value back to the one version {@code toVersion} held: a new version holding that value, sealed again
     * under the current key (a new sealed row, as every new value), audited as {@code shared-secret.rollback} with the
     * fingerprints old → new, and rolled out as a save of the value is: one restart run over the enabled linked
     * targets. The name, variable and targets stay as they are now. The value is never returned.
     *
     * @param expectedVersion the version the caller had (its ETag)
     * @throws SharedSecretRefused 412 when another write came first
     * @throws FieldErrors naming {@code version} when there is no such version, it holds no value (a delete), its
     *         value cannot be opened, or it is the value in use now; nothing is written
     */
    @Transactional
    public View rollback(long id, long toVersion, long expectedVersion, String actor) {
        lockTable();
        SharedSecret secret = lock(id, expectedVersion);
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT value_id, value_generated FROM shared_secret_versions"
                + " WHERE shared_secret_id = :id AND version = :v").setParameter("id", id).setParameter("v", toVersion)
                .getResultList();
        FieldErrors errors = new FieldErrors();
        if (rows.isEmpty()) {
            throw errors.add("version", "shared secret " + secret.name + " has no version "
                    + (toVersion == dev.keyhouse.input.StaleVersion.BEYOND_ANY ? "of that many digits" : toVersion)
                    + " (its versions are 1 to " + secret.version + ")");
        }
        if (rows.get(0)[0] == null) {
            throw errors.add("version", "version " + toVersion + " holds no value to roll back to");
        }
        boolean generated = Boolean.TRUE.equals(rows.get(0)[1]);
        Opened opened = open((UUID) rows.get(0)[0]);
        if (!(opened instanceof Opened.Plaintext old)) {
            throw errors.add("version", "the value of version " + toVersion + " cannot be opened ("
                    + ((Opened.Unreadable) opened).message() + "), so it cannot be restored");
        }
        String before = fingerprint(secret.valueId);
        String after = fingerprints.of(old.value());
        if (after.equals(before)) {
            throw errors.add("version", toVersion + " holds the value in use now: nothing to roll back");
        }
        secret.valueId = seal(secret.name, old.value());
        return write(secret, "rollback", actor, "value restored from version " + toVersion + " ("
                + (generated ? "generated" : source(old.value())) + ")", before, after, linkedIds(secret.id),
                generated);
    }

    /**
     * Deletes a shared secret and its links; its history stays (so the runtime-config version still grows, and the
     * drivers remove its variable from the runtimes' environment at their next restart). Restarts nothing: a runtime
     * that still needs the variable would fail at a restart, so when to restart is left to the operator.
     */
    @Transactional
    public void delete(long id, long expectedVersion, String actor) {
        lockTable();
        SharedSecret secret = lock(id, expectedVersion);
        lockTargets(linkedIds(secret.id), Set.of());
        refuseOrphans(secret, linkedIds(secret.id));
        String before = fingerprint(secret.valueId);
        String targets = targetNames(linkedIds(secret.id));
        secret.version++;
        secret.updatedBy = actor;
        secret.updatedAt = Instant.now();
        history(secret, "delete", actor, null);
        secret.delete();
        audit.record(Audit.Entry.of(actor, "shared-secret.delete", AUDIT_KIND, "shared secret " + secret.name)
                .detail("variable " + secret.variable + " no longer served; was used by: " + targets)
                .fingerprints(before, null));
        changed.fire(new EnvironmentChanged("shared secret " + secret.name));
        LOG.infof("shared secret %s (%s) deleted by %s", secret.name, secret.variable, actor);
    }

    /**
     * Locks the rows of the targets a write links or unlinks, as a target's own write does
     * ({@link RuntimeTargets#lockRows}), so the dependency rule ({@link #refuseOrphans}) is judged on their committed
     * state and no concurrent target save judges it on this write's stale links.
     *
     * @param linking the ids the write links: each must still exist (one deleted meanwhile is named, 400)
     */
    private static void lockTargets(Set<Long> concerned, Set<Long> linking) {
        Set<Long> found = RuntimeTargets.lockRows(concerned);
        Set<Long> gone = new java.util.TreeSet<>(linking);
        gone.removeAll(found);
        if (!gone.isEmpty()) {
            throw new FieldErrors().add("targets", unknownTargets(gone));
        }
    }

    /**
     * Refuses (409) to unlink the given targets when one depends on no provider kind and no other shared secret lists
     * it: it would depend on nothing, which a target's own save refuses.
     */
    @SuppressWarnings("unchecked")
    private void refuseOrphans(SharedSecret secret, Set<Long> unlinked) {
        if (unlinked.isEmpty()) {
            return;
        }
        List<String> orphans = em.createNativeQuery("SELECT t.name FROM runtime_targets t WHERE t.id IN (:ids)"
                + " AND coalesce(t.depends_on, '') = '' AND NOT EXISTS (SELECT 1 FROM shared_secret_targets l"
                + " WHERE l.target_id = t.id AND l.shared_secret_id <> :secret) ORDER BY t.name")
                .setParameter("ids", List.copyOf(unlinked)).setParameter("secret", secret.id).getResultList();
        if (!orphans.isEmpty()) {
            throw SharedSecretRefused.orphans(secret.name, orphans);
        }
    }

    /** 256 random bits ({@link SecureRandom}) as base64url without padding: 43 characters. */
    static String generated() {
        byte[] bytes = new byte[GENERATED_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private View write(SharedSecret secret, String action, String actor, String detail, String before, String after,
            Set<Long> restart, Boolean generated) {
        secret.version++;
        secret.updatedBy = actor;
        secret.updatedAt = Instant.now();
        history(secret, action, actor, generated);
        audit.record(Audit.Entry.of(actor, "shared-secret." + action, AUDIT_KIND, "shared secret " + secret.name
                + " version " + secret.version).detail(detail).fingerprints(before, after));
        Long run = runs.planForSharedSecret(secret.name, secret.variable, secret.version, actor, restart);
        changed.fire(new EnvironmentChanged("shared secret " + secret.name));
        LOG.infof("shared secret %s saved as version %d by %s (%s)", secret.name, secret.version, actor, action);
        return view(secret).withRestartRun(run);
    }

    /**
     * Serialises shared-secret writes: the uniqueness of names and variables is checked, then written, with no other
     * write in between (a unique violation would otherwise be a 500).
     */
    private void lockTable() {
        em.createNativeQuery("LOCK TABLE shared_secrets IN SHARE ROW EXCLUSIVE MODE").executeUpdate();
    }

    private SharedSecret find(long id) {
        SharedSecret secret = SharedSecret.findById(id);
        if (secret == null) {
            throw new NotFound("shared secret " + id);
        }
        return secret;
    }

    private SharedSecret lock(long id, long expectedVersion) {
        SharedSecret secret = em.find(SharedSecret.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (secret == null) {
            throw new NotFound("shared secret " + id);
        }
        em.refresh(secret, LockModeType.PESSIMISTIC_WRITE);
        if (secret.version != expectedVersion) {
            throw SharedSecretRefused.stale(secret, expectedVersion);
        }
        return secret;
    }

    private static String name(String raw, boolean required, FieldErrors errors) {
        return word(raw, "name", NAME, "must be 1 to 63 of a-z, 0-9 and -, starting with a letter or digit, e.g."
                + " voxcore", required, errors);
    }

    /** The variable by its pattern, refused when reserved ({@link ReservedVariables}). */
    private static String variable(String raw, boolean required, FieldErrors errors) {
        String variable = word(raw, "variable", VARIABLE, "must be 1 to 128 of A-Z, 0-9 and _, starting with a letter,"
                + " e.g. VOXCORE_SECRET", required, errors);
        String reserved = variable == null ? null : ReservedVariables.problem(variable);
        if (reserved != null) {
            errors.add("variable", reserved);
            return null;
        }
        return variable;
    }

    private static String word(String raw, String field, Pattern pattern, String rule, boolean required,
            FieldErrors errors) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.IDENTIFIER, raw);
        if (!cleaned.ok()) {
            errors.add(field, cleaned.problem());
            return null;
        }
        if (cleaned.value() == null) {
            if (required) {
                errors.add(field, "is required");
            }
            return null;
        }
        if (!pattern.matcher(cleaned.value()).matches()) {
            errors.add(field, rule);
            return null;
        }
        return cleaned.value();
    }

    /**
     * The typed value by the secret-field rules, or a pinned {@code vault:} reference; null when none was typed.
     * {@code stored}: whether a value is stored (a save, not a create), so a refusal may offer to keep it.
     */
    private static String value(String raw, boolean stored, FieldErrors errors) {
        if (raw == null) {
            return null;
        }
        String stripped = raw.strip();
        if (VaultReference.isReference(stripped)) {
            java.util.Optional<VaultReference> reference = VaultReference.parse(stripped);
            if (reference.isEmpty()) {
                errors.add("value", VaultReference.FORM);
            } else if (!reference.get().pinned()) {
                errors.add("value", "a Vault reference is stored pinned to a KV version (?version=N)");
            } else {
                return reference.get().toString();
            }
            return null;
        }
        String masked = DisplayedSecret.problem(stripped, stored);
        if (masked != null) {
            errors.add("value", masked);
            return null;
        }
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.SECRET, raw);
        if (!cleaned.ok()) {
            errors.add("value", cleaned.problem());
            return null;
        }
        if (cleaned.value() != null && cleaned.value().length() > MAX_VALUE_LENGTH) {
            errors.add("value", "must be at most " + MAX_VALUE_LENGTH + " characters");
            return null;
        }
        // the runtimes of its targets receive it as an environment variable: one no env-file line holds would make
        // their runtime-config env answer, and their environment files, fail
        java.util.Optional<String> unservable = cleaned.value() == null ? java.util.Optional.empty()
                : EnvFileDialect.problem(cleaned.value());
        if (unservable.isPresent()) {
            errors.add("value", "cannot be served as an environment variable: it " + unservable.get());
            return null;
        }
        return cleaned.value();
    }

    /** The ids, each an existing runtime target; unknown ones named in one message against {@code targets}. */
    private Set<Long> targets(List<Long> ids, FieldErrors errors) {
        Set<Long> targets = new LinkedHashSet<>(ids == null ? List.of() : ids);
        if (targets.isEmpty()) {
            return targets;
        }
        Set<Long> unknown = unknownIds(targets);
        if (!unknown.isEmpty()) {
            errors.add("targets", unknownTargets(unknown));
        }
        return targets;
    }

    /** Which of {@code ids} no runtime target has, in order; empty when each is a target's. */
    @Transactional
    public Set<Long> unknownIds(java.util.Collection<Long> ids) {
        Set<Long> unknown = new java.util.TreeSet<>(ids);
        if (unknown.isEmpty()) {
            return unknown;
        }
        @SuppressWarnings("unchecked")
        List<Number> known = em.createNativeQuery("SELECT id FROM runtime_targets WHERE id IN (:ids)")
                .setParameter("ids", List.copyOf(unknown)).getResultList();
        known.forEach(n -> unknown.remove(n.longValue()));
        return unknown;
    }

    /** The message naming ids no runtime target has, in order. */
    private static String unknownTargets(Set<Long> unknown) {
        return "no runtime target has the id" + (unknown.size() == 1 ? " " : "s ")
                + String.join(", ", unknown.stream().map(String::valueOf).toList());
    }

    /** 409 when another shared secret has the name or writes the variable. */
    private void checkFree(Long self, String name, String variable) {
        SharedSecret sameName = SharedSecret.<SharedSecret>find("name", name).firstResult();
        if (sameName != null && !sameName.id.equals(self)) {
            throw SharedSecretRefused.taken("name", "a shared secret named " + name + " exists already (id "
                    + sameName.id + ")", "shared secret " + name);
        }
        SharedSecret sameVariable = SharedSecret.<SharedSecret>find("variable", variable).firstResult();
        if (sameVariable != null && !sameVariable.id.equals(self)) {
            throw SharedSecretRefused.taken("variable", "shared secret " + name + " cannot write " + variable
                    + ": shared secret " + sameVariable.name + " writes it already", "shared secret "
                    + sameVariable.name);
        }
    }

    private UUID seal(String name, String plaintext) {
        SealedValue sealed = sealedValues.seal("shared_secret/" + name + "/value", plaintext);
        return sealed.id;
    }

    /** One history row; a delete row refers to no value. */
    /**
     * Writes the version row. {@code generated}: whether the value was generated by Keyhouse; null when the value is
     * carried unchanged from an earlier version (a save keeping it), whose origin it then keeps (V21).
     */
    private void history(SharedSecret secret, String action, String actor, Boolean generated) {
        em.flush();
        boolean deleted = "delete".equals(action);
        String origin = deleted ? "NULL" : generated != null ? String.valueOf(generated)
                : "COALESCE((SELECT p.value_generated FROM shared_secret_versions p WHERE p.shared_secret_id = :id"
                        + " AND p.value_id = :value ORDER BY p.version DESC LIMIT 1), FALSE)";
        jakarta.persistence.Query insert = em.createNativeQuery("INSERT INTO shared_secret_versions (shared_secret_id,"
                + " name, variable, version, action, value_id, value_generated, saved_by, saved_at) VALUES (:id, :name,"
                + " :variable, :version, :action, " + (deleted ? "NULL" : ":value") + ", " + origin + ", :by, :at)")
                .setParameter("id", secret.id).setParameter("name", secret.name)
                .setParameter("variable", secret.variable).setParameter("version", secret.version)
                .setParameter("action", action).setParameter("by", actor).setParameter("at", secret.updatedAt);
        if (!deleted) {
            insert.setParameter("value", secret.valueId);
        }
        insert.executeUpdate();
    }

    private void linkTargets(long id, Collection<Long> targets) {
        em.createNativeQuery("DELETE FROM shared_secret_targets WHERE shared_secret_id = :id").setParameter("id", id)
                .executeUpdate();
        for (Long target : targets) {
            em.createNativeQuery("INSERT INTO shared_secret_targets (shared_secret_id, target_id) VALUES (:id, :t)")
                    .setParameter("id", id).setParameter("t", target).executeUpdate();
        }
    }

    private Set<Long> linkedIds(long id) {
        return new LinkedHashSet<>(linked(id).stream().map(Target::id).toList());
    }

    @SuppressWarnings("unchecked")
    private List<Target> linked(long id) {
        List<Object[]> rows = em.createNativeQuery("SELECT t.id, t.name, t.enabled, t.held FROM shared_secret_targets s"
                + " JOIN runtime_targets t ON t.id = s.target_id WHERE s.shared_secret_id = :id ORDER BY t.name")
                .setParameter("id", id).getResultList();
        return rows.stream().map(r -> new Target(((Number) r[0]).longValue(), (String) r[1], (Boolean) r[2],
                (Boolean) r[3]))
                .toList();
    }

    private String targetNames(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return "none";
        }
        @SuppressWarnings("unchecked")
        List<String> names = em.createNativeQuery("SELECT name FROM runtime_targets WHERE id IN (:ids) ORDER BY name")
                .setParameter("ids", List.copyOf(ids)).getResultList();
        return String.join(", ", names);
    }

    /** "typed" or "from vault:…" for the audit: a reference is not secret, a value is never named. */
    private static String source(String value) {
        return VaultReference.isReference(value) ? "from " + value : "typed";
    }

    private Opened open(UUID ref) {
        SealedValue value = em.find(SealedValue.class, ref);
        return value == null ? new Opened.Unreadable(Opened.Unreadable.NO_KEY_ID, Opened.Reason.MALFORMED)
                : sealedValues.open(value);
    }

    /**
     * The keyed fingerprint of the value shared secret {@code name} held at {@code version} (of the reference, for a
     * vault one; its history row, which outlives the secret): what a restart run of that version rolled out.
     *
     * @param before the newest such version saved no later than this, when the name was used twice
     * @return empty when there is no such version, it is a deletion, or its value cannot be opened
     */
    @Transactional
    public Optional<String> versionFingerprint(String name, long version, Instant before) {
        @SuppressWarnings("unchecked")
        List<UUID> refs = em.createNativeQuery("SELECT value_id FROM shared_secret_versions WHERE name = :name"
                        + " AND version = :version AND value_id IS NOT NULL AND saved_at <= :before ORDER BY saved_at DESC"
                        + " LIMIT 1").setParameter("name", name).setParameter("version", version)
                .setParameter("before", java.sql.Timestamp.from(before)).getResultList();
        return refs.stream().findFirst().map(this::fingerprint);
    }

    /** The fingerprint of the stored value (of the reference, for a vault: one); null when it cannot be opened. */
    private String fingerprint(UUID ref) {
        return open(ref) instanceof Opened.Plaintext plaintext ? fingerprints.of(plaintext.value()) : null;
    }

    private View view(SharedSecret secret) {
        Opened opened = open(secret.valueId);
        String fingerprint = null;
        String vault = null;
        if (opened instanceof Opened.Plaintext plaintext) {
            fingerprint = fingerprints.of(plaintext.value());
            if (VaultReference.isReference(plaintext.value())) {
                vault = plaintext.value();
            }
        }
        return new View(secret.id, secret.name, secret.variable, secret.version, fingerprint, fingerprint == null,
                vault, linked(secret.id), secret.createdBy, secret.createdAt, secret.updatedBy, secret.updatedAt,
                null);
    }

    /** The targets a page may offer: every runtime target by name. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Target> allTargets() {
        List<Object[]> rows = em.createNativeQuery("SELECT id, name, enabled, held FROM runtime_targets ORDER BY name")
                .getResultList();
        return rows.stream().map(r -> new Target(((Number) r[0]).longValue(), (String) r[1], (Boolean) r[2],
                (Boolean) r[3]))
                .toList();
    }

    /**
     * A shared secret as the REST API answers it, members in order: {@code id, name, variable, version, fingerprint,
     * needsReentry, vault, targets} (ids), {@code targetNames, createdBy, createdAt, updatedBy, updatedAt}; never the
     * value.
     */
    static Map<String, Object> json(View view) {
        Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("id", view.id());
        json.put("name", view.name());
        json.put("variable", view.variable());
        json.put("version", view.version());
        json.put("fingerprint", view.fingerprint());
        json.put("needsReentry", view.needsReentry());
        json.put("vault", view.vault());
        json.put("targets", view.targets().stream().map(Target::id).toList());
        json.put("targetNames", view.targets().stream().map(Target::name).toList());
        json.put("createdBy", view.createdBy());
        json.put("createdAt", view.createdAt());
        json.put("updatedBy", view.updatedBy());
        json.put("updatedAt", view.updatedAt());
        return json;
    }
}
