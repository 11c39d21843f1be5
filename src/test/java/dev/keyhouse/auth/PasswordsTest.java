package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A new password follows the pasted-value rules (nothing invisible, no space at an end) and is not easy to guess
 * (zxcvbn score 3 or more, with the account's e-mail and "keyhouse" as known words); passphrases are fine.
 */
class PasswordsTest {

    private static final String EMAIL = "operations@keyhouse.test";

    /** Issue 14, item 10: each example, and more of its kind, refused in plain words that never quote it. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "password1234|is too easy to guess: This is a very common password. Add another word or two. Uncommon words are better.",
        "Password1234!|is too easy to guess: This is similar to a commonly used password.",
        "P@ssw0rd2024!|Predictable substitutions like '@' instead of 'a' don't help very much.",
        "iloveyou2024|is too easy to guess: This is similar to a commonly used password.",
        "123456789012|is too easy to guess",
        "'            '|must not start or end with a space",
        "'       x    '|must not start or end with a space",
        "aaaaaaaaaaaa|is too easy to guess",
        "abcdefghijkl|is too easy to guess: Sequences like abc or 6543 are easy to guess.",
        "keyhousekeyhouse|is too easy to guess: It is built from the account's e-mail address or the word keyhouse.",
        "Keyhouse1234|is too easy to guess: It is built from the account's e-mail address or the word keyhouse.",
        "keyhouse2026!|is too easy to guess",
        "operations@keyhouse.test|is too easy to guess: It is built from the account's e-mail address or the word keyhouse.",
        "Operations@Keyhouse.Test|is too easy to guess",
        "operations1234|is too easy to guess",
        "qwertyuiop[]|is too easy to guess: Straight rows of keys are easy to guess.",
        "zxcvbnm,./zxcvbnm|is too easy to guess: Straight rows of keys are easy to guess.",
        "1qaz2wsx3edc4rfv|is too easy to guess: This is a very common password.",
        "qazwsxedcrfv|is too easy to guess"})
    void commonBreachedAndGuessablePasswordsAreRefused(String password, String why) {
        String problem = Passwords.problem(password, EMAIL);
        assertThat(problem).contains(why).startsWith(why.startsWith("must") ? "must" : "is too easy to guess");
        if (!password.isBlank()) {
            assertThat(problem).doesNotContain(password.strip());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"correct horse battery staple", "Lantern-ochre-migrate-47", "a-plain-password-1",
            "pässwörd-ünïcødé-密码"})
    void strongPassphrasesAreAccepted(String password) {
        assertThat(Passwords.problem(password, EMAIL)).isNull();
        assertThat(Passwords.weakness(password, EMAIL)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void theEMailIsAWordOfItsOwn() {
        assertThat(Passwords.weakness("nightingale.r.k@example.org", "nightingale.r.k@example.org")).isPresent();
        assertThat(Passwords.weakness("nightingale.r.k@example.org", "ops@keyhouse.test"))
                .as("the same text is strong for another account").isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bobpass\u200bword123|invisible character U+200B",
        "\uFEFFbobpassword123|invisible character U+FEFF",
        "bobpass\u00a0word123|U+00A0",
        "'  bobpassword456  '|must not start or end with a space",
        "bobpass\tword123|must not hold a control character"})
    void refusedNamingWhyNeverQuotingIt(String password, String why) {
        assertThat(Passwords.problem(password)).contains(why).doesNotContain(password.strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"correct horse battery staple", "pässwörd-ünïcødé-密码", "a-plain-password-1"})
    void passphrasesAndNonAsciiAreAccepted(String password) {
        assertThat(Passwords.problem(password)).isNull();
    }

    /**
     * Lookalike forms of weak passwords are what they look like: NFKC folds compatibility forms (fullwidth, circled,
     * mathematical, superscript), and the strength check also drops combining marks and reads Cyrillic and Greek
     * lookalikes as Latin.
     */
    @ParameterizedTest
    @ValueSource(strings = {"\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13\uff14",
            "\u24df\u24d0\u24e2\u24e2\u24e6\u24de\u24e1\u24d3\u2460\u2461\u2462\u2463",
            "\uff51\uff57\uff45\uff52\uff54\uff59\uff55\uff49\uff4f\uff50\uff11\uff12\uff13",
            "\uD835\uDC29\uD835\uDC1A\uD835\uDC2C\uD835\uDC2C\uD835\uDC30\uD835\uDC28\uD835\uDC2B\uD835\uDC1D1234",
            "p\u0336a\u0336s\u0336s\u0336w\u0336o\u0336r\u0336d\u03361234",
            "p\u0301a\u0301s\u0301s\u0301w\u0301o\u0301r\u0301d\u03011234",
            "p\u0430ssw\u043erd1234", "\u0440\u0430\u0455\u0455w\u043erd1234", "\u03c1assw\u03bfrd1234",
            "\uff2b\uff45\uff59\uff48\uff4f\uff55\uff53\uff45\uff11\uff12\uff13\uff14",
            "\u2460\u2461\u2462\u2463\u2464\u2465\u2466\u2467\u2468\u2460\u2461\u2462"})
    void lookalikeFormsOfWeakPasswordsAreRefused(String password) {
        assertThat(Passwords.problem(password, EMAIL)).startsWith("is too easy to guess");
    }

    /** What is checked is what is stored: the NFKC form is hashed and verified, whichever form is typed. */
    @org.junit.jupiter.api.Test
    void aPasswordSignsInTypedInAnyCompatibilityForm() {
        String fullwidth = "\uff2c\uff41\uff4e\uff54\uff45\uff52\uff4e-\uff4f\uff43\uff48\uff52\uff45-47";
        assertThat(Passwords.normalise(fullwidth)).isEqualTo("Lantern-ochre-47");
        String hash = Passwords.hash(fullwidth);
        assertThat(Passwords.matches("Lantern-ochre-47", hash)).isTrue();
        assertThat(Passwords.matches(fullwidth, hash)).isTrue();
        assertThat(Passwords.matches("lantern-ochre-47", hash)).isFalse();
        // a hash made before this normalisation (Elytron's bcrypt applies NFKC itself) keeps working both ways
        String earlier = io.quarkus.elytron.security.common.BcryptUtil.bcryptHash(fullwidth, Passwords.cost());
        assertThat(Passwords.matches(fullwidth, earlier)).isTrue();
        assertThat(Passwords.matches("Lantern-ochre-47", earlier)).isTrue();
        String plain = io.quarkus.elytron.security.common.BcryptUtil.bcryptHash("p\u00e4sswort-kette-91", Passwords.cost());
        assertThat(Passwords.matches("pa\u0308sswort-kette-91", plain)).as("decomposed umlaut").isTrue();
    }

    /** The length and byte rules count the stored (NFKC) form: a ligature or a square sign grows. */
    @org.junit.jupiter.api.Test
    void lengthAndBytesAreCountedOnTheStoredForm() {
        assertThat(Passwords.problem("\u33c2\u33c2\u33c2")).as("3 signs, 12 characters stored").isNull();
        assertThat(Passwords.problem("\ufdfa\ufdfa\ufdfa")).as("3 signs, 99 bytes stored").contains("72 bytes");
        assertThat(Passwords.problem("bobpassword12\u3000")).contains("must not start or end with a space");
    }

    /**
     * The decoy an unknown e-mail is checked against is a bcrypt hash at the cost real hashes use, so a miss takes as
     * long as a wrong password, and it matches neither an empty password nor the words a guesser would try.
     */
    @Test
    void theDecoyIsABcryptHashAtTheRealCostThatMatchesNothingGuessable() {
        String real = Passwords.hash("correct horse battery staple");
        assertThat(Passwords.decoy()).matches("\\$2a\\$" + String.format("%02d", Passwords.cost()) + "\\$[./A-Za-z0-9]{53}")
                .startsWith(real.substring(0, 7));
        for (String guess : new String[] {"", "decoy-password-for-timing", "password", "keyhouse", "admin"}) {
            assertThat(Passwords.matches(guess, Passwords.decoy())).as(guess).isFalse();
        }
    }

    /**
     * A new hash is made at PASSWORD_HASH_COST (the test run sets 10, see the pom; 12 when unset), and a hash made at
     * another cost (an account from before a change of it) still matches.
     */
    @Test
    void newHashesTakeTheConfiguredCostAndOlderOnesStillMatch() {
        String configured = System.getenv().getOrDefault("PASSWORD_HASH_COST", "12");
        assertThat(Passwords.cost()).isEqualTo(Integer.parseInt(configured));
        assertThat(Passwords.hash("correct horse battery staple")).startsWith("$2a$" + configured + "$");
        String atTwelve = io.quarkus.elytron.security.common.BcryptUtil.bcryptHash("correct horse battery staple", 12);
        assertThat(Passwords.matches("correct horse battery staple", atTwelve)).isTrue();
        assertThat(Passwords.matches("correct horse battery stapler", atTwelve)).isFalse();
    }
}
