package cn.tongban.signaling.ws;

import cn.tongban.signaling.live.Client;
import cn.tongban.signaling.live.Role;
import cn.tongban.signaling.protocol.Codec;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One browser's WebSocket and what it signed in as. Messages to it are written on its own {@link #context}
 * in the order they were queued ({@link #send}); the sign-in fields are written by its handlers, one message
 * after another along {@link #tail}, and read by broadcasts, so they are volatile.
 */
final class Connection implements Client {
    final String id;
    final ServerWebSocket ws;
    /** The event loop the socket lives on: every server message to it is written here, in one order. */
    final Context context;

    final RateLimiter limiter;
    private volatile Role role;
    private volatile String ticketId;
    private volatile String clerkId;
    volatile boolean closed;
    /** The hello was written (messages to the client may follow). */
    volatile boolean greeted;
    /** Messages changing a session's parties written so far ({@link #sessionPushes()}); written on {@link #context}. */
    private volatile long sessionPushes;
    /**
     * When this connection's TURN credentials are due for renewal (epoch ms); 0 while it has none (see
     * {@code SignalingHandler#issueIceServers}).
     */
    final AtomicLong iceRefreshAt = new AtomicLong();
    /** Which state pushes are written; used only on {@link #context}. */
    final PushFilter pushes = new PushFilter();

    long lastRateLimitErrorNanos;
    MessageConsumer<String> consumer;
    /** Messages of this connection are handled one after another along this chain. */
    Future<?> tail = Future.succeededFuture();

    /** Runs when the connection signs in (a ticket, an account): right after the handler's answer. */
    private final Consumer<Connection> signedIn;

    Connection(String id, ServerWebSocket ws, Context context, RateLimiter limiter, Consumer<Connection> signedIn) {
        this.id = id;
        this.ws = ws;
        this.context = context;
        this.limiter = limiter;
        this.signedIn = signedIn;
    }

    /** The event-bus address of a connection, on whichever node holds it. */
    static String address(String connId) {
        return "tongban.conn." + connId;
    }

    @Override
    public String connId() {
        return id;
    }

    @Override
    public Role role() {
        return role;
    }

    @Override
    public String clerkId() {
        return clerkId;
    }

    @Override
    public String ticketId() {
        return ticketId;
    }

    @Override
    public void send(ServerMessage message) {
        send(message, Codec.encode(message));
    }

    /** Queues a message already encoded as {@code text}. */
    void send(ServerMessage message, String text) {
        context.runOnContext(v -> deliver(message, text));
    }

    /**
     * Writes a message queued on the context (local, or from another node: then decoded only if it is a state
     * push, else null); stale pushes are dropped.
     */
    /** The highest message number delivered from each sending node (see {@link Connections}); context only. */
    private final java.util.Map<String, Long> delivered = new java.util.HashMap<>();

    /**
     * Whether the message numbered {@code seq} from node {@code from} is new here: a node sends to one
     * connection one message at a time in increasing numbers, so anything not above the last is a retry.
     * Runs on the connection's context.
     */
    boolean firstDelivery(String from, String seq) {
        long n;
        try {
            n = Long.parseLong(seq);
        } catch (NumberFormatException e) {
            return true;
        }
        Long last = delivered.get(from);
        if (last != null && n <= last) {
            return false;
        }
        delivered.put(from, n);
        return true;
    }

    void deliver(ServerMessage message, String text) {
        if (changesSessionParties(text)) {
            // Counted before anything is written, so the client's next message sees the new count.
            sessionPushes++;
        }
        if (message == null || pushes.admit(message)) {
            write(text);
        }
    }

    @Override
    public long sessionPushes() {
        return sessionPushes;
    }

    private static boolean changesSessionParties(String text) {
        return text.startsWith("{\"type\":\"paired\"")
                || text.startsWith("{\"type\":\"peer\"")
                || text.startsWith("{\"type\":\"ended\"")
                || text.startsWith("{\"type\":\"transferred\"")
                || text.startsWith("{\"type\":\"participants\"");
    }

    void write(String text) {
        if (!closed && !ws.isClosed()) {
            ws.writeTextMessage(text);
        }
    }

    @Override
    public void becomeApplicant(String ticket) {
        this.ticketId = ticket;
        this.role = Role.APPLICANT;
        signedIn.accept(this);
    }

    @Override
    public void becomeClerk(String clerk) {
        this.clerkId = clerk;
        this.role = Role.CLERK;
        signedIn.accept(this);
    }

    @Override
    public void becomeSupervisor() {
        this.clerkId = null;
        this.role = Role.SUPERVISOR;
        signedIn.accept(this);
    }

    @Override
    public void dropTicket() {
        this.ticketId = null;
    }

    /**
     * Sends the error and closes the socket with its close code; the connection no longer speaks for its
     * ticket or account. On the connection's context.
     */
    void fatal(ProtocolException e) {
        if (!ws.isClosed()) {
            ws.writeTextMessage(Codec.encode(ServerMessage.Error.of(e, null, null)));
            ws.close((short) e.code().wsCloseCode(), e.code().code());
        }
        role = null;
        ticketId = null;
        clerkId = null;
    }

    static ProtocolException superseded() {
        return new ProtocolException(ErrorCode.SUPERSEDED, "this ticket or account was opened elsewhere");
    }
}
