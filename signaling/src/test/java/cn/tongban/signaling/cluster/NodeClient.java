package cn.tongban.signaling.cluster;

import cn.tongban.signaling.protocol.Codec;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.testkit.ThreadDump;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A protocol client that does what the browser client does when its node fails: it remembers the
 * cluster's node list from {@code hello.servers} and, on {@link #failover}, connects to those nodes in
 * turn (the next one after the failed node first, the failed one last) until one answers with {@code hello}
 * within the browser's connect timeout. The
 * caller then sends {@code resume} or {@code auth}. Messages are decoded with the protocol's codec.
 */
final class NodeClient implements AutoCloseable {
    private final Vertx vertx;
    private final WebSocketClient client;
    final String label;
    private final LinkedBlockingQueue<ServerMessage> inbox = new LinkedBlockingQueue<>();
    private final List<ServerMessage> setAside = new ArrayList<>();
    private volatile WebSocket ws;
    private volatile CountDownLatch closed;
    volatile String url;
    volatile ServerMessage.Hello hello;
    /** The cluster's nodes as last told: {@code hello.servers}, then each {@code servers} message. */
    volatile List<String> servers = List.of();

    volatile Short closeCode;

    private NodeClient(Vertx vertx, WebSocketClient client, String label) {
        this.vertx = vertx;
        this.client = client;
        this.label = label;
    }

    static WebSocketClient newClient(Vertx vertx) {
        return vertx.createWebSocketClient(new WebSocketClientOptions()
                .setConnectTimeout(3000)
                // Vert.x queues WebSockets beyond 50 per server by default; these tests hold hundreds.
                .setMaxConnections(2000)
                .setMaxFrameSize(2 * 1024 * 1024)
                .setMaxMessageSize(2 * 1024 * 1024));
    }

    /** Connects and waits for {@code hello}. */
    static NodeClient connect(Vertx vertx, WebSocketClient client, String url, String label) throws Exception {
        NodeClient c = new NodeClient(vertx, client, label);
        if (!c.open(url, Duration.ofSeconds(25))) {
            throw new AssertionError(label + ": cannot connect to " + url);
        }
        return c;
    }

    /** Connects without waiting for {@code hello} (for servers expected to refuse). */
    static NodeClient connectRaw(Vertx vertx, WebSocketClient client, String url, String label) throws Exception {
        NodeClient c = new NodeClient(vertx, client, label);
        if (!c.openSocket(url, Duration.ofSeconds(10))) {
            throw new AssertionError(label + ": cannot connect to " + url);
        }
        return c;
    }

    /** Connects and waits for {@code hello}, all within {@code budget}. */
    private boolean open(String target, Duration budget) throws InterruptedException {
        long deadline = System.nanoTime() + budget.toNanos();
        if (!openSocket(target, budget)) {
            return false;
        }
        ServerMessage.Hello h =
                poll(ServerMessage.Hello.class, x -> true, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (h == null) {
            ws.close();
            return false;
        }
        this.hello = h;
        this.servers = h.servers() != null ? h.servers() : List.of(target);
        return true;
    }

    private boolean openSocket(String target, Duration budget) {
        WebSocket socket;
        CountDownLatch latch = new CountDownLatch(1);
        // Reset before connecting: a server that refuses at once closes the socket before await() returns,
        // and its close handler's code must not be overwritten afterwards.
        this.closeCode = null;
        try {
            // Handlers are set before connecting: set in the connect callback, a hello arriving right behind the
            // handshake's response could be missed (a soak run once saw the later servers message but no hello).
            ClientWebSocket s = client.webSocket();
            s.textMessageHandler(text -> {
                ServerMessage m = Codec.decodeServer(text);
                if (m instanceof ServerMessage.Servers list) {
                    servers = list.servers();
                }
                inbox.add(m);
            });
            s.closeHandler(v -> {
                closeCode = s.closeStatusCode();
                latch.countDown();
            });
            socket = s.connect(new WebSocketConnectOptions().setAbsoluteURI(target))
                    .await(budget.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return false;
        }
        this.ws = socket;
        this.closed = latch;
        this.url = target;
        return true;
    }

    /**
     * After this client's node failed: tries the nodes it was last told of ({@code hello.servers} or a later
     * {@code servers} message) in turn, starting after the failed one, until one answers or {@code timeout}
     * passes. Returns the URL connected to.
     */
    String failover(Duration timeout) throws InterruptedException {
        List<String> servers = this.servers.isEmpty() ? List.of(url) : this.servers;
        int failed = Math.max(0, servers.indexOf(url));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 1; i <= servers.size(); i++) {
                String s = servers.get((failed + i) % servers.size());
                // signaling.js gives a connection up that has not said hello within 5 s (a hung node).
                if (open(s, Duration.ofSeconds(5))) {
                    return s;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(label + ": no node of " + servers + " answered within " + timeout);
    }

    void send(String json) {
        ws.writeTextMessage(json);
    }

    /**
     * signaling.js's keep-alive: a ping, and whether its pong came within {@code timeout}. A connection
     * without one is given up at once (closed without waiting for the close handshake a hung node never
     * completes).
     */
    boolean alive(Duration timeout) throws InterruptedException {
        String id = "ka-" + java.util.UUID.randomUUID();
        try {
            send("{\"type\":\"ping\",\"id\":\"" + id + "\"}");
        } catch (RuntimeException closed) {
            return false;
        }
        if (poll(ServerMessage.Pong.class, p -> id.equals(p.re()), timeout) != null) {
            return true;
        }
        close();
        return false;
    }

    /** The next message of the type that matches; other messages are set aside. Fails after {@code timeout}. */
    <T extends ServerMessage> T expect(Class<T> type, Predicate<T> match, Duration timeout)
            throws InterruptedException {
        T m = poll(type, match, timeout);
        if (m == null) {
            throw new AssertionError(label + " (" + url + "): no matching " + type.getSimpleName() + " within "
                    + timeout + "; set aside: " + tail(setAside) + "\n" + ThreadDump.now());
        }
        return m;
    }

    <T extends ServerMessage> T expect(Class<T> type, Duration timeout) throws InterruptedException {
        return expect(type, x -> true, timeout);
    }

    /** Like {@link #expect} but returns null on timeout. */
    synchronized <T extends ServerMessage> T poll(Class<T> type, Predicate<T> match, Duration timeout)
            throws InterruptedException {
        for (int i = 0; i < setAside.size(); i++) {
            ServerMessage m = setAside.get(i);
            if (type.isInstance(m) && match.test(type.cast(m))) {
                setAside.remove(i);
                return type.cast(m);
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            ServerMessage m = inbox.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) {
                return null;
            }
            if (type.isInstance(m) && match.test(type.cast(m))) {
                return type.cast(m);
            }
            setAside.add(m);
            if (setAside.size() > 2000) {
                setAside.subList(0, 1000).clear();
            }
        }
    }

    /** The most recent message of a type received so far (consuming everything queued), or null. */
    synchronized <T extends ServerMessage> T latest(Class<T> type) {
        inbox.drainTo(setAside);
        T found = null;
        for (ServerMessage m : setAside) {
            if (type.isInstance(m)) {
                found = type.cast(m);
            }
        }
        if (found != null) {
            setAside.removeIf(type::isInstance);
            setAside.add(found);
        }
        return found;
    }

    boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String tail(List<ServerMessage> list) {
        return list.subList(Math.max(0, list.size() - 5), list.size()).toString();
    }

    @Override
    public void close() {
        WebSocket s = ws;
        if (s != null && !s.isClosed()) {
            s.close();
        }
    }

    Vertx vertx() {
        return vertx;
    }
}
