package dev.keyhouse.checks;

import java.net.URI;

/**
 * Deriving a provider's documented endpoint from a setting's base URL: a check calls the host the runtimes call (a
 * proxy or a regional host keeps working), never a hard-coded one.
 */
final class BaseUrls {

    private BaseUrls() {
    }

    /** {@code url} without trailing slashes. */
    static String trimSlash(String url) {
        String trimmed = url;
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }

    /**
     * {@code path} under the base URL: {@code https://api.openai.com/v1/} and {@code /models} make
     * {@code https://api.openai.com/v1/models}.
     *
     * @param path starting with {@code /}, any query already encoded
     * @throws IllegalArgumentException naming {@code baseUrl} (never its value) when it is not an absolute URL
     */
    static URI under(String baseUrl, String path) {
        String base = trimSlash(baseUrl);
        parse(base);
        return parse(base + path);
    }

    /**
     * The base URL's scheme and authority followed by {@code path}; the base's own path, query and fragment are
     * dropped.
     *
     * @param path absolute, starting with {@code /}, any query already encoded
     * @throws IllegalArgumentException naming {@code baseUrl} (never its value) when it is not an absolute URL
     */
    static URI atOrigin(String baseUrl, String path) {
        URI base = parse(baseUrl);
        return parse(base.getScheme() + "://" + base.getRawAuthority() + path);
    }

    /**
     * The base URL's path without trailing slashes ("" for none).
     *
     * @throws IllegalArgumentException naming {@code baseUrl} when it is not an absolute URL
     */
    static String path(String baseUrl) {
        String path = parse(baseUrl).getRawPath();
        return path == null ? "" : trimSlash(path);
    }

    /** {@code path} without its last segment when that is {@code segment} ({@code /v1beta/openai} to {@code /v1beta}). */
    static String withoutLastSegment(String path, String segment) {
        return path.endsWith("/" + segment) ? path.substring(0, path.length() - segment.length() - 1) : path;
    }

    private static URI parse(String baseUrl) {
        URI base;
        try {
            base = URI.create(baseUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("baseUrl is not a URL");
        }
        if (base.getScheme() == null || base.getRawAuthority() == null) {
            throw new IllegalArgumentException("baseUrl is not an absolute URL");
        }
        return base;
    }
}
