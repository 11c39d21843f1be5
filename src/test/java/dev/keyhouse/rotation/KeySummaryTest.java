package dev.keyhouse.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.crypto.KeyRing;

/** Values under the legacy (SHA-256) id of a configured key count as not yet moved, for every configured key. */
class KeySummaryTest {

    private static final String CURRENT = KeyRing.generateKey();
    private static final String PREVIOUS = KeyRing.generateKey();
    private static final String GONE = KeyRing.generateKey();

    private static long legacy(String key) {
        return KeyRing.legacyKeyIdOf(Base64.getDecoder().decode(key));
    }

    private static long keyed(String key) {
        return KeyRing.keyIdOf(Base64.getDecoder().decode(key));
    }

    @Test
    void legacyValuesOfTheCurrentAndAPreviousKeyKeepThePreviousKeyFromBeingRetired() {
        KeyRing ring = KeyRing.of(CURRENT, List.of(PREVIOUS));
        KeySummary summary = KeySummary.of(ring, Map.of(keyed(CURRENT), 10L, legacy(CURRENT), 3L, legacy(PREVIOUS), 2L));

        assertThat(summary.underCurrentKey()).isEqualTo(10);
        assertThat(summary.underPreviousKeys()).as("legacy values are still to move").isEqualTo(5);
        assertThat(summary.underLegacyKeyIds()).isEqualTo(5);
        assertThat(summary.underUnknownKeys()).isZero();
        assertThat(summary.total()).isEqualTo(15);
        assertThat(summary.keys()).containsExactly(
                new KeySummary.KeyCount(KeyRing.hex(keyed(CURRENT)), KeySummary.Status.CURRENT, 10),
                new KeySummary.KeyCount(KeyRing.hex(keyed(PREVIOUS)), KeySummary.Status.PREVIOUS, 0),
                new KeySummary.KeyCount(KeyRing.hex(keyed(CURRENT)), KeySummary.Status.LEGACY, 3),
                new KeySummary.KeyCount(KeyRing.hex(keyed(PREVIOUS)), KeySummary.Status.LEGACY, 2));
        assertThat(summary.previousKeyIds()).containsExactly(KeyRing.hex(keyed(PREVIOUS)));
        assertThat(Overview.of(summary, null, List.of()).previousKeyRetirable()).isFalse();
        assertThat(NextStep.overall(summary, null)).contains("legacy (SHA-256) id", "start the job",
                KeyRing.hex(keyed(CURRENT)));
    }

    @Test
    void aLegacyValueOfAKeyNoLongerConfiguredIsUnknownAndNoLegacyEntryIsListedWithoutValues() {
        KeyRing ring = KeyRing.of(CURRENT, List.of());
        KeySummary summary = KeySummary.of(ring, Map.of(keyed(CURRENT), 4L, legacy(GONE), 1L));

        assertThat(summary.underUnknownKeys()).isEqualTo(1);
        assertThat(summary.underLegacyKeyIds()).isZero();
        assertThat(summary.keys()).extracting(KeySummary.KeyCount::status)
                .containsExactly(KeySummary.Status.CURRENT, KeySummary.Status.NOT_CONFIGURED);
        assertThat(NextStep.overall(KeySummary.of(ring, Map.of(keyed(CURRENT), 4L)), null))
                .contains("nothing to retire");
    }
}
