package dev.keyhouse.rotation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.keyhouse.crypto.KeyRing;

/**
 * The keys in effect and how many sealed values sit under each, including keys that are not configured.
 *
 * @param keys the current key, each previous key (also with no values), each configured key with values still under
 *        its legacy id, then every other key values name
 * @param underPreviousKeys values the job must move that a configured key opens: under a previous key or under the
 *        legacy (SHA-256) id of any configured key
 * @param underLegacyKeyIds the part of {@code underPreviousKeys} under a legacy id
 */
public record KeySummary(String currentKeyId, List<String> previousKeyIds, List<KeyCount> keys, long total,
        long underCurrentKey, long underPreviousKeys, long underUnknownKeys, long underLegacyKeyIds) {

    /** How a key stands in this process's key ring. */
    public enum Status {
        CURRENT("current", "current"), PREVIOUS("previous", "previous"),
        /** Values of a configured key still under the id an earlier Keyhouse derived with SHA-256: to re-encrypt. */
        LEGACY("configured, legacy id: re-encrypt", "legacy"),
        NOT_CONFIGURED("not configured", "unknown");

        private final String label;
        private final String metricTag;

        Status(String label, String metricTag) {
            this.label = label;
            this.metricTag = metricTag;
        }

        /** As the page and the API say it. */
        public String label() {
            return label;
        }

        /** The {@code status} tag of the {@code keyhouse_sealed_values} gauge. */
        public String metricTag() {
            return metricTag;
        }
    }

    /**
     * Values under one key; {@code keyId} as operators see it (8 hex digits). For {@link Status#LEGACY} it is the
     * key's id as this version derives it (the legacy id itself is shown nowhere), so a key may be listed twice.
     */
    public record KeyCount(String keyId, Status status, long values) {
    }

    /** @param counts values per unsigned key id, as {@code SELECT key_id, count(*) ... GROUP BY key_id} gives them */
    public static KeySummary of(KeyRing ring, Map<Long, Long> counts) {
        Map<Long, Long> rest = new TreeMap<>(counts);
        List<KeyCount> keys = new ArrayList<>();
        long current = valueOrZero(rest.remove(ring.currentKeyId()));
        keys.add(new KeyCount(KeyRing.hex(ring.currentKeyId()), Status.CURRENT, current));
        long previous = 0;
        for (long id : ring.previousKeyIds()) {
            long values = valueOrZero(rest.remove(id));
            previous += values;
            keys.add(new KeyCount(KeyRing.hex(id), Status.PREVIOUS, values));
        }
        long legacy = 0;
        for (long legacyId : ring.legacyKeyIds()) {
            long values = valueOrZero(rest.remove(legacyId));
            if (values > 0) {
                legacy += values;
                keys.add(new KeyCount(KeyRing.hex(ring.keyIdOfLegacy(legacyId).orElseThrow()), Status.LEGACY, values));
            }
        }
        long unknown = 0;
        for (Map.Entry<Long, Long> other : rest.entrySet()) {
            unknown += other.getValue();
            keys.add(new KeyCount(KeyRing.hex(other.getKey()), Status.NOT_CONFIGURED, other.getValue()));
        }
        return new KeySummary(KeyRing.hex(ring.currentKeyId()), ring.previousKeyIds().stream().map(KeyRing::hex).toList(),
                List.copyOf(keys), current + previous + legacy + unknown, current, previous + legacy, unknown, legacy);
    }

    public boolean hasPreviousKeys() {
        return !previousKeyIds.isEmpty();
    }

    private static long valueOrZero(Long value) {
        return value == null ? 0 : value;
    }
}
