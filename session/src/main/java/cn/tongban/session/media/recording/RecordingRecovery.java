package cn.tongban.session.media.recording;

import cn.tongban.session.media.TrackKind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Finishes a recording whose recorder never did, from what its directory holds: the recorder's process died
 * (a crash, a kill, a power cut) before {@link SessionRecorder#stop()} wrote {@code manifest.json}.
 *
 * <p>Every track file is kept as found and hashed. A file that ffmpeg finished (only the JVM died: ffmpeg
 * saw the end of its input and closed the file) is used as it is. A file ffmpeg never finished (ffmpeg died
 * too) gets a finished copy of its whole frames beside it ({@code <name>.repaired.webm}, {@link
 * WebmFile#repair}). A file with no whole frame, or not WebM at all, is listed as unreadable with its hash
 * and the reason. The manifest written then is marked recovered ({@link RecordingManifest.Recovery}): its
 * end is the time the last data reached the disk, and each track's participant, kind and start offset come
 * from {@code started.json} (or, for a recording of a build before it, from the file's name, offset
 * unknown).
 */
public final class RecordingRecovery {
    /** What a directory holds. */
    public enum State {
        /** A recording with a readable manifest: its recorder finished it (or a recovery did). */
        FINISHED,
        /** A recording without a readable manifest: its recorder died. */
        UNFINISHED,
        /** Neither a start record, a manifest nor a track file. */
        NOT_A_RECORDING
    }

    /** Suffix of a track file's finished copy. */
    public static final String REPAIRED_SUFFIX = ".repaired.webm";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String ffmpeg;
    private final Clock clock;

    /** {@code ffmpeg}: the executable that writes repaired copies. */
    public RecordingRecovery(String ffmpeg, Clock clock) {
        this.ffmpeg = ffmpeg;
        this.clock = clock;
    }

    /** What {@code dir} holds; never throws. */
    public static State state(Path dir) {
        if (Files.isRegularFile(dir.resolve(SessionRecorder.MANIFEST), LinkOption.NOFOLLOW_LINKS)) {
            try {
                RecordingManifest.read(dir.resolve(SessionRecorder.MANIFEST));
                return State.FINISHED;
            } catch (IOException | RuntimeException unreadable) {
                return State.UNFINISHED;
            }
        }
        if (Files.isRegularFile(dir.resolve(SessionRecorder.STARTED), LinkOption.NOFOLLOW_LINKS)) {
            return State.UNFINISHED;
        }
        try {
            return trackFiles(dir).isEmpty() ? State.NOT_A_RECORDING : State.UNFINISHED;
        } catch (IOException e) {
            return State.NOT_A_RECORDING;
        }
    }

    /**
     * Finishes the recording in {@code dir} and writes its recovered manifest (see the class comment).
     *
     * @param sessionId the session, when {@code started.json} does not say (a recording of a build before it)
     * @throws IOException when the directory or the manifest cannot be written or listed; a track file that
     *     cannot be used is listed as unreadable instead
     */
    public RecordingManifest finish(Path dir, String sessionId) throws IOException {
        Started started = Started.read(dir.resolve(SessionRecorder.STARTED));
        List<RecordingManifest.Unreadable> unreadable = new ArrayList<>();
        Path oldManifest = dir.resolve(SessionRecorder.MANIFEST);
        if (Files.exists(oldManifest, LinkOption.NOFOLLOW_LINKS)) {
            // A manifest that cannot be read (cut by a crash while a build before atomic manifests wrote it).
            Path aside = dir.resolve("manifest.unreadable.json");
            Files.move(oldManifest, aside, StandardCopyOption.REPLACE_EXISTING);
            // Hashed only if it is a plain file: a link (to /dev/zero, say) or a FIFO would be read for ever.
            boolean plain = Files.isRegularFile(aside, LinkOption.NOFOLLOW_LINKS);
            unreadable.add(new RecordingManifest.Unreadable(
                    aside.getFileName().toString(),
                    plain ? TrackRecorder.sha256(aside) : null,
                    plain ? Files.size(aside) : 0,
                    plain ? "a manifest that cannot be read" : "not a plain file"));
        }
        List<TrackFile> tracks = new ArrayList<>();
        Instant lastData = null;
        for (Path f : trackFiles(dir)) {
            String name = f.getFileName().toString();
            Instant modified = Files.getLastModifiedTime(f).toInstant();
            lastData = lastData == null || modified.isAfter(lastData) ? modified : lastData;
            String sha256 = TrackRecorder.sha256(f);
            long bytes = Files.size(f);
            Started.Track info = started.tracks().getOrDefault(name, Started.Track.fromFileName(name));
            if (info == null) {
                unreadable.add(
                        new RecordingManifest.Unreadable(name, sha256, bytes, "not a track file of this recording"));
                continue;
            }
            WebmFile.Inspection found;
            try {
                found = WebmFile.inspect(f);
            } catch (IOException e) {
                unreadable.add(
                        new RecordingManifest.Unreadable(name, sha256, bytes, "cannot be read: " + e.getMessage()));
                continue;
            }
            switch (found.state()) {
                case EMPTY -> unreadable.add(new RecordingManifest.Unreadable(name, sha256, bytes, "empty"));
                case NOT_WEBM -> unreadable.add(
                        new RecordingManifest.Unreadable(name, sha256, bytes, "not a WebM file"));
                case FINISHED -> tracks.add(info.file(f, sha256, bytes, found.frames(), null));
                case UNFINISHED -> {
                    if (found.frames() == 0) {
                        unreadable.add(new RecordingManifest.Unreadable(
                                name, sha256, bytes, "cut before its first whole frame"));
                        continue;
                    }
                    Path copy = dir.resolve(name.substring(0, name.length() - ".webm".length()) + REPAIRED_SUFFIX);
                    try {
                        WebmFile.repair(f, copy, ffmpeg);
                        WebmFile.Inspection repaired = WebmFile.inspect(copy);
                        if (repaired.state() != WebmFile.State.FINISHED || repaired.frames() == 0) {
                            throw new IOException("the repaired copy has no whole frame");
                        }
                        tracks.add(info.file(
                                f,
                                sha256,
                                bytes,
                                repaired.frames(),
                                new TrackFile.Repaired(copy, TrackRecorder.sha256(copy), Files.size(copy))));
                    } catch (IOException e) {
                        Files.deleteIfExists(copy);
                        unreadable.add(new RecordingManifest.Unreadable(
                                name, sha256, bytes, "could not be repaired: " + e.getMessage()));
                    }
                }
            }
        }
        tracks.sort((a, b) -> (a.participantId() + a.kind()).compareTo(b.participantId() + b.kind()));
        if (lastData == null) {
            lastData = Files.getLastModifiedTime(dir).toInstant();
        }
        Instant start = started.started() != null
                ? started.started()
                // Approximate: a recording of a build before started.json; never after its last data.
                : min(
                        Files.readAttributes(dir, BasicFileAttributes.class)
                                .creationTime()
                                .toInstant(),
                        lastData);
        RecordingManifest m = new RecordingManifest(
                started.sessionId() != null ? started.sessionId() : sessionId,
                start,
                lastData,
                tracks,
                -1,
                dir.resolve(SessionRecorder.MANIFEST),
                new RecordingManifest.Recovery(lastData, clock.instant(), unreadable));
        m.write();
        return m;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** The recorder's track files in {@code dir} (not repaired copies, not links), by name. */
    private static List<Path> trackFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return n.endsWith(".webm") && !n.endsWith(REPAIRED_SUFFIX);
                    })
                    .sorted()
                    .toList();
        }
    }

    /** What {@code started.json} says; empty when it is missing or cannot be read. */
    private record Started(String sessionId, Instant started, Map<String, Track> tracks) {
        record Track(String participantId, TrackKind kind, long startOffsetMillis) {
            TrackFile file(Path f, String sha256, long bytes, long frames, TrackFile.Repaired repaired) {
                return new TrackFile(participantId, kind, f, sha256, bytes, startOffsetMillis, frames, -1, repaired);
            }

            /** From a name {@link SessionRecorder} gives ({@code <participant>-<kind>.webm}); null if not one. */
            static Track fromFileName(String name) {
                String base = name.substring(0, name.length() - ".webm".length());
                int dash = base.lastIndexOf('-');
                if (dash <= 0) {
                    return null;
                }
                for (TrackKind k : TrackKind.values()) {
                    if (k.name().toLowerCase(Locale.ROOT).equals(base.substring(dash + 1))) {
                        return new Track(base.substring(0, dash), k, -1);
                    }
                }
                return null;
            }
        }

        static Started read(Path file) {
            Map<String, Track> tracks = new HashMap<>();
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return new Started(null, null, tracks);
            }
            try {
                JsonNode j = JSON.readTree(Files.readAllBytes(file));
                for (JsonNode t : j.path("tracks")) {
                    tracks.put(
                            RecordingManifest.safeName(t.path("file").asText()),
                            new Track(
                                    t.path("participantId").asText(),
                                    TrackKind.valueOf(t.path("kind").asText()),
                                    t.path("startOffsetMillis").asLong(-1)));
                }
                String sessionId = j.path("sessionId").asText(null);
                Instant started =
                        j.hasNonNull("started") ? Instant.parse(j.get("started").asText()) : null;
                return new Started(sessionId, started, tracks);
            } catch (IOException | RuntimeException e) {
                return new Started(null, null, new HashMap<>());
            }
        }
    }
}
