package dev.keyhouse.settings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.keyhouse.crypto.Opened;
import dev.keyhouse.sealed.SecretFingerprints;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * The decrypted provider settings as the environment pairs a runtime starts with. The one place plaintext
 * secrets leave the settings; only the runtime-config endpoint may hand them on.
 *
 * <p>The whole fleet calls this at once after a restart, so the decrypted result is kept in memory and reused
 * while the database says nothing changed: each call costs one small query (the kinds' versions), and a save or
 * rollback on any replica is seen by the next call on every replica.
 */
@ApplicationScoped
public class ProviderEnvironment {

    /**
     * @param version the sum of the kinds' versions: every save, rollback and bootstrap adds 1, so it only grows
     * @param env the pairs, e.g. {@code LLM_PROVIDER}, {@code LLM_API_KEY}, {@code OPENAI_API_KEY}
     * @param errors values that are stored but could not be opened, each left out of {@code env}, e.g.
     *        {@code "llm apiKey needs re-entry: written under key 3fa9c2e1, which is not configured"}
     * @param llmKeyFingerprint the keyed fingerprint of the LLM API key handed out, or null when there is none
     */
    public record RuntimeEnvironment(long version, Map<String, String> env, List<String> errors,
            String llmKeyFingerprint) {

        @Override
        public String toString() {
            return "RuntimeEnvironment[version " + version + ", " + env.keySet() + ", errors " + errors + "]";
        }
    }

    /** A result and the versions it was built from. */
    private record Cached(String stamp, RuntimeEnvironment environment) {
    }

    private final ProviderSettings settings;
    private final SecretFingerprints fingerprints;
    private final EntityManager em;
    private volatile Cached cached;

    public ProviderEnvironment(ProviderSettings settings, SecretFingerprints fingerprints, EntityManager em) {
        this.settings = settings;
        this.fingerprints = fingerprints;
        this.em = em;
    }

    /** The current environment of every configured kind. */
    @Transactional
    public RuntimeEnvironment current() {
        String stamp = stamp();
        Cached known = cached;
        if (known != null && known.stamp().equals(stamp)) {
            return known.environment();
        }
        // A save between the stamp and this read makes the result newer than its stamp: the next call rebuilds.
        RuntimeEnvironment fresh = build(em.createQuery("from ProviderSetting", ProviderSetting.class).getResultList());
        cached = new Cached(stamp, fresh);
        return fresh;
    }

    /** Each kind's version and change time, in one short row: what a cached result is valid for. */
    private String stamp() {
        return (String) em.createNativeQuery("SELECT string_agg(kind || ':' || version || ':'"
                + " || coalesce(extract(epoch FROM updated_at)::text, ''), ';' ORDER BY kind) FROM provider_settings")
                .getSingleResult();
    }

    /**
     * Every name {@link #build} may ever put in an environment, whatever is configured now: a name here but not in
     * the current environment must be removed from a runtime's (e.g. a kind that was cleared, a provider changed).
     */
    public static final java.util.Set<String> MANAGED_NAMES = managedNames();

    private static java.util.Set<String> managedNames() {
        java.util.Set<String> names = new java.util.TreeSet<>(List.of(
                "LLM_PROVIDER", "LLM_MODEL", "LLM_BASE_URL", "LLM_ORGANIZATION", "LLM_API_VERSION", "LLM_API_KEY",
                "STT_PROVIDER", "STT_MODEL", "STT_LANGUAGE", "STT_BASE_URL", "STT_API_KEY",
                "TTS_PROVIDER", "TTS_VOICE", "TTS_MODEL", "TTS_BASE_URL", "TTS_API_KEY",
                "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER", "TWILIO_WHATSAPP_FROM"));
        for (ProviderKind kind : ProviderKind.values()) {
            if (kind != ProviderKind.TELEPHONY) {
                kind.providers().stream().filter(p -> !ProviderKind.CUSTOM.equals(p))
                        .forEach(p -> names.add(p.toUpperCase(Locale.ROOT) + "_API_KEY"));
            }
        }
        return java.util.Collections.unmodifiableSet(names);
    }

    private RuntimeEnvironment build(List<ProviderSetting> rows) {
        Map<String, String> env = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        String llmFingerprint = null;
        long version = rows.stream().mapToLong(r -> r.version).sum();
        for (ProviderKind kind : ProviderKind.values()) {
            ProviderSetting row = rows.stream().filter(r -> r.kind.equals(kind.id())).findFirst().orElse(null);
            if (row == null || row.version == 0) {
                continue;
            }
            SettingValues values = row.values();
            String secret = secret(kind, values, errors);
            switch (kind) {
                case LLM -> {
                    put(env, "LLM_PROVIDER", values.provider);
                    put(env, "LLM_MODEL", values.model);
                    put(env, "LLM_BASE_URL", values.baseUrl);
                    put(env, "LLM_ORGANIZATION", values.organization);
                    put(env, "LLM_API_VERSION", values.apiVersion);
                    apiKey(env, "LLM_API_KEY", values.provider, secret);
                    llmFingerprint = secret == null ? null : fingerprints.of(secret);
                }
                case STT -> {
                    put(env, "STT_PROVIDER", values.provider);
                    put(env, "STT_MODEL", values.model);
                    put(env, "STT_LANGUAGE", values.language);
                    put(env, "STT_BASE_URL", values.baseUrl);
                    apiKey(env, "STT_API_KEY", values.provider, secret);
                }
                case TTS -> {
                    put(env, "TTS_PROVIDER", values.provider);
                    put(env, "TTS_VOICE", values.voice);
                    put(env, "TTS_MODEL", values.model);
                    put(env, "TTS_BASE_URL", values.baseUrl);
                    apiKey(env, "TTS_API_KEY", values.provider, secret);
                }
                case TELEPHONY -> {
                    put(env, "TWILIO_ACCOUNT_SID", values.accountSid);
                    put(env, "TWILIO_AUTH_TOKEN", secret);
                    put(env, "TWILIO_FROM_NUMBER", values.fromNumber);
                    put(env, "TWILIO_WHATSAPP_FROM", values.whatsappFrom);
                }
            }
        }
        return new RuntimeEnvironment(version, Collections.unmodifiableMap(env), List.copyOf(errors), llmFingerprint);
    }

    /** The kind's secret in plaintext; null when unset or unreadable (then an error names kind, field and key). */
    private String secret(ProviderKind kind, SettingValues values, List<String> errors) {
        SettingField field = kind.secretField();
        Opened opened = settings.open(values.secretRef(field));
        if (opened == null) {
            return null;
        }
        if (opened instanceof Opened.Plaintext plaintext) {
            return plaintext.value();
        }
        Opened.Unreadable unreadable = (Opened.Unreadable) opened;
        // the message names the key it was written under, never the ciphertext
        errors.add(kind.id() + " " + field.json() + " needs re-entry: " + unreadable.message());
        return null;
    }

    /** The generic name and the provider's own, e.g. LLM_API_KEY and OPENAI_API_KEY; custom has no own name. */
    private static void apiKey(Map<String, String> env, String generic, String provider, String value) {
        put(env, generic, value);
        if (provider != null && !ProviderKind.CUSTOM.equals(provider)) {
            put(env, provider.toUpperCase(Locale.ROOT) + "_API_KEY", value);
        }
    }

    private static void put(Map<String, String> env, String name, String value) {
        if (value != null && !value.isEmpty()) {
            env.put(name, value);
        }
    }
}
