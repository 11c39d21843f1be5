package dev.keyhouse.egress;

import java.io.IOException;

/**
 * The egress policy refused a host before any connection was opened; the message names the host and why (never a
 * secret: hosts and addresses only).
 */
public final class EgressRefused extends IOException {

    private static final long serialVersionUID = 1L;

    public EgressRefused(String message) {
        super(message);
    }
}
