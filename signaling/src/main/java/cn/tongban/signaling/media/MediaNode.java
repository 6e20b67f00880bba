package cn.tongban.signaling.media;

import cn.tongban.session.media.Bridge;
import cn.tongban.session.media.BridgeOffer;
import cn.tongban.session.media.MediaCounter;
import cn.tongban.session.media.Role;
import cn.tongban.session.media.TrackKind;
import cn.tongban.session.media.recording.RecordingManifest;
import cn.tongban.session.media.sdp.Direction;
import cn.tongban.session.media.sdp.RemoteDescription;
import cn.tongban.session.media.sdp.SdpException;
import cn.tongban.session.media.sdp.SdpParser;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's media bridge and its control endpoint on the event bus ({@link #address()}, one per node).
 * Every bridge operation of a session — allocate, answer, remove, start and stop recording — arrives here
 * as a request from whichever node holds the participant's WebSocket, and runs on a worker thread (the
 * bridge's control calls are quick, but stopping a recording waits for ffmpeg).
 *
 * <p>When the bridge has a new offer for a participant (someone's tracks appeared or went away), it is
 * pushed straight to that participant's connection. Offers for an endpoint that was replaced (a reload
 * or resume allocates a new participant id) find no one in the roster and are dropped.
 *
 * <p>A recording is made and archived here, where its files are, one segment per bridge the session was on
 * ({@link RecordingArchive}): every file's SHA-256 goes into the audit journal ({@code recording.file}), the
 * manifest's into {@code recording.stopped} and the {@code recording_segment} table. When the node starts, the
 * segments its recording directory holds that were never archived (the node died while recording them) are
 * finished and archived in the background.
 */
