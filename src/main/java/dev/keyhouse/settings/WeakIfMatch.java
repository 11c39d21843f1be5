package dev.keyhouse.settings;

import dev.keyhouse.input.StaleVersion;

import dev.keyhouse.web.KeyhouseException;

/**
 * A write whose If-Match is a weak entity tag ({@code W/"3"}): If-Match uses the strong comparison, so a weak tag
 * never matches (RFC 9110, section 13.1.1) and nothing is written. 412, saying which tag to send.
 */
public final class WeakIfMatch extends KeyhouseException {

    WeakIfMatch(ProviderKind kind) {
        super(412, "If-Match: a weak entity tag never matches (RFC 9110, section 13.1.1: "
                + "If-Match compares strongly); nothing was saved. Send the ETag of GET /api/v1/settings/" + kind.id()
                + ", " + StaleVersion.AS_GET_RETURNS_IT);
    }
}
