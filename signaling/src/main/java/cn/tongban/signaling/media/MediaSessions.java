package cn.tongban.signaling.media;

import cn.tongban.session.media.Bridge;
import cn.tongban.session.media.Role;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.cluster.ClusterView;
import cn.tongban.signaling.config.MediaMode;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.live.Sender;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ErrorReason;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ScreenSource;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.ClerkStatus;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.util.Mask;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Media of the sessions: in bridge mode the server allocates each participant's bridge endpoint and sends
 * the bridge's offers, keeps who is in a session (2–4 people: applicant, clerk, a helper of the partner
 * hall, a silent supervisor) in the cluster, records sessions whose matter's policy says so and tells
 * everyone; in peer-to-peer mode it only says so ({@code hello.media}) and leaves SDP/ICE to the relay.
 *
 * <p>The signaling handler calls the hooks below at the points of the session lifecycle (paired, resumed,
 * applicant gone, ended) and dispatches the bridge-mode messages here, on its worker threads. Bridge
 * operations go over the event bus to the {@link MediaNode} that carries the session (the node where its
 * clerk took the ticket), and no thread waits for them: each returns a future, and what follows an answer
 * (offers sent, the roster checked, the audit written) runs on a worker again. A bridge that is slow or
 * frozen therefore holds none of this node's threads and none of its clients' other messages.
 */
