package cn.tongban.signaling.media;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.session.media.TestMedia;
import cn.tongban.session.media.recording.RecordingManifest;
import cn.tongban.session.media.recording.SessionRecorder;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.store.RecordingStore;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node starting on a recording directory that a crash left behind: a segment without a manifest (one track
 * file finished, one cut), a segment holding only an empty file and noise, a finished recording of the build
 * before segments that was never archived, and junk. The node starts, finishes and archives each as its
 * session's segment with every hash in the audit journal, audits the unusable files as unrecoverable, and a
 * second start archives nothing twice.
 */
class RecordingArchiveTest {
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void aStartingNodeArchivesWhatItsRecordingDirectoryHoldsUnarchivedOnce(@TempDir Path data) throws Exception {
        Path root = data.resolve("recordings");
        // A segment whose node died: no manifest; the camera file cut (ffmpeg died), the audio finished.
        Path orphan = root.resolve("s-orphan").resolve("20261207T100000.000Z-node-b");
        record("s-orphan", orphan);
        Files.delete(orphan.resolve(SessionRecorder.MANIFEST));
        Path camera = orphan.resolve("applicant-1-camera.webm");
        byte[] whole = Files.readAllBytes(camera);
        Files.write(camera, Arrays.copyOf(whole, whole.length * 3 / 5));
        // A segment with nothing usable.
        Path garbage = Files.createDirectories(root.resolve("s-garbage").resolve("20261207T110000.000Z-node-b"));
        Files.write(garbage.resolve("applicant-1-camera.webm"), new byte[0]);
        byte[] noise = new byte[2048];
        new Random(3).nextBytes(noise);
        Files.write(garbage.resolve("clerk-wujin01-1-audio.webm"), noise);
        // A finished recording of the build before segments (the session's directory itself), never archived.
        Path legacy = root.resolve("s-legacy");
        record("s-legacy", legacy);
        Files.delete(legacy.resolve(SessionRecorder.STARTED));
        // Junk: a file in the root, an empty session directory.
        Files.write(root.resolve("stray.webm"), new byte[0]);
        Files.createDirectories(root.resolve("s-empty"));

        List<AuditEvent> orphanAudit;
        List<AuditEvent> garbageAudit;
        List<AuditEvent> legacyAudit;
        try (TongbanServer server = start(data)) {
            RecordingArchive.Report report = server.media().orphanedRecordings().await(60, TimeUnit.SECONDS);
            assertThat(report).isEqualTo(new RecordingArchive.Report(2, 1, 2, 0));
            RecordingStore store = new RecordingStore(dataSource(server));

            RecordingStore.Segment seg = only(store, "s-orphan");
            assertThat(seg.segmentId()).isEqualTo("20261207T100000.000Z-node-b");
            assertThat(seg.recovered()).isTrue();
            assertThat(seg.node()).isEqualTo("restarted");
            assertThat(seg.files()).isEqualTo(2);
            assertThat(seg.manifestSha256())
                    .isEqualTo(MediaNode.sha256(Files.readAllBytes(orphan.resolve(SessionRecorder.MANIFEST))));
            assertThat(Files.readString(orphan.resolve(RecordingArchive.ARCHIVED)))
                    .startsWith(seg.manifestSha256());
            RecordingManifest m = RecordingManifest.read(orphan.resolve(SessionRecorder.MANIFEST));
            assertThat(m.stopped().toEpochMilli()).isEqualTo(seg.stoppedAt());
            orphanAudit = server.records().journal().forSession("s-orphan");
            assertThat(orphanAudit)
                    .extracting(AuditEvent::action)
                    .containsExactly("recording.file", "recording.file", "recording.stopped", "recording.recovered");
            JsonObject cameraFile = details(orphanAudit, "recording.file", "kind", "camera");
            assertThat(cameraFile.getString("segment")).isEqualTo(seg.segmentId());
            assertThat(cameraFile.getString("sha256"))
                    .isEqualTo(m.tracks().get(1).sha256())
                    .isEqualTo(MediaNode.sha256(Files.readAllBytes(camera)));
            assertThat(cameraFile.getString("repairedSha256"))
                    .isEqualTo(m.tracks().get(1).repaired().sha256());
            assertThat(details(orphanAudit, "recording.file", "kind", "audio").containsKey("repairedSha256"))
                    .isFalse();
            JsonObject recovered = details(orphanAudit, "recording.recovered", "segment", seg.segmentId());
            assertThat(recovered.getString("manifestSha256")).isEqualTo(seg.manifestSha256());
            assertThat(recovered.getString("lastData"))
                    .isEqualTo(m.recovery().lastData().toString());
            assertThat(details(orphanAudit, "recording.stopped", "segment", seg.segmentId())
                            .getString("manifestSha256"))
                    .isEqualTo(seg.manifestSha256());

            RecordingStore.Segment bad = only(store, "s-garbage");
            assertThat(bad.recovered()).isTrue();
            assertThat(bad.files()).isZero();
            garbageAudit = server.records().journal().forSession("s-garbage");
            JsonObject empty = details(garbageAudit, "recording.unrecoverable", "file", "applicant-1-camera.webm");
            assertThat(empty.getString("reason")).isEqualTo("empty");
            assertThat(empty.getString("sha256")).isEqualTo(EMPTY_SHA256);
            assertThat(details(garbageAudit, "recording.unrecoverable", "file", "clerk-wujin01-1-audio.webm")
                            .getString("reason"))
                    .isEqualTo("not a WebM file");

            RecordingStore.Segment old = only(store, "s-legacy");
            assertThat(old.segmentId()).isEqualTo(".");
            assertThat(old.recovered()).isFalse();
            legacyAudit = server.records().journal().forSession("s-legacy");
            assertThat(details(legacyAudit, "recording.stopped", "segment", ".").getString("reason"))
                    .startsWith("archived when its node started again");

            assertThat(store.find("s-empty")).isEmpty();
            assertThat(server.records().journal().forSession("stray.webm")).isEmpty();
        }

        // A second start finds everything archived: nothing is finished or audited again.
        try (TongbanServer server = start(data)) {
            assertThat(server.media().orphanedRecordings().await(60, TimeUnit.SECONDS))
                    .isEqualTo(new RecordingArchive.Report(0, 0, 0, 0));
            assertThat(server.records().journal().forSession("s-orphan")).isEqualTo(orphanAudit);
            assertThat(server.records().journal().forSession("s-garbage")).isEqualTo(garbageAudit);
            assertThat(server.records().journal().forSession("s-legacy")).isEqualTo(legacyAudit);
            assertThat(new RecordingStore(dataSource(server))
                            .find("s-orphan")
                            .orElseThrow()
                            .segments())
                    .hasSize(1);
        }
    }

