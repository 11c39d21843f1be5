package dev.keyhouse.checks;

import java.net.URI;
import java.util.Map;

/**
 * One HTTP call a check makes. The key travels in a header wherever the provider allows it (never in the URL then).
 *
 * @param method {@code GET} or {@code POST}
 * @param uri absolute, from the setting's base URL or the provider's documented one
 * @param headers the provider's documented authentication headers and any others it needs
 * @param body null for none; otherwise JSON
 */
public record ProviderCall(String method, URI uri, Map<String, String> headers, byte[] body) {

    public static ProviderCall get(URI uri, Map<String, String> headers) {
        return new ProviderCall("GET", uri, headers, null);
    }

    public static ProviderCall postJson(URI uri, Map<String, String> headers, String json) {
        return new ProviderCall("POST", uri, headers, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        // headers carry the key; the query may too (Google)
        return "ProviderCall[" + method + " " + dev.keyhouse.egress.Egress.safeUrl(uri) + "]";
    }
}
