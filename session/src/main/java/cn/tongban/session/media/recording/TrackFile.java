package cn.tongban.session.media.recording;

import cn.tongban.session.media.TrackKind;
import java.nio.file.Path;

/**
 * One recorded track.
 *
 * @param file the WebM file as its recorder wrote it (never changed afterwards)
 * @param sha256 hex SHA-256 of the file's bytes
 * @param startOffsetMillis when the track's first recorded frame arrived, relative to the start of the
 *     session's recording: this aligns the per-track files on one timeline; -1 when not known (a recovered
 *     recording of a build that did not note it)
 * @param frames video frames or audio packets written (for a recovered track: the whole ones in the file)
 * @param droppedFrames video frames left out because a packet was missing (the file resumes at the next
 *     keyframe); -1 when not known (recovered)
 * @param repaired for a file its recorder never finished (recovered after a crash): the finished copy of its
 *     whole frames; null when the file was finished
 */
public record TrackFile(
        String participantId,
        TrackKind kind,
        Path file,
        String sha256,
        long bytes,
        long startOffsetMillis,
        long frames,
        long droppedFrames,
        Repaired repaired) {

    /** A track file as its recorder finished it. */
    public TrackFile(
            String participantId,
            TrackKind kind,
            Path file,
            String sha256,
            long bytes,
            long startOffsetMillis,
            long frames,
            long droppedFrames) {
        this(participantId, kind, file, sha256, bytes, startOffsetMillis, frames, droppedFrames, null);
    }

    /**
     * The finished copy of an unfinished track file ({@link WebmFile#repair}): the same frames, with the
     * Segment size, duration and cues a player needs to seek.
     */
    public record Repaired(Path file, String sha256, long bytes) {}
}
