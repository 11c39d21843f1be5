package dev.keyhouse.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which hosts Keyhouse may open a connection to ({@code EGRESS_ALLOWED_HOSTS}). Immutable; needs no DNS itself: a
 * caller hands it the addresses a name resolved to ({@link #check(String, List)}). Addresses are classified after the
 * IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and updates): what is not globally reachable is
 * refused, or reached only when listed.
 *
 * <ul>
 * <li>Always refused, whatever the list says: link-local (169.254.0.0/16 with the cloud metadata address
 * 169.254.169.254, fe80::/10), unspecified (0.0.0.0/8, ::), multicast (224.0.0.0/4, ff00::/8), broadcast and reserved
 * (240.0.0.0/4), documentation (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20), the other
 * special-purpose ranges (192.0.0.0/24 but its anycast 192.0.0.9 and .10, the 6to4 relay anycast 192.88.99.0/24,
 * Teredo 2001::/32, ORCHID, the rest of 2001::/23 but its reachable anycast, AMT and AS112 ranges, and every IPv6
 * address outside global unicast 2000::/3 other than the kinds named here: discard 100::/64, site-local fec0::/10,
 * SRv6 5f00::/16, [1::]); the IPv4-mapped, IPv4-translated, IPv4-compatible, 6to4 and NAT64 forms of these
 * (and a public IPv4 address in the compatible or translated form, which nothing routes); and any host written as a
 * number in another form than a.b.c.d ({@code 0177.0.0.1}, {@code 2130706433}, {@code 0x7f.1}, {@code 127.1}),
 * which resolvers read differently (glibc's inet_aton takes octal and hex, Java's does not).</li>
 * <li>Refused unless listed: loopback (127.0.0.0/8, ::1, {@code localhost}), private (10/8, 172.16/12, 192.168/16,
 * CGNAT 100.64/10), unique-local (fc00::/7) and benchmarking (198.18.0.0/15, 2001:2::/48) addresses. Listed means:
 * the URL's host name is an entry, or the address lies in an entry's address or CIDR.</li>
 * <li>Public (globally reachable) addresses are allowed.</li>
 * </ul>
 * A name is allowed only when <em>every</em> address it resolves to is.
 */
public final class EgressPolicy {

    /** What an address is, for the policy. */
    public enum Kind {
        PUBLIC(false, false, "a public address"),
        LOOPBACK(true, false, "a loopback address"),
        PRIVATE(true, false, "a private address"),
        UNIQUE_LOCAL(true, false, "a unique-local IPv6 address"),
        LINK_LOCAL(false, true, "a link-local address (the range of cloud metadata services)"),
        UNSPECIFIED(false, true, "an unspecified address"),
        MULTICAST(false, true, "a multicast address"),
        BROADCAST(false, true, "a broadcast or reserved address"),
        /** TEST-NET-1 to 3 and the IPv6 documentation prefixes: examples, never routed. */
        DOCUMENTATION(false, true, "a documentation address, never routed"),
        /** 198.18.0.0/15 and 2001:2::/48: test networks, which some labs and fake-IP resolvers use inside. */
        BENCHMARKING(true, false, "a benchmarking address"),
        /** Any other range the IANA special-purpose registries mark not globally reachable. */
        SPECIAL(false, true, "a special-purpose address that is not globally reachable");

        private final boolean needsListing;
        private final boolean neverReached;
        private final String description;

        Kind(boolean needsListing, boolean neverReached, String description) {
            this.needsListing = needsListing;
            this.neverReached = neverReached;
            this.description = description;
        }

        /** Reached only when {@code EGRESS_ALLOWED_HOSTS} lists it. */
        public boolean needsListing() {
            return needsListing;
        }

        /** Never reached, whatever {@code EGRESS_ALLOWED_HOSTS} says. */
        public boolean neverReached() {
            return neverReached;
        }

        public String description() {
            return description;
        }
    }

    /** An address or network from the list: {@code bits} leading bits of {@code address} must match. */
    private record Network(byte[] address, int bits) {

        boolean contains(byte[] candidate) {
            return inNetwork(address, bits, candidate);
        }
    }

    /** Whether {@code candidate} has the same length as {@code network} and the same first {@code bits} bits. */
    static boolean inNetwork(byte[] network, int bits, byte[] candidate) {
        if (candidate.length != network.length) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((candidate[i / 8] & mask) != (network[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
    private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0x[0-9a-f]*");
    private static final Pattern CANONICAL_IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6_TEXT = Pattern.compile("[0-9a-f:.]+");

    /** The variable this policy is read from, named in every refusal so an operator knows what to change. */
    public static final String VARIABLE = "EGRESS_ALLOWED_HOSTS";

    private static final EgressPolicy NOTHING_LISTED = new EgressPolicy(Set.of(), List.of());

    private final Set<String> names;
    private final List<Network> networks;

    private EgressPolicy(Set<String> names, List<Network> networks) {
        this.names = names;
        this.networks = networks;
    }

    /** A fresh install's policy: public addresses only. */
    public static EgressPolicy nothingListed() {
        return NOTHING_LISTED;
    }

    /**
     * The policy {@code EGRESS_ALLOWED_HOSTS} describes: comma-separated host names, addresses and CIDRs (blank entries
     * ignored).
     *
     * @throws IllegalArgumentException naming the first bad entry ({@link #problems})
     */
    public static EgressPolicy parse(String allowedHosts) {
        List<String> problems = problems(allowedHosts);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.get(0));
        }
        Set<String> names = new LinkedHashSet<>();
        List<Network> networks = new ArrayList<>();
        for (String entry : entries(allowedHosts)) {
            Optional<Network> network = network(entry);
            if (network.isPresent()) {
                networks.add(network.get());
            } else {
                names.add(hostName(entry));
            }
        }
        return new EgressPolicy(Set.copyOf(names), List.copyOf(networks));
    }

    /** One problem per bad entry of {@code EGRESS_ALLOWED_HOSTS}, each naming the variable and the entry. */
    public static List<String> problems(String allowedHosts) {
        List<String> problems = new ArrayList<>();
        for (String entry : entries(allowedHosts)) {
            String problem = entryProblem(entry);
            if (problem != null) {
                problems.add(VARIABLE + " entry '" + entry + "' " + problem);
            }
        }
        return problems;
    }

    private static List<String> entries(String allowedHosts) {
        if (allowedHosts == null) {
            return List.of();
        }
        return Arrays.stream(allowedHosts.split(",")).map(String::strip).filter(e -> !e.isEmpty()).toList();
    }

    /** An entry split into its address (without brackets) and its prefix length as written (null if none). */
    private record Entry(String address, String prefix) {

        static Entry of(String entry) {
            String lower = entry.toLowerCase(Locale.ROOT);
            int slash = lower.indexOf('/');
            String address = slash < 0 ? lower : lower.substring(0, slash);
            if (address.startsWith("[") && address.endsWith("]")) {
                address = address.substring(1, address.length() - 1);
            }
            return new Entry(address, slash < 0 ? null : lower.substring(slash + 1));
        }
    }

    private static String entryProblem(String text) {
        Entry entry = Entry.of(text);
        String address = entry.address();
        if (address.indexOf(':') >= 0 || entry.prefix() != null || looksNumeric(address)) {
            byte[] bytes = literal(address);
            if (bytes == null) {
                return "is not an address in its usual form (a.b.c.d or an IPv6 address), a CIDR or a host name";
            }
            if (entry.prefix() != null) {
                String prefix = entry.prefix();
                int max = bytes.length * 8;
                if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) < 1 || Integer.parseInt(prefix) > max) {
                    return "has a prefix length that is not a number from 1 to " + max;
                }
            }
            if (kind(bytes).neverReached()) {
                return "is " + describe(bytes) + ", which Keyhouse never connects to; remove it";
            }
            return null;
        }
        return hostName(text) == null ? "is not a host name (letters, digits, '-' and '_' between dots)" : null;
    }

    /** The entry as an address or network, or empty when it is a host name. */
    private static Optional<Network> network(String text) {
        Entry entry = Entry.of(text);
        byte[] bytes = literal(entry.address());
        if (bytes == null) {
            return Optional.empty();
        }
        int bits = entry.prefix() == null ? bytes.length * 8 : Integer.parseInt(entry.prefix());
        return Optional.of(new Network(bytes, bits));
    }

    /** A lower-cased host name without its trailing dot, or null when {@code host} is none. */
    static String hostName(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.length() > 253 || looksNumeric(name)) {
            return null;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return null;
            }
        }
        return name;
    }

    /**
     * Whether the host is an IPv4 address in the URL standard's sense: its last label (after an optional trailing
     * dot) is a number, decimal, octal or hex. Such a host is never looked up as a name.
     */
    private static boolean looksNumeric(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String last = name.substring(name.lastIndexOf('.') + 1);
        return NUMERIC_LABEL.matcher(last).matches();
    }

    /** The bytes of an address in its usual written form (a.b.c.d, or IPv6 without a zone), else null. No DNS. */
    static byte[] literal(String text) {
        String address = text.toLowerCase(Locale.ROOT);
        if (CANONICAL_IPV4.matcher(address).matches()) {
            String[] parts = address.split("\\.");
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                bytes[i] = (byte) Integer.parseInt(parts[i]);
            }
            return bytes;
        }
        if (address.indexOf(':') >= 0 && IPV6_TEXT.matcher(address).matches()) {
            try {
                // a literal with ':' is parsed, never looked up; Java turns ::ffff:a.b.c.d into 4 bytes, so take
                // the 16 bytes back
                InetAddress parsed = InetAddress.getByName("[" + address + "]");
                return sixteen(parsed.getAddress(), address);
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return null;
    }

    private static byte[] sixteen(byte[] bytes, String text) {
        if (bytes.length == 16) {
            return bytes;
        }
        // Java folded an IPv4-mapped literal (::ffff:a.b.c.d or its hex form) into 4 bytes
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(bytes, 0, mapped, 12, 4);
        return mapped;
    }

    /** What an address is (4 or 16 bytes); IPv6 forms that carry an IPv4 address are what that address is. */
    public static Kind kind(byte[] address) {
        return classify(address).kind();
    }

    /** How a refusal names an address's kind: its description, and the special-purpose range when it is in one. */
    static String describe(byte[] address) {
        Classified classified = classify(address);
        Kind kind = classified.kind();
        return classified.range() == null ? kind.description() : kind.description() + " (" + classified.range() + ")";
    }

    /** An address's kind and, for a special-purpose range, which one (null for the others). */
    private record Classified(Kind kind, String range) {
    }

    /** A range of the IANA special-purpose registries (RFC 6890 and updates): first match wins. */
    private record Special(Network network, Kind kind, String name) {

        static Special of(String cidr, Kind kind, String name) {
            Entry entry = Entry.of(cidr);
            return new Special(new Network(literal(entry.address()), Integer.parseInt(entry.prefix())), kind, name);
        }
    }

    /**
     * IPv4 ranges beyond loopback, private, link-local, multicast and reserved that are not globally reachable, with
     * the registry's globally reachable exceptions first (PCP and TURN anycast in 192.0.0.0/24). AS112 and AMT are
     * reachable, so public.
     */
    private static final List<Special> SPECIAL_IPV4 = List.of(
            Special.of("192.0.0.9/32", Kind.PUBLIC, null),
            Special.of("192.0.0.10/32", Kind.PUBLIC, null),
            Special.of("192.0.0.0/24", Kind.SPECIAL, "IETF protocol assignments, 192.0.0.0/24"),
            Special.of("192.0.2.0/24", Kind.DOCUMENTATION, "TEST-NET-1, 192.0.2.0/24"),
            Special.of("198.51.100.0/24", Kind.DOCUMENTATION, "TEST-NET-2, 198.51.100.0/24"),
            Special.of("203.0.113.0/24", Kind.DOCUMENTATION, "TEST-NET-3, 203.0.113.0/24"),
            Special.of("192.88.99.0/24", Kind.SPECIAL, "the deprecated 6to4 relay anycast, 192.88.99.0/24"),
            Special.of("198.18.0.0/15", Kind.BENCHMARKING, "198.18.0.0/15"));

    /**
     * IPv6 ranges that are not globally reachable, after the forms that carry an IPv4 address: within global unicast
     * {@code 2000::/3}, with the registry's globally reachable exceptions first (anycast, AMT, AS112); every address
     * outside {@code 2000::/3} but {@code ::1}, {@code fc00::/7}, link-local and multicast is {@link Kind#SPECIAL}
     * ({@link #kind6}). ORCHIDs and the DETs built on them are identifiers, not locators (RFC 7343, 9374).
     */
    private static final List<Special> SPECIAL_IPV6 = List.of(
            Special.of("2001:1::1/128", Kind.PUBLIC, null),
            Special.of("2001:1::2/128", Kind.PUBLIC, null),
            Special.of("2001:1::3/128", Kind.PUBLIC, null),
            Special.of("2001:3::/32", Kind.PUBLIC, null),
            Special.of("2001:4:112::/48", Kind.PUBLIC, null),
            Special.of("2001::/32", Kind.SPECIAL, "Teredo, 2001::/32"),
            Special.of("2001:2::/48", Kind.BENCHMARKING, "2001:2::/48"),
            Special.of("2001:10::/28", Kind.SPECIAL, "ORCHID, 2001:10::/28, deprecated"),
            Special.of("2001:20::/28", Kind.SPECIAL, "ORCHIDv2, 2001:20::/28: identifiers, not routed"),
            Special.of("2001:30::/28", Kind.SPECIAL, "drone remote ID DETs, 2001:30::/28: identifiers, not routed"),
            Special.of("2001::/23", Kind.SPECIAL, "IETF protocol assignments, 2001::/23"),
            Special.of("2001:db8::/32", Kind.DOCUMENTATION, "2001:db8::/32"),
            Special.of("3fff::/20", Kind.DOCUMENTATION, "3fff::/20"));

    private static Classified classify(byte[] address) {
        if (address.length == 4) {
            return kind4(address);
        }
        byte[] embedded = embeddedIpv4(address);
        if (embedded == null) {
            return kind6(address);
        }
        Classified carried = kind4(embedded);
        String form = unroutedForm(address);
        // a public IPv4 address in a form no network routes is not reached through it
        return form != null && carried.kind() == Kind.PUBLIC ? new Classified(Kind.SPECIAL, form) : carried;
    }

    private static Classified kind6(byte[] address) {
        int first = address[0] & 0xff;
        int second = address[1] & 0xff;
        if (isZero(address, 0, 16)) {
            return new Classified(Kind.UNSPECIFIED, null);
        }
        if (isZero(address, 0, 15) && address[15] == 1) {
            return new Classified(Kind.LOOPBACK, null);
        }
        if (first == 0xff) {
            return new Classified(Kind.MULTICAST, null);
        }
        if (first == 0xfe && (second & 0xc0) == 0x80) {
            return new Classified(Kind.LINK_LOCAL, null);
        }
        if ((first & 0xfe) == 0xfc) {
            return new Classified(Kind.UNIQUE_LOCAL, null);
        }
        if (first == 0xfe && (second & 0xc0) == 0xc0) {
            return new Classified(Kind.SPECIAL, "site-local, fec0::/10, deprecated by RFC 3879");
        }
        if (first == 0x01 && second == 0 && isZero(address, 2, 8)) {
            return new Classified(Kind.SPECIAL, "discard-only, 100::/64");
        }
        if ((first & 0xe0) != 0x20) {
            return new Classified(Kind.SPECIAL, "outside global unicast 2000::/3");
        }
        return special(SPECIAL_IPV6, address);
    }

    private static Classified kind4(byte[] a) {
        int first = a[0] & 0xff;
        int second = a[1] & 0xff;
        if (first == 0) {
            return new Classified(Kind.UNSPECIFIED, null);
        }
        if (first == 127) {
            return new Classified(Kind.LOOPBACK, null);
        }
        if (first == 169 && second == 254) {
            return new Classified(Kind.LINK_LOCAL, null);
        }
        if (first == 10 || (first == 172 && (second & 0xf0) == 16) || (first == 192 && second == 168)
                || (first == 100 && (second & 0xc0) == 64)) {
            return new Classified(Kind.PRIVATE, null);
        }
        if (first >= 224 && first <= 239) {
            return new Classified(Kind.MULTICAST, null);
        }
        if (first >= 240) {
            return new Classified(Kind.BROADCAST, null);
        }
        return special(SPECIAL_IPV4, a);
    }

    private static Classified special(List<Special> ranges, byte[] address) {
        for (Special range : ranges) {
            if (range.network().contains(address)) {
                return new Classified(range.kind(), range.name());
            }
        }
        return new Classified(Kind.PUBLIC, null);
    }

    /**
     * The name of an IPv4-carrying IPv6 form that no network routes to a public IPv4 address: IPv4-compatible
     * {@code ::/96} (deprecated, RFC 4291) and IPv4-translated {@code ::ffff:0:0:0/96} (SIIT, RFC 2765); null for
     * the others (mapped, NAT64, 6to4).
     */
    private static String unroutedForm(byte[] a) {
        if (isZero(a, 0, 12)) {
            return "IPv4-compatible, ::/96, deprecated";
        }
        if (translated(a)) {
            return "IPv4-translated, ::ffff:0:0:0/96";
        }
        return null;
    }

    /**
     * The IPv4 address an IPv6 address carries: IPv4-mapped {@code ::ffff:0:0/96}, IPv4-translated
     * {@code ::ffff:0:0:0/96} (RFC 2765), IPv4-compatible {@code ::/96} (but :: and ::1), NAT64 {@code 64:ff9b::/96} and {@code 64:ff9b:1::/48} (RFC 6052, 8215), 6to4
     * {@code 2002::/16} (RFC 3056); else null.
     */
    static byte[] embeddedIpv4(byte[] a) {
        if (a.length != 16) {
            return null;
        }
        boolean mapped = isZero(a, 0, 10) && (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
        boolean compatible = isZero(a, 0, 12) && !(isZero(a, 12, 15) && (a[15] == 0 || a[15] == 1));
        boolean nat64 = (a[0] & 0xff) == 0 && (a[1] & 0xff) == 0x64 && (a[2] & 0xff) == 0xff
                && (a[3] & 0xff) == 0x9b && (isZero(a, 4, 12) || ((a[4] & 0xff) == 0 && (a[5] & 0xff) == 1));
        if (mapped || translated(a) || compatible || nat64) {
            return Arrays.copyOfRange(a, 12, 16);
        }
        if ((a[0] & 0xff) == 0x20 && (a[1] & 0xff) == 0x02) {
            return Arrays.copyOfRange(a, 2, 6);
        }
        return null;
    }

    /** IPv4-translated, {@code ::ffff:0:a.b.c.d} (SIIT, RFC 2765). */
    private static boolean translated(byte[] a) {
        return isZero(a, 0, 8) && (a[8] & 0xff) == 0xff && (a[9] & 0xff) == 0xff && isZero(a, 10, 12);
    }

    private static boolean isZero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * What the URL's host says before any lookup: an address in its usual form, {@code localhost}, or a name.
     *
     * @param host a URL's host, as {@link java.net.URI#getHost()} gives it (IPv6 in brackets)
     * @return the refusal, or empty when the host may be used (a name then still needs {@link #check} of its addresses)
     */
    public Optional<String> checkWithoutLookup(String host) {
        return literalOf(host).map(bytes -> check(host, List.of(bytes))).orElseGet(() -> nameRefusal(host));
    }

    /**
     * The addresses of {@code host} that the caller may connect to: the literal itself, or what {@code lookup}
     * resolved, every one of which must pass.
     *
     * @throws EgressRefused naming the host and why, before any connection
     * @throws UnknownHostException when the lookup finds nothing
     */
    public List<InetAddress> addresses(String host, Lookup lookup) throws UnknownHostException, EgressRefused {
        Optional<byte[]> literal = literalOf(host);
        List<byte[]> resolved = new ArrayList<>();
        String name = null;
        if (literal.isPresent()) {
            resolved.add(literal.get());
        } else {
            Optional<String> refusal = nameRefusal(host);
            if (refusal.isPresent()) {
                throw new EgressRefused(refusal.get());
            }
            name = hostName(host);
            for (InetAddress address : lookup.all(name)) {
                resolved.add(address.getAddress());
            }
            if (resolved.isEmpty()) {
                throw new UnknownHostException(name);
            }
        }
        Optional<String> refusal = check(host, resolved);
        if (refusal.isPresent()) {
            throw new EgressRefused(refusal.get());
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (byte[] bytes : resolved) {
            addresses.add(InetAddress.getByAddress(name, bytes));
        }
        return addresses;
    }

    /** Resolves a host name to all its addresses ({@link InetAddress#getAllByName} in production). */
    @FunctionalInterface
    public interface Lookup {
        InetAddress[] all(String name) throws UnknownHostException;
    }

    /**
     * The refusal for {@code host} resolving to {@code addresses} (each 4 or 16 bytes), or empty when every one may be
     * reached.
     */
    public Optional<String> check(String host, List<byte[]> addresses) {
        String name = hostName(bare(host));
        for (byte[] address : addresses) {
            Kind kind = kind(address);
            String shown = shown(address);
            String what = shown.equals(bare(host)) ? shown : host + " (" + shown + ")";
            if (kind.neverReached()) {
                return Optional.of(what + " is " + describe(address) + ", which Keyhouse never connects to");
            }
            if (kind.needsListing() && !listed(name, address)) {
                return Optional.of(what + " is " + describe(address) + ", which Keyhouse connects to only when "
                        + VARIABLE + " lists it");
            }
        }
        return Optional.empty();
    }

    private boolean listed(String name, byte[] address) {
        if (name != null && names.contains(name)) {
            return true;
        }
        byte[] embedded = embeddedIpv4(address);
        return networks.stream().anyMatch(n -> n.contains(address) || (embedded != null && n.contains(embedded)));
    }

    /** The bytes when the host is written as an address; refused numeric forms are not addresses here. */
    private static Optional<byte[]> literalOf(String host) {
        return Optional.ofNullable(literal(bare(host)));
    }

    /** Why a host that is not an address in its usual form is refused before any lookup, or empty. */
    private Optional<String> nameRefusal(String host) {
        String bare = bare(host);
        if (host.startsWith("[") || bare.indexOf(':') >= 0) {
            return Optional.of(host + " is not a valid IPv6 address");
        }
        if (looksNumeric(bare.toLowerCase(Locale.ROOT))) {
            return Optional.of(host + " is a number but not an address in its usual form (a.b.c.d): resolvers read"
                    + " such forms differently" + readAs(bare).map(a -> ", some as " + a).orElse("")
                    + ", so Keyhouse never connects to one; write the address as a.b.c.d");
        }
        String name = hostName(bare);
        if (name == null) {
            return Optional.of(host + " is not a valid host name");
        }
        if (name.equals("localhost") || name.endsWith(".localhost")) {
            // RFC 6761: always the loopback interface, whatever a resolver says
            return check(host, List.of(new byte[] {127, 0, 0, 1}));
        }
        return Optional.empty();
    }

    /** How inet_aton (glibc, BSD, curl) reads a numeric host: 1 to 4 parts, each decimal, 0-octal or 0x-hex. */
    static Optional<String> readAs(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        String[] parts = name.split("\\.", -1);
        if (parts.length > 4) {
            return Optional.empty();
        }
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            try {
                if (part.startsWith("0x")) {
                    values[i] = part.length() == 2 ? 0 : Long.parseLong(part.substring(2), 16);
                } else if (part.length() > 1 && part.startsWith("0")) {
                    values[i] = Long.parseLong(part.substring(1), 8);
                } else {
                    values[i] = Long.parseLong(part);
                }
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        long value = 0;
        for (int i = 0; i < values.length - 1; i++) {
            if (values[i] > 255) {
                return Optional.empty();
            }
            value = (value << 8) | values[i];
        }
        int lastBits = 8 * (4 - (values.length - 1));
        long last = values[values.length - 1];
        if (last >= (1L << lastBits)) {
            return Optional.empty();
        }
        value = (value << lastBits) | last;
        return Optional.of(((value >> 24) & 0xff) + "." + ((value >> 16) & 0xff) + "." + ((value >> 8) & 0xff) + "."
                + (value & 0xff));
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String shown(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an address is 4 or 16 bytes", e);
        }
    }
}
