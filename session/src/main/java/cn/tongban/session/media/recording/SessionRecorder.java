package cn.tongban.session.media.recording;

import cn.tongban.session.media.TrackKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every uploaded track of one session into its own WebM file under one directory, then writes
 * {@code manifest.json} with each file's SHA-256. Each track has its own queue and thread (see {@link
 * TrackRecorder}); the {@link #onRtp} entry point only copies and queues.
 *
 * <p>While it runs, {@code started.json} in the directory says what a crash would otherwise take along: the
 * session, when the recording started, and each track's file, participant, kind and start offset (rewritten,
 * whole, whenever a track starts). A directory with {@code started.json} and no {@code manifest.json} is a
 * recording whose recorder died; {@link RecordingRecovery} finishes it.
 *
 * <p>Needs the {@code ffmpeg} executable (Debian package {@code ffmpeg}) for the WebM muxing.
 */
public final class SessionRecorder implements RecordingSink {
    /** The recording's start record, while it runs (see the class comment). */
    public static final String STARTED = "started.json";
    /** The finished recording's manifest. */
    public static final String MANIFEST = "manifest.json";

    private static final Logger LOG = LoggerFactory.getLogger(SessionRecorder.class);

    private final String sessionId;
    private final Path directory;
    private final String ffmpeg;
    private final Consumer<String> keyframeRequest;
    private final Instant started = Instant.now();
    private final long epochNanos = System.nanoTime();
    private final Map<String, TrackRecorder> tracks = new ConcurrentHashMap<>();
    /** Tracks whose files are open, in the order they started (for {@link #STARTED}). */
    private final List<TrackRecorder> opened = new ArrayList<>();

    private volatile boolean stopped;

    /**
     * @param keyframeRequest asks a participant for a keyframe (called with the participant id) when a
     *     video track's recording must start or resume at one
     */
    public SessionRecorder(String sessionId, Path directory, String ffmpeg, Consumer<String> keyframeRequest)
            throws IOException {
        this.sessionId = sessionId;
        this.directory = ownerOnlyDirectories(directory);
        this.ffmpeg = ffmpeg;
        this.keyframeRequest = keyframeRequest;
        writeStarted();
    }

    @Override
    public void onRtp(
            String participantId,
            TrackKind kind,
            boolean retransmission,
            byte[] buf,
            int off,
            int len,
            long receivedNanos) {
        if (stopped) {
            return;
        }
        String key = participantId + "/" + kind;
        TrackRecorder r = tracks.get(key);
        if (r == null) {
            r = tracks.computeIfAbsent(
                    key,
                    k -> new TrackRecorder(
                            participantId,
                            kind,
                            directory.resolve(fileName(participantId, kind)),
                            ffmpeg,
                            epochNanos,
                            () -> keyframeRequest.accept(participantId),
                            this::trackStarted));
        }
        r.offer(retransmission, buf, off, len, receivedNanos);
    }

    private static String fileName(String participantId, TrackKind kind) {
        return participantId.replaceAll("[^A-Za-z0-9_.-]", "_") + "-"
                + kind.name().toLowerCase(Locale.ROOT) + ".webm";
    }

    /** Stops all tracks, waits for the files, hashes them and writes the manifest. */
    public RecordingManifest stop() throws IOException {
        stopped = true;
        List<TrackFile> files = new ArrayList<>();
        long dropped = 0;
        IOException first = null;
        for (TrackRecorder r : tracks.values()) {
            try {
                TrackFile f = r.stop();
                if (f != null) {
                    files.add(f);
                }
            } catch (IOException e) {
                first = first == null ? e : first;
            }
            dropped += r.droppedPackets();
        }
        files.sort((a, b) -> (a.participantId() + a.kind()).compareTo(b.participantId() + b.kind()));
        RecordingManifest m =
                new RecordingManifest(sessionId, started, Instant.now(), files, dropped, directory.resolve(MANIFEST));
        m.write();
        if (first != null) {
            throw first;
        }
        return m;
    }

    private synchronized void trackStarted(TrackRecorder t) {
        opened.add(t);
        try {
            writeStarted();
        } catch (IOException e) {
            // The recording goes on; only a recovery after a crash would lack this track's offset.
            LOG.warn("Could not note the start of {} in {}: {}", t.file().getFileName(), STARTED, e.toString());
        }
    }

    private synchronized void writeStarted() throws IOException {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"sessionId\": ")
                .append(RecordingManifest.quote(sessionId))
                .append(",\n");
        sb.append("  \"started\": ")
                .append(RecordingManifest.quote(started.toString()))
                .append(",\n");
        sb.append("  \"tracks\": [");
        for (int i = 0; i < opened.size(); i++) {
            TrackRecorder t = opened.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"participantId\": ").append(RecordingManifest.quote(t.participantId));
            sb.append(", \"kind\": ").append(RecordingManifest.quote(t.kind.name()));
            sb.append(", \"file\": ")
                    .append(RecordingManifest.quote(t.file().getFileName().toString()));
            sb.append(", \"startOffsetMillis\": ").append(t.startOffsetMillis()).append('}');
        }
        sb.append("\n  ]\n}\n");
        RecordingManifest.writeAtomically(directory.resolve(STARTED), sb.toString());
    }

    public long droppedPackets() {
        long d = 0;
        for (TrackRecorder r : tracks.values()) {
            d += r.droppedPackets();
        }
        return d;
    }

    /**
     * Creates {@code dir} and its missing parents readable by this account only: recordings show applicants'
     * faces and documents.
     */
    static Path ownerOnlyDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return dir;
        }
        if (abs.getParent() != null) {
            ownerOnlyDirectories(abs.getParent());
        }
        try {
            if (abs.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(
                        abs,
                        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(abs);
            }
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // created meanwhile
        }
        return dir;
    }
}
