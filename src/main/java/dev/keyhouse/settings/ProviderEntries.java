package dev.keyhouse.settings;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.checks.CheckTarget;
import dev.keyhouse.checks.LastChecks;
import dev.keyhouse.crypto.Opened;
import dev.keyhouse.sealed.SealedValues;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.web.Conflict;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.NotFound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Several providers per kind (issue 19): the primary is the kind's {@link ProviderSetting} (saved, checked, rolled
 * back and rolled out as before), and the ordered fallbacks are {@link ProviderEntry} rows with their own fields,
 * sealed secrets, version and history. Entry writes serialise on the kind's row lock (the primary's), so two writes
 * never race on positions or on the variables two entries write ({@link #refuseDuplicates}). Every change is audited
 * ({@code setting.entry.*}, fingerprints, never values).
 *
 * <p>A change of a fallback is served at once by runtime-config (its version counts entry versions). When it changes
 * what runtimes receive ({@link #served}: an enabled fallback's variables, {@code <KIND>_PROVIDERS}), the kind's
 * dependent targets are rolled out as after a save of the kind ({@link FallbackChanged}); a change they do not
 * receive (a disabled fallback edited, moved or deleted, a key typed again with the same value) restarts nothing.
 * Make-primary is a save of the kind: the primary's version goes up and the kind's dependent targets are rolled out
 * ({@link SettingSaved}). Rollback of a kind restores its primary only; each fallback keeps its own history.
 */
@ApplicationScoped
public class ProviderEntries {

    private static final Logger LOG = Logger.getLogger(ProviderEntries.class);

    private final ProviderSettings settings;
    private final SealedValues sealedValues;
    private final SecretFingerprints fingerprints;
    private final Audit audit;
    private final Event<EnvironmentChanged> changed;
    private final Event<FallbackChanged> fallbackChanged;
    private final EntityManager em;
    private final LastChecks lastChecks;

    public ProviderEntries(ProviderSettings settings, SealedValues sealedValues, SecretFingerprints fingerprints,
            Audit audit, Event<EnvironmentChanged> changed, Event<FallbackChanged> fallbackChanged,
            EntityManager em, LastChecks lastChecks) {
        this.settings = settings;
        this.lastChecks = lastChecks;
        this.fallbackChanged = fallbackChanged;
        this.sealedValues = sealedValues;
        this.fingerprints = fingerprints;
        this.audit = audit;
        this.changed = changed;
        this.em = em;
    }

    /**
     * An entry as pages and the REST API show it.
     *
     * @param id null for the primary (the kind's setting, {@code /api/v1/settings/{kind}})
     * @param position 0 for the primary, 1 for the first fallback, ...
     * @param version the primary's is the kind's version; a fallback's its own
     * @param restartRun the restart run the write planned (it changed what runtimes receive), or null
     */
    public record EntryState(ProviderKind kind, Long id, boolean primary, int position, boolean enabled,
            Map<String, String> values, Map<String, SecretSummary> secrets, long version, String updatedBy,
            Instant updatedAt, Long restartRun) {

        /** The provider, or null when unset. */
        public String provider() {
            return values.get(SettingField.PROVIDER.json());
        }

        /**
         * What a key check of this entry is for ({@link SettingState#keyFingerprint()}): null when no key is stored
         * or it needs re-entry.
         */
        public String keyFingerprint() {
            return SettingState.keyFingerprint(kind, secrets);
        }

        /** "stt primary (deepgram)", "stt fallback 12 (soniox)". */
        public String label() {
            return ProviderEntries.label(kind, id, provider());
        }
    }

    /**
     * A write of a fallback: its fields (null to keep them all), whether it is served, and its place.
     *
     * @param fields by JSON name as for a save of the kind; null when the write changes none (a move, a disable)
     * @param enabled null to keep
     * @param position 1 for first among the fallbacks; null to keep. Beyond the last: last.
     */
    public record Change(Map<String, String> fields, Boolean enabled, Integer position) {
    }

    /**
     * The kinds that have fallbacks: {@code llm}, {@code stt}, {@code tts}; 404 for the others, "livekit has no
     * provider entries (it is a single setting: use /api/v1/settings/livekit)".
     */
    public static ProviderKind entriesKind(ProviderKind kind) {
        if (!EntryVariables.hasEntries(kind)) {
            throw NotFound.saying(kind.id() + " has no provider entries (it is a single setting: use "
                    + "/api/v1/settings/" + kind.id() + ")");
        }
        return kind;
    }

    /** The kind's entries in order: the primary first (configured or not), then each fallback by position. */
    @Transactional
    public List<EntryState> list(ProviderKind kind) {
        entriesKind(kind);
        List<EntryState> states = new ArrayList<>();
        states.add(primary(settings.state(settings.row(kind))));
        for (ProviderEntry entry : ProviderEntry.<ProviderEntry>list("kind = ?1 order by position", kind.id())) {
            states.add(state(kind, entry));
        }
        return states;
    }

    /**
     * Looks the id up, so a write on an unknown fallback is a 404 before its body or preconditions are judged.
     *
     * @throws NotFound when the kind has no such fallback
     */
    @Transactional
    public void exists(ProviderKind kind, long id) {
        find(kind, id);
    }

    /**
     * The version of a kind's fallbacks as a whole, which the add form carries (h20m point 5): the newest
     * {@code provider_entry_versions} id of the kind, 0 before its first fallback. Every add, save, move, enable,
     * disable, make-primary and delete of one of its fallbacks writes such a row, so any of them raises it.
     */
    @Transactional
    public long fallbacksVersion(ProviderKind kind) {
        return ((Number) em.createNativeQuery("SELECT coalesce(max(id), 0) FROM provider_entry_versions"
                + " WHERE kind = :kind").setParameter("kind", kind.id()).getSingleResult()).longValue();
    }

    /**
     * What changed in a kind's fallbacks after {@link #fallbacksVersion} {@code since}, oldest first, e.g.
     * "fallback 7 create by alice at 2026-12-02 02:40:11 UTC"; empty when nothing did.
     */
    @Transactional
    public List<String> fallbacksChangedSince(ProviderKind kind, long since) {
        return em.createQuery("from ProviderEntryVersion where kind = ?1 and id > ?2 order by id",
                ProviderEntryVersion.class).setParameter(1, kind.id()).setParameter(2, since).getResultList().stream()
                .map(v -> "fallback " + v.entryId + " " + v.action + " by " + v.savedBy + " at "
                        + dev.keyhouse.web.TemplateExtensions.utc(v.savedAt)).toList();
    }

    /**
     * The JSON names of the fields of fallback {@code id} that differ between its version {@code since} and its
     * current one ({@link ProviderSettings#changedFields}), in field order; empty when that version is not kept.
     */
    @Transactional
    public List<String> changedSince(ProviderKind kind, long id, long since) {
        ProviderEntry entry = find(kind, id);
        return em.createQuery("from ProviderEntryVersion where entryId = ?1 and version = ?2",
                ProviderEntryVersion.class).setParameter(1, id).setParameter(2, since).getResultList().stream()
                .findFirst().map(had -> ProviderSettings.changedFields(kind, had.values, entry.values()))
                .orElse(List.of());
    }

    /**
     * The non-secret fields of fallback {@code id} at its version {@code version}, by JSON name (an unset one as
     * null): what its edit form of that version was loaded with; empty when that version is not kept.
     */
    @Transactional
    public Optional<Map<String, String>> valuesAt(ProviderKind kind, long id, long version) {
        find(kind, id);
        return em.createQuery("from ProviderEntryVersion where entryId = ?1 and version = ?2",
                ProviderEntryVersion.class).setParameter(1, id).setParameter(2, version).getResultList().stream()
                .findFirst().map(had -> ProviderSettings.fieldValues(kind, had.values));
    }

    /** @throws NotFound when the kind has no such fallback */
    @Transactional
    public EntryState get(ProviderKind kind, long id) {
        return state(kind, find(kind, id));
    }

    /**
     * Validates a write of a fallback (a new one when {@code id} is null) exactly as it will be saved and returns
     * the live check it needs, as {@link ProviderSettings#checkBeforeSave} decides it for the primary: a typed key,
     * or a change of a field the check sends while a key is stored. Short; the check runs after it, outside any
     * transaction.
     *
     * @throws FieldErrors naming each invalid field
     */
    @Transactional
    public Optional<CheckTarget> checkBeforeSave(ProviderKind kind, Long id, Change change, long expectedVersion) {
        entriesKind(kind);
        if (change.fields() == null) {
            return Optional.empty();
        }
        SettingValues stored = id == null ? new SettingValues() : find(kind, id).values();
        SettingRules.Checked checked = validate(kind, id, change.fields(), expectedVersion);
        SettingValues storedValues = stored;
        if (id != null && settings.unchanged(kind, stored, checked)) {
            // fields that change nothing save nothing: no key is sent anywhere for them
            return Optional.empty();
        }
        boolean typed = kind.secretFields().stream().anyMatch(checked.secrets()::containsKey);
        boolean kept = kind.secretFields().stream().anyMatch(f -> storedValues.secretRef(f) != null);
        boolean needed = typed || (kept && kind.fields().stream().filter(ProviderSettings.CHECKED_FIELDS::contains)
                .anyMatch(f -> storedValues.differs(checked.values(), f)));
        return needed ? Optional.of(settings.target(kind, checked)) : Optional.empty();
    }

    /**
     * Every cheap refusal of a write of a fallback's fields (a new one when {@code id} is null), before anything is
     * sent to a provider (issue 19): the entry's version (412), the kind's primary not saved yet (409), each invalid
     * field and a provider another entry already has or whose variables it writes (the clash), all in one answer.
     * Sends nothing, writes nothing.
     *
     * @return the fields as the write will store them
     * @throws EntryRefused (412) when {@code expectedVersion} is not the entry's version
     * @throws FieldErrors (400) naming each invalid field, and {@code provider} with the clash when there is one too
     * @throws Conflict (409) when the fields are valid but clash with another entry, or there is no primary yet
     */
    @Transactional
    public SettingRules.Checked validate(ProviderKind kind, Long id, Map<String, String> fields,
            long expectedVersion) {
        entriesKind(kind);
        SettingValues stored = new SettingValues();
        if (id != null) {
            ProviderEntry entry = find(kind, id);
            checkVersion(entry, expectedVersion);
            stored = entry.values();
        } else if (settings.row(kind).version == 0) {
            throw noPrimary(kind);
        }
        FieldErrors errors = new FieldErrors();
        problems(kind, id, fields, stored, errors);
        errors.throwIfAny();
        SettingRules.Checked checked = SettingRules.check(kind, fields, stored);
        refuseDuplicates(em, kind, id == null ? 0L : id, checked.values().provider);
        return checked;
    }

    /**
     * Records in {@code errors} each invalid field of {@code fields} and, when there is any, the clash of the provider
     * they name with another entry (against {@code provider}): for an answer that names every problem at once. A
     * clash alone is left to {@link #refuseDuplicates} (409). Sends nothing, writes nothing.
     *
     * @param id the entry written: null for a new fallback
     */
    @Transactional
    public void problems(ProviderKind kind, Long id, Map<String, String> fields, FieldErrors errors) {
        problems(kind, id, fields, id == null ? new SettingValues() : find(kind, id).values(), errors);
    }

    private void problems(ProviderKind kind, Long id, Map<String, String> fields, SettingValues stored,
            FieldErrors errors) {
        try {
            SettingRules.check(kind, fields, stored);
        } catch (FieldErrors invalid) {
            errors.addNew(invalid);
        }
        if (!errors.isEmpty()) {
            addClash(em, kind, id == null ? 0L : id, typedProvider(kind, fields, stored), errors);
        }
    }

    /**
     * The provider {@code input} names (else the stored one; {@code stored} is null for an entry being added), when it
     * is one of the kind's; else null.
     */
    static String typedProvider(ProviderKind kind, Map<String, String> input, SettingValues stored) {
        String typed = input.get(SettingField.PROVIDER.json());
        String provider = typed == null || typed.isBlank() ? (stored == null ? null : stored.provider) : typed.strip();
        return provider != null && kind.providers().contains(provider) ? provider : null;
    }

    /**
     * Adds the clash {@link #refuseDuplicates} would refuse as an error of {@code provider}, unless that field is
     * already named: one answer then names the clash with the other problems.
     */
    static void addClash(EntityManager em, ProviderKind kind, Long entryId, String provider, FieldErrors errors) {
        if (provider != null && !errors.names(SettingField.PROVIDER.json())) {
            duplicate(em, kind, entryId, provider).ifPresent(clash -> errors.add(SettingField.PROVIDER.json(),
                    "clashes with another entry: " + clash.getMessage()));
        }
    }

    private static Conflict noPrimary(ProviderKind kind) {
        return new Conflict(kind.id() + " has no primary provider yet: save /api/v1/settings/" + kind.id()
                + " first, then add fallbacks");
    }

    /**
     * What a live check of a fallback's stored key sends (make-primary checks it as a save of the kind would).
     *
     * @return empty when it has no key that opens
     */
    @Transactional
    public Optional<CheckTarget> storedTarget(ProviderKind kind, long id) {
        ProviderEntry entry = find(kind, id);
        try {
            return Optional.of(settings.target(kind, new SettingRules.Checked(entry.values().copy(), Map.of())));
        } catch (FieldErrors e) {
            return Optional.empty();
        }
    }

    /**
     * Each enabled fallback of {@code kind} with its stored key as a live check needs it (what the background checks
     * check), by position; a fallback whose key is unset or cannot be opened is left out. Empty for a kind without
     * fallbacks.
     *
     * @return the keys by entry id
     */
    @Transactional
    public Map<Long, ProviderSettings.StoredKey> storedKeys(ProviderKind kind) {
        Map<Long, ProviderSettings.StoredKey> keys = new LinkedHashMap<>();
        if (!EntryVariables.hasEntries(kind)) {
            return keys;
        }
        for (ProviderEntry entry : em.createQuery("from ProviderEntry where kind = ?1 and enabled = true"
                + " order by position", ProviderEntry.class).setParameter(1, kind.id()).getResultList()) {
            settings.storedKey(kind, entry.values().copy()).ifPresent(key -> keys.put(entry.id, key));
        }
        return keys;
    }

    /**
     * Adds a fallback after the last one, enabled.
     *
     * @param check the live check before it, or null when none ran
     * @throws Conflict when the primary is not configured yet, or the entry would write a variable another entry
     *         writes (both named)
     * @throws FieldErrors naming each invalid field
     */
    @Transactional
    public EntryState create(ProviderKind kind, Map<String, String> fields, String actor,
            ProviderSettings.SaveCheck check) {
        entriesKind(kind);
        ProviderSetting primary = settings.lock(kind);
        if (primary.version == 0) {
            throw noPrimary(kind);
        }
        SettingRules.Checked checked = SettingRules.check(kind, fields, new SettingValues());
        refuseDuplicates(em, kind, 0L, checked.values().provider);
        String served = served(kind);
        Number last = (Number) em.createNativeQuery("SELECT coalesce(max(position), 0) FROM provider_entries"
                + " WHERE kind = ?1").setParameter(1, kind.id()).getSingleResult();
        ProviderEntry entry = persistNew(kind, last.intValue() + 1, actor);
        SettingValues next = checked.values();
        Map<SettingField, String> newPrints = seal(kind, entry.id, checked, next);
        entry.values = next;
        Long run = recorded(kind, entry, "create", Audit.Entry.of(actor, "setting.entry.create", kind.id(),
                target(entry)).detail("added " + label(kind, entry.id, next.provider) + " at position "
                        + entry.position + references(kind, checked) + checkDetail(check))
                .fingerprints(null, ProviderSettings.auditFingerprints(kind, newPrints)), primary.version, served,
                label(kind, entry.id, next.provider) + " was added", actor);
        LOG.infof("%s fallback %d (%s) added by %s", kind.id(), entry.id, next.provider, actor);
        return state(kind, entry, run);
    }

    /**
     * Changes a fallback: its fields (replaced as a save of the kind replaces them; an empty secret keeps the stored
     * one), whether it is served, its place. Audited as {@code setting.entry.save}, {@code .move}, {@code .enable}
     * or {@code .disable}.
     *
     * @throws EntryRefused (412) when {@code expectedVersion} is not the entry's version; nothing written
     * @throws dev.keyhouse.web.Conflict (409) when only enabling or disabling, and it already is so
     */
    @Transactional
    public EntryState update(ProviderKind kind, long id, Change change, long expectedVersion, String actor,
            ProviderSettings.SaveCheck check) {
        Locked locked = lockForWrite(kind, id, expectedVersion);
        ProviderSetting primary = locked.primary();
        ProviderEntry entry = locked.entry();
        String served = locked.served();
        if (change.fields() == null && change.position() == null && change.enabled() != null
                && change.enabled() == entry.enabled) {
            // only enable or disable, and it already is so: nothing to change, audit or restart
            throw dev.keyhouse.web.AlreadySo.conflict(label(kind, entry.id, entry.values().provider),
                    entry.enabled ? "enabled" : "disabled");
        }
        List<String> did = new ArrayList<>();
        String action = null;
        Map<SettingField, String> before = ProviderSettings.fingerprintsOf(settings.summaries(kind, entry.values()));
        Map<SettingField, String> after = before;
        String detail = "";
        // fields that would store what the entry holds (the same values, no key or the same key) are no change: an
        // idempotent PUT makes no version, no audit entry and no rollout
        if (change.fields() != null && !settings.unchanged(kind, entry.values(),
                SettingRules.check(kind, change.fields(), entry.values()))) {
            SettingRules.Checked checked = SettingRules.check(kind, change.fields(), entry.values());
            refuseDuplicates(em, kind, entry.id, checked.values().provider);
            SettingValues next = checked.values();
            Map<SettingField, String> sealed = seal(kind, entry.id, checked, next);
            after = new LinkedHashMap<>(before);
            for (SettingField secret : kind.secretFields()) {
                after.put(secret, sealed.containsKey(secret) ? sealed.get(secret)
                        : next.secretRef(secret) == null ? null : before.get(secret));
            }
            String saved = ProviderSettings.saved(kind, entry.values(), next, before, after);
            entry.values = next;
            did.add(saved);
            detail = references(kind, checked) + checkDetail(check);
            action = "save";
        }
        if (change.enabled() != null && change.enabled() != entry.enabled) {
            entry.enabled = change.enabled();
            did.add(entry.enabled ? "enabled" : "disabled");
            action = action != null ? action : entry.enabled ? "enable" : "disable";
        }
        // clamped first: a place beyond the last (or before the first) that is where the entry already is moves nothing
        if (change.position() != null && clamp(kind, change.position()) != entry.position) {
            int from = entry.position;
            int to = move(kind, entry, change.position());
            did.add("moved from position " + from + " to " + to);
            action = action != null ? action : "move";
        }
        if (action == null) {
            return state(kind, entry);
        }
        bump(entry, actor);
        Long run = recorded(kind, entry, action, Audit.Entry.of(actor, "setting.entry." + action, kind.id(),
                target(entry)).detail(label(kind, entry.id, entry.values().provider) + ": " + String.join("; ", did)
                        + detail).fingerprints(ProviderSettings.auditFingerprints(kind, before),
                                ProviderSettings.auditFingerprints(kind, after)), primary.version, served,
                label(kind, entry.id, entry.values().provider) + " changed (" + String.join("; ", did) + ")", actor);
        LOG.infof("%s fallback %d: %s by %s", kind.id(), entry.id, String.join("; ", did), actor);
        return state(kind, entry, run);
    }

    /**
     * Rolls a fallback back to the fields and key of its newest earlier version whose fields or key fingerprint differ
     * from the current ones ({@link ProviderSettings#newestDiffering}: a move, enable or disable changed no field, and
     * a key typed again with the same value is no other key, so there is nothing to undo in them; its place and state
     * stay as they are now). As an admin's rollback of a kind: no live check (the key was served before), two entries writing
     * one variable refused, audited as {@code setting.entry.rollback} with old → new, and rolled out to the kind's
     * dependent targets when the fallback is served. Its history row is a {@code save} of the restored fields.
     *
     * @throws EntryRefused (412) when {@code expectedVersion} is not the entry's version; nothing written
     * @throws Conflict (409) when no earlier version has other fields, or its provider is now another entry's
     */
    @Transactional
    public EntryState rollback(ProviderKind kind, long id, long expectedVersion, String actor) {
        Locked locked = lockForWrite(kind, id, expectedVersion);
        ProviderSetting primary = locked.primary();
        ProviderEntry entry = locked.entry();
        String served = locked.served();
        ProviderEntryVersion previous = settings.newestDiffering(kind, entry.values(), em.createQuery(
                "from ProviderEntryVersion where entryId = ?1 and version < ?2 order by version desc",
                ProviderEntryVersion.class).setParameter(1, entry.id).setParameter(2, entry.version)
                .getResultStream(), v -> v.values == null ? new SettingValues() : v.values)
                .orElseThrow(() -> new Conflict(label(kind, entry.id, entry.values().provider)
                        + " has no earlier version with other fields or another key to roll back to"));
        SettingValues next = previous.values.copy();
        refuseDuplicates(em, kind, entry.id, next.provider);
        Map<SettingField, String> before = ProviderSettings.fingerprintsOf(settings.summaries(kind, entry.values()));
        Map<SettingField, String> after = ProviderSettings.fingerprintsOf(settings.summaries(kind, next));
        String changes = ProviderSettings.changes(kind, entry.values(), next, before, after);
        entry.values = next;
        bump(entry, actor);
        String what = label(kind, entry.id, entry.values().provider) + ": restores version " + previous.version
                + (changes.isEmpty() ? "" : "; changed " + changes);
        Long run = recorded(kind, entry, "save", Audit.Entry.of(actor, "setting.entry.rollback", kind.id(),
                target(entry)).detail(what).fingerprints(ProviderSettings.auditFingerprints(kind, before),
                        ProviderSettings.auditFingerprints(kind, after)), primary.version, served, what, actor);
        LOG.infof("%s fallback %d rolled back to version %d as version %d by %s", kind.id(), entry.id,
                previous.version, entry.version, actor);
        return state(kind, entry, run);
    }

    /**
     * Deletes a fallback; the ones after it move up. Its history (and its sealed values, which the history points
     * at) stays, ending in a {@code delete} row one version past the last (each row has its own version); the audit
     * entry names the last version the entry had, the one {@code If-Match} named: "stt fallback 12 version 3".
     *
     * @return the restart run it planned (an enabled fallback was deleted), or null
     */
    @Transactional
    public Long delete(ProviderKind kind, long id, long expectedVersion, String actor) {
        Locked locked = lockForWrite(kind, id, expectedVersion);
        ProviderSetting primary = locked.primary();
        ProviderEntry entry = locked.entry();
        String served = locked.served();
        String before = ProviderSettings.auditFingerprints(kind,
                ProviderSettings.fingerprintsOf(settings.summaries(kind, entry.values())));
        int position = entry.position;
        String deleted = target(entry);
        entry.version++;
        history(entry, "delete", actor);
        entry.delete();
        em.flush();
        em.createQuery("update ProviderEntry set position = position - 1 where kind = ?1 and position > ?2")
                .setParameter(1, kind.id()).setParameter(2, position).executeUpdate();
        audit.record(Audit.Entry.of(actor, "setting.entry.delete", kind.id(), deleted)
                .detail("deleted " + label(kind, entry.id, entry.values().provider) + " at position " + position
                        + ", at its version " + expectedVersion)
                .fingerprints(before, null));
        changed.fire(new EnvironmentChanged(kind.id() + " fallback " + id));
        Long run = restart(kind, primary.version, served, label(kind, id, entry.values().provider) + " was deleted",
                actor);
        LOG.infof("%s fallback %d deleted by %s", kind.id(), id, actor);
        return run;
    }

    /**
     * Swaps a fallback with the primary, in one transaction: the fallback's fields and keys become the primary's (a
     * new version of the kind, history action {@code primary}), the primary's become the fallback's, at the same
     * position. Each moved key is sealed again under its new place's purpose (a new sealed row). Announced as a save
     * of the kind ({@link SettingSaved}), so the targets that depend on the kind, and only those, are rolled out.
     *
     * @param expectedVersion the fallback's version (its ETag)
     * @param expectedPrimaryVersion the kind's version the caller saw: the swap moves the primary too, so two admins
     *         making different fallbacks primary at once cannot silently undo each other
     * @throws EntryRefused (412) when either version is not the current one; nothing written
     * @throws Conflict when the fallback is disabled, a key cannot be opened, or the swap would make two entries
     *         write one variable
     */
    @Transactional
    public EntryState makePrimary(ProviderKind kind, long id, long expectedVersion, long expectedPrimaryVersion,
            String actor, ProviderSettings.SaveCheck check) {
        entriesKind(kind);
        ProviderSetting primary = settings.lock(kind);
        ProviderEntry entry = lock(kind, id);
        primaryPreconditions(kind, primary, entry, expectedVersion, expectedPrimaryVersion);
        SettingValues oldPrimary = primary.values().copy();
        SettingValues oldEntry = entry.values().copy();
        refuse(em, swapped(kind, primary, entry));
        Map<SettingField, SecretSummary> before = settings.summaries(kind, oldPrimary);
        SettingValues nextPrimary = resealed(kind, oldEntry, field -> kind.purpose(field), label(kind, id,
                oldEntry.provider));
        SettingValues nextEntry = resealed(kind, oldPrimary, field -> purpose(kind, id, field), label(kind, null,
                oldPrimary.provider));
        Map<SettingField, SecretSummary> after = settings.summaries(kind, nextPrimary);
        boolean secretChanged = kind.secretFields().stream().anyMatch(f -> after.get(f).needsReentry()
                || !Objects.equals(before.get(f).fingerprint(), after.get(f).fingerprint()));
        long version = ProviderSettings.apply(primary, nextPrimary, actor, "primary");
        entry.values = nextEntry;
        entry.version++;
        entry.updatedBy = actor;
        entry.updatedAt = primary.updatedAt;
        history(entry, "primary", actor);
        // each key keeps its own last check: the new primary's comes to the kind, the old primary's to the entry
        lastChecks.swapWithEntry(kind, id);
        // "stt fallback 12 (soniox) is now primary; the primary (deepgram) is now fallback 12 at position 1": the
        // audit's words and the run's changeSummary, as a fallback change's run has one
        String change = label(kind, id, oldEntry.provider) + " is now primary; the primary (" + oldPrimary.provider
                + ") is now fallback " + id + " at position " + entry.position;
        audit.record(Audit.Entry.of(actor, "setting.entry.primary", kind.id(), kind.id() + " version " + version)
                .detail(change + checkDetail(check))
                .fingerprints(ProviderSettings.auditFingerprints(kind, ProviderSettings.fingerprintsOf(before)),
                        ProviderSettings.auditFingerprints(kind, ProviderSettings.fingerprintsOf(after))));
        // what runtimes receive changed when a key or any other field of the primary did (two entries with one key
        // and another model or base URL swap their STT_* all the same): the kind's dependents are rolled out then
        boolean fieldChanged = ProviderSettings.routingChanged(kind, oldPrimary, oldEntry);
        Long run = settings.announce(kind.id(), version, secretChanged || fieldChanged, actor, change);
        LOG.infof("%s fallback %d made primary as %s version %d by %s", kind.id(), id, kind.id(), version, actor);
        EntryState state = primary(settings.state(primary));
        return new EntryState(kind, null, true, 0, true, state.values(), state.secrets(), state.version(),
                state.updatedBy(), state.updatedAt(), run);
    }

    /**
     * Checks what {@link #makePrimary} requires, without writing: read before its live check, so that a make-primary
     * refused for a stale version or a disabled fallback never sends the fallback's key to the provider.
     *
     * @throws EntryRefused (412) when either version is not the current one
     * @throws Conflict (409) when the fallback is disabled
     */
    @Transactional
    public void checkPrimaryPreconditions(ProviderKind kind, long id, long expectedVersion,
            long expectedPrimaryVersion) {
        entriesKind(kind);
        ProviderSetting primary = settings.row(kind);
        ProviderEntry entry = find(kind, id);
        primaryPreconditions(kind, primary, entry, expectedVersion, expectedPrimaryVersion);
        refuse(em, swapped(kind, primary, entry));
    }

    /** The providers a swap of {@code entry} with the primary writes, by {@link #key}. */
    private static Map<String, String> swapped(ProviderKind kind, ProviderSetting primary, ProviderEntry entry) {
        Map<String, String> swapped = new LinkedHashMap<>();
        swapped.put(key(kind, null), entry.values().provider);
        swapped.put(key(kind, entry.id), primary.values().provider);
        return swapped;
    }

    private static void primaryPreconditions(ProviderKind kind, ProviderSetting primary, ProviderEntry entry,
            long expectedVersion, long expectedPrimaryVersion) {
        checkVersion(entry, expectedVersion);
        if (primary.version != expectedPrimaryVersion) {
            throw EntryRefused.primaryChanged(kind, primary, expectedPrimaryVersion);
        }
        if (!entry.enabled) {
            throw new Conflict(label(kind, entry.id, entry.values().provider) + " is disabled: enable it before making"
                    + " it primary");
        }
    }

    /**
     * Refuses a write that would make two entries (of any kind) write one variable ({@link EntryVariables#claimed}):
     * 409 naming both entries and the variable.
     *
     * @param entryId the entry written: null for the primary, 0 for a new fallback
     * @param provider the provider it will have
     */
    static void refuseDuplicates(EntityManager em, ProviderKind kind, Long entryId, String provider) {
        Optional<Conflict> duplicate = duplicate(em, kind, entryId, provider);
        if (duplicate.isPresent()) {
            throw duplicate.get();
        }
    }

    /** What {@link #refuseDuplicates} would throw, or empty: for a caller that must not throw (the rollout gate). */
    static Optional<Conflict> duplicate(EntityManager em, ProviderKind kind, Long entryId, String provider) {
        if (!EntryVariables.hasEntries(kind)) {
            return Optional.empty();
        }
        return conflict(em, Map.of(key(kind, entryId), provider == null ? "" : provider));
    }

    /** @param written each written entry's {@link #key} and the provider it will have */
    private static void refuse(EntityManager em, Map<String, String> written) {
        Optional<Conflict> duplicate = conflict(em, written);
        if (duplicate.isPresent()) {
            throw duplicate.get();
        }
    }

    /** The 409 naming two entries that would write one variable once {@code written} is saved, or empty. */
    @SuppressWarnings("unchecked")
    private static Optional<Conflict> conflict(EntityManager em, Map<String, String> written) {
        Map<String, String> providers = new LinkedHashMap<>();
        for (Object[] row : (List<Object[]>) em.createNativeQuery("SELECT kind, provider FROM provider_settings"
                + " WHERE kind IN ('llm', 'stt', 'tts') AND version > 0 AND provider IS NOT NULL").getResultList()) {
            providers.put(row[0] + ":primary", (String) row[1]);
        }
        for (Object[] row : (List<Object[]>) em.createNativeQuery("SELECT kind, id, provider FROM provider_entries"
                + " WHERE provider IS NOT NULL ORDER BY kind, position").getResultList()) {
            providers.put(row[0] + ":" + row[1], (String) row[2]);
        }
        providers.putAll(written);
        for (String key : written.keySet()) {
            Set<String> mine = claimedBy(key, providers.get(key));
            for (Map.Entry<String, String> other : providers.entrySet()) {
                if (other.getKey().equals(key)) {
                    continue;
                }
                for (String variable : claimedBy(other.getKey(), other.getValue())) {
                    if (mine.contains(variable)) {
                        String one = label(key, providers.get(key));
                        String two = label(other.getKey(), other.getValue());
                        return Optional.of(new Conflict(one + " and " + two + " would both write " + variable
                                + ": each entry needs variables of its own", Map.of("variable", variable,
                                        "entries", List.of(one, two))));
                    }
                }
            }
        }
        for (String key : written.keySet()) {
            String kindPrefix = key.substring(0, key.indexOf(':') + 1);
            String provider = providers.get(key);
            for (Map.Entry<String, String> other : providers.entrySet()) {
                // <KIND>_PROVIDERS names each entry by its provider: two of one provider (two custom entries, whose
                // primary claims no variable of its own) could not be told apart by a runtime
                if (!other.getKey().equals(key) && other.getKey().startsWith(kindPrefix) && provider != null
                        && !provider.isEmpty() && provider.equals(other.getValue())) {
                    String one = label(key, provider);
                    String two = label(other.getKey(), other.getValue());
                    String listed = kindPrefix.substring(0, kindPrefix.length() - 1).toUpperCase(java.util.Locale.ROOT)
                            + "_PROVIDERS";
                    return Optional.of(new Conflict(one + " and " + two + " would both be " + provider + ": "
                            + listed + " names each entry by its provider, so a kind holds each provider once",
                            Map.of("variable", listed, "entries", List.of(one, two))));
                }
            }
        }
        return Optional.empty();
    }

    /** An entry's key in {@link #refuse}: {@code stt:primary}, {@code stt:12}, {@code stt:0} for a new one. */
    private static String key(ProviderKind kind, Long entryId) {
        return kind.id() + ":" + (entryId == null ? "primary" : entryId);
    }

    private static Set<String> claimedBy(String key, String provider) {
        ProviderKind kind = ProviderKind.parse(key.substring(0, key.indexOf(':'))).orElseThrow();
        return EntryVariables.claimed(kind, provider == null || provider.isEmpty() ? null : provider,
                key.endsWith(":primary"));
    }

    private static String label(String key, String provider) {
        ProviderKind kind = ProviderKind.parse(key.substring(0, key.indexOf(':'))).orElseThrow();
        String id = key.substring(key.indexOf(':') + 1);
        return label(kind, "primary".equals(id) ? null : Long.valueOf(id), provider);
    }

    /** "stt primary (deepgram)", "stt fallback 12 (soniox)", "the new stt fallback (soniox)". */
    static String label(ProviderKind kind, Long id, String provider) {
        String what = id == null ? kind.id() + " primary" : id == 0 ? "the new " + kind.id() + " fallback"
                : kind.id() + " fallback " + id;
        return provider == null || provider.isEmpty() ? what : what + " (" + provider + ")";
    }

    /**
     * What an automatic rollback did to a kind's fallbacks ({@link #restoreHeld}), in words: each entry restored,
     * disabled or re-created ("stt fallback 12 (deepgram) back to its version 2", "stt fallback 15 (custom)
     * disabled", "stt fallback 12 (deepgram), deleted, re-created as stt fallback 16"), and each one it could not
     * restore with why.
     */
    public record HeldRestore(List<String> restored, List<String> unrestorable) {

        /** Both lists in one sentence: "fallbacks: …; not restored: …", or "fallbacks unchanged". */
        public String summary() {
            String done = restored.isEmpty() ? "fallbacks unchanged" : "fallbacks: " + String.join(", ", restored);
            return unrestorable.isEmpty() ? done : done + "; not restored: " + String.join("; ", unrestorable);
        }
    }

    /**
     * Why {@link #restoreHeld} (with the primary restored to {@code primaryVersion}, null: left as it is) would make two
     * entries write one variable (the 409's message, naming both), or empty. Throws nothing: the rollout gate asks in
     * its own transaction and halts with the reason instead of restoring anything. Call within a transaction.
     */
    public Optional<String> heldConflict(ProviderKind kind, Long primaryVersion, HeldFallbacks held) {
        if (!EntryVariables.hasEntries(kind)) {
            return Optional.empty();
        }
        Map<String, String> written = new LinkedHashMap<>();
        if (primaryVersion != null) {
            ProviderSettingVersion.of(kind, primaryVersion)
                    .ifPresent(v -> written.put(key(kind, null), nonNull(v.values().provider)));
        }
        for (ProviderEntryVersion row : heldRows(held)) {
            written.put(key(kind, row.entryId), nonNull(row.values == null ? null : row.values.provider));
        }
        return conflict(em, written).map(Conflict::getMessage);
    }

    private static String nonNull(String provider) {
        return provider == null ? "" : provider;
    }

    /** The held {@code provider_entry_versions} rows, in served order (a row that is gone is left out). */
    private List<ProviderEntryVersion> heldRows(HeldFallbacks held) {
        return held.rows().stream().map(id -> em.find(ProviderEntryVersion.class, id)).filter(Objects::nonNull)
                .toList();
    }

    /**
     * A held fallback's key that an automatic rollback would bring back into service ({@link #keysBroughtBack}), as a
     * live check sends it.
     *
     * @param label the held version, "stt fallback 12 (soniox) version 2"
     * @param key its key as a live check needs it; empty when it has none that opens (unset, or it needs re-entry)
     */
    public record HeldKey(String label, Optional<ProviderSettings.StoredKey> key) {
    }

    /**
     * The held fallback versions ({@code provider_entry_versions} ids, in served order) whose key a rollback to
     * {@code held} brings back into service: the entry was deleted or disabled since, or holds another key now (by
     * keyed fingerprint). An entry serving the same key now brings nothing back that is not in use. Empty for a kind
     * without fallbacks or without a live check.
     */
    @Transactional
    public List<Long> keysBroughtBack(ProviderKind kind, HeldFallbacks held) {
        if (!kind.liveCheck() || !EntryVariables.hasEntries(kind)) {
            return List.of();
        }
        List<Long> back = new ArrayList<>();
        for (ProviderEntryVersion row : heldRows(held)) {
            SettingValues values = row.values == null ? new SettingValues() : row.values;
            ProviderEntry entry = em.find(ProviderEntry.class, row.entryId);
            if (entry == null || !entry.enabled || !settings.storedKey(kind, values.copy()).map(k -> k.fingerprint())
                    .equals(settings.storedKey(kind, entry.values().copy()).map(k -> k.fingerprint()))) {
                back.add(row.id);
            }
        }
        return back;
    }

    /**
     * The key of held fallback version {@code versionRow} (a {@code provider_entry_versions} id from
     * {@link #keysBroughtBack}) as its live check needs it.
     *
     * @throws NotFound when the row is gone (its entry's history deleted with the kind's)
     */
    @Transactional
    public HeldKey heldKey(ProviderKind kind, long versionRow) {
        ProviderEntryVersion row = em.find(ProviderEntryVersion.class, versionRow);
        if (row == null) {
            throw new NotFound(kind.id() + " fallback version " + versionRow);
        }
        SettingValues values = row.values == null ? new SettingValues() : row.values;
        return new HeldKey(label(kind, row.entryId, values.provider) + " version " + row.version,
                settings.storedKey(kind, values.copy()));
    }

    /**
     * An automatic rollback of a kind's fallbacks to what runtimes received before a rollout ({@link HeldFallbacks}):
     * each held entry back to its held fields and keys (a new version holding them, its history row a {@code save}),
     * enabled, in the held order, in the places the held entries take; every other entry of the kind (one the change
     * added or enabled) disabled, each in its place (a disabled entry the change left alone is not moved); a held
     * entry deleted since re-created from its held version with its keys sealed again under the new entry's purpose, or named as not restorable when a key cannot be opened. Audited per entry as
     * {@code setting.entry.rollback} by {@code system}; plans no rollout (the rollback's own wave restarts what moved).
     * Call in the gate's transaction after {@link #heldConflict} found nothing; the caller restores the primary after.
     *
     * @param note why, for the audit: "automatic rollback of run 12"
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public HeldRestore restoreHeld(ProviderKind kind, HeldFallbacks held, String note) {
        settings.lock(kind);
        String actor = ProviderSettings.SYSTEM;
        List<String> restored = new ArrayList<>();
        List<String> unrestorable = new ArrayList<>();
        List<ProviderEntry> order = new ArrayList<>();
        // where each entry ends up: the held entries in the held order, in the places held entries take now; every
        // other entry (a disabled one the change left alone, one it added) keeps its place (b19 F: a disabled fallback
        // before an enabled one was moved after it); an entry re-created comes last
        List<ProviderEntry> current = em.createQuery("from ProviderEntry where kind = ?1 order by position",
                ProviderEntry.class).setParameter(1, kind.id()).getResultList();
        List<ProviderEntryVersion> rows = heldRows(held);
        List<Long> present = current.stream().map(e -> e.id).toList();
        java.util.Iterator<Long> heldInOrder = rows.stream().map(r -> r.entryId).filter(present::contains).toList()
                .iterator();
        Map<Long, Integer> place = new java.util.HashMap<>();
        for (int i = 0; i < current.size(); i++) {
            long id = current.get(i).id;
            place.put(rows.stream().anyMatch(r -> r.entryId == id) ? heldInOrder.next() : id, i + 1);
        }
        int last = current.size();
        for (ProviderEntryVersion row : rows) {
            SettingValues values = row.values == null ? new SettingValues() : row.values;
            ProviderEntry entry = em.find(ProviderEntry.class, row.entryId);
            if (entry == null) {
                ProviderEntry back = recreated(kind, row, values, actor, unrestorable);
                if (back != null) {
                    order.add(back);
                    back.position = ++last;
                    restored.add(label(kind, row.entryId, values.provider) + ", deleted, re-created as "
                            + label(kind, back.id, values.provider));
                }
                continue;
            }
            em.refresh(entry, LockModeType.PESSIMISTIC_WRITE);
            order.add(entry);
            List<String> did = new ArrayList<>();
            String action = null;
            Map<SettingField, String> before = ProviderSettings.fingerprintsOf(settings.summaries(kind, entry.values()));
            Map<SettingField, String> after = before;
            if (kind.fields().stream().anyMatch(f -> entry.values().differs(values, f))) {
                after = ProviderSettings.fingerprintsOf(settings.summaries(kind, values));
                String changes = ProviderSettings.changes(kind, entry.values(), values, before, after);
                entry.values = values.copy();
                did.add("back to its version " + row.version + (changes.isEmpty() ? "" : " (" + changes + ")"));
                action = "save";
            }
            if (!entry.enabled) {
                entry.enabled = true;
                did.add("enabled");
                action = action != null ? action : "enable";
            }
            int to = place.get(entry.id);
            if (entry.position != to) {
                // its place among the served ones: what <KIND>_PROVIDERS lists, so a new version when it moves
                did.add("moved from position " + entry.position + " to " + to);
                entry.position = to;
                action = action != null ? action : "move";
            }
            if (action != null) {
                rolledBack(kind, entry, action, before, after, did, note, actor);
                restored.add(label(kind, entry.id, entry.values().provider) + " " + String.join(", ", did));
            }
        }
        List<Long> kept = order.stream().map(e -> e.id).toList();
        for (ProviderEntry other : current) {
            if (kept.contains(other.id)) {
                continue;
            }
            other.position = place.get(other.id);
            if (other.enabled) {
                em.refresh(other, LockModeType.PESSIMISTIC_WRITE);
                other.enabled = false;
                Map<SettingField, String> prints = ProviderSettings.fingerprintsOf(settings.summaries(kind,
                        other.values()));
                rolledBack(kind, other, "disable", prints, prints, List.of("disabled"), note, actor);
                restored.add(label(kind, other.id, other.values().provider) + " disabled");
            }
        }
        // positions are unique only at commit
        em.flush();
        return new HeldRestore(List.copyOf(restored), List.copyOf(unrestorable));
    }

    /** A new version of {@code entry} as an automatic rollback wrote it: history, audit, runtime-config's cache. */
    private void rolledBack(ProviderKind kind, ProviderEntry entry, String action, Map<SettingField, String> before,
            Map<SettingField, String> after, List<String> did, String note, String actor) {
        bump(entry, actor);
        history(entry, action, actor);
        audit.record(Audit.Entry.of(actor, "setting.entry.rollback", kind.id(), target(entry))
                .detail(note + ": " + label(kind, entry.id, entry.values().provider) + " " + String.join(", ", did))
                .fingerprints(ProviderSettings.auditFingerprints(kind, before),
                        ProviderSettings.auditFingerprints(kind, after)));
        changed.fire(new EnvironmentChanged(kind.id() + " fallback " + entry.id));
    }

    /**
     * A held entry deleted since, created again from its held version (a new id: each key sealed again under the new
     * entry's purpose); null, with the reason added to {@code unrestorable}, when a key cannot be opened.
     */
    private ProviderEntry recreated(ProviderKind kind, ProviderEntryVersion row, SettingValues values, String actor,
            List<String> unrestorable) {
        String was = label(kind, row.entryId, values.provider);
        for (SettingField secret : kind.secretFields()) {
            Opened opened = settings.open(values.secretRef(secret));
            if (opened instanceof Opened.Unreadable unreadable) {
                unrestorable.add(was + " was deleted and its " + secret.json() + " (version " + row.version
                        + ") cannot be opened (" + unreadable.message() + "), so it is not re-created: add it again");
                return null;
            }
        }
        ProviderEntry entry = persistNew(kind, row.position, actor);
        entry.values = resealed(kind, values, field -> purpose(kind, entry.id, field), was);
        history(entry, "create", actor);
        Map<SettingField, String> after = ProviderSettings.fingerprintsOf(settings.summaries(kind, entry.values()));
        audit.record(Audit.Entry.of(actor, "setting.entry.rollback", kind.id(), target(entry))
                .detail("re-created " + was + ", deleted, from its version " + row.version + " as "
                        + label(kind, entry.id, values.provider))
                .fingerprints(null, ProviderSettings.auditFingerprints(kind, after)));
        changed.fire(new EnvironmentChanged(kind.id() + " fallback " + entry.id));
        return entry;
    }

    /** A new enabled fallback at {@code position}, version 1, without fields yet, persisted and flushed (its id set). */
    private ProviderEntry persistNew(ProviderKind kind, int position, String actor) {
        ProviderEntry entry = new ProviderEntry();
        entry.kind = kind.id();
        entry.position = position;
        entry.enabled = true;
        entry.values = new SettingValues();
        entry.version = 1;
        entry.createdBy = actor;
        entry.createdAt = Instant.now();
        entry.updatedBy = actor;
        entry.updatedAt = entry.createdAt;
        entry.persist();
        em.flush();
        return entry;
    }

    /** The purpose of a fallback's sealed secret: {@code provider_entry/stt/12/api_key}. */
    static String purpose(ProviderKind kind, long id, SettingField field) {
        return "provider_entry/" + kind.id() + "/" + id + "/" + field.column();
    }

    /** Seals each typed secret under the entry's purpose into {@code next}; the new fingerprints by field. */
    private Map<SettingField, String> seal(ProviderKind kind, long id, SettingRules.Checked checked,
            SettingValues next) {
        Map<SettingField, String> prints = new LinkedHashMap<>();
        for (SettingField secret : kind.secretFields()) {
            String plaintext = checked.secrets().get(secret);
            if (plaintext != null) {
                next.setSecretRef(secret, sealedValues.seal(purpose(kind, id, secret), plaintext).id);
                prints.put(secret, fingerprints.of(plaintext));
            }
        }
        return prints;
    }

    /** A copy of {@code values} with each secret sealed again (a new row) under its new place's purpose. */
    private SettingValues resealed(ProviderKind kind, SettingValues values,
            java.util.function.Function<SettingField, String> purpose, String owner) {
        SettingValues next = values.copy();
        for (SettingField secret : kind.secretFields()) {
            UUID ref = values.secretRef(secret);
            if (ref == null) {
                continue;
            }
            Opened opened = settings.open(ref);
            if (!(opened instanceof Opened.Plaintext plaintext)) {
                throw new Conflict("the " + secret.json() + " of " + owner + " needs re-entry: "
                        + ((Opened.Unreadable) opened).message() + "; save it again before swapping",
                        Map.of("fields", List.of(secret.json())));
            }
            next.setSecretRef(secret, sealedValues.seal(purpose.apply(secret), plaintext.value()).id);
        }
        return next;
    }

    /** "; apiKey from vault:…" for each secret typed as a reference (not secret: where the key comes from). */
    private static String references(ProviderKind kind, SettingRules.Checked checked) {
        StringBuilder detail = new StringBuilder();
        for (SettingField secret : kind.secretFields()) {
            String typed = checked.secrets().get(secret);
            if (VaultReference.isReference(typed)) {
                detail.append("; ").append(secret.json()).append(" from ").append(typed);
            }
        }
        return detail.toString();
    }

    private static String checkDetail(ProviderSettings.SaveCheck check) {
        if (check == null) {
            return "";
        }
        return "; key check: " + check.outcome().summary() + (check.overrideReason() != null
                ? ", overridden: " + check.overrideReason() : "");
    }

    /** {@code wanted} clamped to the kind's fallback places, 1..count. */
    private static int clamp(ProviderKind kind, int wanted) {
        long count = ProviderEntry.count("kind", kind.id());
        return (int) Math.max(1, Math.min(wanted, count));
    }

    /** Moves an entry to {@code wanted} (clamped to 1..count), shifting the ones between; the position it got. */
    private int move(ProviderKind kind, ProviderEntry entry, int wanted) {
        int to = clamp(kind, wanted);
        int from = entry.position;
        if (to < from) {
            em.createQuery("update ProviderEntry set position = position + 1 where kind = ?1 and position >= ?2"
                    + " and position < ?3").setParameter(1, kind.id()).setParameter(2, to).setParameter(3, from)
                    .executeUpdate();
        } else if (to > from) {
            em.createQuery("update ProviderEntry set position = position - 1 where kind = ?1 and position > ?2"
                    + " and position <= ?3").setParameter(1, kind.id()).setParameter(2, from).setParameter(3, to)
                    .executeUpdate();
        }
        entry.position = to;
        return to;
    }

    private static String target(ProviderEntry entry) {
        return entry.kind + " fallback " + entry.id + " version " + entry.version;
    }

    private static void history(ProviderEntry entry, String action, String actor) {
        ProviderEntryVersion version = new ProviderEntryVersion();
        version.entryId = entry.id;
        version.kind = entry.kind;
        version.version = entry.version;
        version.action = action;
        version.position = entry.position;
        version.enabled = entry.enabled;
        version.values = entry.values().copy();
        version.savedBy = actor;
        version.savedAt = Instant.now();
        version.persist();
    }

    private ProviderEntry find(ProviderKind kind, long id) {
        ProviderEntry entry = em.find(ProviderEntry.class, id);
        if (entry == null || !entry.kind.equals(kind.id())) {
            throw noEntry(kind.id(), String.valueOf(id));
        }
        return entry;
    }

    /** 404 "llm has no provider entry 12" ({@code id} as the path gave it). */
    static NotFound noEntry(String kind, String id) {
        return NotFound.saying(kind + " has no provider entry " + id);
    }

    private ProviderEntry lock(ProviderKind kind, long id) {
        ProviderEntry entry = find(kind, id);
        em.refresh(entry, LockModeType.PESSIMISTIC_WRITE);
        return entry;
    }

    private static void checkVersion(ProviderEntry entry, long expectedVersion) {
        if (entry.version != expectedVersion) {
            throw EntryRefused.stale(entry, expectedVersion);
        }
    }

    private static EntryState primary(SettingState state) {
        return new EntryState(state.kind(), null, true, 0, true, state.values(), state.secrets(), state.version(),
                state.updatedBy(), state.updatedAt(), null);
    }

    private EntryState state(ProviderKind kind, ProviderEntry entry) {
        return state(kind, entry, null);
    }

    private EntryState state(ProviderKind kind, ProviderEntry entry, Long restartRun) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, SecretSummary> secrets = new LinkedHashMap<>();
        for (SettingField field : kind.fields()) {
            if (field.secret()) {
                secrets.put(field.json(), settings.summary(entry.values().secretRef(field)));
            } else {
                values.put(field.json(), entry.values().get(field));
            }
        }
        return new EntryState(kind, entry.id, false, entry.position, entry.enabled,
                Collections.unmodifiableMap(values), Collections.unmodifiableMap(secrets), entry.version,
                entry.updatedBy, entry.updatedAt, restartRun);
    }

    /**
     * What runtimes receive of the kind's fallbacks, as a comparable text: each enabled fallback in order with its
     * provider, the fields it writes ({@link EntryVariables#fields}) and each key's fingerprint (a key typed again
     * with the same value is no change; one that needs re-entry counts by its row). Never a secret value. Read
     * after flushing the transaction's writes.
     */
    private String served(ProviderKind kind) {
        em.flush();
        StringBuilder served = new StringBuilder();
        for (ProviderEntry entry : em.createQuery("from ProviderEntry where kind = ?1 and enabled = true"
                + " order by position", ProviderEntry.class).setParameter(1, kind.id()).getResultList()) {
            SettingValues values = entry.values();
            served.append('\n').append(values.provider);
            for (SettingField field : EntryVariables.fields(kind)) {
                served.append('|').append(values.get(field));
            }
            for (SettingField secret : kind.secretFields()) {
                SecretSummary summary = settings.summary(values.secretRef(secret));
                served.append('|').append(summary.fingerprint() != null ? summary.fingerprint()
                        : values.secretRef(secret));
            }
        }
        return served.toString();
    }

    /**
     * After a write of a fallback: when what runtimes receive of the kind changed ({@link #served}), the rollout of
     * its dependent targets ({@link FallbackChanged}), planned in this transaction.
     *
     * @param before {@link #served} before the write
     * @return the run's id; null when nothing runtimes receive changed, or no target depends on the kind
     */
    /** A fallback locked for a write, with the kind's primary and what runtimes receive before it. */
    private record Locked(ProviderSetting primary, ProviderEntry entry, String served) {
    }

    /**
     * Locks the kind's primary, then the fallback (one order for every entry write, so two never deadlock), and
     * checks the fallback's version.
     *
     * @throws EntryRefused (412) when {@code expectedVersion} is not the entry's version
     */
    private Locked lockForWrite(ProviderKind kind, long id, long expectedVersion) {
        entriesKind(kind);
        ProviderSetting primary = settings.lock(kind);
        ProviderEntry entry = lock(kind, id);
        checkVersion(entry, expectedVersion);
        return new Locked(primary, entry, served(kind));
    }

    /** A new version of {@code entry}, written by {@code actor} now. */
    private static void bump(ProviderEntry entry, String actor) {
        entry.version++;
        entry.updatedBy = actor;
        entry.updatedAt = Instant.now();
    }

    /**
     * Records a write already applied to {@code entry}: its history row ({@code historyAction}), the audit entry, the
     * change notification (runtime-config's cache), and the rollout when what runtimes receive changed.
     *
     * @param served what runtimes received before the write ({@link #served})
     * @return the restart run it planned, or null
     */
    private Long recorded(ProviderKind kind, ProviderEntry entry, String historyAction, Audit.Entry audited,
            long primaryVersion, String served, String what, String actor) {
        history(entry, historyAction, actor);
        audit.record(audited);
        changed.fire(new EnvironmentChanged(kind.id() + " fallback " + entry.id));
        return restart(kind, primaryVersion, served, what, actor);
    }

    private Long restart(ProviderKind kind, long settingsVersion, String before, String what, String actor) {
        if (before.equals(served(kind))) {
            return null;
        }
        long[] run = {0};
        fallbackChanged.fire(new FallbackChanged(kind.id(), settingsVersion, what, actor, id -> run[0] = id));
        return run[0] == 0 ? null : run[0];
    }
}
