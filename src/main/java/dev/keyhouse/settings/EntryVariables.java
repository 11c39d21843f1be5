package dev.keyhouse.settings;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The variables a kind's provider entries write (issue 19), besides the primary's own names ({@code LLM_PROVIDER},
 * {@code LLM_API_KEY}, {@code OPENAI_API_KEY}, ..., unchanged):
 * <ul>
 * <li>{@code <KIND>_PROVIDERS}: the enabled entries' providers in order, primary first
 * ({@code STT_PROVIDERS=deepgram,soniox}), served only while the kind has an enabled fallback;
 * <li>each enabled fallback's key under its provider's conventional name ({@code SONIOX_API_KEY},
 * {@code GOOGLE_API_KEY}), a {@code custom} one under {@code <KIND>_CUSTOM_API_KEY};
 * <li>each enabled fallback's other set fields as {@code <KIND>_<PROVIDER>_<FIELD>} ({@code STT_SONIOX_MODEL},
 * {@code LLM_CUSTOM_BASE_URL}).
 * </ul>
 * Two entries that would write the same variable are refused when saved ({@link #claimed}).
 */
final class EntryVariables {

    /** The kinds that have fallback entries. */
    static final List<ProviderKind> KINDS = List.of(ProviderKind.LLM, ProviderKind.STT, ProviderKind.TTS);

    private EntryVariables() {
    }

    static boolean hasEntries(ProviderKind kind) {
        return KINDS.contains(kind);
    }

    /** {@code STT_PROVIDERS}. */
    static String listName(ProviderKind kind) {
        return kind.name() + "_PROVIDERS";
    }

    /** A fallback's key variable: {@code SONIOX_API_KEY}, or {@code STT_CUSTOM_API_KEY} for custom. */
    static String keyName(ProviderKind kind, String provider) {
        return ProviderKind.CUSTOM.equals(provider) ? kind.name() + "_CUSTOM_API_KEY"
                : provider.toUpperCase(Locale.ROOT) + "_API_KEY";
    }

    /** A fallback's non-secret field's variable: {@code STT_SONIOX_MODEL}. */
    static String fieldName(ProviderKind kind, String provider, SettingField field) {
        return kind.name() + "_" + provider.toUpperCase(Locale.ROOT) + "_" + field.column().toUpperCase(Locale.ROOT);
    }

    /**
     * The variables an entry holds for itself, which no other entry may write: the primary's provider's own key
     * name ({@code DEEPGRAM_API_KEY}; a custom primary has none), a fallback's {@link #keyName}. An entry without a
     * provider holds none.
     */
    static Set<String> claimed(ProviderKind kind, String provider, boolean primary) {
        if (provider == null) {
            return Set.of();
        }
        if (primary) {
            return ProviderKind.CUSTOM.equals(provider) ? Set.of()
                    : Set.of(provider.toUpperCase(Locale.ROOT) + "_API_KEY");
        }
        return Set.of(keyName(kind, provider));
    }

    /** Every name entries may ever write, whatever is configured: part of the managed names. */
    static Set<String> allNames() {
        Set<String> names = new TreeSet<>();
        for (ProviderKind kind : KINDS) {
            names.add(listName(kind));
            for (String provider : kind.providers()) {
                names.add(keyName(kind, provider));
                for (SettingField field : fields(kind)) {
                    names.add(fieldName(kind, provider, field));
                }
            }
        }
        return names;
    }

    /** The non-secret fields a fallback writes besides its key: every field of the kind but provider and secrets. */
    static Set<SettingField> fields(ProviderKind kind) {
        Set<SettingField> fields = new LinkedHashSet<>();
        for (SettingField field : kind.fields()) {
            if (field != SettingField.PROVIDER && !field.secret()) {
                fields.add(field);
            }
        }
        return fields;
    }
}
