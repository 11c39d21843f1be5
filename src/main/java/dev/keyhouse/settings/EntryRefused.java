package dev.keyhouse.settings;

import dev.keyhouse.input.StaleVersion;

import dev.keyhouse.web.TemplateExtensions;
import java.util.Map;

import dev.keyhouse.web.KeyhouseException;

/**
 * A write of a provider entry refused for its precondition, naming {@code If-Match} in the problem's {@code field}
 * member: 428 without If-Match, 412 with a weak or stale one (nothing written).
 */
public final class EntryRefused extends KeyhouseException {

    private final transient Map<String, Object> extensions;

    private EntryRefused(int status, String detail, Map<String, Object> extensions) {
        super(status, detail);
        this.extensions = Map.copyOf(extensions);
    }

    /** 428: a write without If-Match would overwrite whatever another admin saved meanwhile. */
    static EntryRefused ifMatchRequired(String path) {
        return new EntryRefused(428, "send If-Match with the ETag of GET " + path
                + ", " + StaleVersion.AS_GET_RETURNS_IT, Map.of("field", "If-Match"));
    }

    /** 412: a weak tag never matches (RFC 9110, section 13.1.1: If-Match compares strongly). */
    static EntryRefused weak() {
        return new EntryRefused(412, "If-Match: a weak entity tag never matches (RFC 9110,"
                + " section 13.1.1); nothing was saved. Send the ETag of GET, " + StaleVersion.AS_GET_RETURNS_IT,
                Map.of("field", "If-Match"));
    }

    /** 412: the entry changed since the version the caller had. */
    static EntryRefused stale(ProviderEntry current, long expected) {
        return new EntryRefused(412, current.kind + " fallback " + current.id
                + " " + StaleVersion.since(expected, current.version) + ", saved by "
                + current.updatedBy + " at " + TemplateExtensions.utc(current.updatedAt)
                + ". Nothing was saved; load it again and apply"
                + " your change again.", Map.of("field", "If-Match", "currentVersion", current.version));
    }

    /** 428: a make-primary without the primary's version would move a primary the caller may not have seen. */
    static EntryRefused primaryVersionRequired(ProviderKind kind) {
        return new EntryRefused(428, "send {\"primaryVersion\": N} with the primary's"
                + " version (its version in GET /api/v1/settings/" + kind.id() + "/providers, or the ETag of GET"
                + " /api/v1/settings/" + kind.id() + "): making a fallback primary moves the primary too",
                Map.of("field", "primaryVersion"));
    }

    /** 412: the kind's primary changed since the version the caller had (another make-primary, a save). */
    static EntryRefused primaryChanged(ProviderKind kind, ProviderSetting current, long expected) {
        return new EntryRefused(412, kind.id() + " primary "
                + StaleVersion.since(expected, current.version, "primaryVersion") + " (" + current.values().provider
                + "), saved by " + current.updatedBy
                + " at " + TemplateExtensions.utc(current.updatedAt) + ". Nothing was saved; load the entries again"
                + " and decide again.", Map.of("field", "primaryVersion", "currentVersion", current.version));
    }

    @Override
    public Map<String, Object> extensions() {
        return extensions;
    }
}
