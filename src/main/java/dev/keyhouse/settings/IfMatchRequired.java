package dev.keyhouse.settings;

import dev.keyhouse.input.StaleVersion;

import dev.keyhouse.web.KeyhouseException;

/**
 * A REST write (save or rollback) without If-Match: it would overwrite whatever another admin saved meanwhile. 428.
 * (A page form without its version is a 400 naming {@code version}: {@link dev.keyhouse.web.FormVersion}.)
 */
public final class IfMatchRequired extends KeyhouseException {

    IfMatchRequired(ProviderKind kind) {
        super(428, "send If-Match with the ETag of GET /api/v1/settings/" + kind.id()
                + " (" + StaleVersion.AS_GET_RETURNS_IT + "; \"0\" for a kind never configured)");
    }
}
