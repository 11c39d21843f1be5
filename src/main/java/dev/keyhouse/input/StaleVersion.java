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
     * The version a sent ETag names, as {@link #tagVersion} reads it, for a version with more digits than any version
     * has: ahead of every version, answered as any version ahead (412 "never had version …"), never as bad input.
     */
    public static final long BEYOND_ANY = Long.MAX_VALUE;

    /**
     * The version in an If-Match value once a weak tag was refused: {@code "3"} or {@code 3} is 3; digits beyond any
     * version ({@code "99999999999999999999"}) are {@link #BEYOND_ANY}.
     *
     * @return empty when it is no version (the caller answers 400 with {@link #notAVersion})
     */
    public static java.util.OptionalLong tagVersion(String ifMatch) {
        String tag = ifMatch.strip();
        if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
            tag = tag.substring(1, tag.length() - 1);
        }
        if (!tag.matches("[0-9]{1,1000}")) {
            return java.util.OptionalLong.empty();
        }
        String digits = tag.replaceFirst("^0+(?=.)", "");
        return java.util.OptionalLong.of(digits.length() > 18 ? BEYOND_ANY : Long.parseLong(digits));
    }

    /**
     * The version a JSON body member names ({@code primaryVersion}, a rollback's {@code version}) as
     * {@link #tagVersion} reads a tag: a whole number from 0 is itself; one with more digits than any version has (Jackson reads it as a
     * {@link java.math.BigInteger}) is {@link #BEYOND_ANY}, so a body and If-Match answer the same number alike.
     *
     * @return empty when it is no whole number from 0 (a string, a fraction, a negative number, true, a list)
     */
    public static java.util.OptionalLong bodyVersion(Object value) {
        if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0) {
            return java.util.OptionalLong.of(((Number) value).longValue());
        }
        if (value instanceof java.math.BigInteger big && big.signum() > 0) {
            return java.util.OptionalLong.of(BEYOND_ANY);
        }
        return java.util.OptionalLong.empty();
    }

    /** Why an If-Match value is no version (400), asking for the ETag of {@code GET path} exactly as it is. */
    public static String notAVersion(String path) {
        return "is not a version: send the ETag of GET " + path + " " + AS_GET_RETURNS_IT;
    }

    /**
     * "changed since version 2: now version 4", or, for a version the thing never had ({@code expected} ahead of
     * {@code current}), "never had version 4 (If-Match is ahead of it): now version 3".
     */
    public static String since(long expected, long current) {
        return since(expected, current, "If-Match");
    }

    /**
     * As {@link #since(long, long)}, naming where the version was sent ({@code If-Match}, {@code primaryVersion}) when
     * it is ahead.
     */
    public static String since(long expected, long current, String sentIn) {
        if (expected <= current) {
            return "changed since version " + expected + ": now version " + current;
        }
        return (expected == BEYOND_ANY ? "never had the version " + sentIn + " names (more digits than any version)"
                : "never had version " + expected + " (" + sentIn + " is ahead of it)") + ": now version " + current;
    }
}
