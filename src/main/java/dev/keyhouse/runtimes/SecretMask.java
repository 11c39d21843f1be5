package dev.keyhouse.runtimes;

import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Replaces every occurrence of known secret values in text an operator will read (errors, command output, the log
 * lines that carry them), in every form Keyhouse writes or hands them on in ({@link SecretForms}): an env-file line's
 * escaping, JSON, URL encoding, base64; then every span whose letters and digits carry a run of
 * {@value SecretFragments#FRAGMENT} or more of a secret's, whatever sits between them — markup, line breaks, spaces,
 * escapes of single characters — so a secret split, folded, escaped in part or cut short is masked too
 * ({@link SecretFragments}).
 */
public final class SecretMask {

    public static final String MASK = "[masked]";
    /** Shorter values ("1", "en") would mask ordinary words and protect nothing. */
    private static final int MIN_LENGTH = 4;

    private SecretMask() {
    }

    public static String mask(String text, Collection<String> values) {
        return masker(values).apply(text);
    }

    /**
     * A mask over the exact forms only ({@link SecretForms}), without the fragment pass: for short identifiers a
     * runtime chose (its name), where a shared run of 12 letters with some key ("failclosed-ack-…" beside a key
     * "sk-failclosed-ack-new-…") would garble a name that holds no secret. Null stays null.
     */
    public static UnaryOperator<String> exactMasker(Collection<String> values) {
        List<String> longestFirst = longestFirst(forms(values));
        return text -> text == null ? null : exact(text, longestFirst);
    }

    /** Every form of every value long enough to protect anything ({@link SecretForms#of}). */
    private static Set<String> forms(Collection<String> values) {
        Set<String> forms = new LinkedHashSet<>();
        values.stream().filter(v -> v != null && v.length() >= MIN_LENGTH)
                .forEach(v -> forms.addAll(SecretForms.of(v, MIN_LENGTH)));
        return forms;
    }

    /** Longest first, so a form containing another is masked whole. */
    private static List<String> longestFirst(Set<String> forms) {
        return forms.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    private static String exact(String text, List<String> longestFirst) {
        String masked = text;
        for (String form : longestFirst) {
            masked = masked.replace(form, MASK);
        }
        return masked;
    }

    /**
     * A mask for many texts over the same values: their forms are worked out once (a command's output is masked line
     * by line). Null stays null.
     */
    public static UnaryOperator<String> masker(Collection<String> values) {
        Set<String> forms = forms(values);
        List<String> longestFirst = longestFirst(forms);
        SecretFragments fragments = SecretFragments.of(forms);
        // then what no encoder writes: a secret split by markup, line breaks or spaces, escaped in part, or a piece
        return text -> text == null ? null : fragments.mask(exact(text, longestFirst));
    }
}
