package cn.tongban.signaling.ws;

import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.application.ApplicationDesk;
import cn.tongban.signaling.appointment.AppointmentService;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.cluster.ClusterView;
import cn.tongban.signaling.declaration.DeclarationService;
import cn.tongban.signaling.media.Caller;
import cn.tongban.signaling.media.MediaSessions;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.Codec;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ScreenSource;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.protocol.SessionOutcome;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.ClerkStatus;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.QueueView;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.queue.TicketStatus;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.util.Mask;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.ServerWebSocket;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /ws} endpoint: reads client messages, enforces role, state and limits, drives the {@link
 * QueueService} and delivers server messages.
 *
 * <p>Threading: frames arrive on the connection's event loop, where size and rate checks run; each
 * accepted message is then handled on a worker thread (queue operations block on Hazelcast), one after
 * another per connection along {@link Connection#tail}, so one connection's messages keep their order
 * while different connections proceed in parallel. Messages to other connections travel over the event
 * bus to the address {@code tongban.conn.<id>}, which works the same whether the peer is on this node or
 * another cluster member.
 */
public final class SignalingHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SignalingHandler.class);

    /** Hard limit of a WebSocket message; beyond it Vert.x closes the connection (1009). */
    public static final int HARD_MAX_MESSAGE_BYTES = 1024 * 1024;

    static final int MESSAGES_PER_SECOND = 30;
    static final int BURST = 60;
    private static final String CONTROL = "ctl";

    private final Vertx vertx;
    private final QueueService queue;
    private final TokenService tokens;
    private final ReferenceDataStore refdata;
    private final Records records;
    private final List<ServerMessage.IceServer> iceServers;
    private final String serverName;
    private final Clock clock;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicBoolean dirty = new AtomicBoolean(true);
    private final AtomicBoolean serversPushScheduled = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicReference<List<String>> lastServers =
            new java.util.concurrent.atomic.AtomicReference<>(List.of());
    private final java.util.concurrent.locks.ReentrantLock broadcasting =
            new java.util.concurrent.locks.ReentrantLock();
    private final AtomicInteger waitingGauge = new AtomicInteger();
    private final MeterRegistry metrics;
    private final Counter pairings;
    private final MediaSessions media;
    private final ClusterView cluster;
    private volatile AppointmentService appointments;
    private volatile ApplicationDesk desk;
    private final DeclarationService declarations;

    public SignalingHandler(
            Vertx vertx,
            QueueService queue,
            TokenService tokens,
            ReferenceDataStore refdata,
            Records records,
            List<ServerMessage.IceServer> iceServers,
            String serverName,
            Clock clock,
            MeterRegistry metrics,
            MediaSessions media,
            DeclarationService declarations,
            ClusterView cluster) {
        this.vertx = vertx;
        this.cluster = cluster;
        this.queue = queue;
        this.tokens = tokens;
        this.refdata = refdata;
        this.records = records;
        this.iceServers = List.copyOf(iceServers);
        this.serverName = serverName;
        this.clock = clock;
        this.metrics = metrics;
        this.media = media;
        media.attach(this::sendTo);
        this.declarations = declarations;
        declarations.outbox(this::sendTo);
        Gauge.builder("tongban_ws_connections", connections, Map::size)
                .description("WebSocket connections on this node")
                .register(metrics);
        Gauge.builder("tongban_tickets_waiting", waitingGauge, AtomicInteger::get)
                .description("Waiting tickets in all queues")
                .register(metrics);
        this.pairings = Counter.builder("tongban_pairings_total")
                .description("Tickets taken by clerks")
                .register(metrics);
    }

    /** Enables appointment check-in on {@code join} and the no-show release in {@link #sweep}. */
    public void useAppointments(AppointmentService service) {
        this.appointments = service;
    }

    /** Enables the clerk console's unfinished applications ({@code list_applications}, {@code app_finish} …). */
    public void useApplicationDesk(ApplicationDesk desk) {
        this.desk = desk;
    }

    /** Marks the queues changed: positions and clerk views are pushed at the next broadcast. */
    public void markDirty() {
        dirty.set(true);
    }

    // ---------------------------------------------------------------- connection lifecycle

    /** Adopts an upgraded WebSocket. {@code version} is the {@code v} query parameter, or null. */
    public void accept(ServerWebSocket ws, String version) {
        Connection c = new Connection(
                cluster.newConnectionId(),
                ws,
                vertx.getOrCreateContext(),
                new RateLimiter(MESSAGES_PER_SECOND, BURST, System.nanoTime()));
        ProtocolException refused = null;
        if (version != null && !version.equals(String.valueOf(Codec.PROTOCOL_VERSION))) {
            refused = new ProtocolException(
                    ErrorCode.UNSUPPORTED_VERSION, "this server speaks protocol version " + Codec.PROTOCOL_VERSION);
        } else if (!cluster.hasQuorum()) {
            refused = minority();
        }
        if (refused != null) {
            ws.writeTextMessage(Codec.encode(ServerMessage.Error.of(refused, null, null)));
            ws.close((short) refused.code().wsCloseCode(), refused.code().code());
            return;
        }
        connections.put(c.id, c);
        c.consumer = vertx.eventBus().consumer(Connection.address(c.id), msg -> {
            String ctl = msg.headers().get(CONTROL);
            if ("superseded".equals(ctl)) {
                fatal(c, new ProtocolException(ErrorCode.SUPERSEDED, "this ticket or account was opened elsewhere"));
            } else {
                // Runs on the connection's context, like deliver(): one order for local and remote senders.
                String body = msg.body();
                if (!body.startsWith("{\"type\":\"ticket\"")
                        || !(Codec.decodeServer(body) instanceof ServerMessage.Ticket t)
                        || c.tickets.admit(t)) {
                    write(c, body);
                }
            }
        });
        // Hold incoming messages until the connection's address is registered cluster-wide.
        c.tail = c.consumer.completion().onSuccess(v -> {
            write(c, Codec.encode(hello()));
            c.greeted = true;
        });
        ws.textMessageHandler(text -> onText(c, text));
        ws.binaryMessageHandler(b -> reject(
                c, new ProtocolException(ErrorCode.BAD_JSON, "binary frames are not part of the protocol"), null));
        ws.exceptionHandler(t -> LOG.debug("WebSocket {} error: {}", c.id, t.toString()));
        ws.closeHandler(v -> onClose(c));
    }

    /**
     * Tells this node's clients the cluster's new node list when it changed (see {@link
     * ClusterView#onServersChange}): a client that connected before a node joined, or before its URL
     * reached this node, learns of it, so it can fail over to every live node.
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
        for (Connection c : connections.values()) {
            // One not yet greeted gets the list with its hello, which is computed later than this one.
            if (!c.closed && c.greeted) {
                send(c, new ServerMessage.Servers(now));
            }
        }
    }

    private ServerMessage.Hello hello() {
        return new ServerMessage.Hello(
                Codec.PROTOCOL_VERSION,
                serverName,
                iceServers,
                new ServerMessage.Limits(
                        Codec.MAX_MESSAGE_CHARS, MESSAGES_PER_SECOND, (int) (QueueService.RESUME_GRACE_MS / 1000)),
                media.mode().wireName(),
                cluster.servers().size() > 1 ? cluster.servers() : null);
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
        c.tail = c.tail.transform(ar -> vertx.executeBlocking(
                        () -> {
                            handle(c, m);
                            return null;
                        },
                        false)
                .recover(t -> {
                    if (t instanceof SplitBrainProtectionException) {
                        // Lost the majority between two checks: this node may not change anything now.
                        c.context.runOnContext(v -> fatal(c, minority()));
                        return Future.succeededFuture();
                    }
                    ProtocolException e = t instanceof ProtocolException pe
                            ? pe
                            : new ProtocolException(ErrorCode.INTERNAL, "internal error; nothing was changed");
                    if (!(t instanceof ProtocolException)) {
                        LOG.error("Failed to handle {} on {}", typeOf(m), c.id, t);
                    }
                    send(c, ServerMessage.Error.of(e, m.id(), typeOf(m)));
                    count(e.code());
                    return Future.succeededFuture();
                }));
    }

    private void onClose(Connection c) {
        c.closed = true;
        connections.remove(c.id);
        if (c.consumer != null) {
            c.consumer.unregister();
        }
        c.tail.transform(ar -> vertx.executeBlocking(
                        () -> {
                            disconnected(c);
                            return null;
                        },
                        false))
                .onFailure(t -> LOG.error("Cleanup of {} failed", c.id, t));
    }

    private void disconnected(Connection c) {
        if (c.role == Connection.Role.APPLICANT && c.ticketId != null) {
            applicantConnectionLost(c.ticketId, c.id);
        } else if (c.role == Connection.Role.CLERK && c.clerkId != null) {
            clerkConnectionLost(c.clerkId, c.id);
        }
    }

    /**
     * The applicant's connection {@code connId} is gone — closed here, or held by a node that left the
     * cluster: the ticket keeps its place for the resume grace and the clerk of a live session is told.
     * Does nothing if the ticket has moved to another connection meanwhile. Blocking.
     */
    public void applicantConnectionLost(String ticketId, String connId) {
        queue.applicantDisconnected(ticketId, connId).ifPresent(t -> {
            LOG.info(
                    "Applicant of ticket {} disconnected; holding the place for {} s",
                    t.number(),
                    QueueService.RESUME_GRACE_MS / 1000);
            if (t.status() == TicketStatus.IN_SESSION) {
                queue.session(t.sessionId())
                        .filter(s -> s.state() == SessionState.ACTIVE)
                        .ifPresent(s -> {
                            toClerk(s, new ServerMessage.Peer(s.sessionId(), "disconnected"));
                            media.applicantDisconnected(s.sessionId());
                        });
            }
        });
        markDirty();
    }

    /**
     * The clerk's connection {@code connId} is gone: the clerk leaves duty and a live session is aborted
     * (the applicant goes back to the head of the queue). Does nothing if the clerk has signed in on
     * another connection meanwhile. Blocking.
     */
    public void clerkConnectionLost(String clerkId, String connId) {
        // A helper or supervisor on this connection leaves the session it joined.
        media.connectionClosed(connId);
        queue.clerkDisconnected(clerkId, connId).ifPresent(lost -> {
            LOG.info("Clerk {} disconnected", clerkId);
            notifyClerkLost(lost);
        });
        markDirty();
    }

    /** The applicant of a live session whose clerk's node failed is told the clerk is gone for now. Blocking. */
    public void clerkConnectionOrphaned(String sessionId) {
        queue.session(sessionId)
                .filter(s -> s.state() == SessionState.ACTIVE)
                .flatMap(s -> queue.ticket(s.ticketId()))
                .filter(t -> t.connId() != null)
                .ifPresent(t -> sendTo(t.connId(), new ServerMessage.Peer(sessionId, "disconnected")));
    }

    /**
     * Closes every connection of this node with {@code NODE_UNAVAILABLE} (close code 1013): the node lost
     * its cluster's majority, and its clients reconnect to a node of the majority with their tokens.
     */
    public void closeAllUnavailable() {
        for (Connection c : connections.values()) {
            c.context.runOnContext(v -> fatal(c, minority()));
        }
    }

    private void notifyClerkLost(QueueService.ClerkLost lost) {
        if (lost.ticket() == null || lost.session() == null) {
            return;
        }
        TicketRecord t = lost.ticket();
        LOG.info(
                "Session {} aborted: clerk lost; ticket {} back to the head of its queue",
                lost.session().sessionId(),
                t.number());
        records.audit(
                "server",
                "session.aborted",
                lost.session().sessionId(),
                "reason",
                "clerk_lost",
                "clerk",
                lost.session().clerkId(),
                "ticket",
                t.number());
        records.caseClosed(lost.session(), t);
        sessionEnded(lost.session(), "server", "clerk_lost");
        if (t.connId() != null) {
            sendTo(
                    t.connId(),
                    new ServerMessage.Ended(lost.session().sessionId(), "server", "clerk_lost", false, null, null));
            QueueView view = queue.view();
            sendTo(t.connId(), ticketMessage(t, view.place(t.ticketId()), null, null));
        }
    }

    // ---------------------------------------------------------------- dispatch (worker thread)

    private void handle(Connection c, ClientMessage m) {
        checkRole(c, m);
        if (m instanceof ClientMessage.Ping p) {
            send(c, new ServerMessage.Pong(p.id()));
        } else if (m instanceof ClientMessage.Join j) {
            join(c, j);
        } else if (m instanceof ClientMessage.Resume r) {
            resume(c, r);
        } else if (m instanceof ClientMessage.Leave l) {
            leave(c, l);
        } else if (m instanceof ClientMessage.Auth a) {
            auth(c, a);
        } else if (m instanceof ClientMessage.SetStatus s) {
            ClerkPresence p = queue.setStatus(
                    c.clerkId,
                    c.id,
                    s.status() == ClientMessage.ClerkStatusChoice.AVAILABLE ? ClerkStatus.AVAILABLE : ClerkStatus.AWAY);
            send(c, clerkMessage(p, s.id()));
            markDirty();
        } else if (m instanceof ClientMessage.Take t) {
            media.requireNotJoined(c.id);
            take(c, t);
        } else if (m instanceof ClientMessage.Sdp s) {
            media.requireRelay("sdp");
            relay(c, s.sessionId(), new ServerMessage.Sdp(s.sessionId(), s.description()));
        } else if (m instanceof ClientMessage.Ice i) {
            media.requireRelay("ice");
            relay(c, i.sessionId(), new ServerMessage.Ice(i.sessionId(), i.candidate()));
        } else if (m instanceof ClientMessage.Chat ch) {
            if (!media.chatFromJoined(caller(c), ch)) {
                chat(c, ch);
            }
        } else if (m instanceof ClientMessage.Screen s) {
            secondVideo(c, s);
        } else if (m instanceof ClientMessage.DocumentCameraRequest r) {
            documentCameraRequest(c, r);
        } else if (m instanceof ClientMessage.Answer a) {
            media.answer(caller(c), a);
        } else if (m instanceof ClientMessage.Invite i) {
            media.invite(caller(c), i);
        } else if (m instanceof ClientMessage.JoinSession js) {
            media.joinSession(caller(c), js);
        } else if (m instanceof ClientMessage.LeaveSession ls) {
            media.leaveSession(caller(c), ls);
        } else if (m instanceof ClientMessage.ListSessions ls) {
            send(c, media.listSessions(caller(c), ls));
        } else if (m instanceof ClientMessage.DeclarationMessage d) {
            Peers peers = peers(c, d.sessionId());
            declarations.handle(
                    new DeclarationService.Party(
                            c.role == Connection.Role.CLERK,
                            c.id,
                            c.clerkId,
                            peers.session(),
                            peers.ticket(),
                            peers.peerConnId()),
                    d);
        } else if (m instanceof ClientMessage.DeskMessage d) {
            ApplicationDesk unfinished = desk;
            if (unfinished == null) {
                throw new ProtocolException(ErrorCode.SIGNING_UNAVAILABLE, "signed applications are not set up here");
            }
            unfinished.handle(c.clerkId, c.id, d);
        } else if (m instanceof ClientMessage.Hangup h) {
            hangup(c, h);
        } else if (m instanceof ClientMessage.Outcome o) {
            SessionRecord s = queue.recordOutcome(c.clerkId, o.sessionId(), outcome(o.outcome()), o.note());
            LOG.info("Session {} outcome {}", s.sessionId(), s.outcome());
            records.audit(
                    "clerk:" + c.clerkId,
                    "session.closed",
                    s.sessionId(),
                    "outcome",
                    s.outcome().name());
            records.caseClosed(s, queue.ticket(s.ticketId()).orElse(null));
            queue.presence(c.clerkId).ifPresent(p -> send(c, clerkMessage(p, o.id())));
            // The applicant may still be on the thank-you page: tell them how the matter was closed.
            queue.ticket(s.ticketId())
                    .filter(t -> t.connId() != null)
                    .ifPresent(t -> sendTo(t.connId(), ticketMessage(t, null, null, wireOutcome(s.outcome()), null)));
            markDirty();
        } else if (m instanceof ClientMessage.Transfer t) {
            transfer(c, t);
        } else if (m instanceof ClientMessage.PriorityCheck p) {
            priorityCheck(c, p);
        } else if (m instanceof ClientMessage.Watch w) {
            watch(c, w);
        } else {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unhandled message " + typeOf(m));
        }
    }

    private void checkRole(Connection c, ClientMessage m) {
        if (c.role == Connection.Role.SUPERVISOR
                && m.allowedSender() != ClientMessage.Sender.SUPERVISOR
                && !(m instanceof ClientMessage.Ping)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN_FOR_ROLE, "a supervisor's board only watches");
        }
        switch (m.allowedSender()) {
            case SUPERVISOR -> {
                if (c.role == Connection.Role.APPLICANT || c.role == Connection.Role.CLERK) {
                    throw new ProtocolException(
                            ErrorCode.FORBIDDEN_FOR_ROLE, typeOf(m) + " needs a connection of its own");
                }
            }
            case APPLICANT -> {
                if (c.role == Connection.Role.CLERK) {
                    throw new ProtocolException(ErrorCode.FORBIDDEN_FOR_ROLE, typeOf(m) + " is for applicants");
                }
            }
            case CLERK -> {
                if (c.role == Connection.Role.APPLICANT) {
                    throw new ProtocolException(ErrorCode.FORBIDDEN_FOR_ROLE, typeOf(m) + " is for clerks");
                }
                if (c.role == null && !(m instanceof ClientMessage.Auth)) {
                    throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "sign in first (auth)");
                }
            }
            case ANY -> {
                if (c.role == null && !(m instanceof ClientMessage.Ping)) {
                    throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "you are not in a session");
                }
            }
        }
    }

    private void join(Connection c, ClientMessage.Join j) {
        if (c.ticketId != null
                && queue.ticket(c.ticketId).map(t -> !t.status().isFinal()).orElse(false)) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "you already hold a ticket");
        }
        QueueService.Joined joined = joinWithAppointment(c, j);
        TicketRecord t = joined.ticket();
        QueueView view = queue.view();
        ServerMessage.Ticket msg = ticketMessage(t, view.place(t.ticketId()), joined.resumeToken(), j.id());
        // The answer (with the resume token) is queued before the broadcaster can see this connection's
        // ticket, so no position update overtakes it.
        send(c, msg);
        c.role = Connection.Role.APPLICANT;
        c.ticketId = t.ticketId();
        LOG.info(
                "Ticket {} issued for {} at {} (applicant {}, {})",
                t.number(),
                t.matterId(),
                t.hallId(),
                Mask.name(t.name()),
                Mask.mobile(t.mobile()));
        records.audit(
                "applicant:" + t.number(),
                "ticket.issued",
                null,
                "ticket",
                t.ticketId(),
                "matter",
                t.matterId(),
                "hall",
                t.hallId(),
                "partnerHall",
                t.partnerHallId(),
                "applicant",
                Mask.name(t.name()),
                "language",
                t.language(),
                "appointment",
                t.appointmentId());
        if (t.priorityGroup() != null) {
            // A claim the clerk checks at service time (priority message); recorded either way.
            records.audit(
                    "applicant:" + t.number(),
                    "priority.claimed",
                    null,
                    "ticket",
                    t.ticketId(),
                    "group",
                    t.priorityGroup());
        }
        markDirty();
    }

    /** Issues the ticket, checking in the appointment first when the applicant gives a booking code. */
    private QueueService.Joined joinWithAppointment(Connection c, ClientMessage.Join j) {
        QueueService.JoinRequest request = new QueueService.JoinRequest(
                j.matterId(),
                j.hallId(),
                j.partnerHallId(),
                j.name(),
                j.mobile(),
                j.language(),
                j.priorityGroup(),
                null,
                0);
        if (j.appointmentCode() == null) {
            return queue.join(request, c.id);
        }
        AppointmentService service = appointments;
        if (service == null) {
            throw new ProtocolException(ErrorCode.NO_SUCH_APPOINTMENT, "appointments are not enabled on this server");
        }
        queue.validate(request);
        AppointmentService.CheckedIn in = service.checkIn(j.appointmentCode(), j.hallId(), j.matterId(), j.mobile());
        try {
            QueueService.Joined joined = queue.join(
                    new QueueService.JoinRequest(
                            j.matterId(),
                            j.hallId(),
                            j.partnerHallId(),
                            j.name(),
                            j.mobile(),
                            j.language(),
                            j.priorityGroup(),
                            in.appointmentId(),
                            in.slotStart()),
                    c.id);
            records.audit(
                    "applicant:" + joined.ticket().number(),
                    "appointment.checked_in",
                    null,
                    "appointment",
                    in.appointmentId(),
                    "slot",
                    in.slotStart());
            return joined;
        } catch (RuntimeException e) {
            service.undoCheckIn(in.appointmentId());
            throw e;
        }
    }

    private void resume(Connection c, ClientMessage.Resume r) {
        if (c.ticketId != null
                && queue.ticket(c.ticketId).map(t -> !t.status().isFinal()).orElse(false)) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "you already hold a ticket");
        }
        QueueService.Resumed resumed = queue.resume(r.resumeToken(), c.id);
        TicketRecord t = resumed.ticket();
        if (resumed.supersededConnId() != null) {
            vertx.eventBus()
                    .send(
                            Connection.address(resumed.supersededConnId()),
                            "",
                            new DeliveryOptions().addHeader(CONTROL, "superseded"));
        }
        QueueView view = queue.view();
        ServerMessage.Ticket msg = ticketMessage(t, view.place(t.ticketId()), resumed.resumeToken(), r.id());
        send(c, msg);
        c.role = Connection.Role.APPLICANT;
        c.ticketId = t.ticketId();
        LOG.info("Ticket {} resumed", t.number());
        records.audit("applicant:" + t.number(), "ticket.resumed", t.sessionId(), "ticket", t.ticketId());
        SessionRecord s = resumed.session();
        if (s != null) {
            ReferenceData data = refdata.current();
            send(c, media.paired(applicantPaired(s, t, data, true, null)));
            media.chat().lines(s.sessionId()).forEach(line -> send(c, line));
            toClerk(s, new ServerMessage.Peer(s.sessionId(), "reconnected"));
            toClerk(s, media.paired(clerkPaired(s, t, true, null)));
            media.sessionResumed(s, t);
        }
        markDirty();
    }

    private void leave(Connection c, ClientMessage.Leave l) {
        if (c.ticketId == null) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "you hold no ticket");
        }
        TicketRecord t = queue.leave(c.ticketId, c.id);
        LOG.info("Ticket {} cancelled by the applicant", t.number());
        records.audit("applicant:" + t.number(), "ticket.cancelled", null, "ticket", t.ticketId());
        send(c, ticketMessage(t, null, null, l.id()));
        c.ticketId = null;
        markDirty();
    }

    /** The clerk a session token names; AUTH_FAILED if it is invalid or expired. */
    private String verifiedClerk(String token) {
        try {
            return tokens.verify(token)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.INTERNAL, "interrupted");
        } catch (Exception e) {
            throw new ProtocolException(ErrorCode.AUTH_FAILED, "invalid or expired token; sign in again");
        }
    }

    private void auth(Connection c, ClientMessage.Auth a) {
        if (c.role != null) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "this connection is already signed in");
        }
        String clerkId = verifiedClerk(a.token());
        if (refdata.current().clerk(clerkId).isEmpty()) {
            throw new ProtocolException(ErrorCode.AUTH_FAILED, "this account is no longer a clerk");
        }
        QueueService.SignedIn in = queue.clerkSignedIn(clerkId, c.id);
        c.role = Connection.Role.CLERK;
        c.clerkId = clerkId;
        if (in.superseded() != null && !in.superseded().connId().equals(c.id)) {
            vertx.eventBus()
                    .send(
                            Connection.address(in.superseded().connId()),
                            "",
                            new DeliveryOptions().addHeader(CONTROL, "superseded"));
            if (!in.resumedSession()) {
                notifyClerkLost(queue.abortClerkSession(in.superseded()));
            }
        }
        LOG.info("Clerk {} signed in", clerkId);
        records.audit("clerk:" + clerkId, "clerk.signed_in", null, "connection", c.id);
        send(c, clerkMessage(in.presence(), a.id()));
        if (in.resumedSession()) {
            resumeClerkSession(c, in.presence().sessionId());
        }
        if (in.presence().status() == ClerkStatus.WRAP_UP && in.presence().sessionId() != null) {
            // The outcome of a session that ended while this clerk was away is still owed.
            queue.session(in.presence().sessionId())
                    .ifPresent(s -> send(
                            c, new ServerMessage.Ended(s.sessionId(), s.endedBy(), s.endReason(), true, null, null)));
        }
        pushQueue(c, queue.view(), true);
        markDirty();
    }

    /** The clerk's live session continues on this connection: both ends renegotiate as after a resume. */
    private void resumeClerkSession(Connection c, String sessionId) {
        SessionRecord s = queue.session(sessionId).orElse(null);
        TicketRecord t = s == null ? null : queue.ticket(s.ticketId()).orElse(null);
        if (s == null || t == null) {
            return;
        }
        LOG.info("Clerk {} took session {} over on a new connection", c.clerkId, sessionId);
        records.audit("clerk:" + c.clerkId, "session.clerk_reconnected", sessionId, "connection", c.id);
        send(c, media.paired(clerkPaired(s, t, true, null)));
        media.chat().lines(sessionId).forEach(line -> send(c, line));
        if (t.connId() != null) {
            sendTo(t.connId(), new ServerMessage.Peer(sessionId, "reconnected"));
            sendTo(t.connId(), media.paired(applicantPaired(s, t, refdata.current(), true, null)));
        }
        media.sessionResumed(s, t);
    }

    private void take(Connection c, ClientMessage.Take m) {
        QueueService.Taken taken = queue.take(c.clerkId, c.id, m.ticketId());
        pairings.increment();
        TicketRecord t = taken.ticket();
        SessionRecord s = taken.session();
        LOG.info("Clerk {} took ticket {}: session {}", c.clerkId, t.number(), s.sessionId());
        records.audit(
                "clerk:" + c.clerkId,
                "session.paired",
                s.sessionId(),
                "ticket",
                t.ticketId(),
                "number",
                t.number(),
                "matter",
                t.matterId(),
                "hall",
                t.hallId(),
                "overflow",
                taken.overflow() ? Boolean.TRUE : null);
        if (taken.overflow()) {
            records.audit(
                    "clerk:" + c.clerkId,
                    "queue.overflow_take",
                    s.sessionId(),
                    "ticket",
                    t.ticketId(),
                    "owningHall",
                    t.hallId(),
                    "clerkHall",
                    refdata.current()
                            .clerk(c.clerkId)
                            .map(ReferenceData.ClerkProfile::hallId)
                            .orElse(null));
        }
        send(c, media.paired(clerkPaired(s, t, false, m.id())));
        queue.presence(c.clerkId).ifPresent(p -> send(c, clerkMessage(p, null)));
        if (t.connId() != null) {
            sendTo(t.connId(), ticketMessage(t, null, null, null));
            sendTo(t.connId(), media.paired(applicantPaired(s, t, refdata.current(), false, null)));
        }
        media.sessionStarted(s, t);
        markDirty();
    }

    private void chat(Connection c, ClientMessage.Chat ch) {
        Peers peers = peers(c, ch.sessionId());
        String name = c.role == Connection.Role.CLERK
                ? refdata.current()
                        .clerk(c.clerkId)
                        .map(ReferenceData.ClerkProfile::name)
                        .orElse(c.clerkId)
                : peers.ticket.name();
        ServerMessage.Chat msg = media.chat()
                .append(
                        ch.sessionId(),
                        c.role == Connection.Role.CLERK ? "clerk" : "applicant",
                        name,
                        ch.text(),
                        clock.millis());
        send(c, msg);
        if (peers.peerConnId != null) {
            sendTo(peers.peerConnId, msg);
        }
        media.toExtras(ch.sessionId(), msg);
    }

    /** Sends to the peer; null (nothing sent) when the caller's own session has just ended. */
    private Peers relay(Connection c, String sessionId, ServerMessage msg) {
        // Candidates and descriptions still in flight when a session ends are expected: drop them quietly.
        boolean endedOwnSession = queue.session(sessionId)
                .filter(s -> s.state() != SessionState.ACTIVE)
                .filter(s -> c.role == Connection.Role.CLERK
                        ? s.clerkId().equals(c.clerkId)
                        : s.ticketId().equals(c.ticketId))
                .isPresent();
        if (endedOwnSession) {
            return null;
        }
        Peers peers = peers(c, sessionId);
        if (peers.peerConnId != null) {
            sendTo(peers.peerConnId, msg);
        }
        return peers;
    }

    /** The applicant's second video (screen share or document camera) changed: told to the session, audited. */
    private void secondVideo(Connection c, ClientMessage.Screen s) {
        ScreenSource source = s.active() ? s.source() : null;
        Peers peers = relay(c, s.sessionId(), new ServerMessage.Screen(s.sessionId(), s.active(), source));
        if (peers == null) {
            return;
        }
        media.screen(s.sessionId(), source);
        records.audit(
                "applicant:" + peers.ticket().number(),
                s.active() ? "screen.started" : "screen.stopped",
                s.sessionId(),
                "source",
                s.source().wire());
    }

    /** The clerk asks for the document camera; only the applicant can turn it on. */
    private void documentCameraRequest(Connection c, ClientMessage.DocumentCameraRequest r) {
        if (relay(c, r.sessionId(), new ServerMessage.DocumentCameraRequest(r.sessionId(), r.requirement())) != null) {
            records.audit(
                    "clerk:" + c.clerkId, "document_camera.requested", r.sessionId(), "requirement", r.requirement());
        }
    }

    private void hangup(Connection c, ClientMessage.Hangup h) {
        if (c.role == Connection.Role.APPLICANT) {
            SessionRecord s = queue.applicantHangup(c.ticketId, c.id, h.sessionId());
            LOG.info("Session {} ended by the applicant", s.sessionId());
            records.audit(
                    "applicant:"
                            + queue.ticket(c.ticketId).map(TicketRecord::number).orElse("?"),
                    "session.ended",
                    s.sessionId(),
                    "reason",
                    "hangup");
            send(c, new ServerMessage.Ended(s.sessionId(), "applicant", "hangup", false, null, h.id()));
            queue.ticket(c.ticketId).ifPresent(t -> send(c, ticketMessage(t, null, null, null)));
            toClerk(s, new ServerMessage.Ended(s.sessionId(), "applicant", "hangup", true, null, null));
            sessionEnded(s, "applicant", "hangup");
            queue.presence(s.clerkId())
                    .filter(p -> p.connId() != null)
                    .ifPresent(p -> sendTo(p.connId(), clerkMessage(p, null)));
        } else {
            SessionRecord s = queue.clerkHangup(c.clerkId, h.sessionId(), outcome(h.outcome()), h.note());
            LOG.info("Session {} ended by clerk {} with outcome {}", s.sessionId(), c.clerkId, s.outcome());
            records.audit(
                    "clerk:" + c.clerkId,
                    "session.closed",
                    s.sessionId(),
                    "reason",
                    "hangup",
                    "outcome",
                    s.outcome().name());
            records.caseClosed(s, queue.ticket(s.ticketId()).orElse(null));
            send(c, new ServerMessage.Ended(s.sessionId(), "clerk", "hangup", false, null, h.id()));
            queue.presence(c.clerkId).ifPresent(p -> send(c, clerkMessage(p, null)));
            queue.ticket(s.ticketId()).filter(t -> t.connId() != null).ifPresent(t -> {
                SessionOutcome told = wireOutcome(s.outcome());
                sendTo(t.connId(), new ServerMessage.Ended(s.sessionId(), "clerk", "hangup", false, told, null));
                sendTo(t.connId(), ticketMessage(t, null, null, told, null));
            });
            sessionEnded(s, "clerk", "hangup");
        }
        markDirty();
    }

    /** A session ended (not by a transfer): its media stop; an application it leaves unsealed is flagged. */
    private void sessionEnded(SessionRecord s, String by, String reason) {
        media.sessionEnded(s.sessionId(), by, reason);
        ApplicationDesk unfinished = desk;
        if (unfinished != null) {
            unfinished.sessionEnded(s, by, reason);
        }
    }

    /** The two ends of a session as seen from the sender, after checking the sender belongs to it. */
    private record Peers(SessionRecord session, TicketRecord ticket, String peerConnId) {}

    private Peers peers(Connection c, String sessionId) {
        SessionRecord s = queue.session(sessionId)
                .filter(x -> x.state() == SessionState.ACTIVE)
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session"));
        TicketRecord t = queue.ticket(s.ticketId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session"));
        if (c.role == Connection.Role.CLERK) {
            if (!s.clerkId().equals(c.clerkId)) {
                throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session");
            }
            return new Peers(s, t, t.connId());
        }
        if (!t.ticketId().equals(c.ticketId) || !c.id.equals(t.connId()) || !sessionId.equals(t.sessionId())) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session");
        }
        String clerkConn = queue.presence(s.clerkId())
                .filter(p -> sessionId.equals(p.sessionId()))
                .map(ClerkPresence::connId)
                .orElse(null);
        return new Peers(s, t, clerkConn);
    }

    private void toClerk(SessionRecord s, ServerMessage msg) {
        queue.presence(s.clerkId())
                .filter(p -> s.sessionId().equals(p.sessionId()))
                .ifPresent(p -> sendTo(p.connId(), msg));
    }

    private static Caller caller(Connection c) {
        return new Caller(c.id, c.role == Connection.Role.CLERK ? c.clerkId : null, c.ticketId);
    }

    private static Outcome outcome(SessionOutcome o) {
        return o == null ? null : Outcome.valueOf(o.name());
    }

    // ---------------------------------------------------------------- message builders

    private static ServerMessage.Ticket ticketMessage(TicketRecord t, QueueView.Place place, String token, String re) {
        return ticketMessage(t, place, token, null, re);
    }

    private static SessionOutcome wireOutcome(Outcome o) {
        return o == null ? null : SessionOutcome.valueOf(o.name());
    }

    private static ServerMessage.Ticket ticketMessage(
            TicketRecord t, QueueView.Place place, String token, SessionOutcome outcome, String re) {
        ServerMessage.TicketState state =
                switch (t.status()) {
                    case WAITING -> ServerMessage.TicketState.WAITING;
                    case IN_SESSION -> ServerMessage.TicketState.IN_SESSION;
                    case DONE -> ServerMessage.TicketState.DONE;
                    case CANCELLED -> ServerMessage.TicketState.CANCELLED;
                    case EXPIRED -> ServerMessage.TicketState.EXPIRED;
                };
        return new ServerMessage.Ticket(
                t.ticketId(),
                t.number(),
                t.matterId(),
                t.hallId(),
                state,
                place == null ? null : place.position(),
                place == null ? null : place.etaSeconds(),
                token,
                outcome,
                re,
                t.language(),
                t.priorityGroup(),
                t.appointmentAt() > 0 ? t.appointmentAt() : null,
                t.version());
    }

    private ServerMessage.Clerk clerkMessage(ClerkPresence p, String re) {
        ReferenceData.ClerkProfile profile =
                refdata.current().clerk(p.clerkId()).orElseThrow();
        ServerMessage.ClerkStatus status =
                switch (p.status()) {
                    case AVAILABLE -> ServerMessage.ClerkStatus.AVAILABLE;
                    case AWAY -> ServerMessage.ClerkStatus.AWAY;
                    case BUSY -> ServerMessage.ClerkStatus.BUSY;
                    case WRAP_UP -> ServerMessage.ClerkStatus.WRAP_UP;
                };
        return new ServerMessage.Clerk(
                profile.id(),
                profile.name(),
                profile.hallId(),
                profile.matters(),
                status,
                re,
                p.status() == ClerkStatus.WRAP_UP && p.wrapUntil() > 0 ? p.wrapUntil() : null);
    }

    private static ServerMessage.Paired clerkPaired(SessionRecord s, TicketRecord t, boolean resumed, String re) {
        return new ServerMessage.Paired(
                s.sessionId(),
                "clerk",
                true,
                resumed,
                new ServerMessage.PeerInfo(
                        t.name(), Mask.mobile(t.mobile()), null, null, t.language(), t.priorityGroup()),
                t.ticketId(),
                t.number(),
                t.matterId(),
                t.hallId(),
                re,
                null);
    }

    private static ServerMessage.Paired applicantPaired(
            SessionRecord s, TicketRecord t, ReferenceData data, boolean resumed, String re) {
        String clerkName =
                data.clerk(s.clerkId()).map(ReferenceData.ClerkProfile::name).orElse(s.clerkId());
        String hallName = data.hall(t.hallId()).map(ReferenceData.Hall::name).orElse(t.hallId());
        return new ServerMessage.Paired(
                s.sessionId(),
                "applicant",
                false,
                resumed,
                new ServerMessage.PeerInfo(clerkName, null, hallName, s.clerkId()),
                t.ticketId(),
                t.number(),
                t.matterId(),
                t.hallId(),
                re,
                null);
    }

    // ---------------------------------------------------------------- broadcast

    /**
     * Pushes fresh positions to waiting applicants and queue lists to clerks connected to this node, if
     * anything changed since the last push ({@code force} re-sends every few seconds so waiting times
     * stay current). Blocking; run on a worker.
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
        for (Connection c : connections.values()) {
            if (c.closed) {
                continue;
            }
            if (c.role == Connection.Role.APPLICANT && c.ticketId != null) {
                QueueView.Place place = view.place(c.ticketId);
                if (place == null) {
                    continue;
                }
                queue.ticket(c.ticketId).filter(t -> c.id.equals(t.connId())).ifPresent(t -> {
                    send(c, ticketMessage(t, place, null, null));
                });
            } else if (c.role == Connection.Role.CLERK && c.clerkId != null) {
                pushQueue(c, view, force);
            } else if (c.role == Connection.Role.SUPERVISOR) {
                pushBoard(c, view, force, null);
            }
        }
    }

    private void pushQueue(Connection c, QueueView view, boolean force) {
        ReferenceData.ClerkProfile profile = refdata.current().clerk(c.clerkId).orElse(null);
        if (profile == null) {
            return;
        }
        List<cn.tongban.signaling.queue.Routing.Candidate> candidates = view.candidatesFor(profile);
        List<ServerMessage.QueueEntry> entries = candidates.stream()
                .limit(200)
                .map(cand -> {
                    TicketRecord t = cand.ticket();
                    return new ServerMessage.QueueEntry(
                            t.ticketId(),
                            t.number(),
                            t.matterId(),
                            t.hallId(),
                            (int) Math.max(0, (view.now() - t.issuedAt()) / 1000),
                            Mask.name(t.name()),
                            t.connected(),
                            t.returned(),
                            t.language(),
                            t.priorityGroup(),
                            t.appointmentAt() > 0 ? t.appointmentAt() : null,
                            cand.eligibility() == cn.tongban.signaling.queue.Routing.Eligibility.OVERFLOW
                                    ? Boolean.TRUE
                                    : null);
                })
                .toList();
        ServerMessage.Queue msg = new ServerMessage.Queue(entries, candidates.size());
        // Compare without the waiting times, which change every second.
        String key = entries.stream()
                .map(e -> e.ticketId() + e.connected() + e.returned())
                .reduce("", String::concat);
        if (force || !key.equals(c.lastQueueView)) {
            c.lastQueueView = key;
            send(c, msg);
        }
    }

    /** Runs the periodic sweep and notifies clerks whose applicant did not come back. Blocking. */
    public void sweep() {
        QueueService.Sweep sweep = queue.sweep();
        for (SessionRecord s : sweep.applicantLost()) {
            LOG.info("Session {} ended: the applicant did not come back", s.sessionId());
            records.audit("server", "session.ended", s.sessionId(), "reason", "applicant_lost");
            toClerk(s, new ServerMessage.Ended(s.sessionId(), "server", "applicant_lost", true, null, null));
            sessionEnded(s, "server", "applicant_lost");
            queue.presence(s.clerkId()).ifPresent(p -> sendTo(p.connId(), clerkMessage(p, null)));
        }
        for (TicketRecord t : sweep.expiredWaiting()) {
            LOG.info("Ticket {} expired: the applicant did not come back", t.number());
            records.audit("server", "ticket.expired", null, "ticket", t.ticketId(), "number", t.number());
        }
        if (!sweep.applicantLost().isEmpty() || !sweep.expiredWaiting().isEmpty()) {
            markDirty();
        }
        RoutingSweep.after(sweep, appointments, records, this::clerkUpdate);
        if (!sweep.wrapUpEnded().isEmpty() || !sweep.outcomeExpired().isEmpty()) {
            markDirty();
        }
    }

    /** Sends a clerk their current state, wherever their connection is. */
    private void clerkUpdate(ClerkPresence p) {
        if (p.connId() != null) {
            sendTo(p.connId(), clerkMessage(p, null));
        }
    }

    // ---------------------------------------------------------------- routing: transfer, priority, board

    private void transfer(Connection c, ClientMessage.Transfer m) {
        QueueService.Transferred moved = m.toClerkId() != null
                ? queue.transferToClerk(c.clerkId, m.sessionId(), m.toClerkId())
                : queue.transferToQueue(c.clerkId, m.sessionId(), m.toHallId());
        TicketRecord t = moved.ticket();
        ReferenceData data = refdata.current();
        LOG.info(
                "Session {} transferred by clerk {} to {}",
                m.sessionId(),
                c.clerkId,
                m.toClerkId() != null ? m.toClerkId() : m.toHallId());
        records.audit(
                "clerk:" + c.clerkId,
                "session.transferred",
                m.sessionId(),
                "ticket",
                t.ticketId(),
                "toClerk",
                m.toClerkId(),
                "toHall",
                moved.next() == null ? t.hallId() : null,
                "newSession",
                moved.next() == null ? null : moved.next().sessionId());
        records.caseClosed(moved.ended(), t);
        send(c, new ServerMessage.Ended(m.sessionId(), "clerk", "transferred", false, null, m.id()));
        media.sessionEnded(m.sessionId(), "clerk", "transferred");
        queue.presence(c.clerkId).ifPresent(p -> send(c, clerkMessage(p, null)));
        if (moved.next() != null) {
            SessionRecord next = moved.next();
            String toName = data.clerk(next.clerkId())
                    .map(ReferenceData.ClerkProfile::name)
                    .orElse(next.clerkId());
            if (t.connId() != null) {
                sendTo(t.connId(), new ServerMessage.Transferred(m.sessionId(), toName, null));
                sendTo(t.connId(), media.paired(applicantPaired(next, t, data, false, null)));
            }
            queue.presence(next.clerkId()).ifPresent(p -> {
                sendTo(p.connId(), media.paired(clerkPaired(next, t, false, null)));
                sendTo(p.connId(), clerkMessage(p, null));
            });
            // The new session's media lives on this node's bridge (the node that created the session).
            media.sessionStarted(next, t);
        } else if (t.connId() != null) {
            sendTo(t.connId(), new ServerMessage.Transferred(m.sessionId(), null, t.hallId()));
            sendTo(t.connId(), ticketMessage(t, queue.view().place(t.ticketId()), null, null));
        }
        markDirty();
    }

    private void priorityCheck(Connection c, ClientMessage.PriorityCheck m) {
        boolean confirmed = m.verdict() == ClientMessage.PriorityVerdict.CONFIRMED;
        TicketRecord t = queue.checkPriority(c.clerkId, m.sessionId(), confirmed);
        records.audit(
                "clerk:" + c.clerkId,
                confirmed ? "priority.confirmed" : "priority.rejected",
                m.sessionId(),
                "ticket",
                t.ticketId(),
                "group",
                t.priorityGroup());
        send(c, new ServerMessage.Pong(m.id()));
    }

    private void watch(Connection c, ClientMessage.Watch w) {
        if (c.role != null) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "this connection is already watching");
        }
        String clerkId = verifiedClerk(w.token());
        if (!refdata.current().routing().isSupervisor(clerkId)) {
            records.audit("clerk:" + clerkId, "supervisor.refused", null);
            throw new ProtocolException(ErrorCode.NOT_SUPERVISOR, "this account may not watch the queues");
        }
        records.audit("clerk:" + clerkId, "supervisor.watch", null, "connection", c.id);
        LOG.info("Supervisor {} watches the queues", clerkId);
        // The answer is queued before the broadcaster can see a board here, so the first board is the answer.
        pushBoard(c, queue.view(), true, w.id());
        c.clerkId = null;
        c.role = Connection.Role.SUPERVISOR;
    }

    private void pushBoard(Connection c, QueueView view, boolean force, String re) {
        ServerMessage.Board board = SupervisorBoard.of(view, refdata.current(), re);
        // Compare without the clock-driven fields, which change every second.
        String key = SupervisorBoard.changeKey(board);
        if (force || !key.equals(c.lastBoardView)) {
            c.lastBoardView = key;
            send(c, board);
        }
    }

    // ---------------------------------------------------------------- sending

    /**
     * Queues a message for a connection of this node. Whatever thread calls it, the message is written on the
     * connection's own context, after every message queued before it; stale ticket messages are dropped
     * there (see {@link TicketPushFilter}).
     */
    private void send(Connection c, Object msg) {
        String text = Codec.encode(msg);
        c.context.runOnContext(v -> {
            if (!(msg instanceof ServerMessage.Ticket t) || c.tickets.admit(t)) {
                write(c, text);
            }
        });
    }

    private void sendTo(String connId, Object msg) {
        Connection local = connections.get(connId);
        if (local != null) {
            send(local, msg);
        } else {
            vertx.eventBus().send(Connection.address(connId), Codec.encode(msg));
        }
    }

    private void write(Connection c, String text) {
        if (!c.closed && !c.ws.isClosed()) {
            c.ws.writeTextMessage(text);
        }
    }

    private void reject(Connection c, ProtocolException e, String text) {
        String[] idType = text == null ? new String[] {null, null} : Codec.idAndType(text);
        count(e.code());
        LOG.debug("Rejected a message on {}: {} {}", c.id, e.code(), e.getMessage());
        write(c, Codec.encode(ServerMessage.Error.of(e, idType[0], idType[1])));
    }

    private void fatal(Connection c, ProtocolException e) {
        count(e.code());
        if (!c.ws.isClosed()) {
            c.ws.writeTextMessage(Codec.encode(ServerMessage.Error.of(e, null, null)));
            c.ws.close((short) e.code().wsCloseCode(), e.code().code());
        }
        // The connection no longer speaks for its ticket or account.
        c.role = null;
        c.ticketId = null;
        c.clerkId = null;
    }

    private void count(ErrorCode code) {
        metrics.counter("tongban_protocol_errors_total", "code", code.code()).increment();
    }

    private static String typeOf(ClientMessage m) {
        com.fasterxml.jackson.annotation.JsonSubTypes types =
                ClientMessage.class.getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class);
        for (var t : types.value()) {
            if (t.value() == m.getClass()) {
                return t.name();
            }
        }
        return m.getClass().getSimpleName();
    }
}
