package dev.keyhouse.settings;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.audit.Changes;
import dev.keyhouse.checks.CheckOutcome;
import dev.keyhouse.checks.CheckTarget;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.crypto.Opened;
import dev.keyhouse.sealed.SealedValue;
import dev.keyhouse.sealed.SealedValues;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.FieldErrors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * The global provider settings, shared by the settings pages and the REST API: reads with secrets summarised,
 * version-checked saves that seal every new secret into a new sealed row, history and rollback, each change
 * audited with fingerprints (never values) and announced as a {@link SettingSaved} inside its transaction.
 */
@ApplicationScoped
public class ProviderSettings {

    private static final Logger LOG = Logger.getLogger(ProviderSettings.class);

    private final SealedValues sealedValues;
    private final SecretFingerprints fingerprints;
    private final Audit audit;
    private final Event<SettingSaved> saved;
    private final EntityManager em;
    private final FallbacksBefore fallbacksBefore;

    public ProviderSettings(SealedValues sealedValues, SecretFingerprints fingerprints, Audit audit,
            Event<SettingSaved> saved, EntityManager em, FallbacksBefore fallbacksBefore) {
        this.fallbacksBefore = fallbacksBefore;
        this.sealedValues = sealedValues;
        this.fingerprints = fingerprints;
        this.audit = audit;
        this.saved = saved;
        this.em = em;
    }

    /** Every kind, in order, configured or not. */
    @Transactional
    public List<SettingState> list() {
        List<SettingState> states = new ArrayList<>();
        for (ProviderKind kind : ProviderKind.values()) {
            states.add(state(row(kind)));
        }
        return states;
    }

    @Transactional
    public SettingState get(ProviderKind kind) {
        return state(row(kind));
    }

    /**
     * Saves a new version of a kind. Non-secret fields are replaced; an empty secret keeps the stored one.
     *
     * @param input values by JSON name (see {@link SettingField#json()})
     * @param expectedVersion the version the caller edited (its ETag); 0 for a kind never configured
     * @throws StaleSetting when another save came first; nothing is written
     * @throws dev.keyhouse.web.FieldErrors naming each invalid field; nothing is written
     */
    @Transactional
    public SettingState save(ProviderKind kind, Map<String, String> input, long expectedVersion, String actor) {
        return save(kind, input, expectedVersion, actor, null);
    }

    /**
     * What the live key check before a save found, for the save's audit entry.
     *
     * @param outcome the check's outcome
     * @param overrideReason the admin's reason for saving over a result that blocks the save (cleaned text), or
     *        null when no override was used
     */
    public record SaveCheck(CheckOutcome outcome, String overrideReason) {
    }

    /**
     * The fields a provider's key check sends besides the key ({@code provider} chooses the check): a save that
     * changes one of them is checked again with the stored key.
     */
    static final Set<SettingField> CHECKED_FIELDS = EnumSet.of(SettingField.PROVIDER, SettingField.BASE_URL,
            SettingField.ORGANIZATION, SettingField.API_VERSION, SettingField.ACCOUNT_SID, SettingField.API_KEY_SID);

    /**
     * Before a save: validates {@code input} exactly as {@link #save} does and, when the save needs a live key check,
     * returns its target. A save needs one when it types a secret, or when a secret is stored and the save changes a
     * field of {@link #CHECKED_FIELDS}; a save without any secret (a custom endpoint without a key) or that changes
     * only other fields (model, voice, numbers) is not checked, and neither is any save of a kind without a live
     * check ({@link ProviderKind#liveCheck()}). Short: the check itself runs after this returns, outside any
     * transaction.
     *
     * @throws StaleSetting when {@code expectedVersion} is no longer current (the save checks it again)
     * @throws FieldErrors naming each invalid field, or the secret when a stored one is needed and cannot be read
     */
    @Transactional
    public Optional<CheckTarget> checkBeforeSave(ProviderKind kind, Map<String, String> input, long expectedVersion) {
        ProviderSetting row = row(kind);
        checkVersion(kind, row, expectedVersion);
        SettingRules.Checked checked = checkedOrAllProblemsWithClash(kind, input, row.values());
        // a provider a fallback has: refused here, before the check sends the key anywhere (409 naming both)
        ProviderEntries.refuseDuplicates(em, kind, null, checked.values().provider);
        if (!kind.liveCheck() || unchanged(kind, row.values(), checked)) {
            // a save that changes nothing saves nothing: no key is sent anywhere for it
            // no live check exists for this kind (ProviderKind#liveCheck): validated, never checked
            return Optional.empty();
        }
        boolean typed = kind.secretFields().stream().anyMatch(checked.secrets()::containsKey);
        boolean stored = kind.secretFields().stream().anyMatch(f -> row.values().secretRef(f) != null);
        boolean needed = typed || (stored && kind.fields().stream().filter(CHECKED_FIELDS::contains)
                .anyMatch(f -> row.values().differs(checked.values(), f)));
        return needed ? Optional.of(target(kind, checked)) : Optional.empty();
    }

