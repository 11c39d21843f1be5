package dev.keyhouse.auth;

import java.util.Optional;

import io.quarkus.security.identity.SecurityIdentity;

/** Attributes Keyhouse puts on a security identity, and how to read who acted. */
public final class Identities {

    /** The {@code users.id} of a signed-in user. */
    public static final String USER_ID = "keyhouse.user-id";
    /** The {@code api_tokens.id} of an API token. */
    public static final String API_TOKEN_ID = "keyhouse.api-token-id";

    private Identities() {
    }

    public static Optional<Long> userId(SecurityIdentity identity) {
        return Optional.ofNullable(identity.getAttribute(USER_ID));
    }

    /** Who acted, as the audit log names them: an e-mail or {@code token:<name>}. */
    public static String actor(SecurityIdentity identity) {
        return identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName();
    }
}
