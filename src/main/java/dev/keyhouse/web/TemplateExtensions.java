package dev.keyhouse.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import io.quarkus.qute.TemplateExtension;

/** Small helpers templates need. */
@TemplateExtension
public final class TemplateExtensions {

    private TemplateExtensions() {
    }

    /** {@code {value.urlEncoded}}: a query-string value. */
    public static String urlEncoded(String value) {
        return value == null ? "" : URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