final class MediaNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MediaNode.class);

    private final Vertx vertx;
    private final Bridge bridge;
    private final String address;
    private final MediaRoster roster;
    private final Records records;
    private final RecordingArchive archive;
    private final Path recordingRoot;
    /** The segment each session is being recorded into here (never recovered while listed). */
    private final Map<String, RecordingArchive.Segment> recording = new ConcurrentHashMap<>();

    private final Outbox outbox;
    /** Bridge requests run here, not on the worker pool that serves this node's clients. */
    private final WorkerExecutor workers;
    /** Closing sessions (waiting for ffmpeg to finish recordings) runs apart, so it never delays allocations. */
    private final WorkerExecutor closers;

    private volatile boolean closed;

    /** Per session, the request last queued (see {@link #onRequest}); removed when the session goes idle. */
    private final Map<String, Future<Void>> sessionTails = new ConcurrentHashMap<>();

    private MessageConsumer<JsonObject> consumer;
    private final io.vertx.core.Promise<RecordingArchive.Report> orphans = io.vertx.core.Promise.promise();

    /** {@code nodeTag}: this node's tag in the cluster, part of the bridge's address (see {@link MediaControl}). */
    MediaNode(
            Vertx vertx,
            String nodeTag,
            Bridge bridge,
            MediaRoster roster,
            Records records,
            RecordingArchive archive,
            Path recordingRoot,
            Outbox outbox,
            MeterRegistry registry) {
        this.vertx = vertx;
        this.address = MediaControl.address(nodeTag, UUID.randomUUID().toString());
        this.workers = vertx.createSharedWorkerExecutor("tongban-bridge", 8);
        this.closers = vertx.createSharedWorkerExecutor("tongban-bridge-close", 4);
        this.outbox = outbox;
        this.bridge = bridge;
        this.roster = roster;
        this.records = records;
        this.archive = archive;
        this.recordingRoot = recordingRoot;
        bridge.addListener(this::offerUpdated);
        for (MediaCounter c : MediaCounter.values()) {
            FunctionCounter.builder(
                            "tongban_media_" + c.name().toLowerCase(Locale.ROOT) + "_total", bridge, b -> b.metrics()
                                    .count(c))
                    .description("Media bridge: " + c.name())
                    .register(registry);
        }
    }

    /**
     * Starts answering requests; completes when the address is registered cluster-wide. Then, in the
     * background, finishes and archives what this node's recording directory holds unarchived.
     */
    Future<Void> listen() {
        consumer = vertx.eventBus().consumer(address, this::onRequest);
        return consumer.completion().onSuccess(v -> recoverOrphans().onComplete(ar -> {
            orphans.handle(ar);
            retryOrphansLater(ar, 1);
        }));
    }

    /**
     * Segments that could not be archived (the database down, say) are tried again a minute later, and again
     * while some fail, for up to an hour; after that, at the node's next start.
     */
    private void retryOrphansLater(io.vertx.core.AsyncResult<RecordingArchive.Report> last, int attempt) {
        boolean failed = last.failed() || last.result().failed() > 0;
        if (!failed || attempt > 60 || closed) {
            return;
        }
        vertx.setTimer(60_000, t -> recoverOrphans().onComplete(ar -> retryOrphansLater(ar, attempt + 1)));
    }

    /** The recovery {@link #listen} started: what it did, once done. */
    Future<RecordingArchive.Report> orphans() {
        return orphans.future();
    }

    /** Finishes and archives the segments a previous run of this node left unarchived (see {@link RecordingArchive}). */
    private Future<RecordingArchive.Report> recoverOrphans() {
        return closers.executeBlocking(
                        () -> {
                            // Segments recorded by this run are skipped: they are in `recording` before their directory
                            // exists.
                            List<RecordingArchive.Segment> orphans =
                                    archive.unarchived(recordingRoot, dir -> recording.values().stream()
                                            .anyMatch(s -> s.dir().equals(dir)));
                            if (orphans.isEmpty()) {
                                return new RecordingArchive.Report(0, 0, 0, 0);
                            }
                            LOG.warn(
                                    "{} recording segment(s) in {} were never archived: finishing them",
                                    orphans.size(),
                                    recordingRoot);
                            RecordingArchive.Report r = archive.recover(orphans);
                            LOG.info("Recording segments left unarchived: {}", r);
                            return r;
                        },
                        false)
                .onFailure(e -> LOG.error("Recovering unarchived recordings failed", e));
    }

    /** The event-bus address of this node's bridge. */
    String address() {
        return address;
    }

    Bridge bridge() {
        return bridge;
    }

    // ---------------------------------------------------------------- requests

    static JsonObject allocate(String sessionId, String participantId, Role role) {
        return new JsonObject()
                .put("op", "allocate")
                .put("sessionId", sessionId)
                .put("participantId", participantId)
                .put("role", role.name());
    }

    static JsonObject answer(String sessionId, String participantId, long version, String sdp, boolean receivesOnly) {
        return new JsonObject()
                .put("op", "answer")
                .put("sessionId", sessionId)
                .put("participantId", participantId)
                .put("version", version)
                .put("sdp", sdp)
                .put("receivesOnly", receivesOnly);
    }

    static JsonObject remove(String sessionId, String participantId) {
        return new JsonObject().put("op", "remove").put("sessionId", sessionId).put("participantId", participantId);
    }

    static JsonObject record(String sessionId) {
        return new JsonObject().put("op", "record").put("sessionId", sessionId);
    }

    static JsonObject close(String sessionId, Iterable<String> participantIds) {
        JsonArray ids = new JsonArray();
        participantIds.forEach(ids::add);
        return new JsonObject().put("op", "close").put("sessionId", sessionId).put("participants", ids);
    }

    private void onRequest(Message<JsonObject> msg) {
        WorkerExecutor pool = "close".equals(msg.body().getString("op")) ? closers : workers;
        String sessionId = msg.body().getString("sessionId");
        // One session's requests run one after another, in the order they arrived: on the pool's threads a
        // helper's leave (remove) and quick return (allocate of the same endpoint id) could otherwise swap,
        // and the late remove would take the new endpoint away. Different sessions still run side by side.
        Promise<Void> mine = Promise.promise();
        Future<Void> previous = sessionId == null ? null : sessionTails.put(sessionId, mine.future());
        (previous == null ? Future.<Void>succeededFuture() : previous)
                .transform(ignored -> pool.executeBlocking(() -> handle(msg.body()), false))
                .onComplete(ar -> {
                    if (sessionId != null) {
                        sessionTails.remove(sessionId, mine.future());
                    }
                    mine.complete();
                    reply(msg, ar);
                });
    }

    private static void reply(Message<JsonObject> msg, AsyncResult<JsonObject> ar) {
        if (ar.succeeded()) {
            msg.reply(ar.result());
            return;
        }
        ProtocolException e = ar.cause() instanceof ProtocolException pe
                ? pe
                : new ProtocolException(ErrorCode.MEDIA_UNAVAILABLE, "the media bridge failed");
        if (!(ar.cause() instanceof ProtocolException)) {
            LOG.error("Media request {} failed", msg.body().getString("op"), ar.cause());
        }
        msg.fail(1, encodeFailure(e));
    }

    static String encodeFailure(ProtocolException e) {
        return e.code().name() + " " + e.getMessage();
    }

    static ProtocolException decodeFailure(String text) {
        int space = text == null ? -1 : text.indexOf(' ');
        try {
            return new ProtocolException(ErrorCode.valueOf(text.substring(0, space)), text.substring(space + 1));
        } catch (RuntimeException e) {
            return new ProtocolException(ErrorCode.MEDIA_UNAVAILABLE, "the media bridge failed");
        }
    }

    private JsonObject handle(JsonObject r) throws IOException {
        String sessionId = r.getString("sessionId");
        String participantId = r.getString("participantId");
        switch (r.getString("op")) {
            case "allocate" -> {
                Role role = Role.valueOf(r.getString("role"));
                try {
                    return offerJson(bridge.allocateEndpoint(sessionId, participantId, role));
                } catch (IllegalStateException stale) {
                    // The roster gives this id only to whoever holds it now: an endpoint with the same id is one
                    // its person left (a helper leaving and joining again; freeing is not waited for) and that
                    // this bridge has not freed yet. The new one replaces it.
                    bridge.removeEndpoint(sessionId, participantId);
                    try {
                        return offerJson(bridge.allocateEndpoint(sessionId, participantId, role));
                    } catch (IllegalStateException e) {
                        throw new ProtocolException(ErrorCode.WRONG_STATE, "already connected to the bridge");
                    }
                }
            }
            case "answer" -> {
                return applyAnswer(
                        sessionId,
                        participantId,
                        r.getLong("version"),
                        r.getString("sdp"),
                        r.getBoolean("receivesOnly"));
            }
            case "remove" -> {
                bridge.removeEndpoint(sessionId, participantId);
                return new JsonObject();
            }
            case "record" -> {
                RecordingArchive.Segment segment = archive.newSegment(recordingRoot, sessionId);
                if (recording.putIfAbsent(sessionId, segment) != null) {
                    return new JsonObject().put("started", false);
                }
                Path dir = segment.dir();
                try {
                    bridge.startRecording(sessionId, dir);
                } catch (IllegalStateException already) {
                    recording.remove(sessionId, segment);
                    return new JsonObject().put("started", false);
                } catch (IllegalArgumentException noEndpoints) {
                    recording.remove(sessionId, segment);
                    throw new ProtocolException(ErrorCode.MEDIA_UNAVAILABLE, "no media for this session");
                } catch (IOException | RuntimeException e) {
                    recording.remove(sessionId, segment);
                    throw e;
                }
                try {
                    records.audit(
                            "server",
                            AuditAction.RECORDING_STARTED,
                            sessionId,
                            AuditDetails.of(AuditField.SEGMENT, segment.segmentId())
                                    .and(AuditField.NODE, archive.node())
                                    .and(AuditField.DIRECTORY, dir.toString()));
                } catch (ProtocolException unaudited) {
                    // A recording nobody can account for must not exist: stop it and drop what it wrote.
                    discardRecording(sessionId, dir);
                    recording.remove(sessionId, segment);
                    throw unaudited;
                }
                LOG.info("Recording session {} into {}", sessionId, dir);
                return new JsonObject().put("started", true);
            }
            case "close" -> {
                return closeSession(sessionId, r.getJsonArray("participants"));
            }
            default -> throw new ProtocolException(ErrorCode.INTERNAL, "unknown media request");
        }
    }

    private JsonObject applyAnswer(
            String sessionId, String participantId, long version, String sdp, boolean receivesOnly) {
        BridgeOffer current;
        try {
            current = bridge.currentOffer(sessionId, participantId);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "no media connection in this session");
        }
        long latest = wireVersion(current);
        if (version > latest) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE, "answer to offer " + version + ", but the latest offer is " + latest);
        }
        if (version < latest) {
            // A newer offer is on its way to the browser, which will answer it too.
            return new JsonObject().put("stale", true);
        }
        try {
            RemoteDescription answer = SdpParser.parseAnswer(sdp);
            if (receivesOnly) {
                for (RemoteDescription.Media m : answer.media()) {
                    boolean sends = m.direction() == Direction.SENDONLY || m.direction() == Direction.SENDRECV;
                    if (sends && !m.rejected() && m.ssrc() != 0) {
                        throw new ProtocolException(
                                ErrorCode.MEDIA_NOT_ALLOWED,
                                "a supervisor receives only; m-line " + m.mid() + " sends");
                    }
                }
            }
            bridge.setRemoteDescription(sessionId, participantId, sdp);
        } catch (SdpException e) {
            throw new ProtocolException(ErrorCode.BAD_SDP, "unusable answer: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "no media connection in this session");
        }
        return new JsonObject();
    }

    private void discardRecording(String sessionId, Path dir) {
        try {
            bridge.stopRecording(sessionId);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Stopping the unaudited recording of {}: {}", sessionId, e.toString());
        }
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
            // The session's directory too, unless another segment of it is there.
            dir.getParent().toFile().delete();
        } catch (IOException e) {
            LOG.error("The unaudited recording of {} could not be deleted from {}", sessionId, dir, e);
        }
    }

    private JsonObject closeSession(String sessionId, JsonArray participantIds) {
        RecordingArchive.Segment segment = recording.get(sessionId);
        RecordingManifest manifest = null;
        try {
            manifest = bridge.stopRecording(sessionId);
        } catch (IllegalArgumentException | IllegalStateException notRecorded) {
            // Not recorded (policy off, or nobody ever connected).
        } catch (IOException e) {
            LOG.error("Recording of {} did not finish cleanly", sessionId, e);
            records.audit(
                    "server",
                    AuditAction.RECORDING_FAILED,
                    sessionId,
                    AuditDetails.of(AuditField.ERROR, e.getMessage()));
        }
        for (Object id : participantIds) {
            bridge.removeEndpoint(sessionId, String.valueOf(id));
        }
        if (manifest != null) {
            archive(segment, manifest);
        }
        recording.remove(sessionId);
        return new JsonObject()
                .put("files", manifest == null ? 0 : manifest.tracks().size());
    }

    private void archive(RecordingArchive.Segment segment, RecordingManifest m) {
        String sessionId = m.sessionId();
        Path dir = m.path().getParent();
        RecordingArchive.Segment s = segment != null
                ? segment
                : new RecordingArchive.Segment(sessionId, dir.getFileName().toString(), dir);
        try {
            archive.archive(s, m);
        } catch (IOException | RuntimeException e) {
            // The manifest is on disk: the node archives it when it starts again.
            LOG.error("Recording of {} could not be archived", sessionId, e);
            records.audit(
                    "server",
                    AuditAction.RECORDING_FAILED,
                    sessionId,
                    AuditDetails.of(AuditField.SEGMENT, s.segmentId())
                            .and(AuditField.ERROR, String.valueOf(e.getMessage())));
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- offers

    private void offerUpdated(BridgeOffer offer) {
        try {
            roster.get(offer.sessionId())
                    .flatMap(s -> s.byParticipantId(offer.participantId()))
                    .filter(MediaParticipant::connected)
                    .ifPresent(p -> {
                        BridgeOffer latest;
                        try {
                            latest = bridge.currentOffer(offer.sessionId(), offer.participantId());
                        } catch (IllegalArgumentException gone) {
                            return;
                        }
                        outbox.send(p.connId(), offerMessage(latest));
                    });
        } catch (RuntimeException e) {
            LOG.warn("Could not deliver an updated offer to {}: {}", offer.participantId(), e.toString());
        }
    }

    /**
     * The version the browser sees: the endpoint's epoch (its participant id ends with it) times a million
     * plus the bridge's version of the endpoint's offer. A participant's offers thus grow across reloads,
     * and an offer of a replaced endpoint that crosses the new one on the wire is never newer.
     */
    static long wireVersion(BridgeOffer o) {
        String id = o.participantId();
        long epoch = Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
        return epoch * 1_000_000L + o.version();
    }

    static JsonObject offerJson(BridgeOffer o) {
        JsonObject uploads = new JsonObject();
        o.uploadMids().forEach((k, mid) -> uploads.put(k.name(), mid));
        return new JsonObject()
                .put("sessionId", o.sessionId())
                .put("participantId", o.participantId())
                .put("version", wireVersion(o))
                .put("sdp", o.sdp())
                .put("uploads", uploads);
    }

    /** The protocol's {@code offer} for a bridge offer (as an object or its JSON form from a request). */
    static ServerMessage.Offer offerMessage(BridgeOffer o) {
        return offerMessage(offerJson(o));
    }

    static ServerMessage.Offer offerMessage(JsonObject o) {
        Map<String, String> uploads = new LinkedHashMap<>();
        for (TrackKind k : TrackKind.values()) {
            String mid = o.getJsonObject("uploads").getString(k.name());
            if (mid != null) {
                uploads.put(k.name().toLowerCase(Locale.ROOT), mid);
            }
        }
        return new ServerMessage.Offer(o.getString("sessionId"), o.getLong("version"), o.getString("sdp"), uploads);
    }

    @Override
    public void close() {
        closed = true;
        if (consumer != null) {
            consumer.unregister();
        }
        bridge.close();
        workers.close();
        closers.close();
    }
}
