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
     * A provider's code as it may be kept: only {@code [A-Za-z0-9_.:-]}, at most {@value #CODE_MAX} characters, not
     * shaped like a key (a run of 20 letters and digits, or of 16 mixing both, or 6 digits and 6 letters in all);
     * anything else (a sentence, a key, a UUID) is dropped, so an echoed key can never pass as a code.
     */
    static String safeCode(String code) {
        if (code == null || code.isEmpty() || code.length() > CODE_MAX || !code.matches("[A-Za-z0-9_.:-]+")) {
            return null;
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
}