    /**
     * What a live check of {@code input} sends, without saving: the would-be values (validated exactly as a save
     * validates them), the typed secrets, and for a secret not typed the stored one, opened. Short: the check runs
     * after this returns, outside any transaction, so no database connection is held while a provider answers.
     *
     * @throws FieldErrors naming each invalid field; naming the secret when none is typed and none is stored, or the
     *         stored one cannot be read (the reason runtime-config gives, e.g. "needs re-entry: written under key
     *         3fa9c2e1, which is not configured")
     */
    @Transactional
    public CheckTarget checkTarget(ProviderKind kind, Map<String, String> input) {
        ProviderSetting row = row(kind);
        return target(kind, checkedOrAllProblems(kind, input, row.values(), true));
    }

    /**
     * {@link SettingRules#check}, and when it refuses, what the check stage would refuse too, in the same answer: a
     * stored secret that must be typed again ("needs re-entry": for a save, only when it types a secret, which makes
     * it checked), and for Check key ({@code forCheck}) no key at all ("is not set"). Only secrets not typed and not
     * already named are looked at; nothing is sent anywhere.
     */
    private SettingRules.Checked checkedOrAllProblems(ProviderKind kind, Map<String, String> input,
            SettingValues stored, boolean forCheck) {
        try {
            return SettingRules.check(kind, input, stored);
        } catch (FieldErrors errors) {
            boolean typedAny = kind.secretFields().stream()
                    .anyMatch(f -> input.get(f.json()) != null && !input.get(f.json()).isBlank());
            // a save is checked (and the stored secrets opened) for certain only when it types a secret
            if (kind.liveCheck() && (forCheck || typedAny)) {
                FieldErrors secrets = new FieldErrors();
                boolean any = typedAny;
                for (SettingField field : kind.secretFields()) {
                    String typed = input.get(field.json());
                    if (typed != null && !typed.isBlank()) {
                        continue;
                    }
                    Opened opened = open(stored.secretRef(field));
                    any |= opened != null;
                    if (opened instanceof Opened.Unreadable unreadable) {
                        secrets.add(field.json(), NEEDS_REENTRY.formatted(unreadable.message()));
                    }
                }
                if (forCheck && !any) {
                    secrets.add(kind.secretField().json(), NOT_SET);
                }
                errors.addNew(secrets);
            }
            throw errors;
        }
    }

    private static final String NEEDS_REENTRY = "needs re-entry: %s; type the key to check it";
    private static final String NOT_SET = "is not set: type the key to check it (none is stored)";

    /**
     * Validates {@code input} exactly as a save would, without saving or opening any secret: what the Check key
     * button of a kind without a live check does.
     *
     * @return the provider the save would store
     * @throws FieldErrors naming each invalid field
     */
    @Transactional
    public String validate(ProviderKind kind, Map<String, String> input) {
        return checkedOrAllProblemsWithClash(kind, input, row(kind).values()).values().provider;
    }

    /**
     * {@link #checkedOrAllProblems} of a save; when it refuses, with the clash of the provider it names with a
     * fallback ({@link ProviderEntries#addClash}) in the same answer.
     */
    private SettingRules.Checked checkedOrAllProblemsWithClash(ProviderKind kind, Map<String, String> input,
            SettingValues stored) {
        try {
            return checkedOrAllProblems(kind, input, stored, false);
        } catch (FieldErrors errors) {
            ProviderEntries.addClash(em, kind, null, ProviderEntries.typedProvider(kind, input, stored), errors);
            throw errors;
        }
    }

    CheckTarget target(ProviderKind kind, SettingRules.Checked checked) {
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> secrets = new HashSet<>();
        FieldErrors errors = new FieldErrors();
        for (SettingField field : kind.fields()) {
            if (!field.secret()) {
                if (checked.values().get(field) != null) {
                    values.put(field.json(), checked.values().get(field));
                }
                continue;
            }
            String typed = checked.secrets().get(field);
            Opened opened = typed != null ? new Opened.Plaintext(typed) : open(checked.values().secretRef(field));
            if (opened == null) {
                // neither typed nor stored: telephony with an auth token has no API key secret, and that is fine
                continue;
            }
            secrets.add(field.json());
            if (opened instanceof Opened.Unreadable unreadable) {
                errors.add(field.json(), NEEDS_REENTRY.formatted(unreadable.message()));
            } else if (opened instanceof Opened.Plaintext plaintext) {
                values.put(field.json(), plaintext.value());
            }
        }
        if (secrets.isEmpty()) {
            errors.add(kind.secretField().json(), NOT_SET);
        }
        errors.throwIfAny();
        return new CheckTarget(kind, checked.values().provider, values, secrets);
    }

