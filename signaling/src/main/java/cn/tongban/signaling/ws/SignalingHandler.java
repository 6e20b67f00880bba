package cn.tongban.signaling.ws;

import cn.tongban.signaling.audit.RefusalJournal;
import cn.tongban.signaling.cluster.ClusterView;
import cn.tongban.signaling.config.IceOptions;
import cn.tongban.signaling.ice.TurnCredentials;
import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Changes;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.live.Role;
import cn.tongban.signaling.live.Sender;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.Codec;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.queue.QueueMetrics;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.QueueView;
import cn.tongban.signaling.store.Records;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /ws} endpoint's transport: accepts connections, reads frames, enforces the size and rate
 * limits, decodes messages and hands each to the {@link MessageRouter}, which checks the sender's role and
 * runs the handler its feature registered; writes server messages; runs the periodic broadcast through the
 * features' pushers. It knows no feature.
 *
 * <p>Threading: frames arrive on the connection's event loop, where size and rate checks run; each accepted
 * message is then handled on a worker thread (handlers block on Hazelcast and the database), one after
 * another per connection along {@link Connection#tail}, so one connection's messages keep their order while
 * different connections proceed in parallel. Server messages to a connection are written on its event
 * loop in the order they were queued ({@link Connection#send}); messages to connections of other nodes
 * travel over the event bus ({@link Connections}).
 */
public final class SignalingHandler implements Changes {
    private static final Logger LOG = LoggerFactory.getLogger(SignalingHandler.class);

    /** Hard limit of a WebSocket frame and of a message of several frames; beyond it the connection closes (1009). */
    public static final int HARD_MAX_MESSAGE_BYTES = 1024 * 1024;

    static final int MESSAGES_PER_SECOND = 30;
    static final int BURST = 60;

    private final Vertx vertx;
    private final MessageRouter router;
    private final Connections connections;
    private final QueueService queue;
    private final ClusterView cluster;
    private final IceOptions ice;
    private final String serverName;
    private final String mediaMode;
    private final MeterRegistry metrics;
    private final RefusalJournal refusalJournal;
    private final Refusals refusals;
    private final AtomicBoolean dirty = new AtomicBoolean(true);
    private final ReentrantLock broadcasting = new ReentrantLock();
    private final AtomicInteger waitingGauge = new AtomicInteger();
    private final QueueMetrics queueMetrics;
    private final AtomicBoolean serversPushScheduled = new AtomicBoolean();
    private final AtomicReference<List<String>> lastServers = new AtomicReference<>(List.of());

    /**
     * @param router every feature's handlers registered, and {@link MessageRouter#verifyComplete verified}
     * @param ice STUN servers for {@code hello}; TURN servers, whose credentials go only to connections that
     *     signed in ({@link #issueIceServers})
     * @param mediaMode how this node carries media, as {@code hello.media} says it
     * @param records where refused requests are journaled ({@link Refusals}, through this node's {@link
     *     RefusalJournal}, which HTTP's refusals share: {@link #refusalJournal()})
     */
    public SignalingHandler(
            Vertx vertx,
            MessageRouter router,
            Connections connections,
            QueueService queue,
            ClusterView cluster,
            IceOptions ice,
            String serverName,
            String mediaMode,
            MeterRegistry metrics,
            Records records) {
        this.vertx = vertx;
        this.router = router;
        this.connections = connections;
        this.queue = queue;
        this.cluster = cluster;
        this.ice = ice;
        this.serverName = serverName;
        this.mediaMode = mediaMode;
        this.metrics = metrics;
        this.refusalJournal = new RefusalJournal(
                records,
                metrics,
                write -> vertx.executeBlocking(
                        () -> {
                            write.run();
                            return null;
                        },
                        false));
        this.refusals = new Refusals(refusalJournal);
        Gauge.builder("tongban_ws_connections", connections, Connections::size)
                .description("WebSocket connections on this node")
                .register(metrics);
        this.queueMetrics = new QueueMetrics(metrics);
        Gauge.builder("tongban_tickets_waiting", waitingGauge, AtomicInteger::get)
                .description("Waiting tickets in all queues")
                .register(metrics);
    }

    /** This node's one journal of refused requests and its budget, for the HTTP routes to share. */
    public RefusalJournal refusalJournal() {
        return refusalJournal;
    }

    /**
     * The transport's own message: {@code ping}, answered with {@code pong} after everything queued before
     * was handled (not after what those handlers await from a media bridge: see {@code Registry#onAsync}).
     */
    public static void register(Registry r) {
        r.on(ClientMessage.Ping.class, Access.ANYONE, (from, m) -> from.send(new ServerMessage.Pong(m.id())));
    }

    /** Marks the queues changed: positions and clerk views are pushed at the next broadcast. */
    @Override
    public void queuesChanged() {
        dirty.set(true);
    }

    // ---------------------------------------------------------------- connection lifecycle

    /**
     * Adopts an upgraded WebSocket. {@code version} is the {@code v} query parameter, or null; {@code closed}
     * runs once when the socket has closed (the connection's place in the per-address count).
     */
    public void accept(ServerWebSocket ws, String version, Runnable closed) {
        Connection c = new Connection(
                cluster.newConnectionId(),
                ws,
                vertx.getOrCreateContext(),
                new RateLimiter(MESSAGES_PER_SECOND, BURST, System.nanoTime()),
                this::issueIceServers);
        ProtocolException refused = null;
        if (version != null && !version.equals(String.valueOf(Codec.PROTOCOL_VERSION))) {
            refused = new ProtocolException(
                    ErrorCode.UNSUPPORTED_VERSION, "this server speaks protocol version " + Codec.PROTOCOL_VERSION);
        } else if (!cluster.hasQuorum()) {
            refused = minority();
        }
        if (refused != null) {
            ws.closeHandler(v -> closed.run());
            ws.writeTextMessage(Codec.encode(ServerMessage.Error.of(refused, null, null)));
            ws.close((short) refused.code().wsCloseCode(), refused.code().code());
            return;
        }
        connections.add(c);
        c.consumer = vertx.eventBus().consumer(Connection.address(c.id), msg -> {
            // Runs on the connection's context, like its own messages: one order for local and remote senders.
            String from = msg.headers().get(Connections.FROM);
            boolean acknowledged = from != null;
            if (acknowledged && !c.firstDelivery(from, msg.headers().get(Connections.SEQ))) {
                msg.reply(""); // a retry of one delivered already: its acknowledgement was lost
                return;
            }
            if ("superseded".equals(msg.headers().get(Connections.CONTROL))) {
                c.fatal(Connection.superseded());
                count(ErrorCode.SUPERSEDED);
            } else {
                String body = msg.body();
                c.deliver(isStatePush(body) ? Codec.decodeServer(body) : null, body);
            }
            if (acknowledged) {
                msg.reply("");
            }
        });
        // Hold incoming messages until the connection's address is registered cluster-wide.
        c.tail = c.consumer.completion().onSuccess(v -> {
            c.write(Codec.encode(hello()));
            c.greeted = true;
        });
        MessageAssembler messages = new MessageAssembler(HARD_MAX_MESSAGE_BYTES);
        ws.frameHandler(frame -> {
            if (c.closed) {
                return;
            }
            MessageAssembler.Result r = messages.frame(frame);
            if (r instanceof MessageAssembler.Text t) {
                onText(c, t.text());
            } else if (r instanceof MessageAssembler.Binary) {
                reject(
                        c,
                        new ProtocolException(ErrorCode.BAD_JSON, "binary frames are not part of the protocol"),
                        null);
            } else if (r instanceof MessageAssembler.Refused bad) {
                fatal(c, bad.error());
            }
        });
        ws.exceptionHandler(t -> {
            // Netty's decoder refused a frame (too large, reserved bits, unmasked, bad fragments) and reads
            // nothing more from this socket: say why and close it instead of leaving it open and deaf.
            if (t instanceof CorruptedWebSocketFrameException bad && !c.closed) {
                ErrorCode code =
                        switch (bad.closeStatus().code()) {
                            case 1009 -> ErrorCode.FRAME_WAY_TOO_LARGE;
                            case 1007 -> ErrorCode.INVALID_UTF8;
                            default -> ErrorCode.PROTOCOL_VIOLATION;
                        };
                fatal(c, new ProtocolException(code, bad.getMessage()));
            } else {
                LOG.debug("WebSocket {} error: {}", c.id, t.toString());
            }
        });
        ws.closeHandler(v -> {
            closed.run();
            onClose(c);
        });
    }

    /** A ticket or session push (see {@link PushFilter}); the codec writes {@code type} first. */
    private static boolean isStatePush(String body) {
        return body.startsWith("{\"type\":\"ticket\"")
                || body.startsWith("{\"type\":\"paired\"")
                || body.startsWith("{\"type\":\"ended\"");
    }

    private ServerMessage.Hello hello() {
        List<String> servers = cluster.servers();
        return new ServerMessage.Hello(
                Codec.PROTOCOL_VERSION,
                serverName,
                ice.stun(),
                new ServerMessage.Limits(
                        Codec.MAX_MESSAGE_CHARS, MESSAGES_PER_SECOND, (int) (QueueService.RESUME_GRACE_MS / 1000)),
                mediaMode,
                servers.size() > 1 ? servers : null,
                ice.relayOnly() ? "relay" : null);
    }

    /**
     * Sends {@code ice_servers} with new TURN credentials to a connection that holds a ticket or an account
     * (it has a role, and as an applicant a ticket) and has none yet, or whose set is past half its
     * lifetime. Anonymous connections never get TURN credentials: the TURN server would relay for anyone who
     * opened the page. Called when the connection signs in ({@link Connection#becomeApplicant} …: after the
     * handler's answer, before what the handler sends next — a resumed session's {@code paired}, whose peer
     * connection needs the set), and by {@link #refreshIceServers} for long sessions.
     */
    private void issueIceServers(Connection c) {
        IceOptions.Turn turn = ice.turn();
        Role role = c.role();
        // An applicant who gave the ticket up ("leave") holds none: no new set, though the connection stays.
        if (turn == null || c.closed || role == null || (role == Role.APPLICANT && c.ticketId() == null)) {
            return;
        }
        long now = System.currentTimeMillis();
        long due = c.iceRefreshAt.get();
        if (due != 0 && now < due) {
            return;
        }
        long ttl = turn.ttl().toMillis();
        if (!c.iceRefreshAt.compareAndSet(due, now + ttl / 2)) {
            return; // another thread is issuing this connection's set right now
        }
        List<ServerMessage.IceServer> servers = new ArrayList<>(ice.stun());
        servers.add(TurnCredentials.issue(turn, Instant.ofEpochMilli(now)));
        c.send(new ServerMessage.IceServers(servers, now + ttl));
    }

    /** Gives every signed-in connection of this node whose TURN credentials are half spent a new set. */
    public void refreshIceServers() {
        if (ice.turn() == null) {
            return;
        }
        for (Connection c : connections.all()) {
            issueIceServers(c);
        }
    }

    /**
     * Tells this node's clients the cluster's new node list when it changed (see {@link
     * ClusterView#onServersChange}): a client that connected before a node joined, or before its URL reached
     * this node, learns of it, so it can fail over to every live node.
     */
    public void serversChanged() {
        // Changes come in bursts (a member and its URL); and a node cut off from its majority sees the
        // others leave before it knows it lost the quorum — it must not tell its clients to forget the
        // majority they are about to fail over to. So: once, a second later, and only with the quorum.
        if (serversPushScheduled.compareAndSet(false, true)) {
            vertx.setTimer(1000, id -> {
                serversPushScheduled.set(false);
                if (cluster.hasQuorum()) {
                    pushServers();
                }
            });
        }
    }

    private void pushServers() {
        List<String> now = cluster.servers();
        if (now.equals(lastServers.getAndSet(now))) {
            return;
        }
        for (Connection c : connections.all()) {
            // One not yet greeted gets the list with its hello, which is computed later than this one.
            if (!c.closed && c.greeted) {
                c.send(new ServerMessage.Servers(now));
            }
        }
    }

    private static ProtocolException minority() {
        return new ProtocolException(
                ErrorCode.NODE_UNAVAILABLE, "this node is cut off from its cluster; reconnect to another server");
    }

    private void onText(Connection c, String text) {
        if (text.length() > Codec.MAX_MESSAGE_CHARS) {
            reject(
                    c,
                    new ProtocolException(
                            ErrorCode.FRAME_TOO_LARGE,
                            "message of " + text.length() + " characters exceeds the limit of "
                                    + Codec.MAX_MESSAGE_CHARS),
                    null);
            return;
        }
        long now = System.nanoTime();
        if (!c.limiter.tryAcquire(now)) {
            // One error a second is enough to tell a misbehaving client; the rest are dropped silently.
            if (now - c.lastRateLimitErrorNanos > TimeUnit.SECONDS.toNanos(1)) {
                c.lastRateLimitErrorNanos = now;
                reject(c, new ProtocolException(ErrorCode.RATE_LIMITED, "too many messages; slow down"), text);
            } else {
                count(ErrorCode.RATE_LIMITED);
            }
            return;
        }
        ClientMessage m;
        try {
            m = Codec.decodeClient(text);
        } catch (ProtocolException e) {
            reject(c, e, text);
            return;
        }
        // The connection's next message waits for this one's handler, not for what the handler awaits from
        // another node (a bridge): that ends later, on its own, answered or refused by id.
        c.tail = c.tail.transform(ar -> vertx.executeBlocking(() -> router.dispatch(c, m), false)
                .map(pending -> {
                    pending.onFailure(t -> failed(c, m, t));
                    return (Void) null;
                })
                .recover(t -> {
                    failed(c, m, t);
                    return Future.succeededFuture();
                }));
    }

    /** Answers a message whose handling failed: an error echoing its id, counted and journaled. */
    private void failed(Connection c, ClientMessage m, Throwable t) {
        if (t instanceof SplitBrainProtectionException) {
            // Lost the majority between two checks: this node may not change anything now.
            c.context.runOnContext(v -> fatal(c, minority()));
            return;
        }
        ProtocolException e = t instanceof ProtocolException pe
                ? pe
                : new ProtocolException(ErrorCode.INTERNAL, "internal error; nothing was changed");
        if (!(t instanceof ProtocolException)) {
            LOG.error("Failed to handle {} on {}", MessageRouter.wireName(m.getClass()), c.id, t);
        }
        c.send(ServerMessage.Error.of(e, m.id(), MessageRouter.wireName(m.getClass())));
        count(e.code());
        journal(c, MessageRouter.wireName(m.getClass()), m, e);
    }

    private void onClose(Connection c) {
        c.closed = true;
        connections.remove(c);
        if (c.consumer != null) {
            c.consumer.unregister();
        }
        c.tail.transform(ar -> vertx.executeBlocking(
                        () -> {
                            for (Consumer<Sender> hook : router.closedHooks()) {
                                hook.accept(c);
                            }
                            return null;
                        },
                        false))
                .onFailure(t -> {
                    if (t instanceof SplitBrainProtectionException) {
                        // Without the quorum (e.g. the last nodes of a cluster being stopped) the majority, if
                        // any, treats this node's connections as departed; nothing to do here.
                        LOG.debug("Cleanup of {} left to the cluster's majority: {}", c.id, t.toString());
                    } else {
                        LOG.error("Cleanup of {} failed", c.id, t);
                    }
                });
    }

    /**
     * Closes every connection of this node with {@code NODE_UNAVAILABLE} (close code 1013): the node lost
     * its cluster's majority, and its clients reconnect to a node of the majority with their tokens.
     */
    public void closeAllUnavailable() {
        for (Connection c : connections.all()) {
            c.context.runOnContext(v -> fatal(c, minority()));
        }
    }

    // ---------------------------------------------------------------- broadcast

    /**
     * Pushes what changed to the connections of this node that signed in — positions to waiting applicants,
     * queue lists to clerks, boards to supervisors, as the features' pushers decide — if anything changed
     * since the last broadcast ({@code force} pushes regardless, every few seconds, so waiting times stay
     * current). Blocking; run on a worker.
     */
    public void broadcast(boolean force) {
        // One broadcast at a time: two overlapping ones (the 250 ms and the 5 s timer on a loaded node)
        // could deliver their positions in the opposite order from the views they computed.
        broadcasting.lock();
        try {
            broadcastOnce(force);
        } finally {
            broadcasting.unlock();
        }
    }

    /** As {@link #broadcast}, unless one is running now: then the changes wait for the next one. Blocking. */
    public void broadcastIfIdle(boolean force) {
        if (!broadcasting.tryLock()) {
            return;
        }
        try {
            broadcastOnce(force);
        } finally {
            broadcasting.unlock();
        }
    }

    private void broadcastOnce(boolean force) {
        if (!dirty.getAndSet(false) && !force) {
            return;
        }
        QueueView view = queue.view();
        waitingGauge.set(view.totalWaiting());
        queueMetrics.update(view);
        for (Connection c : connections.all()) {
            Role role = c.role();
            if (c.closed || role == null) {
                continue;
            }
            for (Registry.Pusher pusher : router.pushers(role)) {
                pusher.push(c, view, force);
            }
        }
    }

    // ---------------------------------------------------------------- errors

    private void reject(Connection c, ProtocolException e, String text) {
        String[] idType = text == null ? new String[] {null, null} : Codec.idAndType(text);
        count(e.code());
        LOG.debug("Rejected a message on {}: {} {}", c.id, e.code(), e.getMessage());
        c.write(Codec.encode(ServerMessage.Error.of(e, idType[0], idType[1])));
        journal(c, idType[1], null, e);
    }

    private void fatal(Connection c, ProtocolException e) {
        count(e.code());
        c.fatal(e);
        journal(c, null, null, e);
    }

    /** Every refusal the transport sends reaches the journal here (written on a worker thread, in budget). */
    private void journal(Connection c, String type, Object message, ProtocolException e) {
        refusals.refused(c, type, message, e);
    }

    private void count(ErrorCode code) {
        metrics.counter("tongban_protocol_errors_total", "code", code.code()).increment();
    }
}
