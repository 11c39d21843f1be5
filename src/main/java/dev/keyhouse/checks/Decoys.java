package dev.keyhouse.checks;

import java.security.SecureRandom;

/**
 * A deliberately invalid key of the same shape as a real one, for the negative control: same length, the same
 * prefix ({@code sk-proj-}, {@code sk-ant-api03-}, {@code AIza}, {@code SK}), and each later character replaced by a
 * random one of its class (digit, lower- or upper-case letter; all-hex values stay hex). Separators are kept. A decoy
 * is never equal to the value it imitates.
 */
public final class Decoys {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String DIGITS = "0123456789";
    private static final String HEX_LOWER = "0123456789abcdef";
    private static final String HEX_UPPER = "0123456789ABCDEF";
    /** At most this much of a value is kept as its prefix. */
    private static final int PREFIX_MAX = 16;

    private Decoys() {
    }

    /**
     * A decoy for {@code value}; see the class comment. A value with no digit or letter after its prefix gets its
     * prefix replaced too; one with none at all ({@code "--"}) its last character replaced by a letter.
     *
     * @throws IllegalArgumentException when {@code value} is empty (nothing has its shape)
     */
    public static String of(String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("an empty value has no decoy");
        }
        int prefix = prefixLength(value);
        if (!replaceable(value, prefix)) {
            prefix = 0;
        }
        if (!replaceable(value, 0)) {
            // only separators and symbols: nothing keeps its class, so one character becomes a letter
            char last = value.charAt(value.length() - 1);
            return value.substring(0, value.length() - 1) + (last == 'x' ? 'y' : 'x');
        }
        boolean hex = value.substring(prefix).matches("[0-9a-fA-F]+");
        StringBuilder decoy;
        do {
            decoy = new StringBuilder(value.substring(0, prefix));
            for (int i = prefix; i < value.length(); i++) {
                decoy.append(replace(value.charAt(i), hex));
            }
        } while (decoy.toString().equals(value));
        return decoy.toString();
    }

    /** Whether a character from {@code from} on is a digit or an ASCII letter, which a decoy replaces. */
    private static boolean replaceable(String value, int from) {
        return value.substring(from).chars().anyMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z'));
    }

    /** Up to and including the last '-' or '_' in the first {@value #PREFIX_MAX} characters, else a letters-only head of at most 4. */
    static int prefixLength(String value) {
        int limit = Math.min(PREFIX_MAX, value.length() - 1);
        int separator = -1;
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            if (c == '-' || c == '_') {
                separator = i;
            }
        }
        if (separator >= 0) {
            return separator + 1;
        }
        int letters = 0;
        while (letters < Math.min(4, limit) && Character.isLetter(value.charAt(letters))
                && value.charAt(letters) < 128) {
            letters++;
        }
        // AIza..., SK..., AC...: at most 4 leading letters are kept
        return letters;
    }

    private static char replace(char c, boolean hex) {
        String from;
        if (hex) {
            from = Character.isUpperCase(c) ? HEX_UPPER : HEX_LOWER;
        } else if (c >= '0' && c <= '9') {
            from = DIGITS;
        } else if (c >= 'a' && c <= 'z') {
            from = LOWER;
        } else if (c >= 'A' && c <= 'Z') {
            from = UPPER;
        } else {
            return c;
        }
        return from.charAt(RANDOM.nextInt(from.length()));
    }
}
