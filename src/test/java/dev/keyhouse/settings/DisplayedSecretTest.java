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
                "ab**cd",
                // near the masked forms: x runs shorter than 6, single dots, separators, mask characters under 4,
                // a redaction word inside a key
                "sk-proj-xxxxxAbCdEf0123456789xXxXx", "sk-xxxx-0123456789abcdefXXXXX", "sk.abc", "a.b.c.d",
                "a..b", "sk_live-abc_def-0123", "ab***cd", "sk-••-0123456789", "masked-api-secret-0123456789ab",
                "sk-hidden0123456789", "redacted-key-0123", "sk-proj-(AbCd)0123", "0xdeadbeef0123456789");
    }

    /**
     * The tester's forms from other screens (OpenAI's dashboard {@code sk-proj-...stuv}, docs' x runs, log
     * redactions), then more of their kind.
     */
    static List<String> masked() {
        return List.of(
                "sk-proj-...stuv", "sk-...stuv", "xxxxxxxxstuv", "[REDACTED]", "<redacted>",
                // an ellipsis anywhere
                "sk-proj-…stuv", "sk-ant-api03-...AAAA", "x...6789-and-more", "sk-proj-AbCd...", "AIza…wxyz",
                "sk_...0123", "0123...cdef0123",
                // a run of 4 or more mask characters anywhere, mixed or not
                "sk-****stuv", "sk-proj-****************stuv", "sk_••••••••0123", "AIza●●●●●●●●", "SK····0123",
                "sk-*•*•stuv", "ab∙∙∙∙cd", "key⋅⋅⋅⋅⋅⋅",
                // a run of 6 or more x or X
                "xxxxxx", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "sk-xxxxxxxxxxxxxxxxxxxxxxxx", "sk-proj-XXXXXXstuv",
                "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "sk-xXxXxX0123",
                // a redaction word, any case, bare or bracketed, or bracketed anywhere
                "REDACTED", "redacted", "Masked", "HIDDEN", "hidden", "[masked]", "(hidden)", "<MASKED>",
                "[ redacted ]", "(Redacted)", "sk-proj-[REDACTED]", "sk-<hidden>", "token (masked)");
    }

    @ParameterizedTest
    @MethodSource("masked")
    void aMaskedOrRedactedFormFromAnotherScreenIsRefusedWithItsMessage(String value) {
        assertThat(DisplayedSecret.isMasked(value)).isTrue();
        assertThat(DisplayedSecret.problem(value)).isEqualTo(DisplayedSecret.MASKED);
    }

    @ParameterizedTest
    @MethodSource("displayed")
    void keyhousesOwnFormsKeepTheirMessage(String value) {
        assertThat(DisplayedSecret.problem(value)).isEqualTo(DisplayedSecret.MESSAGE);
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
        assertThat(DisplayedSecret.isMasked(value)).isFalse();
        assertThat(DisplayedSecret.problem(value)).isNull();
    }
}
