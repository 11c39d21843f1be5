package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

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
}
