package dev.keyhouse.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import io.quarkus.qute.RawString;
import io.quarkus.qute.TemplateExtension;

/** Small helpers templates need. */
@TemplateExtension
public final class TemplateExtensions {

    /** Whole seconds in UTC, named: {@code 2026-12-01 05:23:42 UTC}. */
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private TemplateExtensions() {
    }

    /**
     * {@code {instant.utc}}: a time as people read it, to the second and in UTC ({@code 2026-12-01 05:23:42 UTC});
     * empty for null. The exact instant belongs in a {@code <time datetime>} beside it.
     */
    public static String utc(Instant at) {
        return at == null ? "" : UTC.format(at);
    }

    /** {@code {iso.utc}}: as {@link #utc(Instant)} for an ISO 8601 instant already made text; empty for null. */
    public static String utc(String iso) {
        return iso == null || iso.isBlank() ? "" : utc(Instant.parse(iso));
    }

    /**
     * {@code {instant.time}}: a time shown to people, {@code <time datetime="2026-12-01T05:23:42.123456Z">2026-12-01
     * 05:23:42 UTC</time>}: {@link #utc} as the text, the exact instant (ISO 8601) only in the attribute. Empty for
     * null; a template writes its own placeholder ("—", "never") for a missing time.
     */
    public static RawString time(Instant at) {
        // Instant.toString and the pattern hold digits, '-', ':', '.', 'T', 'Z', ' ' and "UTC": nothing to escape
        return new RawString(at == null ? "" : "<time datetime=\"" + at + "\">" + utc(at) + "</time>");
    }

    /** {@code {iso.time}}: as {@link #time(Instant)} for an ISO 8601 instant already made text (check results). */
    public static RawString time(String iso) {
        return iso == null || iso.isBlank() ? new RawString("") : time(Instant.parse(iso));
    }

    /** {@code {value.urlEncoded}}: a query-string value. */
    public static String urlEncoded(String value) {
        return value == null ? "" : URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
