package cn.tongban.session.media.recording;

import cn.tongban.session.media.TrackKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Records every uploaded track of one session into its own WebM file under one directory, then writes
 * {@code manifest.json} with each file's SHA-256. Each track has its own queue and thread (see {@link
 * TrackRecorder}); the {@link #onRtp} entry point only copies and queues.
 *
 * <p>Needs the {@code ffmpeg} executable (Debian package {@code ffmpeg}) for the WebM muxing.
 */
public final class SessionRecorder implements RecordingSink {
    private final String sessionId;
    private final Path directory;
    private final String ffmpeg;
    private final Consumer<String> keyframeRequest;
    private final Instant started = Instant.now();
    private final long epochNanos = System.nanoTime();
    private final Map<String, TrackRecorder> tracks = new ConcurrentHashMap<>();
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
                            () -> keyframeRequest.accept(participantId)));
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
        Path manifestPath = directory.resolve("manifest.json");
        RecordingManifest m = new RecordingManifest(sessionId, started, Instant.now(), files, dropped, manifestPath);
        Files.writeString(manifestPath, m.toJson(), StandardCharsets.UTF_8);
        if (first != null) {
            throw first;
        }
        return m;
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
