package cn.tongban.session.media.recording;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What a session's recording produced: one WebM file per track with its SHA-256. Written as {@code
 * manifest.json} beside the files; the audit journal will take these hashes when it exists.
 */
public record RecordingManifest(
        String sessionId, Instant started, Instant stopped, List<TrackFile> tracks, long droppedPackets, Path path) {

    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"sessionId\": ").append(quote(sessionId)).append(",\n");
        sb.append("  \"started\": ").append(quote(started.toString())).append(",\n");
        sb.append("  \"stopped\": ").append(quote(stopped.toString())).append(",\n");
        sb.append("  \"droppedPackets\": ").append(droppedPackets).append(",\n");
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
            sb.append(", \"droppedFrames\": ").append(t.droppedFrames()).append('}');
        }
        sb.append("\n  ]\n}\n");
        return sb.toString();
    }

    private static String quote(String s) {
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
