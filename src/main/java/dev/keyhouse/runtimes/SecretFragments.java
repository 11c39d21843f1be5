package dev.keyhouse.runtimes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.keyhouse.settings.ProviderEnvironment;

/**
 * The second pass of {@link SecretMask}: a secret written in a way no encoder writes it — split by markup
 * ({@code FIRST<b></b>SECOND}), by line breaks ({@code fold -w 30}), by spaces, or with some characters escaped and
 * others not ({@code %2D}, {@code \u002d}, {@code &#45;}) — and every long enough piece of one. The text and each
 * secret form are compared by their letters and digits alone, after the escapes a piece of text commonly carries are
 * decoded (percent-encoding, JSON and C backslash escapes, HTML character references), case folded and forwards or
 * reversed; each run of
 * {@value #FRAGMENT} or more letters and digits the text shares with a secret form, in order, is masked in the
 * original text together with whatever sits between its characters there and the rest of the token it sits in
 * (letters, digits and {@code - _ . + % ~} on either side), so no piece of a secret is left beside the mask, even one
 * that shares the run with another secret masked by an earlier mask. The name of a variable Keyhouse writes, as a
 * whole upper-case word ({@code TWILIO_API_SECRET}), is public and never part of a run. A secret form with fewer
 * letters and digits than that is matched only whole, and not at all under {@value #MIN_WHOLE}: its exact forms are
 * the first pass's.
 */
final class SecretFragments {

    /**
     * Letters and digits a text must share, in a row, with a secret form to be masked: 12 characters of a random key
     * are never there by chance, and fewer would let a truncated or split key through in pieces.
     */
    static final int FRAGMENT = 12;
    /** A secret form with fewer letters and digits than this is left to the exact forms (a short word would match). */
    static final int MIN_WHOLE = 8;

    private final Set<String> grams = new HashSet<>();
    private final List<String> whole = new ArrayList<>();

    private SecretFragments() {
    }

    /** The fragments of {@code forms} (a value's forms, {@link SecretForms#of}). */
    static SecretFragments of(Collection<String> forms) {
        SecretFragments fragments = new SecretFragments();
        for (String form : forms) {
            String letters = fold(Skeleton.of(form).text());
            // as written and reversed (a runtime printing it through rev): case folded, as the text is
            for (String skeleton : List.of(letters, new StringBuilder(letters).reverse().toString())) {
                if (skeleton.length() >= FRAGMENT) {
                    for (int i = 0; i + FRAGMENT <= skeleton.length(); i++) {
                        fragments.grams.add(skeleton.substring(i, i + FRAGMENT));
                    }
                } else if (skeleton.length() >= MIN_WHOLE) {
                    fragments.whole.add(skeleton);
                }
            }
        }
        return fragments;
    }

    /** {@code text} with every span that carries a secret's fragment replaced by {@link SecretMask#MASK}. */
    String mask(String text) {
        if (grams.isEmpty() && whole.isEmpty()) {
            return text;
        }
        Skeleton skeleton = Skeleton.of(text);
        String letters = fold(skeleton.text());
        if (!mayHit(letters)) {
            // the common case (most log lines): no run of any secret at all, so no need to look for names
            return text;
        }
        boolean[] named = names(text, skeleton);
        boolean[] hit = new boolean[letters.length()];
        boolean any = false;
        int clear = 0; // the first index from which FRAGMENT letters in a row are none of a variable's name
        for (int i = 0; i + FRAGMENT <= letters.length(); i++) {
            if (named[i + FRAGMENT - 1]) {
                clear = i + FRAGMENT;
            }
            if (i >= clear && grams.contains(letters.substring(i, i + FRAGMENT))) {
                java.util.Arrays.fill(hit, i, i + FRAGMENT, true);
                any = true;
            }
        }
        for (String secret : whole) {
            for (int at = letters.indexOf(secret); at >= 0; at = letters.indexOf(secret, at + 1)) {
                if (anyNamed(named, at, at + secret.length())) {
                    continue;
                }
                java.util.Arrays.fill(hit, at, at + secret.length(), true);
                any = true;
            }
        }
        if (!any) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        for (int i = 0; i < hit.length; i++) {
            if (!hit[i]) {
                continue;
            }
            int last = i;
            while (last + 1 < hit.length && hit[last + 1]) {
                last++;
            }
            // the whole token the fragment sits in: a piece of it masked leaves the rest of a secret that shares
            // the piece with another (a later mask's exact forms would no longer match what is left)
            int from = Math.max(copied, skeleton.start(i));
            while (from > copied && token(text.charAt(from - 1))) {
                from--;
            }
            int to = skeleton.end(last);
            while (to < text.length() && token(text.charAt(to))) {
                to++;
            }
            out.append(text, copied, from).append(SecretMask.MASK);
            copied = to;
            i = last;
            while (i + 1 < hit.length && skeleton.start(i + 1) < copied) {
                i++;
            }
        }
        return out.append(text, copied, text.length()).toString();
    }

