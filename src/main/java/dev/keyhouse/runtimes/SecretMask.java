package dev.keyhouse.runtimes;

import java.util.Collection;
import java.util.Comparator;

/** Replaces every occurrence of known secret values in text an operator will read (errors, command output). */
final class SecretMask {

    static final String MASK = "[masked]";
    /** Shorter values ("1", "en") would mask ordinary words and protect nothing. */
    private static final int MIN_LENGTH = 4;

    private SecretMask() {
    }

    static String mask(String text, Collection<String> values) {
        if (text == null) {
            return null;
        }
        String masked = text;
        // longest first, so a value containing another is masked whole
        for (String value : values.stream().filter(v -> v != null && v.length() >= MIN_LENGTH)
                .sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            masked = masked.replace(value, MASK);
        }
        return masked;
    }
}