    /**
     * Saves a new version of a kind, as {@link #save(ProviderKind, Map, long, String)}, recording what the live key
     * check before it found (null when none ran) in the save's audit entry; an override of a blocking result is
     * audited on its own as {@code setting.check.override}, with the result and the reason.
     */
    @Transactional
    public SettingState save(ProviderKind kind, Map<String, String> input, long expectedVersion, String actor,
            SaveCheck check) {
        ProviderSetting row = lock(kind);
        checkVersion(kind, row, expectedVersion);
        SettingRules.Checked checked = SettingRules.check(kind, input, row.values());
        SettingValues next = checked.values();
        ProviderEntries.refuseDuplicates(em, kind, null, next.provider);
        if (unchanged(kind, row.values(), checked)) {
            // an idempotent PUT (RFC 9110, section 9.2.2): no version, no audit entry, no rollout
            return state(row);
        }
        Map<SettingField, SecretSummary> before = summaries(kind, row.values());
        Map<SettingField, String> newFingerprints = new LinkedHashMap<>();
        boolean secretChanged = false;
        for (SettingField secret : kind.secretFields()) {
            String newPlaintext = checked.secrets().get(secret);
            SecretSummary had = before.get(secret);
            if (newPlaintext == null) {
                newFingerprints.put(secret, next.secretRef(secret) == null ? null : had.fingerprint());
                // a secret dropped with what it belonged to (telephony's API key) is a change runtimes must see
                secretChanged |= had.configured() && next.secretRef(secret) == null;
                continue;
            }
            // always a new row: the rows older versions point at stay intact for rollback
            SealedValue sealed = sealedValues.seal(kind.purpose(secret), newPlaintext);
            next.setSecretRef(secret, sealed.id);
            String fingerprint = fingerprints.of(newPlaintext);
            newFingerprints.put(secret, fingerprint);
            secretChanged |= had.needsReentry() || !had.configured() || !Objects.equals(had.fingerprint(), fingerprint);
        }
        String detail = saved(kind, row.values(), next, fingerprintsOf(before), newFingerprints);
        // what runtimes receive changed: a key, or a routing field alone (the model, a URL), rolled out all the same
        boolean receivedChanged = secretChanged || routingChanged(kind, row.values(), next);
        long version = apply(row, next, actor, "save");
        for (SettingField secret : kind.secretFields()) {
            String typed = checked.secrets().get(secret);
            if (VaultReference.isReference(typed)) {
                // a reference is not secret: the audit says where the key now comes from
                detail += "; " + secret.json() + " from " + typed;
            }
        }
        if (check != null && check.overrideReason() != null) {
            audit.record(Audit.Entry.of(actor, "setting.check.override", kind.id(), kind.id() + " version " + version)
                    .detail("saved over the key check: " + check.outcome().summary() + "; reason: "
                            + check.overrideReason())
                    .fingerprints(auditFingerprints(kind, fingerprintsOf(before)),
                            auditFingerprints(kind, newFingerprints)));
        }
        if (check != null) {
            detail += "; key check: " + check.outcome().summary()
                    + (check.overrideReason() != null ? ", overridden" : "");
        } else if (!kind.liveCheck()) {
            detail += "; " + kind.noLiveCheck();
        }
        audit.record(Audit.Entry.of(actor, "setting.save", kind.id(), kind.id() + " version " + version)
                .detail(detail)
                .fingerprints(auditFingerprints(kind, fingerprintsOf(before)), auditFingerprints(kind, newFingerprints)));
        Long run = announce(kind.id(), version, receivedChanged, actor);
        LOG.infof("%s settings saved as version %d by %s", kind.id(), version, actor);
        return state(row).withRestartRun(run);
    }

    /**
     * Whether a write of {@code checked} over {@code current} would store nothing new: every non-secret field the
     * same, and each secret either not typed (and kept) or typed with the value it holds now (the same fingerprint,
     * readable). Such a write makes no version, no audit entry and no rollout; a key typed again with other changes
     * is still saved (its audit says "entered again (the same)").
     */
    boolean unchanged(ProviderKind kind, SettingValues current, SettingRules.Checked checked) {
        Map<SettingField, SecretSummary> had = summaries(kind, current);
        for (SettingField field : kind.fields()) {
            if (!field.secret()) {
                if (current.differs(checked.values(), field)) {
                    return false;
                }
                continue;
            }
            String typed = checked.secrets().get(field);
            SecretSummary summary = had.get(field);
            boolean same = typed == null ? Objects.equals(current.secretRef(field), checked.values().secretRef(field))
                    : summary.configured() && !summary.needsReentry()
                            && Objects.equals(summary.fingerprint(), fingerprints.of(typed));
            if (!same) {
                return false;
            }
        }
        return true;
    }

    /**
     * The pinned {@code vault:} references a rollback from {@code expectedVersion} would restore (those of version
     * {@code expectedVersion - 1}), by field; empty when that version holds none or is not stored. Read in its own
     * short transaction, so the caller can resolve them with no pooled connection held while Vault answers.
     *
     * @throws StaleSetting as {@link #rollback}, before anything else
     * @throws Conflict (409) when the restored provider is now a fallback's, as {@link #rollback}
     */
    @Transactional
    public Map<SettingField, VaultReference> referencesToRestore(ProviderKind kind, long expectedVersion) {
        // the rollback's cheap refusals first (stale version, a provider a fallback has): before Vault is asked
        ProviderSetting row = row(kind);
        checkVersion(kind, row, expectedVersion);
        ProviderSettingVersion previous = rollbackTarget(kind, row).orElse(null);
        if (previous == null) {
            return Map.of();
        }
        refuseRollbackDuplicates(kind, previous);
        Map<SettingField, VaultReference> references = new java.util.EnumMap<>(SettingField.class);
        summaries(kind, previous.values()).forEach((field, summary) -> {
            if (summary.vault() != null) {
                VaultReference.parse(summary.vault().reference()).ifPresent(ref -> references.put(field, ref));
            }
        });
        return references;
    }

