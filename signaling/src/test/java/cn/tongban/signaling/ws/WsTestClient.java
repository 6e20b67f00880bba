package cn.tongban.signaling.ws;

import cn.tongban.signaling.protocol.Codec;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.testkit.ThreadDump;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A blocking WebSocket test client that decodes server messages with the protocol's codec. */
final class WsTestClient implements AutoCloseable {
    private final ClientWebSocket ws;
    private final LinkedBlockingQueue<ServerMessage> inbox = new LinkedBlockingQueue<>();
    private final List<ServerMessage> skipped = new ArrayList<>();
    volatile Short closeCode;
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    private WsTestClient(ClientWebSocket ws) {
        this.ws = ws;
        ws.textMessageHandler(text -> inbox.add(Codec.decodeServer(text)));
        ws.closeHandler(v -> {
            closeCode = ws.closeStatusCode();
            closed.countDown();
        });
    }

    static WsTestClient connect(Vertx vertx, int port, String uri) throws Exception {
        WebSocketClient client = vertx.createWebSocketClient(
                new WebSocketClientOptions().setMaxFrameSize(2 * 1024 * 1024).setMaxMessageSize(2 * 1024 * 1024));
        // Handlers are set before connecting, so a message arriving with the handshake's response is not missed.
        WsTestClient c = new WsTestClient(client.webSocket());
        c.ws.connect(port, "127.0.0.1", uri).await(10, TimeUnit.SECONDS);
        return c;
    }

    static WsTestClient connect(Vertx vertx, int port) throws Exception {
        WsTestClient c = connect(vertx, port, "/ws?v=1");
        c.expect(ServerMessage.Hello.class);
        return c;
    }

    void send(String json) {
        ws.writeTextMessage(json);
    }

    void sendBinary(byte[] data) {
        ws.writeBinaryMessage(Buffer.buffer(data));
    }

    /** The next message of the given type; earlier messages of other types are set aside. */
    <T extends ServerMessage> T expect(Class<T> type) throws InterruptedException {
        for (int i = 0; i < skipped.size(); i++) {
            if (type.isInstance(skipped.get(i))) {
                return type.cast(skipped.remove(i));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            ServerMessage m = inbox.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no " + type.getSimpleName() + " message within 10 s (set aside: " + skipped
                        + ")\n" + ThreadDump.now());
            }
            if (type.isInstance(m)) {
                return type.cast(m);
            }
            skipped.add(m);
        }
    }

    /** The next error message. */
    ServerMessage.Error error() throws InterruptedException {
        return expect(ServerMessage.Error.class);
    }

    /** Waits until a message matching the predicate arrives (others are set aside). */
    <T extends ServerMessage> T expect(Class<T> type, java.util.function.Predicate<T> match)
            throws InterruptedException {
        return expect(type, match, java.time.Duration.ofSeconds(10));
    }

    /**
     * Waits up to {@code timeout} for a message of the type that matches; earlier messages that do not
     * match are set aside (others' types) or dropped (this type).
     */
    <T extends ServerMessage> T expect(Class<T> type, java.util.function.Predicate<T> match, java.time.Duration timeout)
            throws InterruptedException {
        for (int i = 0; i < skipped.size(); i++) {
            ServerMessage m = skipped.get(i);
            if (type.isInstance(m)) {
                skipped.remove(i--);
                if (match.test(type.cast(m))) {
                    return type.cast(m);
                }
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            ServerMessage m = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no matching " + type.getSimpleName() + " within " + timeout.toSeconds()
                        + " s (set aside: " + skipped + ")\n" + ThreadDump.now());
            }
            if (!type.isInstance(m)) {
                skipped.add(m);
            } else if (match.test(type.cast(m))) {
                return type.cast(m);
            }
        }
    }

    /**
     * A protocol barrier: a ping answered after everything the server queued for this connection before
     * it handled the ping. Messages that arrive before the pong are set aside (see {@link #drain}).
     */
    void barrier() throws InterruptedException {
        String id = "barrier-" + java.util.UUID.randomUUID();
        send("{\"type\":\"ping\",\"id\":\"" + id + "\"}");
        expect(ServerMessage.Pong.class, p -> id.equals(p.re()));
    }

    /** Messages received so far that nobody expected yet, plus any queued. */
    List<ServerMessage> drain() {
        List<ServerMessage> all = new ArrayList<>(skipped);
        skipped.clear();
        inbox.drainTo(all);
        return all;
    }

    /** Waits until the connection closed and its close handler ran. */
    boolean awaitClosed(long seconds) throws InterruptedException {
        return closed.await(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (!ws.isClosed()) {
            ws.close();
        }
    }
}
