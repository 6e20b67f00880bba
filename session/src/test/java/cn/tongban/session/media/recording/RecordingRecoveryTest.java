package cn.tongban.session.media.recording;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.media.Ffprobe;
import cn.tongban.session.media.TestMedia;
import cn.tongban.session.media.TrackKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recordings whose recorder died: track files cut anywhere are read up to their last whole frame (known
 * answers from ffprobe's packet positions in the whole file), a real recorder whose ffmpeg processes are
 * killed mid-recording is finished into a recovered manifest with playable copies, and files that hold
 * nothing usable are listed with their hashes instead of stopping the recovery.
 */
class RecordingRecoveryTest {
    private static final RecordingRecovery RECOVERY = new RecordingRecovery("ffmpeg", Clock.systemUTC());

    /** The test media's VP8 or Opus track, as the recorder's ffmpeg command writes it. */
    private static Path webm(Path dir, TrackKind kind) throws Exception {
        TestMedia media = TestMedia.get();
        boolean audio = kind == TrackKind.AUDIO;
        Path file = dir.resolve(audio ? "applicant-1-audio.webm" : "applicant-1-camera.webm");
        Process p = new ProcessBuilder(TrackRecorder.ffmpegCommand("ffmpeg", audio ? "ogg" : "ivf", file))
                .redirectInput(media.directory()
                        .resolve(audio ? "audio.ogg" : "video.ivf")
                        .toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return file;
    }

    private static Path cut(Path whole, Path dir, long bytes) throws IOException {
        Path f = dir.resolve(whole.getFileName());
        Files.write(f, Arrays.copyOf(Files.readAllBytes(whole), (int) bytes));
        return f;
    }

    @Test
    void aVideoFileCutAnywhereIsReadUpToItsLastWholeFrame(@TempDir Path whole, @TempDir Path cuts) throws Exception {
        Path file = webm(whole, TrackKind.CAMERA);
        int frames = TestMedia.get().vp8Frames().size();
        assertThat(WebmFile.inspect(file)).isEqualTo(new WebmFile.Inspection(WebmFile.State.FINISHED, frames));
        List<Long> pos = Ffprobe.packetPositions(file);
        assertThat(pos).hasSize(frames);
        // ffprobe's position of packet k is where block k's content starts (after its ID and size): a cut there
        // leaves k whole frames, a cut one byte into block k-1's content k-1. Clusters close every second, so
        // blocks 10 and 20 open clusters.
        for (int k : new int[] {1, 9, 10, 11, 20, 55, frames - 1}) {
            assertThat(WebmFile.inspect(cut(file, cuts, pos.get(k))))
                    .as("cut at the content of block %d", k)
                    .isEqualTo(new WebmFile.Inspection(WebmFile.State.UNFINISHED, k));
            assertThat(WebmFile.inspect(cut(file, cuts, pos.get(k - 1) + 1)))
                    .as("cut inside block %d", k - 1)
                    .isEqualTo(new WebmFile.Inspection(WebmFile.State.UNFINISHED, k - 1));
        }
        // Only the headers: no frame; the cues at the end cut off: every frame.
        assertThat(WebmFile.inspect(cut(file, cuts, pos.get(0) - 20)))
                .isEqualTo(new WebmFile.Inspection(WebmFile.State.UNFINISHED, 0));
        assertThat(WebmFile.inspect(cut(file, cuts, Files.size(file) - 1)))
                .isEqualTo(new WebmFile.Inspection(WebmFile.State.UNFINISHED, frames));

        // The repaired copy of a file cut inside block 55 plays those 55 frames and is finished.
        Path cutFile = cut(file, cuts, pos.get(55) + 1);
        Path repaired = cuts.resolve("repaired.webm");
        WebmFile.repair(cutFile, repaired, "ffmpeg");
        assertThat(WebmFile.inspect(repaired)).isEqualTo(new WebmFile.Inspection(WebmFile.State.FINISHED, 55));
        Map<String, String> probe = Ffprobe.stream(repaired);
        assertThat(probe).containsEntry("codec_name", "vp8").containsEntry("nb_read_frames", "55");
        assertThat(Double.parseDouble(probe.get("duration"))).isBetween(5.4, 5.6);
    }

    @Test
    void anAudioFileCutAnywhereIsReadUpToItsLastWholePacket(@TempDir Path whole, @TempDir Path cuts) throws Exception {
        Path file = webm(whole, TrackKind.AUDIO);
        int packets = TestMedia.get().opusPackets().size();
        List<Long> pos = Ffprobe.packetPositions(file);
        assertThat(pos).hasSize(packets);
        assertThat(WebmFile.inspect(file)).isEqualTo(new WebmFile.Inspection(WebmFile.State.FINISHED, packets));
        for (int k : new int[] {1, 49, 50, 51, 333}) {
            assertThat(WebmFile.inspect(cut(file, cuts, pos.get(k))))
                    .isEqualTo(new WebmFile.Inspection(WebmFile.State.UNFINISHED, k));
            assertThat(WebmFile.inspect(cut(file, cuts, pos.get(k - 1) + 1)))
                    .isEqualTo(new WebmFile.Inspection(WebmFile.State.UNFINISHED, k - 1));
        }
        Path repaired = cuts.resolve("repaired.webm");
        WebmFile.repair(cut(file, cuts, pos.get(333) + 1), repaired, "ffmpeg");
        assertThat(Ffprobe.stream(repaired)).containsEntry("codec_name", "opus").containsEntry("nb_read_frames", "333");
    }

    @Test
    void whatIsNotWebmIsToldApart(@TempDir Path dir) throws Exception {
        Path empty = Files.write(dir.resolve("empty.webm"), new byte[0]);
        assertThat(WebmFile.inspect(empty).state()).isEqualTo(WebmFile.State.EMPTY);
        byte[] noise = new byte[50_000];
        new Random(7).nextBytes(noise);
        assertThat(WebmFile.inspect(Files.write(dir.resolve("noise.webm"), noise))
                        .state())
                .isEqualTo(WebmFile.State.NOT_WEBM);
        // An EBML header of another document type, and one claiming an absurd size.
        byte[] mkvLike = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3, (byte) 0x84, 0x42, (byte) 0x82, (byte) 0x81, 'x'};
        assertThat(WebmFile.inspect(Files.write(dir.resolve("other.webm"), mkvLike))
                        .state())
                .isEqualTo(WebmFile.State.NOT_WEBM);
        byte[] huge = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3, 0x01, (byte) 0xff, 0, 0, 0, 0, 0, 0};
        assertThat(WebmFile.inspect(Files.write(dir.resolve("huge.webm"), huge)).state())
                .isEqualTo(WebmFile.State.NOT_WEBM);
    }

    /**
     * The real recorder, fed five seconds of a participant's audio and camera in real time, loses its ffmpeg processes
     * (SIGKILL: the machine died): the files say "unknown size" and end mid-cluster, and there is no
     * manifest. Recovery keeps the files as found, adds finished copies that ffprobe plays, takes each track's
     * participant, kind and start offset from started.json, and writes a manifest marked recovered.
     */
    @Test
    void aRecorderWhoseFfmpegDiedIsFinishedFromItsFiles(@TempDir Path root) throws Exception {
        Path dir = root.resolve("s-crash").resolve("segment");
        SessionRecorder recorder = new SessionRecorder("s-crash", dir, "ffmpeg", participant -> {});
        TestMedia.Streams streams = TestMedia.get().streams(0x1111, 0x2222);
        // In real time, as from a bridge: ffmpeg must write as it goes, not after probing 5 s of input.
        streams.play(
                Duration.ofSeconds(5),
                p -> recorder.onRtp("applicant-1", p.kind(), false, p.rtp(), 0, p.rtp().length, System.nanoTime()));
        Path audio = dir.resolve("applicant-1-audio.webm");
        Path camera = dir.resolve("applicant-1-camera.webm");
        awaitSteadySize(audio);
        awaitSteadySize(camera);
        killFfmpegWriting(dir);
        assertThat(RecordingRecovery.state(dir)).isEqualTo(RecordingRecovery.State.UNFINISHED);
        String audioAsFound = TrackRecorder.sha256(audio);
        String cameraAsFound = TrackRecorder.sha256(camera);
        assertThat(WebmFile.inspect(camera).state()).isEqualTo(WebmFile.State.UNFINISHED);

        Instant before = Instant.now();
        RecordingManifest m = RECOVERY.finish(dir, "ignored: started.json names the session");

        assertThat(m.sessionId()).isEqualTo("s-crash");
        assertThat(m.recovered()).isTrue();
        assertThat(m.recovery().unreadable()).isEmpty();
        assertThat(m.recovery().recoveredAt()).isAfterOrEqualTo(before);
        assertThat(m.recovery().lastData())
                .isEqualTo(
                        Files.getLastModifiedTime(camera)
                                        .toInstant()
                                        .isAfter(
                                                Files.getLastModifiedTime(audio).toInstant())
                                ? Files.getLastModifiedTime(camera).toInstant()
                                : Files.getLastModifiedTime(audio).toInstant());
        assertThat(m.stopped()).isEqualTo(m.recovery().lastData());
        assertThat(m.started()).isBefore(m.stopped());
        assertThat(m.tracks()).extracting(TrackFile::kind).containsExactly(TrackKind.AUDIO, TrackKind.CAMERA);
        for (TrackFile t : m.tracks()) {
            assertThat(t.participantId()).isEqualTo("applicant-1");
            assertThat(t.startOffsetMillis()).isBetween(0L, 5_000L);
            assertThat(t.sha256()).isEqualTo(t.kind() == TrackKind.AUDIO ? audioAsFound : cameraAsFound);
            assertThat(TrackRecorder.sha256(t.file()))
                    .as("the file as found is kept")
                    .isEqualTo(t.sha256());
            assertThat(t.repaired()).isNotNull();
            assertThat(TrackRecorder.sha256(t.repaired().file()))
                    .isEqualTo(t.repaired().sha256());
            Map<String, String> probe = Ffprobe.stream(t.repaired().file());
            assertThat(probe.get("codec_name")).isEqualTo(t.kind() == TrackKind.AUDIO ? "opus" : "vp8");
            assertThat(Long.parseLong(probe.get("nb_read_frames"))).isEqualTo(t.frames());
        }
        // Sent: 250 Opus packets and 50 frames; at most the last cluster (one second) was lost with ffmpeg.
        assertThat(m.tracks().get(0).frames()).isBetween(190L, 250L);
        assertThat(m.tracks().get(1).frames()).isBetween(38L, 50L);
        assertThat(m.tracks().get(1).startOffsetMillis()).isLessThan(500);

        // The manifest on disk says the same, and the directory is now finished.
        RecordingManifest read = RecordingManifest.read(dir.resolve(SessionRecorder.MANIFEST));
        assertThat(read.toJson()).isEqualTo(m.toJson());
        assertThat(Files.readString(m.path())).contains("\"recovered\": true", "\"lastData\"", "\"repairedSha256\"");
        assertThat(RecordingRecovery.state(dir)).isEqualTo(RecordingRecovery.State.FINISHED);
    }

    /** Only the JVM died: ffmpeg saw the end of its input and finished the file, which is used as it is. */
    @Test
    void aFileFfmpegFinishedIsUsedAsItIs(@TempDir Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("s-jvm").resolve("seg"));
        Path camera = webm(dir, TrackKind.CAMERA);
        Files.writeString(
                dir.resolve(SessionRecorder.STARTED),
                "{\"sessionId\": \"s-jvm\", \"started\": \"2026-12-07T10:00:00Z\", \"tracks\": [{\"participantId\":"
                        + " \"applicant-1\", \"kind\": \"CAMERA\", \"file\": \"applicant-1-camera.webm\","
                        + " \"startOffsetMillis\": 420}]}");
        RecordingManifest m = RECOVERY.finish(dir, "s-jvm");
        assertThat(m.started()).isEqualTo(Instant.parse("2026-12-07T10:00:00Z"));
        assertThat(m.tracks()).singleElement().satisfies(t -> {
            assertThat(t.repaired()).isNull();
            assertThat(t.frames()).isEqualTo(TestMedia.get().vp8Frames().size());
            assertThat(t.startOffsetMillis()).isEqualTo(420);
            assertThat(t.file()).isEqualTo(camera);
        });
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .noneMatch(n -> n.endsWith(RecordingRecovery.REPAIRED_SUFFIX));
        }
    }

    /**
     * Hostile leftovers: an empty track file, noise named like a track, a track cut before its first frame,
     * a link to an endless device, a start record that is not JSON and a cut manifest. The one good track is
     * recovered; each other file is listed with its hash and why; the link is not followed.
     */
    @Test
    void aManifestThatIsALinkIsSetAsideUnreadWithoutFollowingIt(@TempDir Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("s-link"));
        Path good = webm(dir, TrackKind.AUDIO);
        // Read, a link to /dev/zero would never end; a repaired copy's scratch names are links too.
        Files.createSymbolicLink(dir.resolve(SessionRecorder.MANIFEST), Path.of("/dev/zero"));
        Path victim = Files.writeString(root.resolve("victim.txt"), "keep me");
        Files.createSymbolicLink(dir.resolve("x.repaired.webm.log"), victim);

        RecordingManifest m = RECOVERY.finish(dir, "s-link");

        assertThat(m.tracks()).singleElement().satisfies(t -> assertThat(t.file())
                .isEqualTo(good));
        assertThat(m.recovery().unreadable())
                .extracting(RecordingManifest.Unreadable::file, RecordingManifest.Unreadable::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("manifest.unreadable.json", "not a plain file"));
        assertThat(Files.readString(victim)).isEqualTo("keep me");
    }

    @Test
    void filesWithNothingUsableAreListedWithTheirHashes(@TempDir Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("s-bad"));
        Path good = webm(dir, TrackKind.AUDIO);
        Files.write(dir.resolve("applicant-1-camera.webm"), new byte[0]);
        byte[] noise = new byte[4096];
        new Random(11).nextBytes(noise);
        Files.write(dir.resolve("clerk-wujin01-1-audio.webm"), noise);
        Path whole = webm(Files.createDirectories(root.resolve("whole")), TrackKind.CAMERA);
        Files.write(dir.resolve("clerk-wujin01-1-camera.webm"), Arrays.copyOf(Files.readAllBytes(whole), (int)
                (Ffprobe.packetPositions(whole).get(0) - 20)));
        Files.createSymbolicLink(dir.resolve("helper-x-1-audio.webm"), Path.of("/dev/zero"));
        Files.writeString(dir.resolve(SessionRecorder.STARTED), "{not json");
        Files.writeString(dir.resolve(SessionRecorder.MANIFEST), "{\"sessionId\": \"s-b");
        assertThat(RecordingRecovery.state(dir)).isEqualTo(RecordingRecovery.State.UNFINISHED);

        RecordingManifest m = RECOVERY.finish(dir, "s-bad");

        assertThat(m.sessionId()).isEqualTo("s-bad");
        assertThat(m.tracks()).singleElement().satisfies(t -> {
            assertThat(t.file()).isEqualTo(good);
            assertThat(t.frames()).isEqualTo(TestMedia.get().opusPackets().size());
            assertThat(t.startOffsetMillis()).isEqualTo(-1);
        });
        assertThat(m.recovery().unreadable())
                .extracting(RecordingManifest.Unreadable::file, RecordingManifest.Unreadable::reason)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(
                                "manifest.unreadable.json", "a manifest that cannot be read"),
                        org.assertj.core.groups.Tuple.tuple("applicant-1-camera.webm", "empty"),
                        org.assertj.core.groups.Tuple.tuple("clerk-wujin01-1-audio.webm", "not a WebM file"),
                        org.assertj.core.groups.Tuple.tuple(
                                "clerk-wujin01-1-camera.webm", "cut before its first whole frame"));
        assertThat(m.recovery().unreadable())
                .filteredOn(u -> u.file().equals("applicant-1-camera.webm"))
                .singleElement()
                .satisfies(u -> assertThat(u.sha256())
                        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        assertThat(RecordingRecovery.state(dir)).isEqualTo(RecordingRecovery.State.FINISHED);
        assertThat(RecordingRecovery.state(Files.createDirectories(root.resolve("nothing"))))
                .isEqualTo(RecordingRecovery.State.NOT_A_RECORDING);
    }

    private static void awaitSteadySize(Path f) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now = Files.exists(f) ? Files.size(f) : -1;
            if (now > 0 && now == last) {
                return;
            }
            last = now;
            Thread.sleep(700);
        }
        throw new AssertionError(f + " never stopped growing (or never appeared)");
    }

    private static void killFfmpegWriting(Path dir) throws Exception {
        List<ProcessHandle> writers = ProcessHandle.current()
                .descendants()
                .filter(p -> p.info()
                        .commandLine()
                        .map(c -> c.contains(dir.toString()))
                        .orElse(false))
                .toList();
        assertThat(writers).hasSize(2);
        for (ProcessHandle p : writers) {
            p.destroyForcibly();
            p.onExit().get(10, TimeUnit.SECONDS);
        }
    }
}
