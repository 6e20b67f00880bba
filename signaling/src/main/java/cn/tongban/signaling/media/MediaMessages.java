package cn.tongban.signaling.media;

import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Client;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.live.Party;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.live.Role;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ScreenSource;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session's media and what travels with it, as messages: the bridge's offers answered ({@code answer}),
 * the peer-to-peer relay ({@code sdp}, {@code ice}; refused in bridge mode), chat, the applicant's second
 * video ({@code screen}), whether its camera sends a picture ({@code camera}), the clerk's request for the document camera, and the extra participants of a
 * bridged session ({@code invite}, {@code join_session}, {@code leave_session}, {@code list_sessions}).
 */
public final class MediaMessages {
    private final MediaSessions sessions;
    private final QueueService queue;
    private final ReferenceDataStore refdata;
    private final Records records;
    private final Outbox outbox;
    private final Clock clock;
    /** Each party connection's route in its current session (at most one per connection of this node). */
    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    public MediaMessages(
            MediaSessions sessions,
            QueueService queue,
            ReferenceDataStore refdata,
            Records records,
            Outbox outbox,
            Clock clock) {
        this.sessions = sessions;
        this.queue = queue;
        this.refdata = refdata;
        this.records = records;
        this.outbox = outbox;
        this.clock = clock;
    }

    /**
     * What a party's messages in its session need, kept per connection of this node ({@link #routes}) so that
     * a chat line or relayed candidate costs no read of the cluster.
     *
     * @param pushes the connection's {@link Client#sessionPushes()} when this was read: it holds while that
     *     number does
     * @param peerConnId the other end's connection, or null while it is disconnected
     * @param name the sender's name on its chat lines
     * @param chatTo who gets the sender's chat lines: the sender, the peer, helpers and supervisors
     */
    private record Route(String sessionId, long pushes, String peerConnId, String name, List<String> chatTo) {
        boolean holds(Client c, String session) {
            return sessionId.equals(session) && pushes == c.sessionPushes();
        }
    }

    public void register(Registry r) {
        r.on(ClientMessage.Sdp.class, Access.PARTY, (c, m) -> {
            sessions.requireRelay("sdp");
            relay(c, m.sessionId(), new ServerMessage.Sdp(m.sessionId(), m.description()));
        });
        r.on(ClientMessage.Ice.class, Access.PARTY, (c, m) -> {
            sessions.requireRelay("ice");
            relay(c, m.sessionId(), new ServerMessage.Ice(m.sessionId(), m.candidate()));
        });
        r.on(ClientMessage.Chat.class, Access.PARTY, (c, m) -> {
            // A helper's or supervisor's line goes to the whole session; a party's through its peer.
            if (!sessions.chatFromJoined(c, m)) {
                chat(c, m);
            }
        });
        r.on(ClientMessage.Screen.class, Access.APPLICANT, this::secondVideo);
        r.on(ClientMessage.Camera.class, Access.PARTY, this::camera);
        r.on(ClientMessage.DocumentCameraRequest.class, Access.CLERK, this::documentCameraRequest);
        r.onAsync(ClientMessage.Answer.class, Access.PARTY, sessions::answer);
        r.onAsync(ClientMessage.MediaRestart.class, Access.PARTY, sessions::restartMedia);
        r.on(ClientMessage.Invite.class, Access.CLERK, sessions::invite);
        r.onAsync(ClientMessage.JoinSession.class, Access.CLERK, sessions::joinSession);
        r.on(ClientMessage.LeaveSession.class, Access.CLERK, sessions::leaveSession);
        r.on(ClientMessage.ListSessions.class, Access.CLERK, (c, m) -> c.send(sessions.listSessions(c, m)));
        // A helper or supervisor on a closed connection leaves the session it joined.
        r.onClosed(c -> {
            routes.remove(c.connId());
            if (c.role() == Role.CLERK) {
                sessions.connectionClosed(c.connId());
            }
        });
    }

    private void chat(Client c, ClientMessage.Chat ch) {
        Route r = route(c, ch.sessionId());
        ServerMessage.Chat msg = sessions.chat()
                .append(ch.sessionId(), c.isClerk() ? "clerk" : "applicant", r.name(), ch.text(), clock.millis());
        outbox.send(r.chatTo(), msg);
    }

