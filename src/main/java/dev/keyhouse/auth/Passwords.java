package dev.keyhouse.auth;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
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
 *
 * <p>One normalisation, Unicode NFKC ({@link #normalise}), as SP 800-63B 5.1.1.2 recommends, comes first everywhere:
 * before the rules and the strength check, before hashing and before verifying. So what is checked is what is
 * stored: {@code ｐａｓｓｗｏｒｄ１２３４} (fullwidth) or {@code ⓟⓐⓢⓢⓦⓞⓡⓓ①②③④} (circled) is {@code password1234}
 * to every step, refused as such, and a password typed one way signs in typed the other. Elytron's bcrypt has
 * always applied NFKC itself before hashing and checking, so existing hashes are hashes of the NFKC form and keep
 * working (NFKC is idempotent). The strength check alone goes further ({@link #skeleton}): it also drops combining
 * marks ({@code p̶a̶s̶s̶w̶o̶r̶d̶1234}) and reads the Cyrillic and Greek letters that look like Latin ones as those,
 * since a predictable decoration adds almost nothing to a guesser's work; the password itself keeps its marks
 * and letters, so no one's accepted password changes meaning.
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

    /** The default bcrypt cost ({@code PASSWORD_HASH_COST}): about a quarter of a second per check on a small core. */
    static final int DEFAULT_COST = 12;
    /** Where the configured cost is read ({@code PASSWORD_HASH_COST}, 10 to 14, checked before start). */
    static final String COST_PROPERTY = "keyhouse.auth.password-hash-cost";
    public static final int MIN_LENGTH = 12;
    /** bcrypt reads at most 72 bytes; longer passwords would be silently truncated. */
    public static final int MAX_BYTES = 72;
    /**
     * The configured cost and the decoy an unknown e-mail is checked against, so a miss takes as long as a wrong
     * password: the bcrypt hash, at that cost, of 24 random bytes nobody keeps. Made at the first unknown e-mail, not
     * at class initialisation (a bcrypt on every start-up).
     */
    private static final class Configured {
        static final int COST = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue(COST_PROPERTY, Integer.class).orElse(DEFAULT_COST);
    }

    private static final class Decoy {
        static final String HASH = decoy();

        private static String decoy() {
            byte[] nobodys = new byte[24];
            new java.security.SecureRandom().nextBytes(nobodys);
            return BcryptUtil.bcryptHash(java.util.Base64.getEncoder().encodeToString(nobodys), cost());
        }
    }

    /**
     * bcrypt runs on at most all cores but one at a time: a burst of sign-ins (a team after a restart, a script)
     * queues here instead of taking every core from the event loop that answers runtime-config from memory (a
     * breaker measured runtime-config p50 at 11 s while 50 sign-ins ran at once on 2 cores). Fair, so none starves.
     */
    private static final java.util.concurrent.Semaphore BCRYPT = new java.util.concurrent.Semaphore(
            Math.max(1, Runtime.getRuntime().availableProcessors() - 1), true);

    private Passwords() {
    }

    /** The bcrypt hash of the password's {@link #normalise NFKC form}, at the configured {@link #cost()}. */
    public static String hash(String password) {
        return bcrypt(() -> BcryptUtil.bcryptHash(normalise(password), cost()));
    }

    /** The bcrypt cost new hashes are made with: {@code PASSWORD_HASH_COST}, default {@value #DEFAULT_COST}. */
    public static int cost() {
        return Configured.COST;
    }

    /** The decoy hash {@link #spendTimeOfACheck} checks against, at {@link #cost()}. */
    static String decoy() {
        return Decoy.HASH;
    }

    /** Whether the password's {@link #normalise NFKC form} matches the bcrypt hash; false for a null either. */
    public static boolean matches(String password, String hash) {
        return password != null && hash != null && bcrypt(() -> BcryptUtil.matches(normalise(password), hash));
    }

    /** Runs one bcrypt computation within {@link #BCRYPT}'s cores. */
    private static <T> T bcrypt(java.util.function.Supplier<T> work) {
        BCRYPT.acquireUninterruptibly();
        try {
            return work.get();
        } finally {
            BCRYPT.release();
        }
    }

    /** Checks the password against a decoy hash, so an unknown account answers as slowly as a wrong password. */
    public static void spendTimeOfACheck(String password) {
        bcrypt(() -> BcryptUtil.matches(password == null ? "" : normalise(password), decoy()));
    }

    /**
     * The one form a password is checked, hashed and verified in: Unicode NFKC (compatibility forms such as
     * fullwidth, circled, superscript or mathematical letters become the plain ones); null stays null.
     */
    public static String normalise(String password) {
        return password == null ? null : Normalizer.normalize(password, Normalizer.Form.NFKC);
    }

    /**
     * What the strength check measures: the NFKC form without combining marks (decomposed first, so accented
     * letters keep their base letter), with Cyrillic and Greek lookalikes of Latin letters read as those letters.
     * Used for the estimate only, never stored or compared.
     */
    static String skeleton(String password) {
        String bare = Normalizer.normalize(normalise(password), Normalizer.Form.NFKD).replaceAll("\\p{M}+", "");
        StringBuilder out = new StringBuilder(bare.length());
        bare.codePoints().forEach(c -> {
            int at = LOOKALIKES.indexOf(c);
            out.appendCodePoint(at >= 0 && at % 2 == 0 ? LOOKALIKES.charAt(at + 1) : c);
        });
        return Normalizer.normalize(out, Normalizer.Form.NFKC);
    }

    /** Pairs of a Cyrillic or Greek letter and the Latin letter it looks like. */
    private static final String LOOKALIKES = "аaеeоoрpсcуyхxіiјjѕsԁdԛqԝwһhӏlАAВBЕEКKМMНHОOРPСCТTХXІIЈJЅS"
            + "αaοoρpνvτtιiκkυuΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧX";

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
     * English), or empty when its score reaches {@link #MIN_SCORE}. Measured on the {@link #skeleton} of the
     * password. Never contains the password.
     */
    public static Optional<String> weakness(String password, String email) {
        Strength strength = ZXCVBN.measure(skeleton(password), userInputs(email));
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
     * nothing invisible), or null; the strength check is {@link #problem(String, String)}. Checked on the
     * {@link #normalise NFKC form}, the one bcrypt hashes (a no-break space at an end becomes a space there).
     */
    public static String problem(String password) {
        String typed = password;
        password = normalise(password);
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
        // the same rule as every other pasted value: nothing invisible (zero-width spaces, byte-order marks, ...), as
        // typed (NFKC would turn a no-break space into a plain one) and as stored
        String invisible = dev.keyhouse.input.FieldRules.clean(dev.keyhouse.input.FieldType.TEXT, typed).problem();
        return invisible != null ? invisible
                : dev.keyhouse.input.FieldRules.clean(dev.keyhouse.input.FieldType.TEXT, password).problem();
    }
}
