package dev.keyhouse.web;

/** The thing asked for does not exist. */
public final class NotFound extends KeyhouseException {

    /** @param what the thing, e.g. "shared secret 12": the detail reads "shared secret 12 does not exist" */
    public NotFound(String what) {
        this(what, true);
    }

    private NotFound(String text, boolean thing) {
        super(404, thing ? text + " does not exist" : text);
    }

    /**
     * A 404 whose detail is {@code sentence} as written, for what "… does not exist" does not fit: "llm has no
     * provider entry 12", "livekit has no provider entries (…)".
     */
    public static NotFound saying(String sentence) {
        return new NotFound(sentence, false);
    }
}
