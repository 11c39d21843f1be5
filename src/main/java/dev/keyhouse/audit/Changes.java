package dev.keyhouse.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an audited update changed, old → new, in one vocabulary for every kind of update (settings, provider entries,
 * runtime targets, shared secrets, users): a non-secret field as {@code name old → new} ({@code (unset)} for none,
 * each value cut at {@value #VALUE_CHARS} characters), a secret as {@code name fingerprint old → new} (never the
 * value: fingerprints only), a field that did not change not at all. {@link #text} joins them with ", ".
 */
public final class Changes {

    /** The longest value an audit entry quotes of one field, in characters. */
    public static final int VALUE_CHARS = 200;
    /** What an unset value reads as. */
    public static final String UNSET = "(unset)";

    private final List<String> parts = new ArrayList<>();

    /** Adds {@code name old → new} when {@code from} and {@code to} differ ({@link #value} for each). */
    public Changes field(String name, Object from, Object to) {
        if (!Objects.equals(value(from), value(to))) {
            parts.add(name + " " + value(from) + " → " + value(to));
        }
        return this;
    }

    /**
     * Adds {@code name fingerprint old → new} when the fingerprints differ, or {@code name entered again} when a
     * value was typed and is the same ({@code entered}); a fingerprint is never the secret.
     */
    public Changes secret(String name, String oldFingerprint, String newFingerprint, boolean entered) {
        if (!Objects.equals(oldFingerprint, newFingerprint)) {
            parts.add(name + " fingerprint " + value(oldFingerprint) + " → " + value(newFingerprint));
        } else if (entered) {
            parts.add(name + " entered again (the same)");
        }
        return this;
    }

    /** Adds a change said in words (a move, a link list the entry names another way). */
    public Changes note(String text) {
        parts.add(text);
        return this;
    }

    /** True when nothing was added. */
    public boolean isEmpty() {
        return parts.isEmpty();
    }

    /** The changes joined with ", "; "" when none. */
    public String text() {
        return String.join(", ", parts);
    }

    /** {@code "changed <text>"}, or {@code "no field changed"}. */
    public String changed() {
        return parts.isEmpty() ? "no field changed" : "changed " + text();
    }

    /** A value as an audit entry quotes it: {@value #UNSET} for null or empty, cut at {@value #VALUE_CHARS} ("…"). */
    public static String value(Object value) {
        String text = value == null ? "" : String.valueOf(value);
        if (text.isEmpty()) {
            return UNSET;
        }
        return text.length() <= VALUE_CHARS ? text : text.substring(0, VALUE_CHARS) + "…";
    }

    /**
     * An entry's fingerprint column for several named secrets: the one fingerprint when there is one secret field,
     * else {@code name:fingerprint} pairs separated by spaces; null when none is set.
     *
     * @param fingerprints by secret field name, in field order; a null fingerprint is an unset secret
     */
    public static String fingerprintColumn(Map<String, String> fingerprints) {
        if (fingerprints.size() == 1) {
            return fingerprints.values().iterator().next();
        }
        List<String> named = new ArrayList<>();
        fingerprints.forEach((name, fingerprint) -> {
            if (fingerprint != null) {
                named.add(name + ":" + fingerprint);
            }
        });
        return named.isEmpty() ? null : String.join(" ", named);
    }
}
