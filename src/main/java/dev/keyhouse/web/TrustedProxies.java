package dev.keyhouse.web;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.smallrye.common.net.CidrAddress;
import io.smallrye.common.net.Inet;

/**
 * TRUSTED_PROXIES: the reverse proxies whose {@code X-Forwarded-For} and {@code X-Forwarded-Proto} Keyhouse believes,
 * comma-separated IP addresses ({@code 10.0.0.5}, {@code ::1}) or CIDR ranges ({@code 10.0.0.0/24}). Literals only,
 * parsed with SmallRye's {@link Inet} (the parser Quarkus' own {@code quarkus.http.proxy.trusted-proxies} uses), so
 * reading the list never asks DNS. Empty means no proxy is trusted and the headers are ignored from everyone.
 */
public final class TrustedProxies {

    private static final String SHAPE = "an IP address (10.0.0.5, ::1) or a CIDR range (10.0.0.0/24)";

    private TrustedProxies() {
    }

    /**
     * The list as Quarkus' {@code quarkus.http.proxy.trusted-proxies} takes it: every entry a CIDR range (a single
     * address as /32 or /128, which also keeps an IPv6 address from being read as host:port). Entries that are not
     * addresses are left out: the start-up check refuses them by position before this matters.
     *
     * @param value TRUSTED_PROXIES, or null/blank for none
     * @return the ranges, empty when no proxy is trusted
     */
    public static List<String> ranges(String value) {
        List<String> ranges = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return ranges;
        }
        for (String entry : value.split(",")) {
            range(entry.strip()).ifPresent(c -> ranges.add(Inet.toOptimalString(c.getNetworkAddress().getAddress())
                    + "/" + c.getNetmaskBits()));
        }
        return ranges;
    }

    /** Why a TRUSTED_PROXIES value is refused, naming the variable and the entries' positions (1-based). */
    public static Optional<String> problem(String name, String value) {
        String[] entries = value.split(",", -1);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < entries.length; i++) {
            if (range(entries[i].strip()).isEmpty()) {
                bad.add(String.valueOf(i + 1));
            }
        }
        if (bad.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(name + (bad.size() == 1 ? " entry " : " entries ") + String.join(", ", bad)
                + (bad.size() == 1 ? " is not " : " are not ") + SHAPE + " (host names are not accepted)");
    }

    private static Optional<CidrAddress> range(String entry) {
        if (entry.isEmpty() || entry.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '%')) {
            return Optional.empty();
        }
        int slash = entry.indexOf('/');
        if (slash < 0) {
            InetAddress address = Inet.parseInetAddress(entry);
            return Optional.ofNullable(address)
                    .map(a -> CidrAddress.create(a, a instanceof Inet4Address ? 32 : 128));
        }
        InetAddress network = Inet.parseInetAddress(entry.substring(0, slash));
        String bits = entry.substring(slash + 1);
        int max = network instanceof Inet4Address ? 32 : 128;
        if (network == null || !bits.matches("\\d{1,3}") || Integer.parseInt(bits) > max) {
            return Optional.empty();
        }
        return Optional.of(CidrAddress.create(network, Integer.parseInt(bits)));
    }
}
