package dev.keyhouse.checks;

/**
 * How one answer of a provider is classified.
 *
 * @param result the classification
 * @param code the provider's short error code or type as it wrote it (e.g. {@code insufficient_quota},
 *        {@code API_KEY_INVALID}), at most {@value #CODE_MAX} characters of {@code [A-Za-z0-9_.:-]}; null when the
 *        answer had none. Never a message text: messages may quote the key.
 */
public record Verdict(CheckResult result, String code) {

    /** The longest code kept. */
    public static final int CODE_MAX = 64;

    public Verdict {
        code = safeCode(code);
    }

    public static Verdict of(CheckResult result) {
        return new Verdict(result, null);
    }

    public static Verdict of(CheckResult result, String code) {
        return new Verdict(result, code);
    }

    /**
     * A provider's code as it may be kept: words joined by {@code _ . : -}, each word letters of one case (or one
     * capital and then lower case), at most 8 digits, or up to 3 capitals and digits ({@code E1001}); at most
     * {@value #CODE_MAX} characters in all, and not shaped like a key (a run of 20 letters and digits, or of 16 mixing
     * both, or 6 digits and 6 letters in all). Anything else (a sentence, a UUID, {@code sk-ant-api03-…},
     * {@code sk-<32 hex>}, {@code AIza…}) is dropped, so an echoed key can never pass as a code. Also the rule for a
     * runtime's status-report {@code detail} (RuntimeStatusResource).
     *
     * @return the code unchanged, or null when it may not be kept
     */
    public static String safeCode(String code) {
        if (code == null || code.isEmpty() || code.length() > CODE_MAX || !code.matches("[A-Za-z0-9_.:-]+")) {
            return null;
        }
        String[] words = code.split("[_.:-]", -1);
        if (words.length > MAX_WORDS) {
            return null;
        }
        for (String word : words) {
            if (!WORD.matcher(word).matches()) {
                return null;
            }
        }
        // a code is a word for people. Shaped like a key: a long run of letters and digits with no separator (a
        // 32-hex Twilio auth token, a 40-hex Deepgram key), a shorter run mixing both, or many digits and letters
        // across separators (a UUID-shaped key)
        long digits = code.chars().filter(Character::isDigit).count();
        long letters = code.chars().filter(Character::isLetter).count();
        boolean keyShaped = code.matches(".*[A-Za-z0-9]{20,}.*")
                || code.matches(".*(?=[A-Za-z0-9]{16})(?=[A-Za-z]{0,15}[0-9])(?=[0-9]{0,15}[A-Za-z])[A-Za-z0-9]{16}.*")
                || (digits >= 6 && letters >= 6);
        return keyShaped ? null : code;
    }

    /** The most words a code has ({@code API_KEY_SERVICE_BLOCKED} has 4); more is a sentence or a key in pieces. */
    static final int MAX_WORDS = 6;

    private static final java.util.regex.Pattern WORD =
            java.util.regex.Pattern.compile("[a-z]{1,32}|[A-Z]{1,32}|[A-Z][a-z]{1,31}|[0-9]{1,8}|[A-Z]{1,3}[0-9]{1,8}");

    /**
     * This verdict without its code when the code shares a run of {@value #SHARED_RUN} letters and digits with any
     * of {@code secrets} (ignoring case and every other character): a provider that quotes the key where its code
     * should be, even in pieces, never gets it kept.
     */
    public Verdict withoutSecrets(java.util.Collection<String> secrets) {
        return code != null && sharesSecret(code, secrets) ? new Verdict(result, null) : this;
    }

    /**
     * Whether {@code text} contains one of {@code secrets} or shares a run of {@value #SHARED_RUN} letters and digits
     * with one, ignoring case and every other character (so a key handed back in pieces, {@code sk.PLANT.ED.0123…},
     * is still the key). Null secrets are skipped; the comparison is in memory and reveals nothing.
     */
    public static boolean sharesSecret(String text, java.util.Collection<String> secrets) {
        String lower = plain(text);
        for (String secret : secrets) {
            if (secret == null) {
                continue;
            }
            String s = plain(secret);
            if (!s.isEmpty() && lower.contains(s)) {
                return true;
            }
            for (int i = 0; i + SHARED_RUN <= lower.length(); i++) {
                if (s.contains(lower.substring(i, i + SHARED_RUN))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String plain(String text) {
        return text.replaceAll("[^A-Za-z0-9]", "").toLowerCase(java.util.Locale.ROOT);
    }

    /** The shortest run shared with a secret that drops a code. */
    static final int SHARED_RUN = 8;
}
