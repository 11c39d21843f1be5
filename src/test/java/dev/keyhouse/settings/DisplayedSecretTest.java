package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What Keyhouse displays for a stored secret is recognised; real keys of every provider are not. */
class DisplayedSecretTest {

    /** The forms, then more of their kind. */
    static List<String> displayed() {
        return List.of(
                // the hint, as shown and as typed with dots
                "…6789", "...6789", "..6789", "…", "…abcd", "…-x_Y", "...ab12",
                // runs of mask characters, alone or with the last 4 after them
                "********", "********6789", "••••6789", "••••", "●●●●●●●●", "●●●●abcd", "····6789", "*",
                "****…6789", "∙∙∙∙6789", "⋅⋅⋅⋅", ".........", "...",
                // the fingerprint and the key id as the page shows them
                "3fa9c2e1", "00000000", "fingerprint 3fa9c2e1", "fingerprint: 3fa9c2e1", "key 3fa9c2e1",
                "key id 3fa9c2e1", "Fingerprint 3fa9c2e1");
    }

    /** Real keys, by the shapes providers issue, and values near the displayed forms that are still keys. */
    static List<String> real() {
        return List.of(
                "sk-proj-AbCdEf0123456789_ghIJklMNopQRstUVwxYZ-0123456789abcdefGHIJ", // OpenAI project key
                "sk-ant-api03-AbCdEf0123456789ghIJklMNopQRstUVwxYZ0123456789_-abcdefGHIJKLmnopQR-AbCdEfAA", // Anthropic
                "0123456789abcdef0123456789abcdef01234567", // Deepgram, 40 hex
                "7d1e0c5b9a8f7e6d5c4b3a2918070605", // Twilio auth token, 32 hex
                "sk_0123456789abcdef0123456789abcdef0123456789abcdef", // ElevenLabs
                "0123456789abcdef0123456789abcdef", // ElevenLabs legacy, 32 hex
                "3fa9c2e1d", "3fa9c2e10a1b2c3d", "3FA9C2E1", // hex but not the displayed 8 lowercase digits
                "sk-or-v1-0123456789abcdef", "AIzaSyA-0123456789abcdefghijklmnopqrstu", "a.b.c", "key-abc",
                "x...6789-and-more", "ab**cd");
    }

    @ParameterizedTest
    @MethodSource("displayed")
    void aDisplayedFormIsRecognised(String value) {
        assertThat(DisplayedSecret.isDisplayed(value)).isTrue();
    }

    @ParameterizedTest
    @MethodSource("real")
    void aRealKeyIsNot(String value) {
        assertThat(DisplayedSecret.isDisplayed(value)).isFalse();
    }
}
