package dev.keyhouse.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

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

    /** {@code {value.urlEncoded}}: a query-string value. */
    public static String urlEncoded(String value) {
        return value == null ? "" : URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
