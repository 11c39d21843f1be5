package dev.keyhouse.egress;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a URL sends what it is given: its origin, {@code scheme://host:port} (RFC 6454), scheme and host lower-cased,
 * the scheme's default port written out (ws and wss as http and https, RFC 6455 section 3) and an IPv6 literal in
 * one written form, so {@code https://A:443/x} and
 * {@code https://a/y}, or {@code http://[::1]/} and {@code http://[0:0::1]:80/}, are one origin. User info is not part
 * of it: in {@code https://a@b} the host is {@code b} (the last {@code @}, as WHATWG URL and Python read it).
 *
 * <p>Host and port are read from the raw authority, not from {@link URI#getHost()} and {@link URI#getPort()}: those
 * are null and -1 for every authority Java does not parse as a server ({@code local_llm:11434}, a Compose service
 * name), and would make every port of such a host one origin. A trailing dot is kept: {@code voice.internal.} is
 * looked up as it is, {@code voice.internal} through the resolver's search domains first (Kubernetes' ndots:5), so
 * they may be different hosts (browsers count them as two origins too). A URL whose authority is not
 * {@code host[:port]} is its own text, so any change to it counts. A stored secret bound to a URL follows it only
 * within one origin.
 */
public final class Origin {

    private static final Pattern PORT = Pattern.compile("[0-9]{1,9}");

    private Origin() {
    }

    /**
     * A URL's host and port as written in its raw authority: the host with an IPv6 literal in brackets, the port's
     * digits or "" when none is written.
     */
    record Authority(String host, String port) {

        /** The authority of {@code uri}, user info dropped; null when it has none or it is not {@code host[:port]}. */
        static Authority of(URI uri) {
            String authority = uri.getRawAuthority();
            if (authority == null) {
                return null;
            }
            authority = authority.substring(authority.lastIndexOf('@') + 1);
            String host;
            String port;
            if (authority.startsWith("[")) {
                int close = authority.indexOf(']');
                if (close < 0) {
                    return null;
                }
                host = authority.substring(0, close + 1);
                String rest = authority.substring(close + 1);
                if (!rest.isEmpty() && !rest.startsWith(":")) {
                    return null;
                }
                port = rest.isEmpty() ? "" : rest.substring(1);
            } else {
                int colon = authority.lastIndexOf(':');
                host = colon < 0 ? authority : authority.substring(0, colon);
                port = colon < 0 ? "" : authority.substring(colon + 1);
                if (host.indexOf(':') >= 0) {
                    return null;
                }
            }
            if (host.isEmpty() || host.equals("[]") || !(port.isEmpty() || PORT.matcher(port).matches())) {
                return null;
            }
            return new Authority(host, port);
        }
    }

    /** The origin of {@code url}; a URL that does not parse to a host and port is its own text (any change counts). */
    public static String of(String url) {
        if (url == null || url.isBlank()) {
            return "";
        }
        String text = url.strip();
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return text;
        }
        Authority authority = Authority.of(uri);
        if (authority == null) {
            return text;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int port = authority.port().isEmpty() ? switch (scheme) {
            case "http", "ws" -> 80;
            case "https", "wss" -> 443;
            default -> -1;
        } : Integer.parseInt(authority.port());
        if (port > 65535) {
            return text;
        }
        return scheme + "://" + host(authority.host()) + ":" + port;
    }

    /** The host lower-cased, an IPv6 literal as its eight groups ({@code [0:0:0:0:0:0:0:1]}). */
    private static String host(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("[")) {
            return lower;
        }
        byte[] address = EgressPolicy.literal(lower.substring(1, lower.length() - 1));
        if (address == null || address.length != 16) {
            return lower;
        }
        StringBuilder groups = new StringBuilder("[");
        for (int i = 0; i < 16; i += 2) {
            int group = ((address[i] & 0xff) << 8) | (address[i + 1] & 0xff);
            groups.append(i == 0 ? "" : ":").append(Integer.toHexString(group));
        }
        return groups.append(']').toString();
    }
}
