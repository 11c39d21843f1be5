package dev.keyhouse.rotation;

import java.util.Arrays;
import java.util.Locale;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Where a re-encryption job is. */
public enum JobState {
    /** Walking; some replica holds the job lock. */
    RUNNING,
    /** Walked every value it could reach and could read every one it had to rewrite. */
    SUCCEEDED,
    /**
     * Walked to the end, but some values could not be read (see its failures) or stayed locked by another
     * transaction through every sweep (still under a previous key), or it stopped on an error.
     */
    FAILED,
    /** Stopped part-way (the process died or shut down); what it rewrote is committed, the rest is not. */
    INTERRUPTED;

    /** As the database, the API and the page spell it: {@code running}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobState of(String id) {
        return Arrays.stream(values()).filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalStateException("unknown rotation job state " + id));
    }

    /** Stores states as their lower-case ids, matching the CHECK constraint. */
    @Converter
    public static class Column implements AttributeConverter<JobState, String> {

        @Override
        public String convertToDatabaseColumn(JobState state) {
            return state == null ? null : state.id();
        }

        @Override
        public JobState convertToEntityAttribute(String value) {
            return value == null ? null : JobState.of(value);
        }
    }
}
