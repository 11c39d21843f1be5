package dev.keyhouse.runtimes;

import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Replaces every occurrence of known secret values in text an operator will read (errors, command output, the log
 * lines that carry them), in every form Keyhouse writes or hands them on in ({@link SecretForms}): an env-file line's
 * escaping, JSON, URL encoding, base64.
 */
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
        Set<String> forms = new LinkedHashSet<>();
        values.stream().filter(v -> v != null && v.length() >= MIN_LENGTH)
                .forEach(v -> forms.addAll(SecretForms.of(v, MIN_LENGTH)));
        String masked = text;
        // longest first, so a form containing another is masked whole
        for (String form : forms.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            masked = masked.replace(form, MASK);
        }
        return masked;
    }
}
