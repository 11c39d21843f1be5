package dev.keyhouse.settings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
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
 *
 * <p>Whatever is configured but cannot be served (a secret no configured key opens, a required field unset, a
 * provider this Keyhouse does not serve, a control character) is left out of the pairs and listed as
 * {@link Unresolved}; the runtime-config endpoint then refuses to serve the pairs unless a runtime asks for the
 * partial set, and restarts are refused.
 */
@ApplicationScoped
public class ProviderEnvironment {

    /**
     * @param version the sum of the kinds' versions: every save, rollback and bootstrap adds 1, so it only grows
     * @param env the pairs, e.g. {@code LLM_PROVIDER}, {@code LLM_API_KEY}, {@code OPENAI_API_KEY}; every
     *        resolvable value, so it is the whole configuration only when {@link #complete()}
     * @param unresolved what is configured but cannot be served, each left out of {@code env}: a secret no
     *        configured key opens, a required field unset, a provider this Keyhouse does not serve
     * @param llmKeyFingerprint the keyed fingerprint of the LLM API key handed out, or null when there is none
     */
    public record RuntimeEnvironment(long version, Map<String, String> env, List<Unresolved> unresolved,
            String llmKeyFingerprint) {

        /** Whether every configured value resolved: only then may a runtime start on {@code env} alone. */
        public boolean complete() {
            return unresolved.isEmpty();
        }

        /** One sentence per unresolved field, e.g. "llm apiKey needs re-entry: written under key 3fa9c2e1, ...". */
        public List<String> errors() {
            return unresolved.stream().map(Unresolved::sentence).toList();
        }

        @Override
        public String toString() {
            return "RuntimeEnvironment[version " + version + ", " + env.keySet() + ", unresolved " + errors() + "]";
        }
    }

    /**
     * A configured field that cannot be served. Names, never values.
     *
     * @param kind e.g. {@code llm}
     * @param field the JSON name, e.g. {@code apiKey}
     * @param reason e.g. "needs re-entry: written under key 3fa9c2e1, which is not configured", "is not set"
     * @param variables the environment names it would have been served as, e.g. {@code LLM_API_KEY},
     *        {@code OPENAI_API_KEY}
     */
    public record Unresolved(String kind, String field, String reason, List<String> variables) {

        /** {@code kind.field}, as problem+json {@code errors[].field} names it: {@code llm.apiKey}. */
        public String path() {
            return kind + "." + field;
        }

