package dev.keyhouse.settings;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A kind's fallback entries as runtimes received them at one moment (issue 19): what a rollout keeps the runtimes it
 * has not moved yet on, with the kind's primary version, so they never get the earlier primary with the newer
 * fallbacks.
 *
 * @param rows the {@code provider_entry_versions} ids of the kind's enabled fallbacks' versions then, in served order
 *        (position 1 first); empty when it had none
 * @param upTo the id of the newest {@code provider_entry_versions} row of the kind then (0: none), so the
 *        configuration version counts the kind's entry history up to it, as it did then
 */
public record HeldFallbacks(List<Long> rows, long upTo) {

    public HeldFallbacks {
        rows = List.copyOf(rows);
    }

    /** {@link #rows} as stored in {@code restart_runs.held_entries}: ids separated by commas, empty for none. */
    public String rowsText() {
        return rows.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /**
     * The stored form back: {@code held_entries} and {@code held_entries_upto}.
     *
     * @return null when {@code rows} is null (a run planned before V23, which held the primary only)
     * @throws NumberFormatException when {@code rows} is not ids separated by commas (never written so)
     */
    public static HeldFallbacks of(String rows, Number upTo) {
        if (rows == null) {
            return null;
        }
        return new HeldFallbacks(rows.isEmpty() ? List.of()
                : Arrays.stream(rows.split(",")).map(Long::valueOf).toList(), upTo == null ? 0 : upTo.longValue());
    }

    /** A short key for caches: {@code 12,15@17}. */
    String key() {
        return rowsText() + "@" + upTo;
    }
}
