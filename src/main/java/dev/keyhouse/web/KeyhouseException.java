package dev.keyhouse.web;

/** A failure with a status and a message safe to show to the caller; mapped to problem+json or a page. */
public abstract class KeyhouseException extends RuntimeException {

    private final int status;
    private final String title;

    protected KeyhouseException(int status, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** Members a problem+json body carries besides status, title and detail; none by default. */
    public java.util.Map<String, Object> extensions() {
        return java.util.Map.of();
    }
}
