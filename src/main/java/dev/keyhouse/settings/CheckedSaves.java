package dev.keyhouse.settings;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.keyhouse.checks.CheckOutcome;
import dev.keyhouse.checks.CheckResult;
import dev.keyhouse.checks.CheckTarget;
import dev.keyhouse.checks.ChecksBusy;
import dev.keyhouse.checks.LastChecks;
import dev.keyhouse.checks.ProviderChecks;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.vault.VaultReferences;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.FieldErrors;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Saves and live checks of provider settings as admins make them (the REST API and the form): the key is checked
 * with its provider before a save takes effect, according to {@code PROVIDER_CHECK_MODE} ({@link CheckMode}).
 *
 * <p>Order: the input is validated and the check's target built in one short transaction
 * ({@link ProviderSettings#checkBeforeSave}); the check runs outside any transaction, so no database connection is
 * held while a provider answers; then the save runs in its own transaction, which checks the version again under
 * the row lock (someone may have saved meanwhile: 412). Which saves are checked: see
 * {@link ProviderSettings#checkBeforeSave}.
 *
 * <p>Not transactional itself, and never to be called inside a transaction.
 */
@ApplicationScoped
public class CheckedSaves {

    /** The longest override reason accepted, in characters after cleaning. */
    public static final int REASON_MAX = 500;

    /**
     * A save's result.
     *
     * @param check the live check's outcome; null when none ran (mode off, or nothing the check sends changed)
     * @param warnings sentences for the admin: a result other than ok, or an override used; empty when none
     * @param overridden whether the save went through over a blocking result with the admin's reason
     */
    public record Saved(SettingState state, CheckOutcome check, List<String> warnings, boolean overridden) {

        /** "no live check for livekit" when the kind has none ({@link ProviderKind#liveCheck()}); else null. */
        public String checkNote() {
            return state.kind().liveCheck() ? null : state.kind().noLiveCheck();
        }
    }

    private final ProviderSettings settings;
    private final ProviderChecks checks;
    private final CheckMode mode;
    private final LastChecks lastChecks;
    private final VaultReferences vault;

    public CheckedSaves(ProviderSettings settings, ProviderChecks checks,
            @ConfigProperty(name = "keyhouse.checks.mode", defaultValue = "enforce") String mode,
            LastChecks lastChecks, VaultReferences vault) {
        this.settings = settings;
        this.checks = checks;
        this.lastChecks = lastChecks;
        this.vault = vault;
        this.mode = CheckMode.parse(mode).orElseThrow(
                () -> new IllegalStateException("PROVIDER_CHECK_MODE must be enforce, warn or off"));
    }

    public CheckMode mode() {
        return mode;
    }

    /**
     * Checks the key {@code input} would save (or the stored one when none is typed), without saving.
     *
     * A kind without a live check ({@link ProviderKind#liveCheck()}) is validated as a save would validate it and
     * answered {@link #noLiveCheck}: nothing is sent.
     *
     * @throws FieldErrors as a save would, or naming the secret when there is no key to check
     * @throws ChecksBusy when every check slot is taken
     */
    public CheckOutcome check(ProviderKind kind, Map<String, String> input) {
        Map<String, String> pinned = pinnedOrAllProblems(kind, input);
        if (!kind.liveCheck()) {
            return noLiveCheck(kind, settings.validate(kind, pinned));
        }
        CheckTarget target = settings.checkTarget(kind, pinned);
        return checks.check(target);
    }

    /**
     * The answer of a check of a kind without a live check ({@link ProviderKind#liveCheck()}), made without
     * sending anything and not counted as a check: {@code unverifiable}, code {@value #NO_CHECK}, no status, no
     * decoy.
     */
    static CheckOutcome noLiveCheck(ProviderKind kind, String provider) {
        return new CheckOutcome(kind.id(), provider, CheckResult.UNVERIFIABLE, null, NO_CHECK,
                java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS), 0,
                dev.keyhouse.checks.NegativeControl.NOT_RUN);
    }

    /** The code of a check that has nothing to run, as {@link ProviderChecks} names it for a provider without one. */
    public static final String NO_CHECK = "no_check";

    /**
     * Checks, then saves.
     *
     * @param overrideReason the admin's reason to save over a blocking result (see {@link #overrideReason}), or null
     * @throws CheckRefused in enforce mode, when the result blocks the save and there is no reason; nothing saved
     * @throws StaleSetting when {@code expectedVersion} is not current, before or after the check
     * @throws FieldErrors naming each invalid field
     * @throws ChecksBusy when every check slot is taken; nothing saved
     */
    public Saved save(ProviderKind kind, Map<String, String> input, long expectedVersion, String actor,
            String overrideReason) {
        input = pinnedOrAllProblems(kind, input);
        CheckOutcome outcome = null;
        CheckTarget checked = null;
        if (mode != CheckMode.OFF) {
            Optional<CheckTarget> target = settings.checkBeforeSave(kind, input, expectedVersion);
            if (target.isPresent()) {
                checked = target.get();
                outcome = checks.check(checked);
            }
        }
        boolean blocks = mode == CheckMode.ENFORCE && outcome != null && outcome.result().blocksSave();
        if (blocks && overrideReason == null) {
            throw new CheckRefused(kind, outcome, checked.secrets());
        }
        String used = blocks ? overrideReason : null;
        SettingState state = settings.save(kind, input, expectedVersion, actor,
                outcome == null ? null : new ProviderSettings.SaveCheck(outcome, used));
        recordCheck(kind, null, outcome, state.keyFingerprint());
        return new Saved(state, outcome, warnings(outcome, used), used != null);
    }

    /**
     * A write of a fallback entry or a make-primary, with what its live check found, as {@link Saved} for a save.
     *
     * @param check the live check's outcome; null when none ran
     * @param warnings sentences for the admin: a result other than ok, or an override used; empty when none
     */
    public record SavedEntry(ProviderEntries.EntryState state, CheckOutcome check, List<String> warnings) {
    }

    /** {@link #writeEntry}, answering the written entry only. */
    public ProviderEntries.EntryState saveEntry(ProviderEntries entries, ProviderKind kind, Long id,
            ProviderEntries.Change change, long expectedVersion, String actor, String overrideReason) {
        return writeEntry(entries, kind, id, change, expectedVersion, actor, overrideReason).state();
    }

    /**
     * Checks, then writes a fallback entry (issue 19) as {@link #save} checks a save of the kind: a new one when
     * {@code id} is null ({@link ProviderEntries#create}), else {@link ProviderEntries#update}. The same
     * {@code PROVIDER_CHECK_MODE}, override and vault: reference pinning; a move or an enable only is not checked.
     * Every cheap refusal ({@link ProviderEntries#validate}: version, fields, a clash with another entry) comes
     * before the check, so a refused write sends nothing to the provider. The check is recorded as the entry's last
     * check ({@link LastChecks#recordEntry}; {@code lastCheck} of {@code /api/v1/settings/{kind}/providers/{id}} and
     * the fallback's row on the settings page show it).
     *
     * @param expectedVersion the entry's version (ignored for a new one)
     * @throws CheckRefused in enforce mode, when the result blocks the write and there is no reason; nothing written
     */
    public SavedEntry writeEntry(ProviderEntries entries, ProviderKind kind, Long id,
            ProviderEntries.Change change, long expectedVersion, String actor, String overrideReason) {
        CheckOutcome outcome = null;
        CheckTarget checked = null;
        if (change.fields() != null) {
            change = new ProviderEntries.Change(pinnedOrAllProblems(kind, change.fields(),
                    (fields, errors) -> entries.problems(kind, id, fields, errors)), change.enabled(),
                    change.position());
            if (mode != CheckMode.OFF && kind.liveCheck()) {
                Optional<CheckTarget> target = entries.checkBeforeSave(kind, id, change, expectedVersion);
                if (target.isPresent()) {
                    checked = target.get();
                    outcome = checks.check(checked);
                }
            } else {
                entries.validate(kind, id, change.fields(), expectedVersion);
            }
        }
        CheckOutcome found = outcome;
        CheckTarget sent = checked;
        ProviderSettings.SaveCheck check = checked(outcome, overrideReason, () -> new CheckRefused(
                kind, ProviderEntries.label(kind, id == null ? 0L : id, found.provider()) + " not saved",
                "Enter a working key, or save with a reason to override the check.",
                "to save it anyway, give checkOverride.reason", found, sent.secrets()));
        ProviderEntries.EntryState saved = id == null ? entries.create(kind, change.fields(), actor, check)
                : entries.update(kind, id, change, expectedVersion, actor, check);
        recordCheck(kind, saved.id(), outcome, saved.keyFingerprint());
        return new SavedEntry(saved, outcome, warnings(outcome, check == null ? null : check.overrideReason()));
    }

    /**
     * Checks the fallback's stored key as a save of the kind would check a new key, then makes it primary
     * ({@link ProviderEntries#makePrimary}): the kind's dependent targets are rolled out, and the check is recorded
     * as the new primary's last check (the settings card and {@code lastCheck} show it). Its preconditions and the
     * swap's clash are refused before the check sends the key anywhere. There is no override: a blocking result
     * says to give the fallback a working key on its own write first. A check that refuses the make-primary is
     * recorded as the fallback's last check, since it checked the key the fallback still stores.
     *
     * @throws CheckRefused as {@link #save}, naming the fallback, after recording the check
     */
    public SavedEntry makePrimary(ProviderEntries entries, ProviderKind kind, long id,
            long expectedVersion, long expectedPrimaryVersion, String actor, String overrideReason) {
        // refused for a stale version, a disabled fallback or a clash before the check sends its key anywhere
        entries.checkPrimaryPreconditions(kind, id, expectedVersion, expectedPrimaryVersion);
        CheckOutcome outcome = null;
        CheckTarget checked = null;
        if (mode != CheckMode.OFF && kind.liveCheck()) {
            checked = entries.storedTarget(kind, id).orElse(null);
            outcome = checked == null ? null : checks.check(checked);
        }
        CheckOutcome found = outcome;
        CheckTarget sent = checked;
        String edit = "PUT /api/v1/settings/" + kind.id() + "/providers/" + id;
        ProviderSettings.SaveCheck check;
        try {
            check = checked(outcome, overrideReason, () -> new CheckRefused(
                    kind, ProviderEntries.label(kind, id, found.provider()) + " not made primary",
                    "Make-primary has no override (a key saved with one still fails here): give the fallback a"
                            + " working key on its edit page first (" + edit + " with its key), then make it primary.",
                    "give the fallback a working key first (" + edit + " with its key), then make it primary",
                    found, sent.secrets()));
        } catch (CheckRefused refused) {
            // nothing moved, but the fallback's stored key was checked: its last check now, as a save's check is
            recordCheck(kind, id, outcome, entries.get(kind, id).keyFingerprint());
            throw refused;
        }
        ProviderEntries.EntryState primary = entries.makePrimary(kind, id, expectedVersion, expectedPrimaryVersion,
                actor, check);
        recordCheck(kind, null, outcome, settings.get(kind).keyFingerprint());
        return new SavedEntry(primary, outcome, warnings(outcome, check == null ? null : check.overrideReason()));
    }

    /**
     * The check a save, an entry's write or a make-primary ran before it was of exactly the key now stored in the
     * entry it wrote: the settings card, the fallback's row and {@code lastCheck} show it at once, no background check
     * needed.
     *
     * @param entryId the fallback entry written; null for the kind's primary
     * @param fingerprint the entry's key as stored now ({@link SettingState#keyFingerprint()}); null: none, nothing
     *        recorded
     */
    private void recordCheck(ProviderKind kind, Long entryId, CheckOutcome outcome, String fingerprint) {
        if (outcome == null || fingerprint == null) {
            return;
        }
        if (entryId == null) {
            lastChecks.record(kind, outcome.provider(), fingerprint, outcome);
        } else {
            lastChecks.recordEntry(kind, entryId, outcome.provider(), fingerprint, outcome);
        }
    }

    /** What a check found, for the write's audit entry; refuses when it blocks in enforce mode without a reason. */
    private ProviderSettings.SaveCheck checked(CheckOutcome outcome, String overrideReason,
            java.util.function.Supplier<CheckRefused> refusal) {
        boolean blocks = mode == CheckMode.ENFORCE && outcome != null && outcome.result().blocksSave();
        if (blocks && overrideReason == null) {
            throw refusal.get();
        }
        return outcome == null ? null : new ProviderSettings.SaveCheck(outcome, blocks ? overrideReason : null);
    }

    /**
     * Rolls back to the previous version ({@link ProviderSettings#rollback}) once every pinned {@code vault:}
     * reference it would restore still resolves in Vault now: a KV version deleted or destroyed since is refused
     * here, rather than restored into a configuration runtime-config must withhold. Vault is asked outside any
     * transaction.
     *
     * @throws Conflict (409) naming each such field, its reference and why (members {@code fields}, the JSON names,
     *         and {@code reasons}, each field's reason by JSON name); nothing written
     * @throws StaleSetting as {@link ProviderSettings#rollback}
     */
    public SettingState rollback(ProviderKind kind, long expectedVersion, String actor) {
        List<String> problems = new java.util.ArrayList<>();
        List<String> fields = new java.util.ArrayList<>();
        Map<String, String> reasons = new java.util.LinkedHashMap<>();
        settings.referencesToRestore(kind, expectedVersion).forEach((field, reference) -> {
            try {
                vault.resolveNow(reference);
            } catch (VaultReferences.Unresolvable e) {
                fields.add(field.json());
                reasons.put(field.json(), e.getMessage());
                problems.add(field.json() + " cannot be resolved: " + e.getMessage());
            }
        });
        if (!problems.isEmpty()) {
            throw new Conflict(kind.id() + " version " + (expectedVersion - 1) + " cannot be restored: "
                    + String.join("; ", problems) + ". Nothing was rolled back; save a key that resolves instead.",
                    Map.of("fields", List.copyOf(fields), "reasons", java.util.Collections.unmodifiableMap(reasons)));
        }
        return settings.rollback(kind, expectedVersion, actor);
    }

    /**
     * The input with every secret typed as a {@code vault:} reference pinned to a KV version (the one it names, else
     * the current one), as the save stores it: {@code vault:secret/llm#openai_key} becomes
     * {@code vault:secret/llm#openai_key?version=3} (followed by {@link VaultWatch}), and
     * {@code vault:secret/llm#openai_key?version=2} becomes {@code …?version=2&hold} (held: the watcher leaves it).
     * Runtime-config and checks then read that version only, so a new KV version reaches no runtime until a new
     * setting version is saved. Calls Vault (or its cache), outside any transaction.
     *
     * @throws FieldErrors naming each secret whose reference is malformed ({@link VaultReference#FORM}), cannot be
     *         read now (Vault unreachable, sealed, refusing the token, no such secret, version or key), or resolves
     *         to a value the field's own rules refuse
     */
    Map<String, String> pinned(ProviderKind kind, Map<String, String> input) {
        FieldErrors errors = new FieldErrors();
        Map<String, String> pinned = pinned(kind, input, errors);
        errors.throwIfAny();
        return pinned;
    }

    /** {@link #pinned(ProviderKind, Map)}; when a reference is refused, with every other problem of the input too. */
    private Map<String, String> pinnedOrAllProblems(ProviderKind kind, Map<String, String> input) {
        return pinnedOrAllProblems(kind, input, primaryProblems(kind));
    }

    /**
     * As above, the rest validated by {@code problems} (which records each problem of the fields it is given in the
     * errors it is given): a fallback's own rules and clashes.
     */
    private Map<String, String> pinnedOrAllProblems(ProviderKind kind, Map<String, String> input,
            java.util.function.BiConsumer<Map<String, String>, FieldErrors> problems) {
        FieldErrors refused = new FieldErrors();
        Map<String, String> pinned = pinned(kind, input, refused);
        if (!refused.isEmpty()) {
            refuseWithAll(kind, pinned, refused, problems);
        }
        return pinned;
    }

    /** The problems a save of the kind's primary finds in some fields ({@link ProviderSettings#validate}). */
    private java.util.function.BiConsumer<Map<String, String>, FieldErrors> primaryProblems(ProviderKind kind) {
        return (fields, errors) -> {
            try {
                settings.validate(kind, fields);
            } catch (FieldErrors more) {
                errors.addNew(more);
            }
        };
    }

    /**
     * {@link #refuseWithAll(ProviderKind, Map, FieldErrors)} for a write of a fallback ({@code id} null: a new one):
     * its fields validated as the fallback's ({@link ProviderEntries#problems}), with its clash with another entry.
     *
     * @throws FieldErrors always
     */
    public void refuseEntryWithAll(ProviderEntries entries, ProviderKind kind, Long id, Map<String, String> input,
            FieldErrors refused) {
        refuseWithAll(kind, input, refused, (fields, errors) -> entries.problems(kind, id, fields, errors));
    }

    /**
     * Throws {@code refused} (what was already found wrong: a reference that does not resolve, the form's version or
     * override reason) together with every problem the rules find in {@code input}, so that one answer names them
     * all. Validates only: reads the stored row, sends nothing, writes nothing.
     *
     * @param input as typed, or as {@link #pinned(ProviderKind, Map, FieldErrors)} left it
     * @throws FieldErrors always
     */
    public void refuseWithAll(ProviderKind kind, Map<String, String> input, FieldErrors refused) {
        refuseWithAll(kind, input, refused, primaryProblems(kind));
    }

    private void refuseWithAll(ProviderKind kind, Map<String, String> input, FieldErrors refused,
            java.util.function.BiConsumer<Map<String, String>, FieldErrors> problems) {
        FieldErrors errors = new FieldErrors();
        Map<String, String> pinned = pinned(kind, input, errors);
        refused.addNew(errors);
        problems.accept(pinned, refused);
        throw refused;
    }

    /**
     * As {@link #pinned(ProviderKind, Map)}, recording each problem in {@code errors} instead of throwing: the
     * references that resolve are pinned, a field whose reference does not is left out (as if not typed), so the
     * rest can still be validated.
     */
    private Map<String, String> pinned(ProviderKind kind, Map<String, String> input, FieldErrors errors) {
        Map<String, String> pinned = null;
        Map<SettingField, VaultReferences.Resolved> resolved = new java.util.EnumMap<>(SettingField.class);
        for (SettingField field : kind.secretFields()) {
            String typed = input.get(field.json());
            if (typed == null || !VaultReference.isReference(typed.strip())) {
                continue;
            }
            if (pinned == null) {
                pinned = new java.util.LinkedHashMap<>(input);
            }
            VaultReferences.Resolved pin = pinnedReference(field.json(), typed, errors);
            if (pin != null) {
                pinned.put(field.json(), pin.reference().toString());
                resolved.put(field, pin);
            } else {
                pinned.remove(field.json());
            }
        }
        if (!resolved.isEmpty()) {
            fieldRules(kind, input, resolved, errors);
        }
        return pinned == null ? input : pinned;
    }

    /**
     * The field's own rules on each resolved value, as if it had been typed (a Twilio auth token's 32 hex digits,
     * the length limit, a value that is a masked display, a SID in the wrong field): a reference never carries a
     * value the form would refuse. Each error names the reference, never the value.
     */
    private static void fieldRules(ProviderKind kind, Map<String, String> input,
            Map<SettingField, VaultReferences.Resolved> resolved, FieldErrors errors) {
        Map<String, String> typed = new java.util.LinkedHashMap<>(input);
        resolved.forEach((field, value) -> typed.put(field.json(), value.value()));
        try {
            SettingRules.check(kind, typed, new SettingValues());
        } catch (FieldErrors refused) {
            for (var error : refused.errors()) {
                kind.field(error.field()).map(resolved::get).ifPresent(value -> errors.add(error.field(),
                        "the value of " + value.reference() + " is refused: it " + error.message()));
            }
        }
    }

    /**
     * One secret typed as a {@code vault:} reference, pinned as {@link #pinned} pins it (the shared secrets' save uses
     * it too; held when typed with its version): the pinned reference with its value, or null with the problem
     * recorded in {@code errors} against {@code field}. Calls Vault (or its cache): call outside any transaction.
     */
    public VaultReferences.Resolved pinnedReference(String field, String typed, FieldErrors errors) {
        Optional<VaultReference> reference = VaultReference.parse(typed.strip());
        if (reference.isEmpty()) {
            errors.add(field, VaultReference.FORM);
            return null;
        }
        try {
            VaultReference pin = vault.pin(reference.get());
            if (reference.get().pinned()) {
                pin = pin.hold(); // the admin chose this version: the watcher leaves it
            }
            String value = vault.resolve(pin).value();
            FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.SECRET, value);
            if (!cleaned.ok()) {
                errors.add(field, "the value of " + pin + " is refused: " + cleaned.problem());
            } else if (cleaned.value() == null || cleaned.value().isEmpty()) {
                errors.add(field, "the value of " + pin + " is empty");
            } else if (!cleaned.value().equals(value)) {
                errors.add(field, "the value of " + pin + " has spaces or line breaks at its ends, which"
                        + " no environment carries: remove them in Vault");
            } else {
                return new VaultReferences.Resolved(pin, value);
            }
        } catch (VaultReferences.Unresolvable e) {
            errors.add(field, "cannot be resolved: " + e.getMessage());
        }
        return null;
    }

    private static List<String> warnings(CheckOutcome outcome, String override) {
        if (outcome == null || outcome.result() == CheckResult.OK) {
            return List.of();
        }
        if (override != null) {
            return List.of("saved over a failed key check: " + outcome.summary() + " (" + outcome.result().meaning()
                    + "); the override and its reason are in the audit log");
        }
        return List.of("the key check found " + outcome.summary() + " (" + outcome.result().meaning()
                + "); saved anyway");
    }

    /**
     * An override reason as typed: cleaned as text, required, at most {@value #REASON_MAX} characters.
     *
     * @param field how the caller names it in errors ({@code checkOverride.reason}, {@code checkOverrideReason})
     * @throws FieldErrors naming {@code field}
     */
    public static String overrideReason(String raw, String field) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.TEXT, raw);
        if (!cleaned.ok()) {
            throw new FieldErrors().add(field, cleaned.problem());
        }
        if (cleaned.value() == null || cleaned.value().isBlank()) {
            throw new FieldErrors().add(field, "is required: say why the key is saved although its check failed");
        }
        if (cleaned.value().length() > REASON_MAX) {
            throw new FieldErrors().add(field, "must be at most " + REASON_MAX + " characters");
        }
        return cleaned.value();
    }
}
