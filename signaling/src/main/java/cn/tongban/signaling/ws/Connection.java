package cn.tongban.signaling.ws;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;

/**
 * One browser's WebSocket and what the server knows about it. Fields are touched only on the
 * connection's own serial chain (see {@link SignalingHandler}), so they need no locking beyond
 * visibility.
 */
final class Connection {
    enum Role {
        APPLICANT,
        CLERK,
        /** A supervisor's board (signed in with {@code watch}, not as a working clerk). */
        SUPERVISOR
    }

    final String id;
    final ServerWebSocket ws;
    /** The event loop the socket lives on: every server message to it is written here, in one order. */
    final Context context;

    final RateLimiter limiter;
    volatile Role role;
    volatile String ticketId;
    volatile String clerkId;
    volatile boolean closed;
    /** The hello was written (messages to the client may follow). */
    volatile boolean greeted;
    /** Which ticket messages are written; used only on {@link #context}. */
    final TicketPushFilter tickets = new TicketPushFilter();

    volatile String lastQueueView;
    volatile String lastBoardView;
    long lastRateLimitErrorNanos;
    MessageConsumer<String> consumer;
    /** Messages of this connection are handled one after another along this chain. */
    Future<?> tail = Future.succeededFuture();

    Connection(String id, ServerWebSocket ws, Context context, RateLimiter limiter) {
        this.id = id;
        this.ws = ws;
        this.context = context;
        this.limiter = limiter;
    }

    static String address(String connId) {
        return "tongban.conn." + connId;
    }
}
