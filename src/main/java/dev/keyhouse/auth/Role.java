package dev.keyhouse.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What a signed-in user or token may do. */
public enum Role {
    /** May change anything. */
    ADMIN,
    /** May read every page and GET endpoint, change nothing. */
    VIEWER;

    /** Role names as {@code @RolesAllowed} and the database spell them. */
    public static final String ADMIN_NAME = "admin";
    public static final String VIEWER_NAME = "viewer";

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> parse(String value) {
        return Arrays.stream(values()).filter(r -> r.id().equals(value)).findFirst();
    }
}