    /**
     * An admin's rollback to a provider a fallback entry now has (typically the primary a make-primary moved to the
     * fallbacks): the 409 naming both entries, and what to do instead — make that fallback primary, which swaps the
     * two back with their keys and history.
     */
    private void refuseRollbackDuplicates(ProviderKind kind, ProviderSettingVersion previous) {
        String provider = previous.values().provider;
        Optional<Conflict> duplicate = ProviderEntries.duplicate(em, kind, null, provider);
        if (duplicate.isEmpty()) {
            return;
        }
        List<?> holders = em.createNativeQuery("SELECT id FROM provider_entries WHERE kind = :kind AND provider ="
                + " :provider ORDER BY position").setParameter("kind", kind.id()).setParameter("provider", provider)
                .getResultList();
        Conflict conflict = duplicate.get();
        if (holders.isEmpty()) {
            throw conflict;
        }
        Object id = holders.get(0);
        throw new Conflict("rolling " + kind.id() + " back to version " + previous.version + " would make " + provider
                + " primary again, but " + conflict.getMessage() + ". To bring " + provider + " back as primary, make "
                + kind.id() + " fallback " + id + " primary instead (Make primary on the settings page, or POST"
                + " /api/v1/settings/" + kind.id() + "/providers/" + id + "/primary): that swaps the two back, keys"
                + " and history with them",
                conflict.extensions());
    }

    /**
     * Restores the fields and secret references of the newest earlier version that differs from the current one
     * ({@link #rollbackTarget}: a version whose key was only typed again is skipped) as a new version.
     *
     * @param expectedVersion the version the caller saw (If-Match, or the page's version field), checked like a save
     * @throws StaleSetting when that is no longer the current version
     * @throws Conflict when no earlier version has other fields or another key
     */
    @Transactional
    public SettingState rollback(ProviderKind kind, long expectedVersion, String actor) {
        ProviderSetting row = lock(kind);
        checkVersion(kind, row, expectedVersion);
        ProviderSettingVersion previous = rollbackTarget(kind, row).orElseThrow(() -> new Conflict(kind.id()
                + " settings have no previous version with other fields or another key to roll back to"));
        long target = previous.version;
        Map<SettingField, SecretSummary> before = summaries(kind, row.values());
        SettingValues next = previous.values().copy();
        // a provider a fallback now has would make both write its variable: refused as a save is (409)
        refuseRollbackDuplicates(kind, previous);
        Map<SettingField, SecretSummary> after = summaries(kind, next);
        String changed = changes(kind, row.values(), next, fingerprintsOf(before), fingerprintsOf(after));
        boolean secretChanged = kind.secretFields().stream().anyMatch(secret ->
                !Objects.equals(row.values().secretRef(secret), next.secretRef(secret))
                        && (before.get(secret).needsReentry() || after.get(secret).needsReentry()
                                || !Objects.equals(before.get(secret).fingerprint(), after.get(secret).fingerprint())));
        boolean receivedChanged = secretChanged || routingChanged(kind, row.values(), next);
        long version = apply(row, next, actor, "rollback");
        audit.record(Audit.Entry.of(actor, "setting.rollback", kind.id(), kind.id() + " version " + version)
                .detail("restores version " + target
                        + (changed.isEmpty() ? "" : "; changed " + changed))
                .fingerprints(auditFingerprints(kind, fingerprintsOf(before)),
                        auditFingerprints(kind, fingerprintsOf(after))));
        Long run = announce(kind.id(), version, receivedChanged, actor, target, null);
        LOG.infof("%s settings rolled back to version %d as version %d by %s", kind.id(), target, version, actor);
        return state(row).withRestartRun(run);
    }

    /**
     * Seeds the LLM setting from a host variable when it was never configured, by the same rules as a save.
     * Replicas starting together serialise on the row lock, so exactly one seeds it.
     *
     * @return whether this call seeded it
     * @throws IllegalStateException naming the variable (never the value) when the values break the rules;
     *         nothing is saved
     */
    @Transactional
    public boolean bootstrapLlm(String variable, String provider, String model, String apiKey) {
        ProviderSetting row = lock(ProviderKind.LLM);
        if (row.version > 0) {
            return false;
        }
        Map<String, String> input = new LinkedHashMap<>();
        input.put(SettingField.PROVIDER.json(), provider);
        input.put(SettingField.MODEL.json(), model);
        input.put(SettingField.API_KEY.json(), apiKey);
        SettingRules.Checked checked;
        try {
            checked = SettingRules.check(ProviderKind.LLM, input, row.values());
        } catch (FieldErrors e) {
            // field names and messages only: the messages never quote a value. Fail closed: nothing is saved.
            throw new IllegalStateException(ProviderBootstrap.refusal(variable, e.getMessage()));
        }
        SettingValues next = checked.values();
        String key = checked.secrets().get(SettingField.API_KEY);
        SealedValue sealed = sealedValues.seal(ProviderKind.LLM.purpose(SettingField.API_KEY), key);
        next.apiKeyId = sealed.id;
        String fingerprint = fingerprints.of(key);
        long version = apply(row, next, SYSTEM, "bootstrap");
        audit.record(Audit.Entry.of(SYSTEM, "setting.bootstrap", ProviderKind.LLM.id(), "llm version " + version)
                .detail("seeded from " + variable + ": provider " + next.provider + ", model " + next.model)
                .fingerprints(null, fingerprint));
        announce(ProviderKind.LLM.id(), version, true, SYSTEM);
        LOG.infof("llm settings seeded from %s (provider %s, model %s)", variable, next.provider, next.model);
        return true;
    }

