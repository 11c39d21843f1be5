package dev.keyhouse.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The browser origins Quarkus' CORS filter lets call Keyhouse cross-origin: {@code CORS_ORIGINS} (comma-separated)
 * or, when it is unset, the loopback origins on {@code HTTP_PORT}; plus {@code http://<CORS_LAN_IP>:<HTTP_PORT>}
 * when that is set. Same-origin requests are always allowed; any other origin is refused by the filter (403).
 */
public final class CorsOrigins {

    private static final Pattern IPV4 = Pattern
            .compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final String ORIGIN_SHAPE = "scheme://host[:port] with http or https and no path, e.g. "
            + "https://admin.example.com";

    private CorsOrigins() {
    }

    /**
     * The allowed origins, normalised as browsers send them (lower case, no default port), without duplicates.
     * Entries that are not origins are left out: the start-up check refuses them by name before this matters.
     *
     * @param origins CORS_ORIGINS, or null/blank for the loopback default
     * @param lanIp CORS_LAN_IP, or null/blank for none
     * @param port HTTP_PORT
     */
    public static List<String> allowed(String origins, String lanIp, int port) {
        LinkedHashSet<String> allowed = new LinkedHashSet<>();
        if (origins == null || origins.isBlank()) {
            allowed.addAll(loopback(port));
        } else {
            for (String entry : origins.split(",")) {
                normalise(entry.strip()).ifPresent(allowed::add);
            }
        }
        if (lanIp != null && IPV4.matcher(lanIp.strip()).matches()) {
            allowed.add(http(lanIp.strip(), port));
        }
        return List.copyOf(allowed);
    }

    /** The default when CORS_ORIGINS is unset: http://localhost, 127.0.0.1 and [::1] on the port. */
    public static List<String> loopback(int port) {
        return List.of(http("localhost", port), http("127.0.0.1", port), http("[::1]", port));
    }

    /** Why a CORS_ORIGINS value is refused, naming the variable and the entry's position but never a value. */
    public static Optional<String> originsProblem(String name, String value) {
        String[] entries = value.split(",", -1);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            if (entry.equals("*") || (entry.startsWith("/") && entry.endsWith("/") && entry.length() > 1)) {
                return Optional.of(name + " entry " + (i + 1) + " is a wildcard or pattern: list each origin ("
                        + ORIGIN_SHAPE + ")");
            }
            if (normalise(entry).isEmpty()) {
                bad.add(String.valueOf(i + 1));
            }
        }
        if (bad.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(name + (bad.size() == 1 ? " entry " : " entries ") + String.join(", ", bad)
                + (bad.size() == 1 ? " is not an origin" : " are not origins") + ": each comma-separated entry must be "
                + ORIGIN_SHAPE);
    }

    /** Why a CORS_LAN_IP value is refused, naming the variable but never the value. */
    public static Optional<String> lanIpProblem(String name, String value) {
        return IPV4.matcher(value.strip()).matches() ? Optional.empty()
                : Optional.of(name + " must be an IPv4 address such as 192.168.1.20 (any other origin goes in "
                        + "CORS_ORIGINS)");
    }

    /** The origin as a browser serialises it, or empty when the entry is not an http(s) origin. */
    static Optional<String> normalise(String entry) {
        if (entry.isEmpty() || entry.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(entry);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.empty();
        }
        boolean originOnly = uri.getHost() != null && uri.getRawUserInfo() == null
                && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
                && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getPort() <= 65535;
        if (!originOnly || uri.getPort() == 0) {
            return Optional.empty();
        }
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return Optional.of(scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port));
    }

    private static String http(String host, int port) {
        return "http://" + host + (port == 80 ? "" : ":" + port);
    }
}
