package dev.keyhouse.input;

import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

import dev.keyhouse.web.FieldErrors;

/**
 * The one set of rules for pasted values, per {@link FieldType}. Every entry point (settings form and REST, runtime
 * targets, bootstrap from the environment) cleans through here, so a value is accepted or refused the same way
 * wherever it is typed.
 *
 * <p>Common to every type: space, tab, CR and LF at either end are trimmed, and a value that is empty after that is
 * unset. Nothing else is ever dropped silently: a character a person cannot see (controls, Unicode format characters
 * such as U+200B or a BOM, default-ignorable fillers, any whitespace but the ASCII space, line and paragraph
 * separators, unassigned, private-use and unpaired surrogate code points) is refused with a message naming its
 * position (counted in characters from 1, in the value as submitted) and code point. Messages never quote the value.
 *
 * <p>URLs are canonical when stored: scheme and host lower-cased, a non-ASCII host in its {@code xn--} form, the port
 * as a plain number (kept even when it is the scheme's default), non-ASCII in the path or query percent-encoded as
 * UTF-8 and every percent escape upper-cased. The path is otherwise kept as written: no trailing slash added or
 * removed, no dot segments resolved. Hosts may use underscores (Compose service names), IPv4 and bracketed IPv6
 * literals; a user name or password, a {@code #fragment} and schemes other than http and https are refused ({@link
 * FieldType#WEBSOCKET_URL} also accepts ws and wss, by the same rules).
 */
