package dev.keyhouse.web;

/**
 * The refusal of a toggle-like action asked of something that already is so (disable a disabled user, revoke a
 * revoked token, enable an enabled target, release a target not on hold, ...): 409, nothing changed, no audit entry,
 * no restart. One sentence, the same on the page (the layout's error notice) and in the API's problem+json detail,
 * e.g. "User bob@example.com is already disabled: nothing was changed."
 */
public final class AlreadySo {

    private AlreadySo() {
    }

    /**
     * @param what the thing in words, e.g. "User bob@example.com", "API token ci"
     * @param state what it already is, e.g. "disabled", "revoked", "not on hold"
     * @return the 409 to throw
     */
    public static Conflict conflict(String what, String state) {
        return new Conflict(what + " is already " + state + ": nothing was changed.");
    }
}