    /**
     * A configured kind's stored values as a live check needs them, its secret opened: what the background checks
     * send to the provider. Only the check may hand the plaintext on, and only to the provider.
     *
     * @return empty when the kind is not configured, has no provider, has no live check
     *         ({@link ProviderKind#liveCheck()}), or its secret is unset or cannot be opened (needs re-entry): there is
     *         then no stored key to check
     */
    @Transactional
    public Optional<StoredKey> storedKey(ProviderKind kind) {
        ProviderSetting row = row(kind);
        return row.version == 0 ? Optional.empty() : storedKey(kind, row.values().copy());
    }

    /**
     * An earlier (or the current) version's stored key as a live check needs it: what an automatic rollback checks
     * before it restores that version.
     *
     * @return empty when there is no such version, or it has no provider or no secret that can be opened
     */
    @Transactional
    public Optional<StoredKey> storedKey(ProviderKind kind, long version) {
        return ProviderSettingVersion.of(kind, version).flatMap(v -> storedKey(kind, v.values().copy()));
    }

    /** The stored key of {@code values} (the kind's, a version's or a fallback entry's) as a live check needs it. */
    Optional<StoredKey> storedKey(ProviderKind kind, SettingValues values) {
        if (values.provider == null || !kind.liveCheck()) {
            // nothing to check: no provider, or no live check exists for the kind
            return Optional.empty();
        }
        if (kind == ProviderKind.LLM && values.baseUrl == null) {
            // a version saved without one means the provider's default, as a save fills it in
            values.baseUrl = SettingRules.LLM_BASE_URLS.get(values.provider);
        }
        CheckTarget target;
        try {
            // as a check before a save builds it, with nothing typed: every configured secret opened
            target = target(kind, new SettingRules.Checked(values, Map.of()));
        } catch (FieldErrors e) {
            // no secret set, or one needs re-entry: there is no stored key to check
            return Optional.empty();
        }
        List<String> prints = new ArrayList<>();
        for (SettingField secret : kind.secretFields()) {
            if (target.secrets().contains(secret.json())) {
                String plaintext = target.value(secret.json());
                if (plaintext == null) {
                    return Optional.empty();
                }
                prints.add(fingerprints.of(plaintext));
            }
        }
        return Optional.of(new StoredKey(target, String.join("+", prints)));
    }

    /**
     * The keyed fingerprint of what {@code version} of {@code kind} holds as its key, as
     * {@link SettingState#keyFingerprint()} joins it (several secrets by {@code +}): what a restart run of that version
     * rolled out.
     *
     * @return empty when there is no such version, it has no secret, or one cannot be opened (needs re-entry)
     */
    @Transactional
    public Optional<String> versionFingerprint(ProviderKind kind, long version) {
        return ProviderSettingVersion.of(kind, version).map(v -> new SettingState(kind, Map.of(),
                summaries(kind, v.values()).entrySet().stream().collect(java.util.stream.Collectors.toMap(
                        e -> e.getKey().json(), Map.Entry::getValue)), version, null, null, null, null)
                .keyFingerprint());
    }

    /**
     * A stored key ready to be checked.
     *
     * @param target the kind's values by JSON name, the secret in plaintext
     * @param fingerprint the keyed fingerprint of the secret (as {@link SecretSummary#fingerprint()} shows it); for a kind
     *        with several configured secrets their fingerprints in field order joined by {@code +}
     *        ({@link SettingState#keyFingerprint()})
     */
    public record StoredKey(CheckTarget target, String fingerprint) {
    }

    /**
     * Restores {@code version}'s fields and secret references as a new version, by Keyhouse itself: the automatic
     * rollback of a rollout whose new key failed. Audited as {@code setting.rollback} with {@code note}; announced as
     * automatic, so no new restart run is planned (the rollout restarts what it moved).
     *
     * @return the new version
     * @throws Conflict when that version does not exist, or when its provider would make it write a variable a
     *         fallback writes (both named, as a save is refused; {@link #restoreConflict} asks first)
     */
    @Transactional
    public long restore(ProviderKind kind, long version, String note) {
        ProviderSetting row = lock(kind);
        ProviderSettingVersion earlier = ProviderSettingVersion.of(kind, version)
                .orElseThrow(() -> new Conflict(kind.id() + " settings have no version " + version));
        Map<SettingField, SecretSummary> before = summaries(kind, row.values());
        SettingValues next = earlier.values().copy();
        // as a save and an admin's rollback: never two entries writing one variable (409 naming both)
        ProviderEntries.refuseDuplicates(em, kind, null, next.provider);
        Map<SettingField, SecretSummary> after = summaries(kind, next);
        String changed = changes(kind, row.values(), next, fingerprintsOf(before), fingerprintsOf(after));
        long restored = apply(row, next, SYSTEM, "rollback");
        audit.record(Audit.Entry.of(SYSTEM, "setting.rollback", kind.id(), kind.id() + " version " + restored)
                .detail(note + ": restores version " + version
                        + (changed.isEmpty() ? "" : "; changed " + changed))
                .fingerprints(auditFingerprints(kind, fingerprintsOf(before)),
                        auditFingerprints(kind, fingerprintsOf(after))));
        saved.fire(new SettingSaved(kind.id(), restored, true, SYSTEM, id -> {
        }, true));
        LOG.infof("%s settings: %s, version %d restored as version %d", kind.id(), note, version, restored);
        return restored;
    }

