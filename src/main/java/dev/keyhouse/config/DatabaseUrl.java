package dev.keyhouse.config;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the database is and who to connect as, in the form the JDBC datasource wants.
 *
 * <p>Error messages name the variable the value came from and never repeat the value: a database URL
 * usually carries a password.
 *
 * @param jdbcUrl {@code jdbc:postgresql://host:port/database[?params]}, without user or password
 * @param username the user, or {@code null} when the URL names none
 * @param password the password, or {@code null} when the URL names none
 * @param location {@code host:port/database}, safe to log
 */
public record DatabaseUrl(String jdbcUrl, String username, String password, String location) {

    static final int DEFAULT_PORT = 5432;
    private static final List<String> SCHEMES = List.of("jdbc:postgresql://", "postgresql://", "postgres://");

    /**
     * Parses {@code postgresql://user:password@host:port/database?params}; {@code postgres://} and
     * {@code jdbc:postgresql://} work too. User and password are percent-decoded; query parameters pass
     * through to the JDBC driver.
     *
     * @param variable the environment variable the value came from, named in errors
     * @throws IllegalArgumentException naming {@code variable}, never quoting the value
     */
    public static DatabaseUrl parse(String value, String variable) {
        String text = value == null ? "" : value.strip();
        String scheme = SCHEMES.stream().filter(text::startsWith).findFirst()
                .orElseThrow(() -> invalid(variable, "it must start with postgresql://, postgres:// or jdbc:postgresql://"));
        String rest = text.substring(scheme.length());
        int query = rest.indexOf('?');
        String params = query < 0 ? "" : rest.substring(query);
        String head = query < 0 ? rest : rest.substring(0, query);
        // The last '@' ends the user part, so an unencoded '@' or '/' in a password still parses.
        int at = head.lastIndexOf('@');
        String userInfo = at < 0 ? null : head.substring(0, at);
        String hostAndPath = head.substring(at + 1);
        int slash = hostAndPath.indexOf('/');
        if (slash < 0 || slash == hostAndPath.length() - 1) {
            throw invalid(variable, "it names no database (…/database at the end)");
        }
        String database = hostAndPath.substring(slash + 1);
        if (database.contains("/")) {
            throw invalid(variable, "the database name contains '/'");
        }
        List<String> hosts = hosts(hostAndPath.substring(0, slash), variable);

        String username = null;
        String password = null;
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            username = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), variable);
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1), variable);
            if (username.isEmpty()) {
                username = null;
            }
        }
        String jdbcUrl = "jdbc:postgresql://" + String.join(",", hosts) + "/" + database + params;
        return new DatabaseUrl(jdbcUrl, username, password, String.join(",", hosts) + "/" + decode(database, variable));
    }

    /** The DSN built from {@code POSTGRES_HOST}, {@code POSTGRES_PORT} and {@code POSTGRES_DB}. */
    public static DatabaseUrl of(String host, String port, String database, String username, String password) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("POSTGRES_HOST is empty; set it to the database server's host name");
        }
        int portNumber = port(port == null || port.isBlank() ? String.valueOf(DEFAULT_PORT) : port.strip(), "POSTGRES_PORT");
        if (database == null || database.isBlank()) {
            throw new IllegalArgumentException("POSTGRES_DB is empty; set it to the database name");
        }
        String h = host.strip();
        String hostPart = (h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h) + ":" + portNumber;
        String db = database.strip();
        String encoded = URLEncoder.encode(db, StandardCharsets.UTF_8).replace("+", "%20");
        return new DatabaseUrl("jdbc:postgresql://" + hostPart + "/" + encoded,
                username == null || username.isBlank() ? null : username.strip(), password, hostPart + "/" + db);
    }

    private static List<String> hosts(String hostList, String variable) {
        if (hostList.isEmpty()) {
            throw invalid(variable, "it names no host");
        }
        List<String> hosts = new ArrayList<>();
        for (String entry : hostList.split(",", -1)) {
            String host;
            String port;
            if (entry.startsWith("[")) {
                int close = entry.indexOf(']');
                if (close < 0) {
                    throw invalid(variable, "an IPv6 host is missing its closing ']'");
                }
                host = entry.substring(0, close + 1);
                String after = entry.substring(close + 1);
                if (!after.isEmpty() && !after.startsWith(":")) {
                    throw invalid(variable, "unexpected text after an IPv6 host");
                }
                port = after.isEmpty() ? "" : after.substring(1);
            } else {
                int colon = entry.indexOf(':');
                host = colon < 0 ? entry : entry.substring(0, colon);
                port = colon < 0 ? "" : entry.substring(colon + 1);
            }
            if (host.isEmpty() || host.equals("[]") || !host.chars().allMatch(DatabaseUrl::isHostChar)) {
                throw invalid(variable, "a host name is empty or contains characters a host name cannot have");
            }
            hosts.add(host + ":" + (port.isEmpty() ? DEFAULT_PORT : port(port, variable)));
        }
        return hosts;
    }

    private static boolean isHostChar(int c) {
        return Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']'
                || c == '%';
    }

    private static int port(String text, String variable) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below, without the value
        }
        throw invalid(variable, "the port is not a number from 1 to 65535");
    }

    /** Percent-decoding as in a URL's user part: unlike form decoding, '+' stays '+'. */
    private static String decode(String text, String variable) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] != '%') {
                bytes.write(raw[i]);
                continue;
            }
            if (i + 2 >= raw.length || Character.digit(raw[i + 1], 16) < 0 || Character.digit(raw[i + 2], 16) < 0) {
                throw invalid(variable, "a '%' in the user, password or database is not followed by two hex digits "
                        + "(write a literal '%' as %25)");
            }
            bytes.write(Character.digit(raw[i + 1], 16) * 16 + Character.digit(raw[i + 2], 16));
            i += 2;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException invalid(String variable, String reason) {
        return new IllegalArgumentException(variable + " is not a valid PostgreSQL URL: " + reason
                + ". Expected postgresql://user:password@host:5432/database (percent-encode special characters"
                + " in the user and password).");
    }
}
