package dev.keyhouse.sharedsecrets;

import dev.keyhouse.input.StaleVersion;

import dev.keyhouse.web.TemplateExtensions;
import java.util.List;
import java.util.Map;

import dev.keyhouse.web.KeyhouseException;
import dev.keyhouse.web.TemplateExtensions;

/**
 * A shared-secret write refused as a whole, each naming the field at fault in the problem's {@code field} member:
 * 428 without If-Match, 412 with a stale or weak one, 409 when the name or variable is taken.
 */
public final class SharedSecretRefused extends KeyhouseException {

    /** What the pages say when the form's version is missing, unreadable or no longer current. */
    static final String RELOAD = "Nothing was saved. Reload the page and apply your change again.";

    private final transient Map<String, Object> extensions;
    private final String onThePage;

    private SharedSecretRefused(int status, String detail, Map<String, Object> extensions,
            String onThePage) {
        super(status, detail);
        this.extensions = Map.copyOf(extensions);
        this.onThePage = onThePage;
    }

    private SharedSecretRefused(int status, String detail, Map<String, Object> extensions) {
        this(status, detail, extensions, detail);
    }

    /**
     * The refusal in a page's words: no header name (If-Match) and no JSON member, e.g. "This shared secret changed
     * since you opened the form: …; reload". The problem's {@code detail} is the API's wording.
     */
    public String onThePage() {
        return onThePage;
    }

    /** 400 on a page: its form does not carry a version it was rendered for (a page's If-Match). */
    static SharedSecretRefused formVersion() {
        String text = "This form does not say which version of the shared secret it changes. " + RELOAD;
        return new SharedSecretRefused(400, text, Map.of("field", "version"), text);
    }

    /**
     * 400 on a page: its form's version is ahead of the current one, so no page ever showed it (not a stale page).
     */
    static SharedSecretRefused noSuchVersion(long given, long current) {
        String text = "version " + given + " does not exist (current is " + current + "); reload the page.";
        return new SharedSecretRefused(400, text, Map.of("field", "version"), text);
    }

    /** The status a page answers with: 409 for a stale version (a page re-rendered, as every page's), REST's 412. */
    int pageStatus() {
        return status() == 412 ? 409 : status();
    }

    /** 428: a write without If-Match would overwrite whatever another admin saved meanwhile. */
    static SharedSecretRefused ifMatchRequired(long id) {
        return new SharedSecretRefused(428, "send If-Match with the ETag of GET "
                + SharedSecretsResource.PATH + "/" + id + ", " + StaleVersion.AS_GET_RETURNS_IT, Map.of("field", "If-Match"));
    }

    /** 412: a weak tag never matches (RFC 9110, section 13.1.1: If-Match compares strongly). */
    static SharedSecretRefused weak() {
        return new SharedSecretRefused(412, "If-Match: a weak entity tag never matches (RFC"
                + " 9110, section 13.1.1); nothing was saved. Send the ETag of GET, " + StaleVersion.AS_GET_RETURNS_IT,
                Map.of("field", "If-Match"));
    }

    /** 412: the shared secret changed since the version the caller had. */
    static SharedSecretRefused stale(SharedSecret current, long expected) {
        return stale(current.name, current.version, current.updatedBy, current.updatedAt, expected);
    }

    /** 412, as {@link #stale(SharedSecret, long)}, from what a page read. */
    static SharedSecretRefused stale(SharedSecrets.View current, long expected) {
        return stale(current.name(), current.version(), current.updatedBy(), current.updatedAt(), expected);
    }

    private static SharedSecretRefused stale(String name, long version, String updatedBy, java.time.Instant updatedAt,
            long expected) {
        return new SharedSecretRefused(412, "shared secret " + name + " "
                + StaleVersion.since(expected, version) + ", saved by " + updatedBy + " at " + TemplateExtensions.utc(updatedAt) + ". Nothing"
                + " was saved; load it again and apply your change again.",
                Map.of("field", "If-Match", "currentVersion", version),
                "This shared secret changed since you opened the form: now version " + version + ", saved by "
                        + updatedBy + " at " + TemplateExtensions.utc(updatedAt) + ". " + RELOAD);
    }

    /** 409: {@code field}'s value is already used by {@code holder}, named in the detail. */
    static SharedSecretRefused taken(String field, String detail, String holder) {
        return new SharedSecretRefused(409, detail, Map.of("field", field, "conflictsWith", holder));
    }

    /**
     * 409: the write would leave targets that depend on no provider kind using no shared secret either, which a target
     * save refuses (issue 19): they would depend on nothing.
     */
    static SharedSecretRefused orphans(String name, List<String> targets) {
        return new SharedSecretRefused(409, "shared secret " + name + " is the only dependency of "
                + String.join(", ", targets) + " (no provider kind, no other shared secret): give "
                + (targets.size() == 1 ? "it" : "each") + " a provider kind first. Nothing was saved.",
                Map.of("field", "targets"));
    }

    @Override
    public Map<String, Object> extensions() {
        return extensions;
    }
}
