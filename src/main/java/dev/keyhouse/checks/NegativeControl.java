package dev.keyhouse.checks;

import java.util.Locale;

/**
 * What the provider did with a decoy: the same call with a deliberately invalid key of the same shape. Only a
 * provider that rejects the decoy can vouch for the real key.
 */
public enum NegativeControl {
    /** The decoy was refused as an invalid key: the call really checks the key. */
    REJECTED,
    /** The decoy was not refused as invalid (accepted, or answered like the real key, or no answer): a success proves nothing. */
    ACCEPTED,
    /** No decoy was sent: the real key got no answer, or the provider has no check. */
    NOT_RUN;

    /** {@code rejected}, {@code accepted}, {@code not_run}. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
