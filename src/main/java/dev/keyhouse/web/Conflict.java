package dev.keyhouse.web;

/** The request clashes with the current state (a running job, a stale version). */
public final class Conflict extends KeyhouseException {

    public Conflict(String detail) {
        super(409, "Conflict", detail);
    }
}
