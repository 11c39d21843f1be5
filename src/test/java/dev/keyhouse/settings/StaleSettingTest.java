package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What a stale save is told (412), for a kind saved before and for one never saved. */
class StaleSettingTest {

    @Test
    void aKindNeverSavedSaysSoAndNamesTheFirstSavesPrecondition() {
        StaleSetting stale = new StaleSetting(new SettingState(ProviderKind.TTS, Map.of(), Map.of(), 0, null, null,
                null, null), 1, List.of());
        assertThat(stale.getMessage()).isEqualTo("tts settings have never been saved, so there is no version 1 to"
                + " change. Nothing was saved; send the first save with If-Match: \"0\".")
                .doesNotContain("null", "version 0, saved by");
    }

    @Test
    void aKindSavedBeforeNamesWhoSavedItWhenAndWhatChanged() {
        StaleSetting stale = new StaleSetting(new SettingState(ProviderKind.TTS, Map.of(), Map.of(), 4,
                "admin@keyhouse.test", Instant.parse("2026-12-01T05:23:42.123456Z"), 3L, null), 2, List.of("voice"));
        assertThat(stale.getMessage()).isEqualTo("tts settings changed since version 2: now version 4, saved by"
                + " admin@keyhouse.test at 2026-12-01 05:23:42 UTC; changed: voice. Nothing was saved; load the current"
                + " version and apply your change again.");
    }

    /**
     * An If-Match ahead of the current version is not "changed since version 4: now version 3" (issue 19 breaker): it
     * names a version that never existed, in one wording for settings, fallbacks and shared secrets.
     */
    @Test
    void aVersionAheadOfTheCurrentOneIsNamedAsOneThatDoesNotExist() {
        StaleSetting stale = new StaleSetting(new SettingState(ProviderKind.TTS, Map.of(), Map.of(), 3,
                "admin@keyhouse.test", Instant.parse("2026-12-01T05:23:42Z"), 2L, null), 4, List.of());
        assertThat(stale.getMessage()).startsWith("tts settings never had version 4 (If-Match is ahead of it): now version"
                + " 3, saved by admin@keyhouse.test").doesNotContain("changed since");
        assertThat(dev.keyhouse.input.StaleVersion.since(2, 3)).isEqualTo("changed since version 2: now version 3");
        assertThat(dev.keyhouse.input.StaleVersion.since(9, 3, "primaryVersion"))
                .isEqualTo("never had version 9 (primaryVersion is ahead of it): now version 3");
        // h19i point 5: more digits than any version is a version ahead too, named without a made-up number
        assertThat(dev.keyhouse.input.StaleVersion.tagVersion("\"99999999999999999999\"")).hasValue(
                dev.keyhouse.input.StaleVersion.BEYOND_ANY);
        assertThat(dev.keyhouse.input.StaleVersion.tagVersion("\"0007\"")).hasValue(7);
        assertThat(dev.keyhouse.input.StaleVersion.tagVersion("\"three\"")).isEmpty();
        assertThat(dev.keyhouse.input.StaleVersion.since(dev.keyhouse.input.StaleVersion.BEYOND_ANY, 3, "If-Match"))
                .isEqualTo("never had the version If-Match names (more digits than any version): now version 3");
        assertThat(new IfMatchRequired(ProviderKind.TTS).getMessage()).doesNotContain("e.g.")
                .contains("exactly as that GET returns it");
    }
}
