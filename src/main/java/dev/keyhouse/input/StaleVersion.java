package dev.keyhouse.input;

/**
 * How a refused precondition (412, RFC 9110 section 13.1.1) names the version the caller sent against the current one,
 * in one wording for settings, provider entries and shared secrets.
 */
public final class StaleVersion {

    /** How a 428 or a weak tag's 412 asks for If-Match: the ETag exactly as GET returns it, never a sample number that would itself be stale. */
    public static final String AS_GET_RETURNS_IT = "exactly as that GET returns it: the current version in double"
            + " quotes";

    private StaleVersion() {
    }

    /**
     * "changed since version 2: now version 4", or, for a version the thing never had ({@code expected} ahead of
     * {@code current}), "never had version 4 (If-Match is ahead of it): now version 3".
     */
    public static String since(long expected, long current) {
        return expected > current
                ? "never had version " + expected + " (If-Match is ahead of it): now version " + current
                : "changed since version " + expected + ": now version " + current;
    }
}
