package dev.keyhouse.auth;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import org.jboss.logging.Logger;

import io.smallrye.common.net.Inet;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/**
 * The client address sign-in throttling counts by: the connection's peer, or the first {@code X-Forwarded-For} entry
 * when that peer is a proxy listed in TRUSTED_PROXIES (Quarkus' forwarded-header support has already put it in
 * {@code remoteAddress()}; see {@link dev.keyhouse.web.ProxyConfigSourceFactory}), as one counting unit
 * ({@link #unit}): an IPv4 address, or an IPv6 /64 (what one host or one customer network is given, so a host cannot
 * take fresh addresses from its own /64 to start clean). An IPv4 address written as IPv6 ({@code ::ffff:10.9.9.5},
 * 6to4 {@code 2002:a09:905::/48}) counts as that IPv4 address. A forwarded value that is not an address counts as
 * the proxy's own address (logged as a warning, without the value), never as one shared nameless bucket.
 * "unknown" when there is no address at all.
 */
final class ClientAddress {

    private static final Logger LOG = Logger.getLogger(ClientAddress.class);
    /** Bytes of an IPv6 address that name its /64 network. */
    private static final int PREFIX_BYTES = 8;

    private ClientAddress() {
    }

    /** The counting unit of the request's client, see the class comment. */
    static String of(HttpServerRequest request) {
        InetAddress client = parse(request.remoteAddress());
        if (client != null) {
            return unit(client);
        }
        HttpConnection connection = request.connection();
        InetAddress peer = connection == null ? null : parse(connection.remoteAddress());
        if (peer == null) {
            return "unknown";
        }
        LOG.warnf("a trusted proxy at %s forwarded a client address that is not an IP address; sign-in throttling "
                + "counts the request as the proxy's own", peer.getHostAddress());
        return unit(peer);
    }

    /**
     * What throttling counts {@code address} as: an IPv4 address as itself; an IPv4-mapped IPv6 address
     * ({@code ::ffff:a.b.c.d}) or a 6to4 one ({@code 2002:aabb:ccdd::/16}) as the IPv4 address inside it; the IPv6
     * loopback {@code ::1} as itself; any other IPv6 address as its /64, written {@code 2001:db8:1:2::/64}.
     */
    static String unit(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address || bytes.length == 4) {
            return address.getHostAddress();
        }
        boolean mapped = Arrays.equals(Arrays.copyOfRange(bytes, 0, 12),
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff});
        if (mapped) {
            return ipv4(Arrays.copyOfRange(bytes, 12, 16));
        }
        if (bytes[0] == 0x20 && bytes[1] == 0x02) {
            return ipv4(Arrays.copyOfRange(bytes, 2, 6));
        }
        if (address.isLoopbackAddress()) {
            // ::1 is one host, not a network: audited as "::1", never "::/64" (b20, cosmetic)
            return "::1";
        }
        byte[] network = Arrays.copyOf(Arrays.copyOf(bytes, PREFIX_BYTES), 16);
        try {
            return Inet.toOptimalString(InetAddress.getByAddress(network)) + "/64";
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an IPv6 address", e);
        }
    }

    /** The address an IP literal names, without asking DNS; null when it is none. */
    private static InetAddress parse(SocketAddress socket) {
        String host = socket == null ? null : socket.hostAddress();
        if (host == null) {
            return null;
        }
        int zone = host.indexOf('%');
        return Inet.parseInetAddress(zone >= 0 ? host.substring(0, zone) : host);
    }

    private static String ipv4(byte[] bytes) {
        return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
    }
}
