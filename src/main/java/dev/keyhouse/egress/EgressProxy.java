package dev.keyhouse.egress;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The outbound HTTP proxy provider key checks go through ({@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}),
 * read the way curl and most tools read them: {@code HTTPS_PROXY} for {@code https} destinations (tunnelled with
 * {@code CONNECT host:443}), {@code HTTP_PROXY} for {@code http} ones (sent to the proxy in absolute form),
 * {@code NO_PROXY} the destinations that go direct. Only the upper-case names are read (see the README, "Live key
 * checks").
 *
 * <p>A proxy is {@code http://[user:password@]host:port[/]} ({@code http://} may be left out, as curl, Go and Python
 * allow): the scheme {@code http} (the connection to the proxy is plain; an {@code https} destination is still TLS end to end inside the tunnel), the port written out (curl assumes
 * 1080, other tools 80: no guess), user info percent-encoded, sent as Basic proxy authentication to the proxy only.
 *
 * <p>{@code NO_PROXY} is comma-separated: {@code *} (no destination uses the proxy), a host name that matches itself
 * and every subdomain ({@code example.com}, {@code .example.com} and {@code *.example.com} all match
 * {@code example.com} and {@code api.example.com}), an IP address ({@code 10.1.2.3}, {@code ::1} or {@code [::1]})
 * or a CIDR ({@code 10.0.0.0/8}), which match a destination written as an address (no name is looked up to match).
 * Case and a trailing dot are ignored; an entry with a port is refused (curl ignores ports there, Go honours them:
 * tools disagree).
 *
 * <p>Immutable. Problems name the variable and never its value (user info may hold a password).
 */
public final class EgressProxy {

    public static final String HTTPS_PROXY = "HTTPS_PROXY";
    public static final String HTTP_PROXY = "HTTP_PROXY";
    public static final String NO_PROXY = "NO_PROXY";

    private static final EgressProxy NONE = new EgressProxy(null, null, List.of(), false);

    /**
     * One proxy: where it listens and, when its URL has user info, the credentials for Basic proxy authentication.
     * {@link #toString()} names host and port only.
     *
     * @param host the proxy's host name or address (an IPv6 address without brackets)
     * @param port 1 to 65535
     * @param user null when the URL has no user info
     * @param password null when the URL has no user info; "" when it has a user and no password
     */
    public record Proxy(String host, int port, String user, String password) {

        /** Whether the proxy asks for Basic credentials. */
        public boolean hasCredentials() {
            return user != null;
        }

        @Override
        public String toString() {
            // never the user info
            return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** A NO_PROXY entry: a domain (matching itself and its subdomains) or an address or network. */
    private record Bypass(String domain, byte[] address, int bits) {

        boolean matches(String host, byte[] literal) {
            if (domain != null) {
                return literal == null && (host.equals(domain) || host.endsWith("." + domain));
            }
            return literal != null && EgressPolicy.inNetwork(address, bits, literal);
        }
    }

    private final Proxy https;
    private final Proxy http;
    private final List<Bypass> bypass;
    private final boolean bypassAll;

    private EgressProxy(Proxy https, Proxy http, List<Bypass> bypass, boolean bypassAll) {
        this.https = https;
        this.http = http;
        this.bypass = bypass;
        this.bypassAll = bypassAll;
    }

    /** No proxy: every request goes direct. */
    public static EgressProxy none() {
        return NONE;
    }

    /**
     * The proxies the three variables describe (null or blank: unset).
     *
     * @throws IllegalArgumentException naming the variable (never the value) of the first problem ({@link #problems})
     */
    public static EgressProxy of(String httpsProxy, String httpProxy, String noProxy) {
        List<String> problems = new ArrayList<>();
        problems.addAll(proxyProblems(HTTPS_PROXY, httpsProxy));
        problems.addAll(proxyProblems(HTTP_PROXY, httpProxy));
        problems.addAll(noProxyProblems(noProxy));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.get(0));
        }
        List<Bypass> bypass = new ArrayList<>();
        boolean all = false;
        for (String entry : entries(noProxy)) {
            if (entry.equals("*")) {
                all = true;
            } else {
                bypass.add(bypassOrNull(entry));
            }
        }
        return new EgressProxy(proxy(httpsProxy), proxy(httpProxy), List.copyOf(bypass), all);
    }

    /** The proxy a request to {@code uri} goes through, or empty when it goes direct (no proxy for its scheme, or NO_PROXY matches). */
    public Optional<Proxy> proxyFor(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        Proxy proxy = switch (scheme) {
            case "https" -> https;
            case "http" -> http;
            default -> null;
        };
        if (proxy == null || bypassAll) {
            return Optional.empty();
        }
        String host = Egress.host(uri);
        if (host == null) {
            return Optional.of(proxy);
        }
        String name = plain(host);
        byte[] literal = EgressPolicy.literal(name);
        return bypass.stream().anyMatch(b -> b.matches(name, literal)) ? Optional.empty() : Optional.of(proxy);
    }

    /** Whether any proxy is configured. */
    public boolean isSet() {
        return https != null || http != null;
    }

    /**
     * What is wrong with a proxy variable's value, one problem naming the variable and never the value; empty when it
     * is unset or a proxy URL as the class comment describes.
     */
    public static List<String> proxyProblems(String variable, String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        String text = withScheme(value);
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return List.of(variable + " is not a URL: write it as http://host:port or http://user:password@host:port"
                    + " (in user info write '%' as %25, '@' as %40, ':' in the user as %3A, a space as %20)");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null || uri.getRawAuthority() == null) {
            return List.of(variable + " is not a URL: write it as http://host:port");
        }
        if (!scheme.equals("http")) {
            return List.of(variable + " does not start with http://: Keyhouse talks to a proxy over plain http://"
                    + " only (https destinations are still TLS end to end, in a CONNECT tunnel)");
        }
        Origin.Authority authority = Origin.Authority.of(uri);
        if (authority == null || authority.host().isEmpty()) {
            return List.of(variable + " has no host: write it as http://host:port");
        }
        String host = plain(authority.host());
        if (EgressPolicy.literal(host) == null && !isHostName(host)) {
            return List.of(variable + " has a host that is neither an address (a.b.c.d, [IPv6]) nor a host name");
        }
        if (authority.port().isEmpty()) {
            return List.of(variable + " has no port: write it, e.g. http://squid.example:3128 (tools disagree on"
                    + " the default)");
        }
        if (!authority.port().matches("[0-9]{1,5}") || Integer.parseInt(authority.port()) < 1
                || Integer.parseInt(authority.port()) > 65535) {
            return List.of(variable + " has a port that is not a number from 1 to 65535");
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            return List.of(variable + " has a path, query or fragment: a proxy is only http://host:port");
        }
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && (userInfo.isEmpty() || userInfo.startsWith(":"))) {
            return List.of(variable + " has a password but no user name");
        }
        return List.of();
    }

    /** What is wrong with {@code NO_PROXY}, one problem per bad entry, naming the variable and the entry. */
    public static List<String> noProxyProblems(String value) {
        List<String> problems = new ArrayList<>();
        for (String entry : entries(value)) {
            if (entry.equals("*")) {
                continue;
            }
            if (bypassOrNull(entry) == null) {
                problems.add(NO_PROXY + " entry '" + entry + "' is not a host name, .domain, IP address, CIDR or *"
                        + (entry.matches(".*[^:]:[0-9]+$") && !entry.contains("::") ? " (ports are not supported)"
                                : ""));
            }
        }
        return problems;
    }

    private static List<String> entries(String value) {
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::strip).filter(e -> !e.isEmpty()).toList();
    }

    private static Bypass bypassOrNull(String text) {
        String entry = text.toLowerCase(Locale.ROOT);
        int slash = entry.indexOf('/');
        String address = slash < 0 ? entry : entry.substring(0, slash);
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
        }
        byte[] literal = EgressPolicy.literal(address);
        if (literal != null) {
            int bits = literal.length * 8;
            if (slash >= 0) {
                String prefix = entry.substring(slash + 1);
                if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > bits) {
                    return null;
                }
                bits = Integer.parseInt(prefix);
            }
            return new Bypass(null, literal, bits);
        }
        if (slash >= 0) {
            return null;
        }
        String domain = entry.startsWith("*.") ? entry.substring(2) : entry.startsWith(".") ? entry.substring(1) : entry;
        domain = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        return isHostName(domain) ? new Bypass(domain, null, 0) : null;
    }

    private static Proxy proxy(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        URI uri = URI.create(withScheme(value));
        Origin.Authority authority = Origin.Authority.of(uri);
        String host = plain(authority.host());
        int port = Integer.parseInt(authority.port());
        String userInfo = uri.getRawUserInfo();
        if (userInfo == null) {
            return new Proxy(host, port, null, null);
        }
        int colon = userInfo.indexOf(':');
        String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        String password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
        return new Proxy(host, port, user, password);
    }

    /** The value, with {@code http://} in front when it names no scheme ({@code proxy.internal:3128}), as curl reads it. */
    private static String withScheme(String value) {
        String text = value.strip();
        return text.contains("://") ? text : "http://" + text;
    }

    /** Percent-decoding of user info ('+' is a plus here, not a space). */
    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** A host name (letters, digits, '-' and '_' between dots; not a number in any form), as EGRESS_ALLOWED_HOSTS reads one. */
    private static boolean isHostName(String name) {
        return EgressPolicy.hostName(name) != null;
    }

    private static String plain(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    @Override
    public String toString() {
        return "EgressProxy[https " + https + ", http " + http + ", " + (bypassAll ? "NO_PROXY *" : bypass.size()
                + " NO_PROXY entries") + "]";
    }
}
