package cn.tongban.session.media.recording;

import cn.tongban.session.media.TrackKind;
import java.nio.file.Path;

/**
 * One recorded track.
 *
 * @param file the WebM file
 * @param sha256 hex SHA-256 of the file's bytes
 * @param startOffsetMillis when the track's first recorded frame arrived, relative to the start of the
 *     session's recording: this aligns the per-track files on one timeline
 * @param frames video frames or audio packets written
 * @param droppedFrames video frames left out because a packet was missing (the file resumes at the next
 *     keyframe)
 */
public record TrackFile(
        String participantId,
        TrackKind kind,
        Path file,
        String sha256,
        long bytes,
        long startOffsetMillis,
        long frames,
        long droppedFrames) {}