    /** Sends to the peer; nothing when the caller's own session has just ended. */
    private void relay(Client c, String sessionId, ServerMessage msg) {
        Route r = routes.get(c.connId());
        if (r == null || !r.holds(c, sessionId)) {
            if (endedOwnSession(c, sessionId)) {
                return;
            }
            r = route(c, sessionId);
        }
        if (r.peerConnId() != null) {
            outbox.send(r.peerConnId(), msg);
        }
    }

    /**
     * Where the caller's lines in {@code sessionId} go and the name they go out under: from this node's cache
     * while no message changing the session's parties has reached the caller since, else read from the
     * cluster (and checked: {@code NOT_IN_SESSION} unless the caller is a party of that active session).
     */
    private Route route(Client c, String sessionId) {
        Route r = routes.get(c.connId());
        if (r != null && r.holds(c, sessionId)) {
            return r;
        }
        // Read before the cluster: a change made after that read is followed by a message that moves it on.
        long pushes = c.sessionPushes();
        Party peers = Party.of(queue, c, sessionId);
        String name = c.isClerk()
                ? refdata.current()
                        .clerk(c.clerkId())
                        .map(ReferenceData.ClerkProfile::name)
                        .orElse(c.clerkId())
                : peers.ticket().name();
        List<String> to = new ArrayList<>();
        to.add(c.connId());
        if (peers.peerConnId() != null) {
            to.add(peers.peerConnId());
        }
        to.addAll(sessions.extras(sessionId));
        r = new Route(sessionId, pushes, peers.peerConnId(), name, List.copyOf(to));
        if (pushes >= 0) {
            routes.put(c.connId(), r);
        }
        return r;
    }

    /** The caller's session and peer; null when the caller's own session has just ended. */
    private Party peers(Client c, String sessionId) {
        return endedOwnSession(c, sessionId) ? null : Party.of(queue, c, sessionId);
    }

    /** Candidates and descriptions still in flight when a session ends are expected: dropped quietly. */
    private boolean endedOwnSession(Client c, String sessionId) {
        return queue.session(sessionId)
                .filter(s -> s.state() != SessionState.ACTIVE)
                .filter(s -> c.isClerk()
                        ? s.clerkId().equals(c.clerkId())
                        : s.ticketId().equals(c.ticketId()))
                .isPresent();
    }

    private void send(Party peers, ServerMessage msg) {
        if (peers.peerConnId() != null) {
            outbox.send(peers.peerConnId(), msg);
        }
    }

    /**
     * The applicant's second video (screen share or document camera) changed: audited, then told to the
     * session — in that order, so the journal's order is the order the parties saw (the clerk's next action
     * can only follow what they were told).
     */
    private void secondVideo(Client c, ClientMessage.Screen s) {
        ScreenSource source = s.active() ? s.source() : null;
        Party peers = peers(c, s.sessionId());
        if (peers == null) {
            return;
        }
        sessions.screen(s.sessionId(), source);
        records.audit(
                "applicant:" + peers.ticket().number(),
                s.active() ? AuditAction.SCREEN_STARTED : AuditAction.SCREEN_STOPPED,
                s.sessionId(),
                AuditDetails.of(AuditField.SOURCE, s.source().wire()));
        send(peers, new ServerMessage.Screen(s.sessionId(), s.active(), source));
    }

    /**
     * A party's camera sends a picture or not (voice only, audio-only fallback, turned off): told to the peer,
     * helpers and supervisors, so that their pages say so in words instead of showing a black video. Not kept:
     * the page says it again with every new call (pairing, resume, media restart).
     */
    private void camera(Client c, ClientMessage.Camera m) {
        Party peers = peers(c, m.sessionId());
        if (peers == null) {
            return;
        }
        ServerMessage.Camera msg =
                new ServerMessage.Camera(m.sessionId(), c.isClerk() ? "clerk" : "applicant", m.active(), m.reason());
        send(peers, msg);
        sessions.toExtras(m.sessionId(), msg);
    }

    /** The clerk asks for the document camera; only the applicant can turn it on. */
    private void documentCameraRequest(Client c, ClientMessage.DocumentCameraRequest r) {
        Party peers = peers(c, r.sessionId());
        if (peers != null) {
            records.audit(
                    "clerk:" + c.clerkId(),
                    AuditAction.DOCUMENT_CAMERA_REQUESTED,
                    r.sessionId(),
                    AuditDetails.of(AuditField.REQUIREMENT, r.requirement()));
            send(peers, new ServerMessage.DocumentCameraRequest(r.sessionId(), r.requirement()));
        }
    }
}
