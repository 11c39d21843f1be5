package dev.keyhouse.web;

/** The thing asked for does not exist. */
public final class NotFound extends KeyhouseException {

    public NotFound(String what) {
        super(404, what + " does not exist");
    }
}
