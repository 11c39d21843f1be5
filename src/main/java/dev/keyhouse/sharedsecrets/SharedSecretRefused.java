package dev.keyhouse.sharedsecrets;

import dev.keyhouse.web.TemplateExtensions;
import java.util.Map;

import dev.keyhouse.web.KeyhouseException;

/**
 * A shared-secret write refused as a whole, each naming the field at fault in the problem's {@code field} member:
 * 428 without If-Match, 412 with a stale or weak one, 409 when the name or variable is taken.
 */
public final class SharedSecretRefused extends KeyhouseException {

    private final transient Map<String, Object> extensions;

    private SharedSecretRefused(int status, String title, String detail, Map<String, Object> extensions) {
        super(status, title, detail);
        this.extensions = Map.copyOf(extensions);
    }

    /** 428: a write without If-Match would overwrite whatever another admin saved meanwhile. */
    static SharedSecretRefused ifMatchRequired(long id) {
        return new SharedSecretRefused(428, "Precondition Required", "send If-Match with the ETag of GET "
                + SharedSecretsResource.PATH + "/" + id + " (e.g. If-Match: \"3\")", Map.of("field", "If-Match"));
    }

    /** 412: a weak tag never matches (RFC 9110, section 13.1.1: If-Match compares strongly). */
    static SharedSecretRefused weak() {
        return new SharedSecretRefused(412, "Precondition Failed", "If-Match: a weak entity tag never matches (RFC"
                + " 9110, section 13.1.1); nothing was saved. Send the ETag as GET returns it, e.g. If-Match: \"3\"",
                Map.of("field", "If-Match"));
    }

    /** 412: the shared secret changed since the version the caller had. */
    static SharedSecretRefused stale(SharedSecret current, long expected) {
        return new SharedSecretRefused(412, "Precondition Failed", "shared secret " + current.name
                + " changed since version " + expected + ": now version " + current.version + ", saved by "
                + current.updatedBy + " at " + TemplateExtensions.utc(current.updatedAt)
                + ". Nothing was saved; load it again and apply your"
                + " change again.", Map.of("field", "If-Match", "currentVersion", current.version));
    }

    /** 409: {@code field}'s value is already used by {@code holder}, named in the detail. */
    static SharedSecretRefused taken(String field, String detail, String holder) {
        return new SharedSecretRefused(409, "Conflict", detail, Map.of("field", field, "conflictsWith", holder));
    }

    @Override
    public Map<String, Object> extensions() {
        return extensions;
    }
}