    /**
     * Why {@link #restore} of {@code version} would be refused because two entries would write one variable (the
     * 409's message, naming both), or empty. Throws nothing: the rollout gate asks it in its own transaction and
     * halts with the reason instead of restoring. Call within a transaction.
     */
    public Optional<String> restoreConflict(ProviderKind kind, long version) {
        return ProviderSettingVersion.of(kind, version)
                .flatMap(earlier -> ProviderEntries.duplicate(em, kind, null, earlier.values().provider))
                .map(Conflict::getMessage);
    }

    /**
     * Whether a non-secret field runtimes receive (model, base URL, voice, language, organization, API version,
     * numbers, a single kind's URL or bucket...) differs between two versions of a kind's values.
     */
    static boolean routingChanged(ProviderKind kind, SettingValues before, SettingValues after) {
        return kind.fields().stream().filter(f -> !f.secret()).anyMatch(f -> before.differs(after, f));
    }

    /**
     * Fires the event in the caller's transaction; returns the restart run an observer planned, if any.
     *
     * @param receivedChanged whether what runtimes receive changed ({@link SettingSaved#receivedChanged})
     */
    Long announce(String kind, long version, boolean receivedChanged, String actor) {
        return announce(kind, version, receivedChanged, actor, null, null);
    }

    /**
     * As {@link #announce(String, long, boolean, String)}; {@code change}: what changed in words, for the run's
     * {@code changeSummary} (a make-primary's).
     */
    Long announce(String kind, long version, boolean receivedChanged, String actor, String change) {
        return announce(kind, version, receivedChanged, actor, null, change);
    }

    /** As {@link #announce(String, long, boolean, String)}; {@code restored}: the version an admin's rollback restored. */
    private Long announce(String kind, long version, boolean receivedChanged, String actor, Long restored,
            String change) {
        long[] run = {0};
        saved.fire(new SettingSaved(kind, version, receivedChanged, actor, id -> run[0] = id, false, restored,
                change));
        return run[0] == 0 ? null : run[0];
    }

    /** The actor of changes Keyhouse makes by itself. */
    static final String SYSTEM = "system";

    /**
     * Opens a stored secret; null when none is stored. Only the runtime-config path hands plaintext on.
     */
    Opened open(UUID ref) {
        if (ref == null) {
            return null;
        }
        SealedValue value = em.find(SealedValue.class, ref);
        return value == null ? new Opened.Unreadable(Opened.Unreadable.NO_KEY_ID, Opened.Reason.MALFORMED)
                : sealedValues.open(value);
    }

    SettingState state(ProviderSetting row) {
        ProviderKind kind = ProviderKind.parse(row.kind).orElseThrow();
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, SecretSummary> secrets = new LinkedHashMap<>();
        for (SettingField field : kind.fields()) {
            if (field.secret()) {
                secrets.put(field.json(), summary(row.values().secretRef(field)));
            } else {
                values.put(field.json(), row.values().get(field));
            }
        }
        Long previous = row.version > 1 ? rollbackTarget(kind, row).map(v -> v.version).orElse(null) : null;
        return new SettingState(kind, Collections.unmodifiableMap(values), Collections.unmodifiableMap(secrets),
                row.version, row.updatedBy, row.updatedAt, previous, null);
    }

    /** The summary of each secret field of the kind in {@code values}, in display order. */
    Map<SettingField, SecretSummary> summaries(ProviderKind kind, SettingValues values) {
        Map<SettingField, SecretSummary> summaries = new LinkedHashMap<>();
        kind.secretFields().forEach(field -> summaries.put(field, summary(values.secretRef(field))));
        return summaries;
    }

    /**
     * What a rollback of the kind without an explicit version restores: the newest earlier version whose fields or
     * keys differ from the current ones ({@link #newestDiffering}); empty when there is none.
     */
    Optional<ProviderSettingVersion> rollbackTarget(ProviderKind kind, ProviderSetting row) {
        return newestDiffering(kind, row.values(), em.createQuery("from ProviderSettingVersion where kind = ?1"
                + " and version < ?2 order by version desc", ProviderSettingVersion.class).setParameter(1, kind.id())
                .setParameter(2, row.version).getResultStream(), ProviderSettingVersion::values);
    }

    /**
     * The first of {@code history} (newest first) whose fields differ from {@code current}, or whose key has another
     * fingerprint: a version where the same key was only typed again (a new sealed row, the same value) is no change,
     * so a rollback never restores the key in use and can always reach the key before it (issue 19). A key that
     * cannot be opened counts as another key.
     */
    <V> Optional<V> newestDiffering(ProviderKind kind, SettingValues current, java.util.stream.Stream<V> history,
            java.util.function.Function<V, SettingValues> values) {
        Map<SettingField, String> now = fingerprintsOf(summaries(kind, current));
        return history.filter(v -> !changes(kind, current, values.apply(v), now,
                fingerprintsOf(summaries(kind, values.apply(v)))).isEmpty()).findFirst();
    }

    static Map<SettingField, String> fingerprintsOf(Map<SettingField, SecretSummary> summaries) {
        Map<SettingField, String> fingerprints = new LinkedHashMap<>();
        summaries.forEach((field, summary) -> fingerprints.put(field, summary.fingerprint()));
        return fingerprints;
    }

