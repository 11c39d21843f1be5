package dev.keyhouse.web;

/** A failure with a status and a message safe to show to the caller; mapped to problem+json or a page. */
public abstract class KeyhouseException extends RuntimeException {

    private final int status;

    protected KeyhouseException(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** The status's title, as every answer of that status has it ({@link ErrorWording#title}). */
    public String title() {
        return ErrorWording.title(status);
    }

    /** Members a problem+json body carries besides status, title and detail; none by default. */
    public java.util.Map<String, Object> extensions() {
        return java.util.Map.of();
    }
}
