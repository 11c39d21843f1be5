package dev.keyhouse.settings;

import dev.keyhouse.input.StaleVersion;

import dev.keyhouse.web.KeyhouseException;

/**
 * A write (save or rollback) without If-Match, or a rollback form without its version: it would overwrite whatever
 * another admin saved meanwhile. 428.
 */
public final class IfMatchRequired extends KeyhouseException {

    IfMatchRequired(ProviderKind kind) {
        super(428, "send If-Match with the ETag of GET /api/v1/settings/" + kind.id()
                + " (" + StaleVersion.AS_GET_RETURNS_IT + "; \"0\" for a kind never configured)");
    }

    private IfMatchRequired(String detail) {
        super(428, detail);
    }

    /** The settings page's twin: a rollback form without the version it was rendered for. */
    static IfMatchRequired onThePage() {
        return new IfMatchRequired("the form does not say which version it rolls back from (version); reload the "
                + "page and try again");
    }
}
