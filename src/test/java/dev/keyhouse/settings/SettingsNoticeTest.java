package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.keyhouse.checks.CheckResult;

/**
 * Issue 20's breaker: the settings overview's notice moved from the address ({@code ?saved=llm&run=12}, repeated on
 * every reload) to the flash cookie. Its key round-trips, says the same words as before, and a key that does not
 * parse shows nothing (the cookie is the browser's to send: never text, never trusted).
 */
class SettingsNoticeTest {

    @Test
    void aNoticeRoundTripsThroughItsKey() {
        SettingsNotice saved = new SettingsNotice(SettingsNotice.SAVED, ProviderKind.LLM, 12L, CheckResult.INVALID_KEY,
                true);
        assertThat(saved.key()).isEqualTo("saved.llm.r12.cinvalid_key.o");
        assertThat(SettingsNotice.parse(saved.key())).contains(saved);
        SettingsNotice plain = new SettingsNotice(SettingsNotice.ROLLED_BACK, ProviderKind.TTS, null, null, false);
        assertThat(plain.key()).isEqualTo("rolledBack.tts");
        assertThat(SettingsNotice.parse(plain.key())).contains(plain);
        assertThat(SettingsNotice.parse("fallback.stt.r3").orElseThrow().run()).isEqualTo(3L);
    }

    @Test
    void itSaysWhatTheOverviewSaid() {
        assertThat(new SettingsNotice("saved", ProviderKind.LLM, null, null, false).text())
                .isEqualTo("Language model settings saved.");
        assertThat(new SettingsNotice("saved", ProviderKind.LLM, null, CheckResult.INVALID_KEY, true).text())
                .startsWith("Language model settings saved over a failed key check: invalid_key (");
        assertThat(new SettingsNotice("saved", ProviderKind.LLM, null, CheckResult.INVALID_KEY, false).text())
                .startsWith("Language model settings saved with a warning: the key check found invalid_key (");
        assertThat(new SettingsNotice("saved", ProviderKind.TRACING, null, null, false).text())
                .isEqualTo("Tracing (OpenTelemetry) settings saved (no live check for tracing).");
        assertThat(new SettingsNotice("rolledBack", ProviderKind.TTS, 4L, null, false).text())
                .isEqualTo("Text to speech settings rolled back.");
        assertThat(new SettingsNotice("fallback", ProviderKind.STT, 4L, null, false).text()).endsWith("fallbacks changed.");
    }

    @Test
    void aKeyThatDoesNotParseShowsNothing() {
        for (String junk : new String[] {null, "", "saved", "saved.nosuchkind", "deleted.llm", "saved.llm.r",
                "saved.llm.rx1", "saved.llm.r12.c<script>", "saved.llm.r99999999999999999999", "saved.llm;x=1",
                "Saved.llm", "saved.llm.o.r1"}) {
            assertThat(SettingsNotice.parse(junk)).as(String.valueOf(junk)).isEmpty();
        }
        assertThat(SettingsNotice.parse("saved.llm.cnot_a_result").orElseThrow().check()).as("an unknown result is none")
                .isNull();
    }
}