    /**
     * How an audit entry's fingerprint column shows a version's secrets: a kind with one secret field shows its
     * fingerprint alone ({@code 3fa9c2e1}); a kind with several shows each set one by name, in field order
     * ({@code authToken:3fa9c2e1 apiSecret:0b7d5e11}, at most 64 characters); null when none is set.
     */
    static String auditFingerprints(ProviderKind kind, Map<SettingField, String> fingerprints) {
        Map<String, String> named = new java.util.LinkedHashMap<>();
        for (SettingField field : kind.secretFields()) {
            named.put(field.json(), fingerprints.get(field));
        }
        return Changes.fingerprintColumn(named);
    }

    SecretSummary summary(UUID ref) {
        if (ref == null) {
            return SecretSummary.NOT_CONFIGURED;
        }
        SealedValue value = em.find(SealedValue.class, ref);
        if (value == null) {
            return SecretSummary.needsReentry(null);
        }
        Opened opened = sealedValues.open(value);
        if (opened instanceof Opened.Plaintext plaintext && VaultReference.isReference(plaintext.value())) {
            java.util.Optional<VaultReference> reference = VaultReference.parse(plaintext.value())
                    .filter(VaultReference::pinned);
            if (reference.isPresent()) {
                return SecretSummary.referenced(reference.get(), fingerprints.of(plaintext.value()),
                        KeyRing.hex(value.keyId));
            }
        }
        if (opened instanceof Opened.Plaintext plaintext) {
            return SecretSummary.readable(plaintext.value(), fingerprints.of(plaintext.value()),
                    KeyRing.hex(value.keyId));
        }
        return SecretSummary.needsReentry(KeyRing.hex(value.keyId));
    }

    /**
     * The kind's row for reading only: marked read-only in the session, so nothing done to it is ever written back
     * (writes go through {@link #lock}, which reads the row fresh under its lock).
     */
    ProviderSetting row(ProviderKind kind) {
        ProviderSetting row = em.find(ProviderSetting.class, kind.id());
        if (row == null) {
            throw new IllegalStateException("provider_settings has no row for " + kind.id() + "; migration V4 missing?");
        }
        em.unwrap(org.hibernate.Session.class).setReadOnly(row, true);
        return row;
    }

    /**
     * Locks the kind's row for the rest of the transaction, reading it fresh; the first lock of the kind in the
     * transaction also remembers its fallbacks as they are before any write ({@link FallbacksBefore}).
     *
     * <p>The kind's rollouts under way are locked first ({@code restart_runs} rows, id order): a rollout's step holds
     * its run's row and then writes the kind (an automatic rollback), so every writer of a kind takes the runs before
     * the kind's row and a save racing a rollback waits instead of deadlocking (a save then supersedes those runs
     * under the same locks). The states are {@code RestartRun}'s running, waiting_approval and rolling_back.
     */
    ProviderSetting lock(ProviderKind kind) {
        em.createNativeQuery("SELECT id FROM restart_runs WHERE rollout AND kind = ?1"
                + " AND state IN ('running', 'waiting_approval', 'rolling_back') ORDER BY id FOR UPDATE")
                .setParameter(1, kind.id()).getResultList();
        ProviderSetting row = em.find(ProviderSetting.class, kind.id(), LockModeType.PESSIMISTIC_WRITE);
        if (row == null) {
            throw new IllegalStateException("provider_settings has no row for " + kind.id() + "; migration V4 missing?");
        }
        // writable again if this transaction read it through row() first
        em.unwrap(org.hibernate.Session.class).setReadOnly(row, false);
        em.refresh(row, LockModeType.PESSIMISTIC_WRITE);
        fallbacksBefore.remember(kind.id(), () -> fallbacks(kind.id()));
        return row;
    }

    /**
     * The kind's fallbacks as runtimes received them before this transaction's writes (issue 19): what a rollout
     * planned in it holds the runtimes it has not moved yet on, with the kind's earlier primary version. Call within
     * the transaction that locked the kind (a save's, a fallback change's); read now when it did not lock it.
     */
    public HeldFallbacks fallbacksBefore(String kind) {
        HeldFallbacks held = fallbacksBefore.get(kind);
        return held != null ? held : fallbacks(kind);
    }

    /** The kind's enabled fallbacks' current version rows in served order, and its newest entry history row. */
    @SuppressWarnings("unchecked")
    private HeldFallbacks fallbacks(String kind) {
        List<Number> rows = em.createNativeQuery("SELECT v.id FROM provider_entries e JOIN provider_entry_versions v"
                + " ON v.entry_id = e.id AND v.version = e.version WHERE e.kind = :kind AND e.enabled"
                + " ORDER BY e.position").setParameter("kind", kind).getResultList();
        Number upTo = (Number) em.createNativeQuery("SELECT coalesce(max(id), 0) FROM provider_entry_versions"
                + " WHERE kind = :kind").setParameter("kind", kind).getSingleResult();
        return new HeldFallbacks(rows.stream().map(Number::longValue).toList(), upTo.longValue());
    }

