package dev.keyhouse.auth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.nulabinc.zxcvbn.Feedback;
import com.nulabinc.zxcvbn.Strength;
import com.nulabinc.zxcvbn.Zxcvbn;

import io.quarkus.elytron.security.common.BcryptUtil;

/**
 * Password hashing (bcrypt, never stored or logged in plaintext) and the rules a new password follows: what bcrypt
 * and pasting need ({@link #problem(String)}), and not being easy to guess ({@link #weakness}): zxcvbn's estimate
 * (Dropbox's algorithm, {@code com.nulab-inc:zxcvbn}) against common and breached passwords, names, words, keyboard
 * walks, repeats, sequences and dates, with the account's e-mail and "keyhouse" as words of its own, as NIST SP
 * 800-63B section 5.1.1.2 asks of a verifier.
 */
public final class Passwords {

    /**
     * zxcvbn's score a new password must reach: 3, "safely unguessable" (about 10^8 guesses or more), enough
     * against online guessing (throttled sign-in) and a slow offline attack on a bcrypt hash; 4 would also refuse
     * many sound passphrases.
     */
    public static final int MIN_SCORE = 3;
    /** The word every Keyhouse password is measured against, besides the account's e-mail. */
    static final String PRODUCT = "keyhouse";
    private static final Zxcvbn ZXCVBN = new Zxcvbn();

    /** bcrypt cost: about a quarter of a second per check on a small server core. */
    static final int COST = 12;
    public static final int MIN_LENGTH = 12;
    /** bcrypt reads at most 72 bytes; longer passwords would be silently truncated. */
    public static final int MAX_BYTES = 72;
    /** Checked against when an e-mail is unknown, so a miss takes as long as a wrong password. */
    private static final String DECOY = BcryptUtil.bcryptHash("decoy-password-for-timing", COST);

    private Passwords() {
    }

    public static String hash(String password) {
        return BcryptUtil.bcryptHash(password, COST);
    }

    public static boolean matches(String password, String hash) {
        return password != null && hash != null && BcryptUtil.matches(password, hash);
    }

    public static void spendTimeOfACheck(String password) {
        BcryptUtil.matches(password == null ? "" : password, DECOY);
    }

    /**
     * Why a new password for the account {@code email} is unacceptable, or null when it is fine: the rules of
     * {@link #problem(String)}, then {@link #weakness}.
     */
    public static String problem(String password, String email) {
        String problem = problem(password);
        return problem != null ? problem : weakness(password, email).orElse(null);
    }

    /**
     * Why {@code password} is too easy to guess for the account {@code email}, in plain words (zxcvbn's feedback in
     * English), or empty when its score reaches {@link #MIN_SCORE}. Never contains the password.
     */
    public static Optional<String> weakness(String password, String email) {
        Strength strength = ZXCVBN.measure(password, userInputs(email));
        try {
            if (strength.getScore() >= MIN_SCORE) {
                return Optional.empty();
            }
            Feedback feedback = strength.getFeedback();
            String warning = feedback.getWarning(Locale.ENGLISH);
            if ((warning == null || warning.isBlank()) && strength.getSequence().stream()
                    .anyMatch(match -> "user_inputs".equals(match.dictionaryName))) {
                warning = "It is built from the account's e-mail address or the word " + PRODUCT + ".";
            }
            StringBuilder text = new StringBuilder("is too easy to guess");
            if (warning != null && !warning.isBlank()) {
                text.append(": ").append(warning.strip());
            } else {
                text.append('.');
            }
            for (String suggestion : feedback.getSuggestions(Locale.ENGLISH)) {
                text.append(' ').append(suggestion.strip());
            }
            return Optional.of(text.toString());
        } finally {
            strength.wipe();
        }
    }

    /** What a password must not be built from: "keyhouse", the e-mail, and its parts of three characters or more. */
    private static List<String> userInputs(String email) {
        List<String> inputs = new ArrayList<>(List.of(PRODUCT));
        if (email != null && !email.isBlank()) {
            String address = email.strip().toLowerCase(Locale.ROOT);
            inputs.add(address);
            for (String part : address.split("[@._+-]")) {
                if (part.length() >= 3) {
                    inputs.add(part);
                }
            }
        }
        return inputs;
    }

    /**
     * Why a new password breaks what bcrypt and pasting need (12 characters, at most 72 bytes, no space at an end,
     * nothing invisible), or null; the strength check is {@link #problem(String, String)}.
     */
    public static String problem(String password) {
        if (password == null || password.length() < MIN_LENGTH) {
            return "must be at least " + MIN_LENGTH + " characters";
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "must be at most " + MAX_BYTES + " bytes";
        }
        if (!password.equals(password.strip())) {
            // a pasted space at an end would become part of the password, and signing in without it would fail
            return "must not start or end with a space";
        }
        if (password.chars().anyMatch(Character::isISOControl)) {
            return "must not hold a control character (a tab or a line break)";
        }
        // the same rule as every other pasted value: nothing invisible (zero-width spaces, byte-order marks, ...)
        return dev.keyhouse.input.FieldRules.clean(dev.keyhouse.input.FieldType.TEXT, password).problem();
    }
}
