package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.keyhouse.settings.ProviderKind;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * In the running application, {@link ProviderChecks} finds the speech and telephony checks as beans (none removed as
 * unused, none claiming another's provider), and none for the {@code custom} speech providers.
 */
@QuarkusTest
class VoiceChecksWiringTest {

    @Inject
    ProviderChecks checks;

    @Test
    void eachVoiceProviderHasItsCheckAndCustomHasNone() {
        assertThat(checks.checkFor(ProviderKind.STT, "deepgram")).get().isInstanceOf(DeepgramCheck.class);
        assertThat(checks.checkFor(ProviderKind.STT, "soniox")).get().isInstanceOf(SonioxCheck.class);
        assertThat(checks.checkFor(ProviderKind.TTS, "elevenlabs")).get().isInstanceOf(ElevenLabsCheck.class);
        assertThat(checks.checkFor(ProviderKind.TTS, "sarvam")).get().isInstanceOf(SarvamCheck.class);
        assertThat(checks.checkFor(ProviderKind.TELEPHONY, "twilio")).get().isInstanceOf(TwilioCheck.class);
        assertThat(checks.checkFor(ProviderKind.STT, ProviderKind.CUSTOM)).isEmpty();
        assertThat(checks.checkFor(ProviderKind.TTS, ProviderKind.CUSTOM)).isEmpty();
    }
}