    /**
     * A node that never comes back: its recording directory (here copied out of its data directory) is
     * recovered by {@code recording recover} into the installation's database and audit journal, whose chain
     * still verifies; a second run finds nothing to do.
     */
    @Test
    void recordingRecoverDoesTheSameForADiskWhoseNodeIsGone(@TempDir Path data, @TempDir Path disk) throws Exception {
        start(data).close(); // the installation: database, secrets, audit key
        Path orphan = disk.resolve("s-gone").resolve("20261207T120000.000Z-gulou");
        record("s-gone", orphan);
        Files.delete(orphan.resolve(SessionRecorder.MANIFEST));

        String first = cli(
                "recording",
                "recover",
                "--data-dir",
                data.toString(),
                "--recording-dir",
                disk.toString(),
                "--node-name",
                "gulou");
        assertThat(first).startsWith("0 ");
        assertThat(new JsonObject(first.substring(2)))
                .isEqualTo(new JsonObject()
                        .put("directory", disk.toAbsolutePath().toString())
                        .put("segments", 1)
                        .put("recovered", 1)
                        .put("archivedLate", 0)
                        .put("unreadableFiles", 0)
                        .put("failed", 0));
        assertThat(cli("recording", "recover", "--data-dir", data.toString(), "--recording-dir", disk.toString()))
                .contains("\"segments\":0");
        assertThat(cli("audit", "verify", "--data-dir", data.toString())).startsWith("0 {\"intact\":true");

        try (TongbanServer server = start(data)) {
            RecordingStore.Segment seg = only(new RecordingStore(dataSource(server)), "s-gone");
            assertThat(seg.node()).isEqualTo("gulou");
            assertThat(seg.recovered()).isTrue();
            assertThat(server.records().journal().forSession("s-gone"))
                    .extracting(AuditEvent::action)
                    .containsExactly("recording.file", "recording.file", "recording.stopped", "recording.recovered");
        }
    }

    private static String cli(String... args) {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            int code = new picocli.CommandLine(new cn.tongban.signaling.Main()).execute(args);
            return code + " "
                    + out.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        } finally {
            System.setOut(old);
        }
    }

    /** Three seconds of a participant's audio and camera through the real recorder, stopped normally. */
    private static void record(String sessionId, Path dir) throws Exception {
        SessionRecorder recorder = new SessionRecorder(sessionId, dir, "ffmpeg", participant -> {});
        TestMedia.Streams streams = TestMedia.get().streams(0x1111, 0x2222);
        for (int i = 0; i < 150; i++) {
            for (TestMedia.Packet p : streams.next20ms()) {
                recorder.onRtp("applicant-1", p.kind(), false, p.rtp(), 0, p.rtp().length, System.nanoTime());
            }
        }
        assertThat(recorder.stop().tracks()).hasSize(2);
    }

    private static TongbanServer start(Path data) throws Exception {
        return TongbanServer.start(ServerOptions.builder()
                .demo(true)
                .port(0)
                .host("127.0.0.1")
                .dataDir(data)
                .nodeName("restarted")
                .clusterName("recording-archive-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
                .build());
    }

    private static JdbcDataSource dataSource(TongbanServer server) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(server.options().effectiveDbUrl());
        return ds;
    }

    private static RecordingStore.Segment only(RecordingStore store, String sessionId) {
        List<RecordingStore.Segment> segments =
                store.find(sessionId).orElseThrow().segments();
        assertThat(segments).as(sessionId).hasSize(1);
        return segments.get(0);
    }

    private static JsonObject details(List<AuditEvent> events, String action, String key, String value) {
        return events.stream()
                .filter(e -> e.action().equals(action))
                .map(e -> new JsonObject(e.details()))
                .filter(d -> value.equals(d.getString(key)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + action + " with " + key + "=" + value + " in " + events));
    }
}
