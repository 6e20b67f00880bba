package cn.tongban.testkit;

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
 * A TCP relay in front of a server that can be made to hang, as a frozen process or a dead network path
 * does: after {@link #hang()} nothing is forwarded in either direction on open connections, which stay open,
 * and new connections are accepted (the kernel would) and then never answered. Neither side sees a close: a
 * client notices only by its own timeouts, which is what the test is about.
 */
public final class HangingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean hung;
    private volatile boolean closed;

    /** Listens on 127.0.0.1:(free port) and relays to 127.0.0.1:{@code targetPort}. */
    public HangingRelay(int targetPort) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        this.server = new ServerSocket(0, 200, loopback);
        this.target = new InetSocketAddress(loopback, targetPort);
        Thread t = new Thread(this::acceptLoop, "hanging-relay-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /** The port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** From now on nothing passes, and nothing is closed. */
    public void hang() {
        hung = true;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket in = server.accept();
                sockets.add(in);
                if (hung) {
                    continue; // accepted, never answered
                }
                Socket out = new Socket();
                out.connect(target, 5_000);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream()) {
                        OutputStream out = to.getOutputStream();
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            if (hung) {
                                continue; // read and dropped: the sender's writes succeed, nothing arrives
                            }
                            out.write(buf, 0, n);
                            out.flush();
                        }
                        if (!hung) {
                            to.shutdownOutput();
                        }
                    } catch (IOException e) {
                        // the other pump or close() ended it
                    }
                },
                "hanging-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