        /** e.g. "llm apiKey needs re-entry: written under key 3fa9c2e1, which is not configured". */
        public String sentence() {
            return kind + " " + field + " " + reason;
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
                "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_FROM_NUMBER",
                "TWILIO_WHATSAPP_FROM"));
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
        List<Unresolved> unresolved = new ArrayList<>();
        String llmFingerprint = null;
        long version = rows.stream().mapToLong(r -> r.version).sum();
        for (ProviderKind kind : ProviderKind.values()) {
            ProviderSetting row = rows.stream().filter(r -> r.kind.equals(kind.id())).findFirst().orElse(null);
            if (row == null || row.version == 0) {
                continue;
            }
            SettingValues values = row.values();
            Map<SettingField, String> problems = new EnumMap<>(SettingRules.unservable(kind, values));
            String provider = problems.containsKey(SettingField.PROVIDER) ? null : values.provider;
            Map<SettingField, String> secrets = secrets(kind, provider, values, problems);
            String secret = secrets.get(kind.secretField());
            KindFields served = new KindFields(env, values, problems);
            switch (kind) {
                case LLM -> {
                    served.put("LLM_PROVIDER", SettingField.PROVIDER);
                    served.put("LLM_MODEL", SettingField.MODEL);
                    served.put("LLM_BASE_URL", SettingField.BASE_URL);
                    if (values.baseUrl == null && provider != null) {
                        // a version saved without one means the provider's default, as a save fills it in
                        put(env, "LLM_BASE_URL", SettingRules.LLM_BASE_URLS.get(provider));
                    }
                    served.put("LLM_ORGANIZATION", SettingField.ORGANIZATION);
                    served.put("LLM_API_VERSION", SettingField.API_VERSION);
                    apiKey(env, "LLM_API_KEY", provider, secret);
                    llmFingerprint = secret == null ? null : fingerprints.of(secret);
                }
                case STT -> {
                    served.put("STT_PROVIDER", SettingField.PROVIDER);
                    served.put("STT_MODEL", SettingField.MODEL);
                    served.put("STT_LANGUAGE", SettingField.LANGUAGE);
                    served.put("STT_BASE_URL", SettingField.BASE_URL);
                    apiKey(env, "STT_API_KEY", provider, secret);
                }
                case TTS -> {
                    served.put("TTS_PROVIDER", SettingField.PROVIDER);
                    served.put("TTS_VOICE", SettingField.VOICE);
                    served.put("TTS_MODEL", SettingField.MODEL);
                    served.put("TTS_BASE_URL", SettingField.BASE_URL);
                    apiKey(env, "TTS_API_KEY", provider, secret);
                }
                case TELEPHONY -> {
                    served.put("TWILIO_ACCOUNT_SID", SettingField.ACCOUNT_SID);
                    put(env, "TWILIO_AUTH_TOKEN", secret);
                    served.put("TWILIO_API_KEY", SettingField.API_KEY_SID);
                    put(env, "TWILIO_API_SECRET", secrets.get(SettingField.API_SECRET));
                    served.put("TWILIO_FROM_NUMBER", SettingField.FROM_NUMBER);
                    served.put("TWILIO_WHATSAPP_FROM", SettingField.WHATSAPP_FROM);
                }
            }
            for (SettingField field : kind.fields()) {
                String reason = problems.get(field);
                if (reason != null) {
                    unresolved.add(new Unresolved(kind.id(), field.json(), reason, variables(kind, field, provider)));
                }
            }
        }
        return new RuntimeEnvironment(version, Collections.unmodifiableMap(env), List.copyOf(unresolved),
                llmFingerprint);
    }

    /** One kind's non-secret fields going into the environment; a field with a problem is left out. */
    private record KindFields(Map<String, String> env, SettingValues values, Map<SettingField, String> problems) {

        void put(String name, SettingField field) {
            if (!problems.containsKey(field)) {
                ProviderEnvironment.put(env, name, values.get(field));
            }
        }
    }

    /**
     * Every secret of the kind in plaintext, by field; a field is absent when unset or unservable. A secret that
     * cannot be opened, or that is required and unset, or that an environment cannot carry, is recorded in
     * {@code problems} (with the key it was written under, never the ciphertext or the value): any one of them
     * makes the environment incomplete, so nothing is served on a partial set of credentials.
     */
    private Map<SettingField, String> secrets(ProviderKind kind, String provider, SettingValues values,
            Map<SettingField, String> problems) {
        Map<SettingField, String> secrets = new EnumMap<>(SettingField.class);
        for (SettingField field : kind.secretFields()) {
            Opened opened = settings.open(values.secretRef(field));
            if (opened == null) {
                if (required(kind, field, provider, values)) {
                    problems.put(field, "is not set");
                }
            } else if (opened instanceof Opened.Unreadable unreadable) {
                problems.put(field, "needs re-entry: " + unreadable.message());
            } else {
                String value = ((Opened.Plaintext) opened).value();
                if (value.isEmpty()) {
                    problems.put(field, "is empty: re-enter it");
                } else if (value.chars().anyMatch(Character::isISOControl)) {
                    problems.put(field, "contains a control character, which an environment cannot carry: re-enter it");
                } else {
                    secrets.put(field, value);
                }
            }
        }
        return secrets;
    }

    /**
     * Whether an unset secret leaves the kind unservable: the primary one as {@link SettingRules#secretRequired}
     * says, except that telephony with an API key (SID and secret) needs no auth token; an API key SID needs its
     * secret.
     */
    private static boolean required(ProviderKind kind, SettingField field, String provider, SettingValues values) {
        if (field == SettingField.API_SECRET) {
            return values.apiKeySid != null;
        }
        if (kind == ProviderKind.TELEPHONY && values.apiKeySid != null && values.apiSecretId != null) {
            return false;
        }
        return SettingRules.secretRequired(kind, provider);
    }

    /** The names a field is served under; a secret also under its provider's own name when there is one. */
    private static List<String> variables(ProviderKind kind, SettingField field, String provider) {
        if (field == SettingField.API_KEY_SID) {
            return List.of("TWILIO_API_KEY");
        }
        String prefix = kind == ProviderKind.TELEPHONY ? "TWILIO_" : kind.name() + "_";
        String name = prefix + field.column().toUpperCase(Locale.ROOT);
        if (field.secret() && provider != null && kind != ProviderKind.TELEPHONY
                && !ProviderKind.CUSTOM.equals(provider)) {
            return List.of(name, provider.toUpperCase(Locale.ROOT) + "_API_KEY");
        }
        return List.of(name);
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
