package dev.keyhouse.rotation;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.keyhouse.settings.EnvironmentListener;

/**
 * A TCP relay on loopback in front of a PostgreSQL on loopback, for a replica's {@code SYSTEM_DATABASE_URL}: passes
 * every connection through, and while {@link #stall stalled} holds back what the server sends to the replica's
 * runtime-config listener connection (recognised by {@code application_name} {@code keyhouse-listener} in its
 * plaintext startup message). What the listener sends still arrives: its pings commit, only their echoes, other
 * replicas' notifications and its statements' answers wait — a listener that hears nothing.
 */
final class ListenerRelay implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger listeners = new AtomicInteger();
    private volatile boolean stalled;

    /** Relays to {@code 127.0.0.1:target} from an ephemeral loopback port. */
    ListenerRelay(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "listener-relay");
        accept.setDaemon(true);
        accept.start();
    }

    /** The loopback port to connect to. */
    int port() {
        return server.getLocalPort();
    }

    /** How many listener connections were seen so far. */
    int listeners() {
        return listeners.get();
    }

    /** Holds back (true) or releases (false) what the server sends to listener connections. */
    void stall(boolean on) {
        stalled = on;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(upstream);
                java.util.concurrent.atomic.AtomicBoolean listener = new java.util.concurrent.atomic.AtomicBoolean();
                pump(client, upstream, listener, true);
                pump(upstream, client, listener, false);
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Copies {@code from} to {@code to} on a thread of its own; the client's first bytes tell a listener. */
    private void pump(Socket from, Socket to, java.util.concurrent.atomic.AtomicBoolean listener, boolean fromClient) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[16384];
            StringBuilder start = new StringBuilder();
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (fromClient && start.length() < 4096) {
                        start.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
                        if (!listener.get() && start.indexOf(EnvironmentListener.APPLICATION_NAME) >= 0) {
                            listener.set(true);
                            listeners.incrementAndGet();
                        }
                    }
                    while (!fromClient && listener.get() && stalled) {
                        Thread.sleep(5);
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // one side closed: close both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "listener-relay-pump");
        pump.setDaemon(true);
        pump.start();
    }

    @Override
    public void close() {
        stalled = false;
        closeQuietly(server);
        sockets.forEach(ListenerRelay::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing
        }
    }
}
