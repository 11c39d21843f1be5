package dev.keyhouse;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a process a test starts and that binds them itself (Keyhouse's HTTP and management ports, a container's
 * published port). A port the kernel hands out for {@code new ServerSocket(0)} comes from the ephemeral range
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}), the same range every outgoing connection's local port comes from:
 * between the probe closing it and the process binding it, a JDBC or HTTP client on this machine can take it (a CI run
 * failed "Unable to start the management interface on 0.0.0.0:40081"). These ports come from below that range, where
 * only a listener that asks for one by number lands, and none is handed out twice in one JVM.
 */
public final class FreePorts {

    private static final int LOWEST = 20000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port in [20000, start of the ephemeral range) that nothing listens on, on any address, right now. */
    public static int outsideEphemeralRange() {
        int highest = ephemeralStart() - 1;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, highest + 1);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(port));
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IllegalStateException("no free port in [" + LOWEST + ", " + highest + "] after 200 tries");
    }

    private static int ephemeralStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Math.max(LOWEST + 1000, Integer.parseInt(range.split("\\s+")[0]));
        } catch (IOException | RuntimeException notLinux) {
            return 32768;
        }
    }
}
