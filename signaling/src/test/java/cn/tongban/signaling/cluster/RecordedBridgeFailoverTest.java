package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.session.media.BridgeOffer;
import cn.tongban.session.media.Ffprobe;
import cn.tongban.session.media.SimulatedParticipant;
import cn.tongban.session.media.TestMedia;
import cn.tongban.session.media.TrackKind;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import cn.tongban.signaling.store.RecordingStore;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recorded session survives the death of its bridge's node with both parts of its recording on record.
 * Two nodes as separate JVMs in bridge mode sharing one database; the clerk takes the ticket on Gulou, so the
 * session is bridged and recorded there; the applicant, on Wujin, is a Java participant sending real VP8 and
 * Opus (ICE, DTLS, SRTP) to whichever bridge offers. Gulou's machine dies mid-recording (its JVM and its
 * ffmpeg processes killed at once): the media moves to Wujin, which records the second segment, and the
 * session ends there. Gulou is started again on the same data directory and archives the segment it was
 * recording when it died. The session's recording is then two segments in the order they were recorded,
 * each with its manifest's and every file's SHA-256 in the audit journal (the first marked recovered, with
 * the time of its last data, its files kept as found plus repaired copies); ffprobe plays every file.
 */
class RecordedBridgeFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void bothSegmentsOfARecordingCutByANodesDeathAreOnRecordOnceItComesBack(@TempDir Path root) throws Exception {
        Vertx vertx = Vertx.vertx();
        Path shared = Files.createDirectories(root.resolve("shared"));
        String dbUrl = "jdbc:h2:file:" + shared.resolve("tongban") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
        // The test's JVM opens the database first, so the H2 server the nodes share lives as long as the test.
        try (Database db = Database.open(dbUrl, null, null);
                NodeProcesses nodes = new NodeProcesses(List.of("wujin", "gulou"), root, List.of("--db-url", dbUrl))) {
            nodes.bridged();
            // Two nodes: the survivor serves on alone (docs/cluster.md, "Limits").
            nodes.addArgs("--cluster-quorum", "1");
            NodeProcesses.Node wujin = nodes.node("wujin");
            NodeProcesses.Node gulou = nodes.node("gulou");
            nodes.start(wujin);
            nodes.awaitHealthy(wujin, 1, Duration.ofSeconds(120));
            nodes.start(gulou);
            nodes.awaitHealthy(gulou, 2, Duration.ofSeconds(120));
            nodes.awaitHealthy(wujin, 2, Duration.ofSeconds(60));
            WebSocketClient ws = NodeClient.newClient(vertx);
            TestMedia.Streams media = TestMedia.get().streams(0x0a0a0001L, 0x0a0a0002L);

            String token = login(gulou, "wujin01");
            NodeClient clerk = NodeClient.connect(vertx, ws, gulou.wsUrl(), "clerk");
            clerk.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            clerk.expect(ServerMessage.Clerk.class, WAIT);
            clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
            clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE, WAIT);
            NodeClient app = NodeClient.connect(vertx, ws, wujin.wsUrl(), "applicant");
            app.send(
                    "{\"type\":\"join\",\"id\":\"j\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                            + "\"name\":\"褚十三\",\"mobile\":\"13812345678\"}");
            String ticketId = app.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()), WAIT)
                    .ticketId();
            clerk.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
            String sid = clerk.expect(ServerMessage.Paired.class, WAIT).sessionId();
            assertThat(app.expect(ServerMessage.Paired.class, WAIT).recording()).isTrue();

            // Segment 1: the applicant's media through Gulou's bridge, recorded there.
            ServerMessage.Offer first = app.expect(
                    ServerMessage.Offer.class, o -> o.sdp().contains(" " + gulou.mediaPort + " typ host"), WAIT);
            try (SimulatedParticipant p = connect(app, first)) {
                app.expect(ServerMessage.Recording.class, r -> r.active(), WAIT);
                media.play(Duration.ofSeconds(4), m -> p.sendRtp(m.rtp()));
                Path camera = Await.value(
                                "Gulou writes the applicant's camera",
                                WAIT,
                                () -> trackFile(
                                        gulou.dataDir.resolve("recordings").resolve(sid), "camera"),
                                f -> f.isPresent() && size(f.get()) > 10_000)
                        .orElseThrow();
                assertThat(camera.getParent().getFileName().toString()).endsWith("-gulou");
                media.play(Duration.ofSeconds(2), m -> p.sendRtp(m.rtp()));
                // Gulou's machine dies mid-recording.
                nodes.killWithChildren(gulou);
            }
            Path segment1 = trackFile(gulou.dataDir.resolve("recordings").resolve(sid), "camera")
                    .orElseThrow()
                    .getParent();
            assertThat(segment1.resolve("manifest.json")).doesNotExist();

            // Segment 2: the media moves to Wujin, which records on; the clerk comes back there and hangs up.
            assertThat(app.expect(
                            ServerMessage.Paired.class,
                            p -> p.resumed() && p.sessionId().equals(sid),
                            WAIT))
                    .isNotNull();
            ServerMessage.Offer moved = app.expect(
                    ServerMessage.Offer.class, o -> o.sdp().contains(" " + wujin.mediaPort + " typ host"), WAIT);
            try (SimulatedParticipant p = connect(app, moved)) {
                app.expect(ServerMessage.Recording.class, r -> r.active(), WAIT);
                media.play(Duration.ofSeconds(4), m -> p.sendRtp(m.rtp()));
            }
            NodeClient back = NodeClient.connect(vertx, ws, wujin.wsUrl(), "clerk-back");
            back.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            assertThat(back.expect(ServerMessage.Paired.class, WAIT).sessionId())
                    .isEqualTo(sid);
            back.send("{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
            back.expect(ServerMessage.Ended.class, e -> "h".equals(e.re()), WAIT);

            RecordingStore store = new RecordingStore(db.dataSource());
            RecordingStore.Recording onlySecond = Await.value(
                            "Wujin archives its segment", WAIT, () -> store.find(sid), Optional::isPresent)
                    .orElseThrow();
            assertThat(onlySecond.segments()).hasSize(1);
            assertThat(onlySecond.segments().get(0).node()).isEqualTo("wujin");

            // Gulou comes back on the same data directory and archives the segment it was recording.
            nodes.start(gulou);
            nodes.awaitHealthy(gulou, 2, Duration.ofSeconds(120));
            RecordingStore.Recording recording = Await.value(
                    "Gulou archives the segment it was recording when it died",
                    WAIT,
                    () -> store.find(sid).orElseThrow(),
                    r -> r.segments().size() == 2);
            RecordingStore.Segment one = recording.segments().get(0);
            RecordingStore.Segment two = recording.segments().get(1);
            assertThat(one.node()).isEqualTo("gulou");
            assertThat(one.segmentId()).isEqualTo(segment1.getFileName().toString());
            assertThat(one.recovered()).isTrue();
            assertThat(two.node()).isEqualTo("wujin");
            assertThat(two.recovered()).isFalse();
            assertThat(one.stoppedAt()).isLessThanOrEqualTo(two.startedAt());

            List<AuditEvent> audit =
                    JdbcAuditJournal.unkeyed(db.dataSource(), Clock.systemUTC()).forSession(sid);
            List<String> actions = audit.stream().map(AuditEvent::action).toList();
            System.out.println("Audit of the session: " + actions);
            // The move says which segment ended where and which started.
            JsonObject interrupted = details(audit, "recording.interrupted");
            assertThat(interrupted.getString("segment")).isEqualTo(one.segmentId());
            assertThat(interrupted.getString("node")).isEqualTo("gulou");
            JsonObject movedAudit = details(audit, "session.media_moved");
            assertThat(movedAudit.getString("from")).isEqualTo("gulou");
            assertThat(movedAudit.getString("to")).isEqualTo("wujin");
            assertThat(audit.stream()
                            .filter(e -> e.action().equals("recording.started"))
                            .map(e -> new JsonObject(e.details()).getString("segment")))
                    .containsExactly(one.segmentId(), two.segmentId());
            assertThat(actions.indexOf("recording.interrupted")).isLessThan(actions.lastIndexOf("recording.started"));
            JsonObject recovered = details(audit, "recording.recovered");
            assertThat(recovered.getString("segment")).isEqualTo(one.segmentId());
            assertThat(recovered.getString("manifestSha256")).isEqualTo(one.manifestSha256());
            assertThat(recovered.getString("lastData")).isNotBlank();

            checkSegment(one, gulou.dataDir, audit, true);
            checkSegment(two, wujin.dataDir, audit, false);
        } finally {
            vertx.close().await(20, TimeUnit.SECONDS);
        }
    }

    /**
     * One archived segment: its manifest on the node's disk has the archived SHA-256 and is in {@code
     * recording.stopped}; every file it names has the SHA-256 it gives, is in a {@code recording.file} of that
     * segment, and ffprobe plays it (for a recovered segment, the repaired copy where there is one) with as
     * many frames as the manifest says; the applicant's audio and camera are both there.
     */
    private static void checkSegment(RecordingStore.Segment s, Path dataDir, List<AuditEvent> audit, boolean recovered)
            throws Exception {
        Path dir = Path.of(s.directory());
        assertThat(dir).startsWith(dataDir.resolve("recordings"));
        byte[] manifestBytes = Files.readAllBytes(dir.resolve("manifest.json"));
        assertThat(sha256(manifestBytes)).isEqualTo(s.manifestSha256());
        assertThat(new String(manifestBytes, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(s.manifest());
        assertThat(audit.stream()
                        .filter(e -> e.action().equals("recording.stopped"))
                        .map(e -> new JsonObject(e.details()))
                        .filter(d -> s.segmentId().equals(d.getString("segment"))))
                .singleElement()
                .satisfies(d -> assertThat(d.getString("manifestSha256")).isEqualTo(s.manifestSha256()));
        JsonObject manifest = new JsonObject(new String(manifestBytes, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(manifest.getBoolean("recovered", false)).isEqualTo(recovered);
        JsonArray tracks = manifest.getJsonArray("tracks");
        Map<TrackKind, JsonObject> byKind = new EnumMap<>(TrackKind.class);
        for (int i = 0; i < tracks.size(); i++) {
            JsonObject t = tracks.getJsonObject(i);
            byKind.put(TrackKind.valueOf(t.getString("kind")), t);
            Path file = dir.resolve(t.getString("file"));
            assertThat(sha256(Files.readAllBytes(file))).as(file.toString()).isEqualTo(t.getString("sha256"));
            JsonObject audited = audit.stream()
                    .filter(e -> e.action().equals("recording.file"))
                    .map(e -> new JsonObject(e.details()))
                    .filter(d -> s.segmentId().equals(d.getString("segment"))
                            && t.getString("file").equals(d.getString("file")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no recording.file for " + file));
            assertThat(audited.getString("sha256")).isEqualTo(t.getString("sha256"));
            Path played = file;
            if (t.containsKey("repairedFile")) {
                played = dir.resolve(t.getString("repairedFile"));
                assertThat(sha256(Files.readAllBytes(played))).isEqualTo(t.getString("repairedSha256"));
                assertThat(audited.getString("repairedSha256")).isEqualTo(t.getString("repairedSha256"));
            }
            Map<String, String> probe = Ffprobe.stream(played);
            System.out.printf(
                    "segment %s %s: %s, manifest %s frames%n",
                    s.segmentId(), played.getFileName(), probe, t.getLong("frames"));
            assertThat(probe.get("codec_name")).isEqualTo(t.getString("kind").equals("AUDIO") ? "opus" : "vp8");
            assertThat(Long.parseLong(probe.get("nb_read_frames"))).isPositive().isEqualTo(t.getLong("frames"));
        }
        assertThat(byKind).containsOnlyKeys(TrackKind.AUDIO, TrackKind.CAMERA);
        assertThat(s.files()).isEqualTo(2);
    }

    /** Answers the bridge's offer as a browser would and connects ICE and DTLS to that bridge. */
    private static SimulatedParticipant connect(NodeClient app, ServerMessage.Offer offer) throws Exception {
        Map<TrackKind, String> uploads = new EnumMap<>(TrackKind.class);
        offer.uploads().forEach((k, mid) -> uploads.put(TrackKind.valueOf(k.toUpperCase(Locale.ROOT)), mid));
        BridgeOffer o = new BridgeOffer(offer.sessionId(), "applicant", offer.version(), offer.sdp(), uploads);
        SimulatedParticipant p = new SimulatedParticipant("applicant", 0x0a0a0001L, 0x0a0a0002L);
        app.send(new JsonObject()
                .put("type", "answer")
                .put("sessionId", offer.sessionId())
                .put("version", offer.version())
                .put("sdp", p.answer(o, p.certificate.fingerprint()))
                .encode());
        p.connect(o);
        return p;
    }

    private static Optional<Path> trackFile(Path sessionDir, String kind) throws Exception {
        if (!Files.isDirectory(sessionDir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(sessionDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith("-" + kind + ".webm"))
                    .findFirst();
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static JsonObject details(List<AuditEvent> audit, String action) {
        return audit.stream()
                .filter(e -> e.action().equals(action))
                .map(e -> new JsonObject(e.details()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + action + " in the session's audit"));
    }

    private static String login(NodeProcesses.Node n, String clerkId) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(n.baseUrl() + "/api/login"))
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"username\":\"" + clerkId + "\",\"password\":\"tongban2026\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("token");
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
