package dev.keyhouse.settings;

import dev.keyhouse.web.KeyhouseException;

/** A write without If-Match: it would overwrite whatever another admin saved meanwhile. */
public final class IfMatchRequired extends KeyhouseException {

    IfMatchRequired(ProviderKind kind) {
        super(428, "Precondition Required", "send If-Match with the ETag of GET /api/v1/settings/" + kind.id()
                + " (e.g. If-Match: \"3\"; \"0\" for a kind never configured)");
    }
}
