package cn.tongban.session.media.recording;

import cn.tongban.session.media.TrackKind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a session's recording produced: one WebM file per track with its SHA-256. Written as {@code
 * manifest.json} beside the files; the signaling server puts these hashes into the audit journal.
 *
 * <p>A recording that its recorder never finished (the process died) is finished later by {@link
 * RecordingRecovery}: its manifest carries a {@link Recovery}, {@code stopped} is then the time of the last
 * data written, and {@code droppedPackets} is -1 (not known).
 */
public record RecordingManifest(
        String sessionId,
        Instant started,
        Instant stopped,
        List<TrackFile> tracks,
        long droppedPackets,
        Path path,
        Recovery recovery) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How a recording left unfinished was finished.
     *
     * @param lastData when the last data reached the disk (the latest modification time of its files)
     * @param recoveredAt when it was finished
     * @param unreadable files in the directory that hold no usable frame (empty, cut before the first frame,
     *     or not WebM at all), each with its SHA-256 as found
     */
    public record Recovery(Instant lastData, Instant recoveredAt, List<Unreadable> unreadable) {
        public Recovery {
            unreadable = List.copyOf(unreadable);
        }
    }

    /** A file of a recovered recording that could not be used, and why. */
    public record Unreadable(String file, String sha256, long bytes, String reason) {}

    public RecordingManifest {
        tracks = List.copyOf(tracks);
    }

    /** A manifest its recorder wrote. */
    public RecordingManifest(
            String sessionId,
            Instant started,
            Instant stopped,
            List<TrackFile> tracks,
            long droppedPackets,
            Path path) {
        this(sessionId, started, stopped, tracks, droppedPackets, path, null);
    }

    /** Whether the recording was finished by recovery after its recorder died (and so may end early). */
    public boolean recovered() {
        return recovery != null;
    }

    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"sessionId\": ").append(quote(sessionId)).append(",\n");
        sb.append("  \"started\": ").append(quote(started.toString())).append(",\n");
        sb.append("  \"stopped\": ").append(quote(stopped.toString())).append(",\n");
        sb.append("  \"droppedPackets\": ").append(droppedPackets).append(",\n");
        if (recovery != null) {
            sb.append("  \"recovered\": true,\n");
            sb.append("  \"lastData\": ")
                    .append(quote(recovery.lastData().toString()))
                    .append(",\n");
            sb.append("  \"recoveredAt\": ")
                    .append(quote(recovery.recoveredAt().toString()))
                    .append(",\n");
        }
        sb.append("  \"tracks\": [");
        for (int i = 0; i < tracks.size(); i++) {
            TrackFile t = tracks.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"participantId\": ").append(quote(t.participantId()));
            sb.append(", \"kind\": ").append(quote(t.kind().name()));
            sb.append(", \"file\": ").append(quote(t.file().getFileName().toString()));
            sb.append(", \"sha256\": ").append(quote(t.sha256()));
            sb.append(", \"bytes\": ").append(t.bytes());
            sb.append(", \"startOffsetMillis\": ").append(t.startOffsetMillis());
            sb.append(", \"frames\": ").append(t.frames());
            sb.append(", \"droppedFrames\": ").append(t.droppedFrames());
            if (t.repaired() != null) {
                sb.append(", \"repairedFile\": ")
                        .append(quote(t.repaired().file().getFileName().toString()));
                sb.append(", \"repairedSha256\": ").append(quote(t.repaired().sha256()));
                sb.append(", \"repairedBytes\": ").append(t.repaired().bytes());
            }
            sb.append('}');
        }
        sb.append("\n  ]");
        if (recovery != null) {
            sb.append(",\n  \"unreadable\": [");
            for (int i = 0; i < recovery.unreadable().size(); i++) {
                Unreadable u = recovery.unreadable().get(i);
                sb.append(i == 0 ? "\n" : ",\n");
                sb.append("    {\"file\": ").append(quote(u.file()));
                // null for what is not a plain file (a link, a FIFO): never read, so never hashed.
                sb.append(", \"sha256\": ").append(u.sha256() == null ? "null" : quote(u.sha256()));
                sb.append(", \"bytes\": ").append(u.bytes());
                sb.append(", \"reason\": ").append(quote(u.reason())).append('}');
            }
            sb.append("\n  ]");
        }
        sb.append("\n}\n");
        return sb.toString();
    }

    /**
     * Writes {@link #toJson()} to {@link #path()} through a temporary file moved into place, so that a crash
     * never leaves a half-written manifest (whose presence would say the recording was finished).
     */
    public void write() throws IOException {
        writeAtomically(path, toJson());
    }

    static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a {@code manifest.json} written by {@link #toJson()} (track files resolved beside it).
     *
     * @throws IOException when it cannot be read or is not such a manifest
     */
    public static RecordingManifest read(Path manifest) throws IOException {
        JsonNode j = JSON.readTree(Files.readAllBytes(manifest));
        if (j == null || !j.isObject()) {
            throw new IOException("not a recording manifest: " + manifest);
        }
        Path dir = manifest.toAbsolutePath().getParent();
        try {
            List<TrackFile> tracks = new ArrayList<>();
            for (JsonNode t : j.path("tracks")) {
                TrackFile.Repaired repaired = t.hasNonNull("repairedFile")
                        ? new TrackFile.Repaired(
                                dir.resolve(safeName(t.get("repairedFile").asText())),
                                text(t, "repairedSha256"),
                                t.path("repairedBytes").asLong())
                        : null;
                tracks.add(new TrackFile(
                        text(t, "participantId"),
                        TrackKind.valueOf(text(t, "kind")),
                        dir.resolve(safeName(text(t, "file"))),
                        text(t, "sha256"),
                        t.path("bytes").asLong(),
                        t.path("startOffsetMillis").asLong(-1),
                        t.path("frames").asLong(),
                        t.path("droppedFrames").asLong(),
                        repaired));
            }
            Recovery recovery = null;
            if (j.path("recovered").asBoolean(false)) {
                List<Unreadable> unreadable = new ArrayList<>();
                for (JsonNode u : j.path("unreadable")) {
                    unreadable.add(new Unreadable(
                            text(u, "file"),
                            u.path("sha256").isTextual() ? u.get("sha256").asText() : null,
                            u.path("bytes").asLong(),
                            text(u, "reason")));
                }
                recovery = new Recovery(
                        Instant.parse(text(j, "lastData")), Instant.parse(text(j, "recoveredAt")), unreadable);
            }
            return new RecordingManifest(
                    text(j, "sessionId"),
                    Instant.parse(text(j, "started")),
                    Instant.parse(text(j, "stopped")),
                    tracks,
                    j.path("droppedPackets").asLong(),
                    manifest,
                    recovery);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IOException("not a recording manifest: " + manifest + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("no " + field);
        }
        return v.asText();
    }

    /** A file name from a manifest, never a path out of the recording's directory. */
    static String safeName(String name) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals("..") || name.equals(".")) {
            throw new IllegalArgumentException("not a file name: " + name);
        }
        return name;
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