public final class FieldRules {

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
    private static final Pattern IPV4_LIKE = Pattern.compile("[0-9.]+");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,9}");
    private static final String URL_EXAMPLE = "such as https://api.example.com/v1 or http://local_llm:11434/v1";
    private static final String WHATSAPP = "whatsapp:";

    /**
     * The outcome of cleaning one value: the value to store (null when unset), or why it is refused. Its
     * {@code toString} leaves the value out, since it may be a secret.
     */
    public record Cleaned(String value, String problem) {

        static Cleaned of(String value) {
            return new Cleaned(value, null);
        }

        static Cleaned refused(String problem) {
            return new Cleaned(null, problem);
        }

        /** Whether the value may be stored (it may still be null: unset). */
        public boolean ok() {
            return problem == null;
        }

        @Override
        public String toString() {
            return ok() ? "Cleaned[" + (value == null ? "unset" : value.length() + " characters") + "]"
                    : "Cleaned[refused: " + problem + "]";
        }
    }

    private FieldRules() {
    }

    /**
     * Cleans a submitted value.
     *
     * @param raw as submitted; null is unset
     * @return the value to store (null when unset), or the problem, which never quotes the value
     */
    public static Cleaned clean(FieldType type, String raw) {
        if (raw == null) {
            return Cleaned.of(null);
        }
        int start = 0;
        int end = raw.length();
        while (start < end && trimmable(raw.charAt(start))) {
            start++;
        }
        while (end > start && trimmable(raw.charAt(end - 1))) {
            end--;
        }
        if (start == end) {
            return Cleaned.of(null);
        }
        String value = raw.substring(start, end);
        // the trimmed characters are ASCII, so code point positions in value are offset by start
        String problem = unseen(type, value, start);
        if (problem != null) {
            return Cleaned.refused(problem);
        }
        return switch (type) {
            case SECRET -> asciiWord(value, start, "keys are sent in HTTP headers, which carry ASCII only");
            case IDENTIFIER -> asciiWord(value, start, "names and codes are ASCII");
            case PHONE -> phone(value, start);
            case URL -> url(value, start, false);
            case WEBSOCKET_URL -> url(value, start, true);
            case TEXT -> Cleaned.of(value);
        };
    }

    /**
     * Cleans a value and records a refusal against {@code field}.
     *
     * @return the value to store; null when unset or refused (then {@code errors} names the field)
     */
    public static String clean(FieldType type, String field, String raw, FieldErrors errors) {
        Cleaned cleaned = clean(type, raw);
        if (!cleaned.ok()) {
            errors.add(field, cleaned.problem());
        }
        return cleaned.value();
    }

    private static boolean trimmable(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /**
     * A refused form's typed secret as its field may show it again (issue 20, point 7): as typed, refused or not, or
     * null when it holds a character nobody sees in a password field (control, invisible, non-ASCII space: the rule of
     * {@link #clean}), which would only be sent again unseen; the field's message says where it was.
     */
    public static String shownAgain(String typed) {
        return typed == null || unseen(FieldType.SECRET, typed, 0) != null ? null : typed;
    }

    /** The first character no one can see (or, outside TEXT, any control character); null when there is none. */
    private static String unseen(FieldType type, String value, int offset) {
        int position = offset;
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            i += Character.charCount(c);
            position++;
            if (type == FieldType.TEXT && (c == '\t' || c == '\n' || c == '\r')) {
                continue;
            }
            String kind = unseenKind(c);
            if (kind != null) {
                return kind + " " + codePoint(c) + " at position " + position;
            }
        }
        return null;
    }

    /** What kind of invisible character {@code c} is; null when it is visible or the ASCII space. */
    public static String unseenKind(int c) {
        if (c == ' ') {
            return null;
        }
        if (c == 0xFFFD) {
            // what a decoder puts where the bytes were not UTF-8 (a form sent in Latin-1, say): the value is not
            // what was typed
            return "non-UTF-8 input";
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL -> "control character";
            case Character.FORMAT -> "invisible character";
            case Character.SPACE_SEPARATOR -> "non-ASCII space";
            case Character.LINE_SEPARATOR -> "line separator";
            case Character.PARAGRAPH_SEPARATOR -> "paragraph separator";
            case Character.UNASSIGNED -> "unassigned character";
            case Character.PRIVATE_USE -> "private-use character";
            case Character.SURROGATE -> "unpaired surrogate";
            default -> defaultIgnorable(c) ? "invisible character" : null;
        };
    }

    /** Default-ignorable code points that are not format characters: fillers, variation selectors, joiners. */
    private static boolean defaultIgnorable(int c) {
        return c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5
                || (c >= 0x180B && c <= 0x180F) || c == 0x3164 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFFA0
                || (c >= 0xE0100 && c <= 0xE01EF);
    }

    /** {@code U+200B (zero width space)}; only the code point for characters without a name. */
    private static String codePoint(int c) {
        String hex = String.format(Locale.ROOT, "U+%04X", c);
        String name = Character.isDefined(c) && Character.getType(c) != Character.SURROGATE
                && Character.getType(c) != Character.PRIVATE_USE ? Character.getName(c) : null;
        return name == null ? hex : hex + " (" + name.toLowerCase(Locale.ROOT) + ")";
    }

    /** Printable ASCII, no space inside. */
    private static Cleaned asciiWord(String value, int offset, String why) {
        int position = offset;
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            i += Character.charCount(c);
            position++;
            if (c == ' ') {
                return Cleaned.refused("space at position " + position + ": must not contain spaces");
            }
            if (c > 0x7E) {
                return Cleaned.refused("non-ASCII character " + String.format(Locale.ROOT, "U+%04X", c)
                        + " at position " + position + ": " + why);
            }
        }
        return Cleaned.of(value);
    }

    private static Cleaned phone(String value, int offset) {
        StringBuilder out = new StringBuilder(value.length());
        String rest = value;
        if (value.regionMatches(true, 0, WHATSAPP, 0, WHATSAPP.length())) {
            out.append(WHATSAPP);
            rest = value.substring(WHATSAPP.length());
            offset += WHATSAPP.length();
        }
        int position = offset;
        for (int i = 0; i < rest.length(); ) {
            int c = rest.codePointAt(i);
            i += Character.charCount(c);
            position++;
            if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
                continue;
            }
            if (c > 0x7E) {
                return Cleaned.refused("non-ASCII character " + String.format(Locale.ROOT, "U+%04X", c)
                        + " at position " + position + ": use the digits 0 to 9");
            }
            out.appendCodePoint(c);
        }
        return Cleaned.of(out.toString());
    }

    /** @param websocket whether ws and wss are accepted besides http and https ({@link FieldType#WEBSOCKET_URL}) */
    private static Cleaned url(String value, int offset, boolean websocket) {
        String url = websocket ? "wss, ws, https or http URL" : "http or https URL";
        String schemes = (websocket ? "a " : "an ") + url;
        String example = websocket ? "such as wss://livekit.example.com or http://livekit:7880" : URL_EXAMPLE;
        int colon = value.indexOf(':');
        if (colon < 1 || !SCHEME.matcher(value.substring(0, colon)).matches()) {
            return Cleaned.refused("must be a valid " + url + ", " + example);
        }
        String scheme = value.substring(0, colon).toLowerCase(Locale.ROOT);
        boolean accepted = scheme.equals("http") || scheme.equals("https")
                || (websocket && (scheme.equals("ws") || scheme.equals("wss")));
        if (!accepted) {
            return Cleaned.refused("must be " + schemes);
        }
        int space = value.indexOf(' ');
        if (space >= 0) {
            return Cleaned.refused("space at position " + (offset + value.codePointCount(0, space) + 1)
                    + ": a URL must not contain spaces; write %20 instead");
        }
        if (!value.startsWith("//", colon + 1)) {
            return Cleaned.refused("must be " + schemes + " with a host, " + example);
        }
        int authorityStart = colon + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < value.length() && "/?#\\".indexOf(value.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String authority = value.substring(authorityStart, authorityEnd);
        if (authority.indexOf('@') >= 0) {
            // plain columns are not secret: credentials in a URL would be stored and shown in the clear
            return Cleaned.refused("must not contain a user name or password (user:password@);"
                    + " keep credentials in a secret field");
        }
        String host;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                return Cleaned.refused("has an IPv6 address without its closing ]");
            }
            String address = authority.substring(1, close);
            if (!IPV6.matcher(address).matches() || address.indexOf(':') < 0 || !isIpv6(address)) {
                return Cleaned.refused("has an invalid IPv6 address");
            }
            host = "[" + address.toLowerCase(Locale.ROOT) + "]";
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    return Cleaned.refused("has characters after the IPv6 address; only :port may follow it");
                }
                port = after.substring(1);
            }
        } else {
            int portColon = authority.indexOf(':');
            host = portColon < 0 ? authority : authority.substring(0, portColon);
            if (portColon >= 0) {
                port = authority.substring(portColon + 1);
                if (port.indexOf(':') >= 0) {
                    return Cleaned.refused("must write an IPv6 address in brackets, such as http://[fd00::1]:8080/v1");
                }
            }
            String hostProblem = null;
            if (!host.isEmpty()) {
                if (host.chars().anyMatch(c -> c > 0x7E)) {
                    try {
                        host = IDN.toASCII(host);
                    } catch (IllegalArgumentException e) {
                        hostProblem = "has a host that is not a valid domain name";
                    }
                }
                host = host.toLowerCase(Locale.ROOT);
                if (hostProblem == null) {
                    hostProblem = hostProblem(host);
                }
            }
            if (hostProblem != null) {
                return Cleaned.refused(hostProblem);
            }
        }
        if (host.isEmpty()) {
            return Cleaned.refused("must be " + schemes + " with a host, " + example);
        }
        String canonicalPort = "";
        if (port != null) {
            int number = PORT.matcher(port).matches() ? Integer.parseInt(port) : 0;
            if (number < 1 || number > 65535) {
                return Cleaned.refused("has a port that is not a number from 1 to 65535");
            }
            canonicalPort = ":" + number;
        }
        String tail = value.substring(authorityEnd);
        if (tail.indexOf('#') >= 0) {
            return Cleaned.refused("must not contain a #fragment (clients never send it)");
        }
        StringBuilder canonical = new StringBuilder(scheme).append("://").append(host).append(canonicalPort);
        int position = offset + value.codePointCount(0, authorityEnd);
        for (int i = 0; i < tail.length(); ) {
            int c = tail.codePointAt(i);
            int width = Character.charCount(c);
            position++;
            if (c == '%') {
                if (i + 2 >= tail.length() || !isHex(tail.charAt(i + 1)) || !isHex(tail.charAt(i + 2))) {
                    return Cleaned.refused("'%' at position " + position + " must start an escape such as %20");
                }
                canonical.append('%').append(tail.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
                i += 3;
                position += 2;
                continue;
            }
            if (c > 0x7E) {
                for (byte b : new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8)) {
                    canonical.append(String.format(Locale.ROOT, "%%%02X", b & 0xFF));
                }
            } else if (uriCharacter(c)) {
                canonical.append((char) c);
            } else {
                return Cleaned.refused("character '" + (char) c + "' at position " + position
                        + " is not allowed in a URL; percent-encode it");
            }
            i += width;
        }
        return Cleaned.of(canonical.toString());
    }

    /** Why a lower-cased ASCII host is not acceptable; null when it is. */
    private static String hostProblem(String host) {
        if (host.length() > 253) {
            return "has a host longer than 253 characters";
        }
        if (IPV4_LIKE.matcher(host).matches()) {
            return isIpv4(host) ? null : "has a host that is not a valid IPv4 address";
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return "has an invalid host: use letters, digits, '-' and '_' between dots, such as"
                        + " api.example.com or local_llm";
            }
        }
        return null;
    }

    private static boolean isIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6(String address) {
        try {
            return new URI("http://[" + address + "]/").getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** RFC 3986 characters allowed as they are in a path or query. */
    private static boolean uriCharacter(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0;
    }
}