    /**
     * Which of the skeleton's letters belong to the name of a variable Keyhouse writes ({@code TWILIO_API_SECRET},
     * {@link ProviderEnvironment#MANAGED_NAMES}) written as a whole word: a name is public, and a secret that happens
     * to spell one ({@code twilio-api-secret-…}) must not mask the name beside its own masked value. Exact case only:
     * the secret's own forms are never a name.
     */
    private static boolean[] names(String text, Skeleton skeleton) {
        boolean[] named = new boolean[skeleton.text().length()];
        java.util.regex.Matcher word = NAME.matcher(text);
        int at = 0;
        while (word.find()) {
            if (!ProviderEnvironment.MANAGED_NAMES.contains(word.group())) {
                continue;
            }
            while (at < named.length && skeleton.start(at) < word.start()) {
                at++;
            }
            for (int i = at; i < named.length && skeleton.start(i) < word.end(); i++) {
                named[i] = true;
            }
        }
        return named;
    }

    /** Whether {@code letters} holds any fragment or whole form at all, names aside. */
    private boolean mayHit(String letters) {
        for (int i = 0; i + FRAGMENT <= letters.length(); i++) {
            if (grams.contains(letters.substring(i, i + FRAGMENT))) {
                return true;
            }
        }
        return whole.stream().anyMatch(letters::contains);
    }

    private static boolean anyNamed(boolean[] named, int from, int to) {
        for (int i = from; i < to; i++) {
            if (named[i]) {
                return true;
            }
        }
        return false;
    }

    /** A word a variable's name could be: upper-case letters, digits and underscores. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("\\b[A-Z][A-Z0-9_]*\\b");

    /**
     * Letters and digits compared case-folded: a runtime printing a key upper- or lower-cased still shows it (one
     * {@code char} for one {@code char}, so positions stay those of the skeleton).
     */
    private static String fold(String letters) {
        StringBuilder folded = new StringBuilder(letters.length());
        for (int i = 0; i < letters.length(); i++) {
            folded.append(Character.toLowerCase(letters.charAt(i)));
        }
        return folded.toString();
    }

    /** A character keys and tokens are made of: letters, digits and {@code - _ . + % ~} (not {@code =}: KEY=value). */
    private static boolean token(char c) {
        return Character.isLetterOrDigit(c) || "-_.+%~".indexOf(c) >= 0;
    }

    /**
     * A text's letters and digits after its escapes are decoded, each with the span of the original text it came
     * from.
     */
    record Skeleton(String text, int[] starts, int[] ends) {

        int start(int i) {
            return starts[i];
        }

        int end(int i) {
            return ends[i];
        }

        static Skeleton of(String text) {
            StringBuilder letters = new StringBuilder(text.length());
            int[] starts = new int[text.length()];
            int[] ends = new int[text.length()];
            int n = 0;
            int i = 0;
            while (i < text.length()) {
                int[] decoded = decode(text, i);
                int c = decoded[0];
                int next = decoded[1];
                if (Character.isLetterOrDigit(c)) {
                    for (char unit : Character.toChars(c)) {
                        letters.append(unit);
                        starts[n] = i;
                        ends[n] = next;
                        n++;
                    }
                }
                i = next;
            }
            return new Skeleton(letters.toString(), java.util.Arrays.copyOf(starts, n),
                    java.util.Arrays.copyOf(ends, n));
        }

        /** The code point at {@code i} with escapes decoded, and where the next one starts. */
        private static int[] decode(String text, int i) {
            char c = text.charAt(i);
            if (c == '%' && hex(text, i + 1, 2)) {
                // percent-encoding (RFC 3986 §2.1): a byte; a non-ASCII one is no letter of an ASCII key
                int b = Integer.parseInt(text.substring(i + 1, i + 3), 16);
                return new int[] {b < 0x80 ? b : ' ', i + 3};
            }
            if (c == '\\' && i + 1 < text.length()) {
                char e = text.charAt(i + 1);
                if (e == 'u' && hex(text, i + 2, 4)) {
                    return new int[] {Integer.parseInt(text.substring(i + 2, i + 6), 16), i + 6};
                }
                if (e == 'x' && hex(text, i + 2, 2)) {
                    return new int[] {Integer.parseInt(text.substring(i + 2, i + 4), 16), i + 4};
                }
                if ("nrtbf0".indexOf(e) >= 0) {
                    // an escaped control character, never the letter after the backslash
                    return new int[] {' ', i + 2};
                }
                return new int[] {e, i + 2};
            }
            if (c == '&') {
                int semi = text.indexOf(';', i + 1);
                if (semi > i + 1 && semi - i <= 10) {
                    String name = text.substring(i + 1, semi);
                    Integer ref = reference(name);
                    if (ref != null) {
                        return new int[] {ref, semi + 1};
                    }
                }
            }
            return new int[] {text.codePointAt(i), i + Character.charCount(text.codePointAt(i))};
        }

        /** An HTML character reference's code point ({@code #45}, {@code #x2d}, {@code amp}...), or null. */
        private static Integer reference(String name) {
            try {
                if (name.startsWith("#x") || name.startsWith("#X")) {
                    return Integer.parseInt(name.substring(2), 16);
                }
                if (name.startsWith("#")) {
                    return Integer.parseInt(name.substring(1));
                }
            } catch (NumberFormatException e) {
                return null;
            }
            return switch (name) {
                case "amp" -> (int) '&';
                case "lt" -> (int) '<';
                case "gt" -> (int) '>';
                case "quot" -> (int) '"';
                case "apos" -> (int) '\'';
                case "nbsp" -> (int) ' ';
                default -> null;
            };
        }

        private static boolean hex(String text, int from, int count) {
            if (from + count > text.length()) {
                return false;
            }
            for (int k = from; k < from + count; k++) {
                if (Character.digit(text.charAt(k), 16) < 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
