package dev.keyhouse.settings;

import java.util.List;

import dev.keyhouse.auth.Role;
import dev.keyhouse.checks.CheckCard;
import dev.keyhouse.checks.LastChecks;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Named;

/**
 * The fallbacks the settings overview lists under a kind's primary ({@code templates/tags/fallbacks.html}, as
 * {@code inject:fallbacks}): read through {@link ProviderEntries#list}, the REST API's list, keys as summaries.
 */
@Named("fallbacks")
@RequestScoped
public class FallbackRows {

    /**
     * One fallback as the overview shows it.
     *
     * @param detailLabel and {@code detail}: the model (llm, stt) or the voice (tts), as the primary's card shows it
     * @param version the entry's version, sent back by each of its action forms
     * @param check the last live check of its stored key, in the words and colours of the primary's card
     *        ({@code tags/lastCheck.html}); not checked yet when only another key was
     */
    public record Row(String kind, long id, int position, String provider, String detailLabel, String detail,
            String secretLabel, SecretSummary secret, boolean enabled, long version, boolean first, boolean last,
            CheckCard check) {
    }

    private final ProviderEntries entries;
    private final ReferencedSecrets referenced;
    private final SecurityIdentity identity;
    private final LastChecks lastChecks;

    public FallbackRows(ProviderEntries entries, ReferencedSecrets referenced, SecurityIdentity identity,
            LastChecks lastChecks) {
        this.entries = entries;
        this.lastChecks = lastChecks;
        this.referenced = referenced;
        this.identity = identity;
    }

    /** Whether the kind ({@code llm}, {@code stt}, {@code tts}) has fallbacks to list and add. */
    public boolean has(String kind) {
        return ProviderKind.parse(kind).map(EntryVariables::hasEntries).orElse(false);
    }

    /** Whether the signed-in user may change them (admins). */
    public boolean admin() {
        return identity.hasRole(Role.ADMIN_NAME);
    }

    /** The kind's fallbacks by position; empty for a kind without fallbacks. */
    public List<Row> of(String kind) {
        if (!has(kind)) {
            return List.of();
        }
        ProviderKind providerKind = ProviderKind.parse(kind).orElseThrow();
        SettingField detail = providerKind == ProviderKind.TTS ? SettingField.VOICE : SettingField.MODEL;
        SettingField secret = providerKind.secretField();
        java.time.Instant now = java.time.Instant.now();
        List<ProviderEntries.EntryState> fallbacks = entries.list(providerKind).stream()
                .filter(e -> !e.primary()).toList();
        return fallbacks.stream().map(e -> new Row(kind, e.id(), e.position(), e.provider(), detail.label(),
                e.values().get(detail.json()), secret.label(), referenced.shown(e.secrets().get(secret.json())),
                e.enabled(), e.version(), e == fallbacks.get(0), e == fallbacks.get(fallbacks.size() - 1),
                check(e, now))).toList();
    }

    /**
     * The last live check of fallback {@code id}'s stored key as the card shows it (its edit page,
     * {@code ProviderEntriesPage/form.html}); not checked yet when only another key was.
     *
     * @throws dev.keyhouse.web.NotFound when the kind has no such fallback
     */
    public CheckCard check(String kind, long id) {
        ProviderKind providerKind = ProviderEntriesResource.kind(kind);
        return check(entries.get(providerKind, id), java.time.Instant.now());
    }

    private CheckCard check(ProviderEntries.EntryState entry, java.time.Instant now) {
        return CheckCard.of(lastChecks.ofKey(entry.kind(), entry.provider(), entry.keyFingerprint()).orElse(null), now);
    }
}
