package dev.keyhouse.web;

import java.util.Map;

/** The request clashes with the current state (a running job, a stale version). */
public final class Conflict extends KeyhouseException {

    private final Map<String, Object> extensions;

    public Conflict(String detail) {
        this(detail, Map.of());
    }

    /** @param extensions problem+json members that name what it clashes with, e.g. {@code runningJob} */
    public Conflict(String detail, Map<String, Object> extensions) {
        super(409, detail);
        this.extensions = Map.copyOf(extensions);
    }

    @Override
    public Map<String, Object> extensions() {
        return extensions;
    }
}
