package cn.tongban.signaling.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay in front of one Hazelcast member, through which every other member reaches it (the member
 * advertises the relay's address as its public address). Members bind distinct loopback addresses
 * (127.0.0.1, .2, .3) and connect out from them, so the relay knows who is calling and can refuse
 * chosen peers and cut their open connections: a network partition made of real TCP failures, which
 * Hazelcast detects as it would on a real network. Hazelcast OSS offers no other way to split members
 * that run over real sockets.
 */
final class PartitionableLink implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<String> blocked = ConcurrentHashMap.newKeySet();
    private final Set<Socket[]> open = ConcurrentHashMap.newKeySet();
    /** Held while a connection is checked and registered, and while peers are blocked. */
    private final Object gate = new Object();

    private volatile boolean closed;

    /** Listens on {@code host}:(free port) and relays to {@code host}:{@code targetPort}. */
    PartitionableLink(String host, int targetPort) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getByName(host));
        this.target = new InetSocketAddress(host, targetPort);
        Thread t = new Thread(this::acceptLoop, "link-" + host + "-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** The address to advertise: {@code host:port}. */
    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /**
     * Refuses connections from {@code peerHost} and cuts the open ones. Atomic with the accept loop's check
     * and registration of a new connection, so none being set up at this moment slips through.
     */
    void block(String peerHost) {
        synchronized (gate) {
            blocked.add(peerHost);
            for (Socket[] pair : open) {
                if (pair[0].getInetAddress().getHostAddress().equals(peerHost)) {
                    closeQuietly(pair);
                }
            }
        }
    }

    /** Lets {@code peerHost} through again. */
    void unblock(String peerHost) {
        synchronized (gate) {
            blocked.remove(peerHost);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return;
            }
            Socket[] pair;
            synchronized (gate) {
                if (blocked.contains(in.getInetAddress().getHostAddress())) {
                    closeQuietly(new Socket[] {in});
                    continue;
                }
                Socket out = new Socket();
                try {
                    out.connect(target, 2000);
                } catch (IOException e) {
                    closeQuietly(new Socket[] {in, out});
                    continue;
                }
                pair = new Socket[] {in, out};
                open.add(pair);
            }
            pump(pair, pair[0], pair[1]);
            pump(pair, pair[1], pair[0]);
        }
    }

    private void pump(Socket[] pair, Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[16 * 1024];
                    try (InputStream is = from.getInputStream();
                            OutputStream os = to.getOutputStream()) {
                        int n;
                        while ((n = is.read(buf)) >= 0) {
                            os.write(buf, 0, n);
                            os.flush();
                        }
                    } catch (IOException ignored) {
                        // Cut or closed: close both ends below.
                    } finally {
                        closeQuietly(pair);
                        open.remove(pair);
                    }
                },
                "link-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket[] sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Already closed.
        }
        open.forEach(PartitionableLink::closeQuietly);
    }
}
