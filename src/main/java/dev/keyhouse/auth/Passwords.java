package dev.keyhouse.auth;

import java.nio.charset.StandardCharsets;

import io.quarkus.elytron.security.common.BcryptUtil;

/** Password hashing: bcrypt, never stored or logged in plaintext. */
public final class Passwords {

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

    /** Why a new password is unacceptable, or null when it is fine. */
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