    private void checkVersion(ProviderKind kind, ProviderSetting row, long expectedVersion) {
        if (row.version == expectedVersion) {
            return;
        }
        if (expectedVersion > row.version) {
            // a version the setting never had: nothing to compare the current one with
            throw new StaleSetting(state(row), expectedVersion, List.of());
        }
        java.util.Optional<SettingValues> kept = expectedVersion < 1 ? java.util.Optional.of(new SettingValues())
                : ProviderSettingVersion.of(kind, expectedVersion).map(ProviderSettingVersion::values);
        SettingValues had = kept.orElseGet(SettingValues::new);
        throw new StaleSetting(state(row), expectedVersion, changedFields(kind, had, row.values()),
                kept.map(values -> fieldValues(kind, values)).orElse(null));
    }

    /**
     * The non-secret fields of {@code values} by JSON name, in field order, an unset one as null: what a form shows
     * of them (a secret is never among them).
     */
    static Map<String, String> fieldValues(ProviderKind kind, SettingValues values) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (SettingField field : kind.fields()) {
            if (!field.secret()) {
                fields.put(field.json(), values.get(field));
            }
        }
        return fields;
    }

    /**
     * The fields that differ between two versions, as an audit entry names them ({@link Changes}): a non-secret field
     * with its old and new value ({@code model gpt-4o → gpt-4.1}), a secret field by name alone (its fingerprints are
     * the entry's own columns, never the value); comma-separated in field order, empty when nothing differs.
     */
    static String changes(ProviderKind kind, SettingValues from, SettingValues to) {
        return changes(kind, from, to, Map.of(), Map.of());
    }

    /**
     * What a save did, as its audit entry says it: {@code changed …} ({@link #changes}), or {@code no field changed},
     * then {@code apiKey entered again (the same)} for each secret typed with the value it already had (a new sealed
     * row, the same fingerprint), which is no change.
     *
     * @param before each secret's fingerprint before the save, by field
     * @param after each secret's fingerprint after it
     */
    static String saved(ProviderKind kind, SettingValues from, SettingValues to, Map<SettingField, String> before,
            Map<SettingField, String> after) {
        String changed = changes(kind, from, to, before, after);
        List<String> again = kind.secretFields().stream().filter(f -> from.differs(to, f) && sameSecret(f, before, after))
                .map(SettingField::json).toList();
        String text = changed.isEmpty() ? again.isEmpty() ? "no field changed" : "" : "changed " + changed;
        return again.isEmpty() ? text
                : (text.isEmpty() ? "" : text + "; ") + String.join(", ", again) + " entered again (the same)";
    }

    private static boolean sameSecret(SettingField field, Map<SettingField, String> before,
            Map<SettingField, String> after) {
        return before.get(field) != null && before.get(field).equals(after.get(field));
    }

    /**
     * As {@link #changes(ProviderKind, SettingValues, SettingValues)}, with each secret's fingerprint before and
     * after: a secret whose value is the same under a new sealed row (typed again, or restored) is no change.
     */
    static String changes(ProviderKind kind, SettingValues from, SettingValues to, Map<SettingField, String> before,
            Map<SettingField, String> after) {
        Changes changes = new Changes();
        for (SettingField field : kind.fields()) {
            if (from.differs(to, field)) {
                if (field.secret()) {
                    if (!sameSecret(field, before, after)) {
                        changes.note(field.json());
                    }
                } else {
                    changes.field(field.json(), from.get(field), to.get(field));
                }
            }
        }
        return changes.text();
    }

    /**
     * The fields whose values differ between two stored versions of a kind, in form order: a secret by its fingerprint
     * (the same key sealed again, as a make-primary or a restore does, is no change); empty when either version is
     * not stored. Call within a transaction.
     */
    public List<SettingField> differing(ProviderKind kind, long from, long to) {
        Optional<ProviderSettingVersion> a = ProviderSettingVersion.of(kind, from);
        Optional<ProviderSettingVersion> b = ProviderSettingVersion.of(kind, to);
        if (a.isEmpty() || b.isEmpty()) {
            return List.of();
        }
        SettingValues x = a.get().values();
        SettingValues y = b.get().values();
        Map<SettingField, String> before = fingerprintsOf(summaries(kind, x));
        Map<SettingField, String> after = fingerprintsOf(summaries(kind, y));
        return kind.fields().stream().filter(f -> x.differs(y, f) && !(f.secret() && sameSecret(f, before, after)))
                .toList();
    }

    /**
     * Whether two stored versions of a kind hold the same values (a secret by its fingerprint, as
     * {@link #differing} compares them): false when either is not stored. Call within a transaction.
     */
    public boolean sameValues(ProviderKind kind, long a, long b) {
        return ProviderSettingVersion.of(kind, a).isPresent() && ProviderSettingVersion.of(kind, b).isPresent()
                && differing(kind, a, b).isEmpty();
    }

    static List<String> changedFields(ProviderKind kind, SettingValues from, SettingValues to) {
        return kind.fields().stream().filter(f -> from.differs(to, f)).map(SettingField::json).toList();
    }

    /** Makes {@code next} the current version and records it in the history. */
    static long apply(ProviderSetting row, SettingValues next, String actor, String action) {
        row.values = next;
        row.version++;
        row.updatedBy = actor;
        row.updatedAt = Instant.now();
        ProviderSettingVersion history = new ProviderSettingVersion();
        history.kind = row.kind;
        history.version = row.version;
        history.action = action;
        history.values = next.copy();
        history.savedBy = actor;
        history.savedAt = row.updatedAt;
        history.persist();
        return row.version;
    }
}
