package dev.keyhouse.egress;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a URL sends what it is given: its origin, {@code scheme://host:port} (RFC 6454), lower-cased, the scheme's
 * default port written out and a trailing dot dropped, so {@code https://A:443/x} and {@code https://a/y} are one
 * origin. User info is not part of it: in {@code https://a@b} the host is {@code b}. A stored secret bound to a URL
 * follows it only within one origin.
 */
public final class Origin {

    private Origin() {
    }

    /** The origin of {@code url}; a URL that does not parse to a host is its own text (any change counts). */
    public static String of(String url) {
        if (url == null || url.isBlank()) {
            return "";
        }
        try {
            URI uri = new URI(url.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String host = Egress.host(uri);
            if (host == null) {
                return url;
            }
            host = host.toLowerCase(Locale.ROOT);
            if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
            int port = uri.getPort() >= 0 ? uri.getPort() : switch (scheme) {
                case "http" -> 80;
                case "https" -> 443;
                default -> -1;
            };
            return scheme + "://" + host + ":" + port;
        } catch (URISyntaxException e) {
            return url;
        }
    }
}
