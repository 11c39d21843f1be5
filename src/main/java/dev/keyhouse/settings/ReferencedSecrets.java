package dev.keyhouse.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.vault.VaultReferences;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Completes what the settings page and API show of a secret held in Vault: the fingerprint of the value its pinned
 * reference resolves to, or why it cannot be resolved now. Resolves through {@link VaultReferences} (its cache, else
 * Vault), so it is called after the transaction that read the setting has ended, never inside one.
 */
@ApplicationScoped
public class ReferencedSecrets {

    private final VaultReferences vault;
    private final SecretFingerprints fingerprints;

    public ReferencedSecrets(VaultReferences vault, SecretFingerprints fingerprints) {
        this.vault = vault;
        this.fingerprints = fingerprints;
    }

    /** The states with each Vault-held secret's resolved fingerprint (or problem) filled in. */
    public List<SettingState> shown(List<SettingState> states) {
        return states.stream().map(this::shown).toList();
    }

    /** The state with each Vault-held secret's resolved fingerprint (or problem) filled in; others unchanged. */
    public SettingState shown(SettingState state) {
        if (state.secrets().values().stream().noneMatch(s -> s.vault() != null)) {
            return state;
        }
        Map<String, SecretSummary> secrets = new LinkedHashMap<>();
        state.secrets().forEach((field, summary) -> secrets.put(field, shown(summary)));
        return new SettingState(state.kind(), state.values(), java.util.Collections.unmodifiableMap(secrets),
                state.version(), state.updatedBy(), state.updatedAt(), state.previousVersion(), state.restartRun());
    }

    /** A summary as shown: a vault: reference with the KV version it resolves to now (or its problem). */
    public SecretSummary shown(SecretSummary summary) {
        SecretSummary.VaultSource source = summary.vault();
        if (source == null || source.fingerprint() != null || source.problem() != null) {
            return summary;
        }
        VaultReference reference = VaultReference.parse(source.reference()).orElse(null);
        if (reference == null) {
            return summary;
        }
        try {
            String value = vault.resolve(reference).value();
            return summary.withVault(new SecretSummary.VaultSource(source.reference(), source.version(),
                    fingerprints.of(value), null));
        } catch (VaultReferences.Unresolvable e) {
            return summary.withVault(new SecretSummary.VaultSource(source.reference(), source.version(), null,
                    "cannot be resolved: " + e.getMessage()));
        }
    }
}