public final class MediaSessions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MediaSessions.class);

    private final Vertx vertx;
    private final MediaMode mode;
    private final QueueService queue;
    private final ReferenceDataStore refdata;
    private final Records records;
    private final Clock clock;
    private final MediaRoster roster;
    private final MediaControl control;
    private final MediaNode node;
    private final ClusterView cluster;
    /** This node's name (in the audit of a move). */
    private final String nodeName;
    /** Helpers and supervisors connected to this node: connection → (session, participant key). */
    private final Map<String, Joined> joined = new ConcurrentHashMap<>();

    private final ChatHistory chat;

    private final Outbox outbox;

    private record Joined(String sessionId, String key) {}

    private MediaSessions(
            Vertx vertx,
            MediaMode mode,
            QueueService queue,
            ReferenceDataStore refdata,
            Records records,
            Clock clock,
            MediaRoster roster,
            MediaControl control,
            MediaNode node,
            ClusterView cluster,
            String nodeName,
            ChatHistory chat,
            Outbox outbox) {
        this.vertx = vertx;
        this.cluster = cluster;
        this.nodeName = nodeName;
        this.mode = mode;
        this.outbox = outbox;
        this.chat = chat;
        this.queue = queue;
        this.refdata = refdata;
        this.records = records;
        this.clock = clock;
        this.roster = roster;
        this.control = control;
        this.node = node;
    }

    /**
     * Media for one node, delivering its messages through {@code outbox}. {@code bridge} is this node's bridge
     * (null in peer-to-peer mode), registered on the event bus before this returns; its metrics are exported
     * on {@code registry}. Recordings go under {@code recordingRoot} and are archived by {@code archive}, which
     * also finishes, in the background, what a previous run of this node left there unarchived.
     */
    public static MediaSessions create(
            Vertx vertx,
            HazelcastInstance hz,
            MediaMode mode,
            Bridge bridge,
            QueueService queue,
            ReferenceDataStore refdata,
            Records records,
            RecordingArchive archive,
            Path recordingRoot,
            Outbox outbox,
            Clock clock,
            MeterRegistry registry) {
        MediaRoster roster = new MediaRoster(hz);
        ClusterView cluster = new ClusterView(hz);
        MediaNode node = bridge == null
                ? null
                : new MediaNode(
                        vertx, cluster.localTag(), bridge, roster, records, archive, recordingRoot, outbox, registry);
        MediaSessions m = new MediaSessions(
                vertx,
                mode,
                queue,
                refdata,
                records,
                clock,
                roster,
                new MediaControl(vertx, cluster::liveTags),
                node,
                cluster,
                archive.node(),
                new ChatHistory(hz),
                outbox);
        Gauge.builder("tongban_media_participants", m.joined, Map::size)
                .description("Helpers and supervisors connected to this node")
                .register(registry);
        if (node != null) {
            try {
                node.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("cannot register the media bridge on the event bus", e);
            }
        }
        return m;
    }

    public MediaMode mode() {
        return mode;
    }

    public boolean bridged() {
        return mode == MediaMode.BRIDGE;
    }

    /** This node's bridge, or null in peer-to-peer mode (for tests and diagnostics). */
    public Bridge bridge() {
        return node == null ? null : node.bridge();
    }

    /**
     * What this node did, when it started, with the recording segments a previous run left unarchived in its
     * recording directory (see {@link RecordingArchive}); null in peer-to-peer mode.
     */
    public Future<RecordingArchive.Report> orphanedRecordings() {
        return node == null ? null : node.orphans();
    }

    /** Whether the matter's sessions are recorded here (its policy, and bridge mode). */
    public boolean recorded(String matterId) {
        return bridged()
                && refdata.current()
                        .matter(matterId)
                        .map(ReferenceData.Matter::recorded)
                        .orElse(false);
    }

    /** A {@code paired} as this mode needs it: in bridge mode nobody offers but the server. */
    public ServerMessage.Paired paired(ServerMessage.Paired p) {
        return bridged() ? p.bridged(recorded(p.matterId())) : p;
    }

    // ---------------------------------------------------------------- peer-to-peer relay

    /** {@code sdp} and {@code ice} are the peer-to-peer relay: refused in bridge mode. */
    public void requireRelay(String type) {
        if (bridged()) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE,
                    type + " is for peer-to-peer mode; in bridge mode answer the server's offer");
        }
    }

    // ---------------------------------------------------------------- lifecycle hooks

    /**
     * A clerk took a ticket on this node: the session's media lives on this node's bridge. The returned
     * future completes once both parties were offered their endpoints and a recording started — or, if the
     * bridge failed, once they were told that video is unavailable; it never fails.
     */
    public Future<Void> sessionStarted(SessionRecord s, TicketRecord t) {
        if (!bridged()) {
            return Future.succeededFuture();
        }
        ReferenceData data = refdata.current();
        ReferenceData.ClerkProfile clerk = data.clerk(s.clerkId()).orElse(null);
        List<MediaParticipant> people = new ArrayList<>();
        people.add(new MediaParticipant(
                Role.CLERK,
                s.clerkId(),
                s.clerkConnId(),
                clerk == null ? s.clerkId() : clerk.name(),
                hallName(data, clerk == null ? t.hallId() : clerk.hallId()),
                1));
        people.add(new MediaParticipant(
                Role.APPLICANT, null, t.connId(), Mask.name(t.name()), null, t.connId() == null ? 0 : 1));
        boolean recorded = recorded(t.matterId());
        MediaSession ms = new MediaSession(
                s.sessionId(),
                t.ticketId(),
                t.number(),
                t.matterId(),
                t.hallId(),
                t.partnerHallId(),
                s.clerkId(),
                node.address(),
                recorded,
                null,
                s.startedAt(),
                people,
                List.of());
        roster.create(ms);
        Future<Void> connected = Future.succeededFuture();
        for (MediaParticipant p : people) {
            if (p.connected()) {
                connected = connected
                        .compose(v -> connect(ms, p))
                        .compose(v -> blocking(() -> audit(ms.sessionId(), AuditAction.PARTICIPANT_JOINED, p, null)));
            }
        }
        return settled(
                ms.sessionId(),
                connected
                        .compose(v -> blocking(() -> sendParticipants(ms.sessionId())))
                        .compose(v -> recorded ? startRecording(ms) : Future.succeededFuture())
                        .recover(e -> blocking(() -> mediaFailed(ms, e))));
    }

    /**
     * The bridge failed while a session started or resumed: the session (pairing, chat, hang-up) goes on,
     * its people are told that media is unavailable.
     */
    private void mediaFailed(MediaSession ms, Throwable e) {
        if (e instanceof ProtocolException) {
            LOG.error("Media of session {} failed: {}", ms.sessionId(), e.getMessage());
        } else {
            LOG.error("Media of session {} failed", ms.sessionId(), e);
        }
        ProtocolException told =
                new ProtocolException(ErrorCode.MEDIA_UNAVAILABLE, "video is unavailable: " + e.getMessage());
        for (MediaParticipant p : roster.get(ms.sessionId()).orElse(ms).participants()) {
            if (p.connected()) {
                outbox.send(p.connId(), ServerMessage.Error.of(told, null, null));
            }
        }
    }

    /**
     * The applicant resumed, or the clerk took the session over on a new connection: both pages build new
     * peer connections, so whoever of the two is connected gets a new endpoint. The roster changes first,
     * so that offers still coming for the old endpoints find nobody to go to. The session stays on its
     * bridge's node while that node is in the cluster; if it has left, this node's bridge takes the session
     * over first ({@link #takeOverBridge}). The future completes when the new endpoints were offered (or
     * the parties told that video is unavailable); it never fails.
     */
    public Future<Void> sessionResumed(SessionRecord s, TicketRecord t) {
        if (!bridged()) {
            return Future.succeededFuture();
        }
        MediaSession before = roster.get(s.sessionId()).orElse(null);
        if (before == null) {
            return Future.succeededFuture();
        }
        if (onDepartedBridge(before)) {
            if (takeOverBridge(s.sessionId())) {
                return resumed(s, t, roster.get(s.sessionId()).orElse(null), true);
            }
            // Another node moved it first (or a member of an earlier build forbids the move): go on with what
            // the roster says now, never with the departed bridge's view.
            before = roster.get(s.sessionId()).orElse(null);
        }
        return resumed(s, t, before, false);
    }

    /**
     * The session's media moved to this node's bridge ({@link #takeOverBridge}): both pages build new peer
     * connections (the caller has sent them {@code paired} with {@code resumed: true}) and get offers from
     * this bridge, and a recorded session starts a new recording here. The future never fails.
     */
    public Future<Void> sessionMoved(SessionRecord s, TicketRecord t) {
        return bridged() ? resumed(s, t, roster.get(s.sessionId()).orElse(null), true) : Future.succeededFuture();
    }

    /** The sessions whose bridge's node has left the cluster. */
    public List<String> sessionsOnDepartedBridges() {
        if (!bridged() || node == null) {
            return List.of();
        }
        return roster.all().stream()
                .filter(this::onDepartedBridge)
                .map(MediaSession::sessionId)
                .toList();
    }

    /**
     * Moves a session whose bridge's node left the cluster to this node's bridge; false when it is not on a
     * departed bridge, another node moved it first, or a member of an earlier build is still in the cluster
     * (which would not know the move's processor). Helpers and supervisors leave the session (told {@code
     * ended}, reason {@code bridge_lost}; they may join again); the applicant's and the clerk's endpoints are
     * allocated here by {@link #sessionMoved} or {@link #sessionResumed}. A recorded session's segment on the
     * departed node is cut off there ({@code recording.interrupted} names it and its node) and stays on that
     * node's disk until the node starts again and archives it ({@link RecordingArchive}); the next segment
     * starts here ({@code recording.started}).
     */
    public boolean takeOverBridge(String sessionId) {
        if (!bridged() || node == null || !cluster.everyMemberCurrent()) {
            return false;
        }
        MediaSession before = roster.get(sessionId).orElse(null);
        if (before == null || !onDepartedBridge(before)) {
            return false;
        }
        MediaRoster.Change ch = roster.rehome(sessionId, before.node(), node.address());
        if (!ch.applied()) {
            return false;
        }
        LOG.warn("Session {}: its bridge's node left the cluster; its media continues on this node", sessionId);
        JsonObject cut = before.recorded() ? lastSegmentStarted(sessionId) : null;
        records.audit(
                "server",
                AuditAction.SESSION_MEDIA_MOVED,
                sessionId,
                AuditDetails.of(AuditField.REASON, "bridge_lost")
                        // The departed node by name when its last recording segment says it, else by its tag
                        // (an unrecorded session, or one whose recording never started there).
                        .and(
                                AuditField.FROM,
                                cut != null && cut.getString(AuditField.NODE.key()) != null
                                        ? cut.getString(AuditField.NODE.key())
                                        : "node " + MediaControl.tagOf(before.node()))
                        .and(AuditField.TO, nodeName));
        if (before.recorded()) {
            records.audit(
                    "server",
                    AuditAction.RECORDING_INTERRUPTED,
                    sessionId,
                    AuditDetails.of(AuditField.SEGMENT, cut == null ? null : cut.getString(AuditField.SEGMENT.key()))
                            .and(AuditField.NODE, cut == null ? null : cut.getString(AuditField.NODE.key()))
                            .and(
                                    AuditField.REASON,
                                    "the bridge's node left the cluster: the segment recorded there ends where its"
                                            + " data stops and stays on that node's disk until the node starts"
                                            + " again and archives it; the next segment starts on " + nodeName));
        }
        for (MediaParticipant p : before.participants()) {
            if (ch.session().participant(p.key()).isEmpty()) {
                audit(sessionId, AuditAction.PARTICIPANT_LEFT, p, "bridge_lost");
                if (p.connected()) {
                    joined.remove(p.connId());
                    outbox.send(
                            p.connId(),
                            new ServerMessage.Ended(sessionId, "server", "bridge_lost", false, null, null, null));
                }
            }
        }
        return true;
    }

    /**
     * The details of the session's latest {@code recording.started} (its segment and node), or null when the
     * journal has none or cannot be read (a node's own database in a cluster without a shared one).
     */
    private JsonObject lastSegmentStarted(String sessionId) {
        try {
            JsonObject last = null;
            for (var e : records.journal().forSession(sessionId)) {
                if (e.action().equals(AuditAction.RECORDING_STARTED.wire())) {
                    last = new JsonObject(e.details());
                }
            }
            return last;
        } catch (RuntimeException e) {
            LOG.warn("Could not read which recording segment of {} was cut off: {}", sessionId, e.toString());
            return null;
        }
    }

    private boolean onDepartedBridge(MediaSession ms) {
        String tag = MediaControl.tagOf(ms.node());
        return tag != null && !cluster.liveTags().contains(tag);
    }

    private Future<Void> resumed(SessionRecord s, TicketRecord t, MediaSession before, boolean moved) {
        if (before == null) {
            return Future.succeededFuture();
        }
        String clerkKey = MediaParticipant.key(Role.CLERK, s.clerkId());
        String clerkConn = queue.presence(s.clerkId())
                .filter(p -> s.sessionId().equals(p.sessionId()))
                .map(ClerkPresence::connId)
                .orElse(null);
        List<String> keys = new ArrayList<>();
        if (t.connId() != null) {
            keys.add("applicant");
        }
        if (clerkConn != null) {
            keys.add(clerkKey);
        }
        MediaSession changed = before;
        for (String key : keys) {
            MediaRoster.Change ch =
                    roster.reallocate(s.sessionId(), key, key.equals("applicant") ? t.connId() : clerkConn);
            if (ch.applied()) {
                changed = ch.session();
            }
        }
        MediaSession now = changed;
        // After a move, or with the bridge's node gone, the old endpoints went with that bridge. Freeing them is
        // best effort: a failure must not keep the new endpoints from being offered.
        Future<Void> freed = Future.succeededFuture();
        if (!moved && !onDepartedBridge(before)) {
            for (String key : keys) {
                MediaParticipant old =
                        before.participant(key).filter(o -> o.epoch() > 0).orElse(null);
                if (old != null) {
                    freed = freed.compose(v -> free(before.node(), s.sessionId(), old.participantId()));
                }
            }
        }
        Future<Void> connected = freed;
        for (String key : keys) {
            MediaParticipant p = now.participant(key).orElseThrow();
            boolean first = before.participant(key).map(MediaParticipant::epoch).orElse(0) == 0;
            connected = connected
                    .compose(v -> connect(now, p))
                    .compose(v -> first
                            ? blocking(() -> audit(s.sessionId(), AuditAction.PARTICIPANT_JOINED, p, null))
                            : Future.succeededFuture());
        }
        return settled(
                s.sessionId(),
                connected
                        .compose(v -> blocking(() -> sendParticipants(s.sessionId())))
                        .compose(v -> {
                            if (moved && now.recorded()) {
                                return startRecording(now);
                            }
                            if (now.recorded() && t.connId() != null) {
                                outbox.send(t.connId(), new ServerMessage.Recording(s.sessionId(), true));
                            }
                            return Future.succeededFuture();
                        })
                        .recover(e -> blocking(() -> mediaFailed(now, e))));
    }

    /**
     * The applicant's connection {@code connId} dropped; the session waits for a resume. The endpoint of that
     * connection is freed, and only that one: the resume may already have given the applicant a new
     * connection and a new endpoint (it runs on another thread, perhaps another node, and can overtake this
     * call), which a late disconnect must leave alone. Matching the connection here, rather than marking the
     * roster's applicant disconnected, leaves nothing for the two to race on; until a resume the roster
     * still names the dropped connection, to which nothing can be delivered.
     */
    public void applicantDisconnected(String sessionId, String connId) {
        if (!bridged()) {
            return;
        }
        roster.get(sessionId).ifPresent(ms -> ms.participant("applicant")
                .filter(p -> connId.equals(p.connId()) && p.epoch() > 0)
                .ifPresent(old -> control.fire(ms.node(), MediaNode.remove(sessionId, old.participantId()))));
    }

    /** The chat lines of live sessions (kept in the cluster for resumes). */
    public ChatHistory chat() {
        return chat;
    }

    /**
     * The session ended (hang-up, applicant lost, clerk lost): its chat lines are dropped, helpers and
     * supervisors are told, the endpoints are freed and a recording is stopped and archived (in the
     * background: ffmpeg finishes the files).
     */
    public void sessionEnded(String sessionId, String by, String reason) {
        chat.drop(sessionId);
        if (!bridged()) {
            return;
        }
        roster.delete(sessionId).ifPresent(ms -> {
            for (MediaParticipant p : ms.participants()) {
                if (p.role() == Role.HELPER || p.role() == Role.SUPERVISOR) {
                    audit(sessionId, AuditAction.PARTICIPANT_LEFT, p, "session_ended");
                    if (p.connected()) {
                        joined.remove(p.connId());
                        outbox.send(
                                p.connId(), new ServerMessage.Ended(sessionId, by, reason, false, null, null, null));
                    }
                }
            }
            List<String> ids = ms.participants().stream()
                    .filter(p -> p.epoch() > 0)
                    .map(MediaParticipant::participantId)
                    .toList();
            control.fire(ms.node(), MediaNode.close(sessionId, ids));
        });
    }

    /** A connection closed: a helper or supervisor on it leaves their session. */
    public void connectionClosed(String connId) {
        Joined j = joined.remove(connId);
        if (j != null) {
            leave(j.sessionId(), j.key(), "disconnected");
        }
    }

    /**
     * Whether the connection is a helper or supervisor in a session now. This node's note of what its
     * connections joined can outlive the membership when another node changed the roster — it moved the
     * session's media after its bridge's node died and dropped the helpers, telling them {@code ended} — so
     * the note is checked against the roster and dropped when the roster no longer has them.
     */
    private boolean stillJoined(String connId) {
        Joined j = joined.get(connId);
        if (j == null) {
            return false;
        }
        boolean in = roster.get(j.sessionId())
                .flatMap(ms -> ms.participant(j.key()))
                .filter(p -> connId.equals(p.connId()))
                .isPresent();
        if (!in) {
            joined.remove(connId, j);
        }
        return in;
    }

    /** A clerk who joined someone else's session cannot take a ticket meanwhile. */
    public void requireNotJoined(String connId) {
        if (stillJoined(connId)) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE, "you are in a session as helper or supervisor; leave it first");
        }
    }

    /**
     * The applicant's second video changed ({@code source} null: off): remembered for later joiners and told
     * to helpers and supervisors.
     */
    public void screen(String sessionId, ScreenSource source) {
        if (!bridged()) {
            return;
        }
        roster.screen(sessionId, source);
        toExtras(sessionId, new ServerMessage.Screen(sessionId, source != null, source));
    }

    /** What the roster says the applicant's second video shows now (null: off, or peer-to-peer mode). */
    public ScreenSource screenOf(String sessionId) {
        return bridged() ? roster.get(sessionId).map(MediaSession::screen).orElse(null) : null;
    }

    /**
     * The applicant's page is back on a new connection (a reload or a network drop): its new peer connection
     * carries no second video until the page says {@code screen} again, so a second video the roster still
     * shows is over — helpers and supervisors are told, and a later joiner is not told it is on (it would
     * see a black panel). The parties learn it from {@code paired} with {@code resumed: true}. Returns what
     * was on (null: nothing, or peer-to-peer mode, where the roster keeps no second video).
     */
    public ScreenSource screenEndedByResume(String sessionId) {
        if (!bridged()) {
            return null;
        }
        ScreenSource was = roster.get(sessionId).map(MediaSession::screen).orElse(null);
        if (was != null) {
            screen(sessionId, null);
        }
        return was;
    }

    /**
     * The connections of the session's helpers and supervisors (none in peer-to-peer mode). Whenever they
     * change, everyone in the session is sent {@code participants}.
     */
    public List<String> extras(String sessionId) {
        if (!bridged()) {
            return List.of();
        }
        return roster.get(sessionId)
                .map(ms -> ms.participants().stream()
                        .filter(p -> (p.role() == Role.HELPER || p.role() == Role.SUPERVISOR) && p.connected())
                        .map(MediaParticipant::connId)
                        .toList())
                .orElse(List.of());
    }

    /** Helpers and supervisors also see the chat between applicant and clerk. */
    public void toExtras(String sessionId, ServerMessage message) {
        if (!bridged()) {
            return;
        }
        roster.get(sessionId).ifPresent(ms -> {
            for (MediaParticipant p : ms.participants()) {
                if ((p.role() == Role.HELPER || p.role() == Role.SUPERVISOR) && p.connected()) {
                    outbox.send(p.connId(), message);
                }
            }
        });
    }

    /**
     * A chat line from a helper (to everyone in the session). Returns false when the sender is not a
     * helper or supervisor of that session, so the two-party chat handles it.
     */
    public boolean chatFromJoined(Sender c, ClientMessage.Chat ch) {
        Joined j = joined.get(c.connId());
        if (j == null || !j.sessionId().equals(ch.sessionId())) {
            return false;
        }
        MediaSession ms = roster.get(ch.sessionId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session"));
        MediaParticipant me = ms.participant(j.key())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "not in this session"));
        if (me.role() == Role.SUPERVISOR) {
            throw new ProtocolException(ErrorCode.MEDIA_NOT_ALLOWED, "a supervisor listens silently");
        }
        ServerMessage.Chat line =
                chat.append(ch.sessionId(), MediaParticipant.wire(me.role()), me.name(), ch.text(), clock.millis());
        outbox.send(
                ms.participants().stream()
                        .filter(MediaParticipant::connected)
                        .map(MediaParticipant::connId)
                        .toList(),
                line);
        return true;
    }

    // ---------------------------------------------------------------- bridge-mode messages

    /** {@code answer}: a participant's answer to the bridge's offer. */
    public Future<Void> answer(Sender c, ClientMessage.Answer a) {
        if (!bridged()) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "answer is for bridge mode; this server relays sdp");
        }
        MediaSession ms = roster.get(a.sessionId()).orElse(null);
        if (ms == null) {
            if (ownEndedSession(c, a.sessionId())) {
                return Future.succeededFuture(); // still in flight when the session ended
            }
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session");
        }
        MediaParticipant me =
                self(ms, c).orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session"));
        return control.request(
                        ms.node(),
                        MediaNode.answer(
                                ms.sessionId(),
                                me.participantId(),
                                a.version(),
                                a.sdp(),
                                !me.role().sends()))
                .mapEmpty();
    }

    /**
     * {@code media_restart}: the sender's media connection failed; the sender gets a new endpoint on the
     * session's bridge (a new epoch, so that offers still in flight for the old one go nowhere) and an offer
     * for a new peer connection. The others keep their connections and get one renegotiation for the
     * sender's new tracks. While the session's bridge's node is gone, {@code MEDIA_UNAVAILABLE}: the cluster
     * duty is moving the session, and both parties get offers from the new bridge.
     */
    public Future<Void> restartMedia(Sender c, ClientMessage.MediaRestart m) {
        requireBridge("media_restart");
        MediaSession ms = roster.get(m.sessionId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session"));
        if (onDepartedBridge(ms)) {
            // Moving it is the cluster duty's (both parties paired again, a new recording), within seconds.
            throw new ProtocolException(
                    ErrorCode.MEDIA_UNAVAILABLE, "the session's media is moving to another server; an offer follows");
        }
        MediaParticipant me =
                self(ms, c).orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session"));
        MediaRoster.Change ch = roster.reallocate(ms.sessionId(), me.key(), c.connId());
        refuse(ch);
        Future<Void> freed =
                me.epoch() == 0 ? Future.succeededFuture() : free(ms.node(), ms.sessionId(), me.participantId());
        MediaSession now = ch.session();
        MediaParticipant p = now.participant(me.key()).orElseThrow();
        LOG.info("Media of {} in session {} restarted on a new endpoint", me.key(), ms.sessionId());
        return freed.compose(v -> connect(now, p)).compose(v -> blocking(() -> sendParticipants(now.sessionId())));
    }

    /** {@code invite}: the session's clerk invites a clerk of the applicant's partner hall. */
    public void invite(Sender c, ClientMessage.Invite inv) {
        requireBridge("invite");
        MediaSession ms = roster.get(inv.sessionId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session"));
        if (!ms.clerkId().equals(c.clerkId())) {
            throw ms.participants().stream().anyMatch(p -> c.clerkId().equals(p.clerkId()))
                    ? new ProtocolException(ErrorReason.INVITE_NOT_OWN_SESSION, "only the session's own clerk invites")
                    : new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session");
        }
        ReferenceData data = refdata.current();
        ReferenceData.ClerkProfile invitee = data.clerk(inv.clerkId())
                .orElseThrow(
                        () -> new ProtocolException(ErrorReason.INVITE_UNKNOWN_CLERK, "no clerk " + inv.clerkId()));
        if (ms.partnerHallId() == null) {
            throw new ProtocolException(
                    ErrorReason.INVITE_NO_PARTNER_HALL,
                    "the applicant is not at a partner hall; there is no helper to invite");
        }
        if (!invitee.hallId().equals(ms.partnerHallId())) {
            throw new ProtocolException(
                    ErrorReason.INVITE_OTHER_HALL, "helpers come from the partner hall where the applicant is");
        }
        String inviteeConn = queue.presence(invitee.id())
                .map(ClerkPresence::connId)
                .orElseThrow(() ->
                        new ProtocolException(ErrorReason.INVITE_NOT_SIGNED_IN, invitee.id() + " is not signed in"));
        MediaRoster.Change ch = roster.invite(ms.sessionId(), invitee.id());
        refuse(ch);
        ReferenceData.ClerkProfile me = data.clerk(c.clerkId()).orElse(null);
        outbox.send(
                inviteeConn,
                new ServerMessage.Invitation(
                        ms.sessionId(),
                        new ServerMessage.PeerInfo(
                                me == null ? c.clerkId() : me.name(), null, hallName(data, ms.hallId()), c.clerkId()),
                        ms.number(),
                        ms.matterId(),
                        ms.hallId()));
        records.audit(
                "clerk:" + c.clerkId(),
                AuditAction.PARTICIPANT_INVITED,
                ms.sessionId(),
                AuditDetails.of(AuditField.CLERK, invitee.id()).and(AuditField.ROLE, "helper"));
        sendParticipants(ch.session(), c.connId(), inv.id());
    }

    /** {@code join_session}: an invited helper or a supervisor of the owning hall joins. */
    public Future<Void> joinSession(Sender c, ClientMessage.JoinSession js) {
        requireBridge("join_session");
        if (stillJoined(c.connId())) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "you are already in a session; leave it first");
        }
        queue.presence(c.clerkId())
                .filter(p ->
                        p.sessionId() != null || p.status() == ClerkStatus.BUSY || p.status() == ClerkStatus.WRAP_UP)
                .ifPresent(p -> {
                    throw new ProtocolException(ErrorReason.JOIN_OWN_SESSION_RUNNING, "finish your own session first");
                });
        MediaSession ms = roster.get(js.sessionId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session"));
        ReferenceData data = refdata.current();
        ReferenceData.ClerkProfile me = data.clerk(c.clerkId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.AUTH_FAILED, "unknown clerk"));
        Role role = js.role() == ClientMessage.JoinRole.HELPER ? Role.HELPER : Role.SUPERVISOR;
        if (ms.clerkId().equals(me.id())) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "this is your own session");
        }
        if (role == Role.HELPER && !ms.invited().contains(me.id())) {
            throw new ProtocolException(ErrorReason.JOIN_NOT_INVITED, "only an invited clerk joins as helper");
        }
        if (role == Role.SUPERVISOR
                && !(data.routing().isSupervisor(me.id()) && me.hallId().equals(ms.hallId()))) {
            throw new ProtocolException(
                    ErrorReason.JOIN_NOT_SUPERVISOR, "only a supervisor of the owning hall joins as supervisor");
        }
        if (ms.participants().stream().anyMatch(p -> me.id().equals(p.clerkId()))) {
            throw new ProtocolException(ErrorReason.ALREADY_IN_SESSION, "you are already in this session");
        }
        MediaParticipant p = new MediaParticipant(role, me.id(), c.connId(), me.name(), hallName(data, me.hallId()), 1);
        MediaRoster.Change ch = roster.join(ms.sessionId(), p);
        refuse(ch);
        Joined mine = new Joined(ms.sessionId(), p.key());
        joined.put(c.connId(), mine);
        MediaSession now = ch.session();
        TicketRecord t = queue.ticket(now.ticketId()).orElse(null);
        ServerMessage.PeerInfo applicant = new ServerMessage.PeerInfo(
                t == null ? "" : role == Role.SUPERVISOR ? t.name() : Mask.name(t.name()),
                t == null || role == Role.HELPER ? null : Mask.mobile(t.mobile()),
                null,
                null);
        outbox.send(
                c.connId(),
                new ServerMessage.Paired(
                        now.sessionId(),
                        MediaParticipant.wire(role),
                        false,
                        false,
                        applicant,
                        now.ticketId(),
                        now.number(),
                        now.matterId(),
                        now.hallId(),
                        js.id(),
                        now.recorded(),
                        null));
        return connect(now, p)
                .recover(e -> blocking(() -> {
                            // Undone only if still this join's: a failure answered late must not undo a later one.
                            if (joined.remove(c.connId(), mine) && current(now.sessionId(), p)) {
                                roster.leave(now.sessionId(), p.key());
                            }
                        })
                        .transform(ar -> {
                            if (ar.failed()) {
                                LOG.warn(
                                        "Could not undo the failed join of {}: {}",
                                        p.key(),
                                        ar.cause().toString());
                            }
                            return Future.failedFuture(e);
                        }))
                .compose(v -> blocking(() -> {
                    if (!current(now.sessionId(), p)) {
                        return; // left (or the session ended) while the bridge allocated: connect freed it
                    }
                    audit(now.sessionId(), AuditAction.PARTICIPANT_JOINED, p, null);
                    LOG.info("Clerk {} joined session {} as {}", me.id(), now.sessionId(), MediaParticipant.wire(role));
                    sendParticipants(now.sessionId());
                    if (now.screen() != null) {
                        outbox.send(c.connId(), new ServerMessage.Screen(now.sessionId(), true, now.screen()));
                    }
                }));
    }

    /** {@code leave_session}: a helper or supervisor leaves. */
    public void leaveSession(Sender c, ClientMessage.LeaveSession ls) {
        Joined j = joined.get(c.connId());
        if (j == null || !j.sessionId().equals(ls.sessionId())) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "you did not join this session");
        }
        joined.remove(c.connId());
        MediaParticipant p = leave(j.sessionId(), j.key(), "left");
        outbox.send(
                c.connId(),
                new ServerMessage.Ended(
                        ls.sessionId(),
                        p == null ? "helper" : MediaParticipant.wire(p.role()),
                        "left",
                        false,
                        null,
                        ls.id(),
                        null));
    }

    /** {@code list_sessions}: a supervisor's view of the running sessions of their hall. */
    public ServerMessage.Sessions listSessions(Sender c, ClientMessage.ListSessions l) {
        ReferenceData data = refdata.current();
        ReferenceData.ClerkProfile me = data.clerk(c.clerkId()).orElse(null);
        if (me == null || !data.routing().isSupervisor(me.id())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN_FOR_ROLE, "list_sessions is for supervisors");
        }
        requireBridge("list_sessions");
        List<ServerMessage.SessionSummary> out = roster.ofHall(me.hallId()).stream()
                .map(ms -> new ServerMessage.SessionSummary(
                        ms.sessionId(),
                        ms.number(),
                        ms.matterId(),
                        ms.hallId(),
                        ms.clerkId(),
                        data.clerk(ms.clerkId())
                                .map(ReferenceData.ClerkProfile::name)
                                .orElse(ms.clerkId()),
                        ms.participants().size(),
                        ms.recorded(),
                        ms.startedAt()))
                .toList();
        return new ServerMessage.Sessions(out, l.id());
    }

    // ---------------------------------------------------------------- internals

    private void requireBridge(String type) {
        if (!bridged()) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE, type + " needs bridge mode (peer-to-peer sessions have two people)");
        }
    }

    private static void refuse(MediaRoster.Change ch) {
        if (ch.applied()) {
            return;
        }
        throw switch (ch.refusal()) {
            case NO_SESSION -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session");
            case FULL -> new ProtocolException(
                    ErrorCode.SESSION_FULL, "a session has at most " + MediaSession.MAX_PARTICIPANTS + " people");
            case ALREADY_IN -> new ProtocolException(ErrorReason.ALREADY_IN_SESSION, "already in this session");
            case NOT_IN -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "not in this session");
        };
    }

    /**
     * Allocates the participant's endpoint on the session's bridge and sends them its offer. Nothing waits
     * for the bridge meanwhile, so the session may have moved on by the time it answers (ended, or this
     * person reallocated by a resume): then the endpoint is freed again and no offer is sent.
     */
    private Future<Void> connect(MediaSession ms, MediaParticipant p) {
        return control.request(ms.node(), MediaNode.allocate(ms.sessionId(), p.participantId(), p.role()))
                .compose(offer -> blocking(() -> {
                    if (current(ms.sessionId(), p)) {
                        outbox.send(p.connId(), MediaNode.offerMessage(offer));
                    } else {
                        LOG.info("Endpoint {} of {} outlived its turn; freed", p.participantId(), ms.sessionId());
                        control.fire(ms.node(), MediaNode.remove(ms.sessionId(), p.participantId()));
                    }
                }));
    }

    private MediaParticipant leave(String sessionId, String key, String reason) {
        MediaSession ms = roster.get(sessionId).orElse(null);
        MediaParticipant p = ms == null ? null : ms.participant(key).orElse(null);
        if (p == null) {
            return null;
        }
        MediaRoster.Change ch = roster.leave(sessionId, key);
        if (!ch.applied()) {
            return p;
        }
        // Freed in the background (failures logged): leaving needs no answer from the bridge.
        control.fire(ms.node(), MediaNode.remove(sessionId, p.participantId()));
        audit(sessionId, AuditAction.PARTICIPANT_LEFT, p, reason);
        LOG.info("{} left session {} ({})", key, sessionId, reason);
        sendParticipants(ch.session(), null, null);
        return p;
    }

    /**
     * Starts the session's recording and tells everyone; a failure is audited. If the session ended while the
     * bridge was starting it, the recording is closed again at once (and archived, as every recording is).
     */
    private Future<Void> startRecording(MediaSession ms) {
        return control.request(ms.node(), MediaNode.record(ms.sessionId()))
                .transform(ar -> blocking(() -> {
                    if (ar.failed()) {
                        LOG.error(
                                "Recording of {} could not start: {}",
                                ms.sessionId(),
                                ar.cause().getMessage());
                        records.audit(
                                "server",
                                AuditAction.RECORDING_FAILED,
                                ms.sessionId(),
                                AuditDetails.of(AuditField.ERROR, ar.cause().getMessage()));
                        return;
                    }
                    MediaSession now = roster.get(ms.sessionId()).orElse(null);
                    if (now == null || !now.node().equals(ms.node())) {
                        control.fire(
                                ms.node(),
                                MediaNode.close(
                                        ms.sessionId(),
                                        ms.participants().stream()
                                                .filter(p -> p.epoch() > 0)
                                                .map(MediaParticipant::participantId)
                                                .toList()));
                        return;
                    }
                    for (MediaParticipant p : now.participants()) {
                        if (p.connected()) {
                            outbox.send(p.connId(), new ServerMessage.Recording(ms.sessionId(), true));
                        }
                    }
                }));
    }

    /**
     * Frees an endpoint the person no longer uses, best effort: a failure is logged and does not keep what
     * follows (their new endpoint) from happening. Waited for, so that the bridge renegotiates the others once
     * for the removal before it does for the new endpoint.
     */
    private Future<Void> free(String node, String sessionId, String participantId) {
        return control.request(node, MediaNode.remove(sessionId, participantId))
                .<Void>mapEmpty()
                .recover(e -> {
                    LOG.warn("Could not free endpoint {} in {}: {}", participantId, sessionId, e.getMessage());
                    return Future.succeededFuture();
                });
    }

    /** Runs {@code work}, which may block on the cluster or the database, on a worker. */
    private Future<Void> blocking(Runnable work) {
        return vertx.executeBlocking(
                () -> {
                    work.run();
                    return null;
                },
                false);
    }

    /** A lifecycle hook's work, which nobody answers for: anything it did not handle itself is logged. */
    private static Future<Void> settled(String sessionId, Future<Void> work) {
        return work.recover(e -> {
            LOG.error("Media of session {}: {}", sessionId, e.toString());
            return Future.succeededFuture();
        });
    }

    private Optional<MediaParticipant> self(MediaSession ms, Sender c) {
        return ms.participants().stream()
                .filter(p -> c.connId().equals(p.connId()))
                .filter(p -> c.isClerk() ? c.clerkId().equals(p.clerkId()) : p.role() == Role.APPLICANT)
                .findFirst();
    }

    private boolean ownEndedSession(Sender c, String sessionId) {
        return queue.session(sessionId)
                .filter(s -> s.state() != SessionState.ACTIVE)
                .filter(s -> c.isClerk()
                        ? s.clerkId().equals(c.clerkId())
                        : s.ticketId().equals(c.ticketId()))
                .isPresent();
    }

    /** Whether the roster still has this person on this endpoint and connection (nobody replaced them). */
    private boolean current(String sessionId, MediaParticipant p) {
        return roster.get(sessionId)
                .flatMap(now -> now.participant(p.key()))
                .filter(now -> now.participantId().equals(p.participantId()))
                .filter(now -> java.util.Objects.equals(now.connId(), p.connId()))
                .isPresent();
    }

    /**
     * Sends everyone connected the list of participants as the roster has it now: after a wait for the
     * bridge, the list read before it may be out of date (someone left or came back meanwhile), and a
     * {@code participants} message carries no version a page could order by.
     */
    private void sendParticipants(String sessionId) {
        roster.get(sessionId).ifPresent(now -> sendParticipants(now, null, null));
    }

    /**
     * Sends everyone connected the list of participants; {@code answerTo}/{@code re} mark the copy that
     * answers a request. Invitations are shown to clerks only.
     */
    private void sendParticipants(MediaSession ms, String answerTo, String re) {
        List<ServerMessage.Participant> list = ms.participants().stream()
                .map(p -> new ServerMessage.Participant(
                        p.participantId(),
                        MediaParticipant.wire(p.role()),
                        p.name(),
                        p.hallName(),
                        p.role().sends()))
                .toList();
        ReferenceData data = refdata.current();
        List<ServerMessage.Invitee> invited = ms.invited().stream()
                .map(id -> data.clerk(id)
                        .map(cp -> new ServerMessage.Invitee(id, cp.name(), hallName(data, cp.hallId())))
                        .orElse(new ServerMessage.Invitee(id, id, null)))
                .toList();
        for (MediaParticipant p : ms.participants()) {
            if (p.connected()) {
                outbox.send(
                        p.connId(),
                        new ServerMessage.Participants(
                                ms.sessionId(),
                                p.participantId(),
                                list,
                                p.role() == Role.APPLICANT ? null : invited,
                                p.connId().equals(answerTo) ? re : null));
            }
        }
    }

    private void audit(String sessionId, AuditAction action, MediaParticipant p, String reason) {
        records.audit(
                p.role() == Role.APPLICANT ? "applicant" : "clerk:" + p.clerkId(),
                action,
                sessionId,
                AuditDetails.of(AuditField.ROLE, MediaParticipant.wire(p.role()))
                        .and(AuditField.PARTICIPANT, p.participantId())
                        .and(AuditField.REASON, reason));
    }

    private static String hallName(ReferenceData data, String hallId) {
        return data.hall(hallId).map(ReferenceData.Hall::name).orElse(hallId);
    }

    /**
     * Stops: the recordings of sessions on this node's bridge are finished and archived first, so that
     * their hashes reach the audit journal also when the server stops mid-session.
     */
    @Override
    public void close() {
        if (node == null) {
            return;
        }
        try {
            for (MediaSession ms : roster.onNode(node.address())) {
                try {
                    control.call(
                            ms.node(),
                            MediaNode.close(
                                    ms.sessionId(),
                                    ms.participants().stream()
                                            .filter(p -> p.epoch() > 0)
                                            .map(MediaParticipant::participantId)
                                            .toList()));
                } catch (RuntimeException e) {
                    LOG.warn("Media of {} did not close cleanly: {}", ms.sessionId(), e.getMessage());
                }
                roster.delete(ms.sessionId());
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not close the media sessions of this node: {}", e.toString());
        }
        node.close();
    }
}
