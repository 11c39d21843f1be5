package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A new password follows the pasted-value rules: nothing invisible, no space at an end; passphrases are fine. */
class PasswordsTest {

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
