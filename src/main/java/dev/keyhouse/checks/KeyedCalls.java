package dev.keyhouse.checks;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The calls of checks that send one key in one header: where the call goes and how the key travels. The setting's
 * base URL is used when set (a self-hosted or regional endpoint, or a stand-in in tests), else the provider's
 * documented one; a base given with the API version already on it ({@code https://api.deepgram.com/v1}) is accepted
 * too: the version is not doubled.
 */
final class KeyedCalls {

    private KeyedCalls() {
    }

    /**
     * {@code GET} of {@code path} under the target's {@code baseUrl} (or {@code defaultBase}) with the target's
     * {@code apiKey} in {@code header}, after {@code scheme} (e.g. {@code "Token "}; empty for the bare key), and
     * {@code Accept: application/json}.
     *
     * @throws IllegalArgumentException naming the field when {@code apiKey} is unset or {@code baseUrl} is not an
     *         absolute URL
     */
    static List<ProviderCall> get(CheckTarget target, String defaultBase, String path, String header, String scheme) {
        String key = target.value("apiKey");
        if (key == null) {
            throw new IllegalArgumentException("apiKey is not set");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(header, scheme + key);
        headers.put("Accept", "application/json");
        return List.of(ProviderCall.get(resolve(target.value("baseUrl"), defaultBase, path), headers));
    }

    /**
     * @param base the setting's base URL; null or blank for the provider's default
     * @param defaultBase the provider's documented base, no trailing slash, e.g. {@code https://api.deepgram.com}
     * @param path the call's path from the host, starting with the version when it has one, e.g. {@code /v1/projects}
     * @throws IllegalArgumentException when the base is not an absolute URL (the message names the field, never the
     *         value)
     */
    static URI resolve(String base, String defaultBase, String path) {
        String root = BaseUrls.trimSlash(base == null || base.isBlank() ? defaultBase : base.strip());
        int version = path.indexOf('/', 1);
        if (version > 0 && root.endsWith(path.substring(0, version))) {
            root = root.substring(0, root.length() - version);
        }
        URI uri;
        try {
            uri = URI.create(root + path);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !uri.isAbsolute() || uri.getHost() == null) {
            throw new IllegalArgumentException("baseUrl is not an absolute URL");
        }
        return uri;
    }
}
