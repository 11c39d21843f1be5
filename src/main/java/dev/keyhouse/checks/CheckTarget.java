package dev.keyhouse.checks;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import dev.keyhouse.settings.ProviderKind;

/**
 * What a check needs: the kind, the provider, and the setting's values by JSON name (see
 * {@link dev.keyhouse.settings.SettingField#json()}), secrets in plaintext. Held only while a check runs; its
 * {@code toString} names fields, never values.
 *
 * @param values e.g. {@code baseUrl}, {@code apiKey}, {@code apiVersion}, {@code accountSid}, {@code authToken},
 *        {@code apiKeySid}, {@code apiSecret}; a missing or blank entry means unset
 * @param secrets which of {@code values} are secrets (the fields a decoy replaces)
 */
public record CheckTarget(ProviderKind kind, String provider, Map<String, String> values, Set<String> secrets) {

    public CheckTarget {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        secrets = Set.copyOf(secrets);
    }

    /** A field's value, null when unset or blank. */
    public String value(String field) {
        String value = values.get(field);
        return value == null || value.isBlank() ? null : value;
    }

    /** The same target with every secret replaced by a decoy of the same shape ({@link Decoys}). */
    public CheckTarget decoy() {
        Map<String, String> decoyed = new LinkedHashMap<>(values);
        for (String field : secrets) {
            String value = value(field);
            if (value != null) {
                decoyed.put(field, Decoys.of(value));
            }
        }
        return new CheckTarget(kind, provider, decoyed, secrets);
    }

    @Override
    public String toString() {
        return "CheckTarget[" + kind.id() + "/" + provider + ", fields " + values.keySet() + "]";
    }
}
