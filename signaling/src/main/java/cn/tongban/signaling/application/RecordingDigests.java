package cn.tongban.signaling.application;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SHA-256 of a session's recording, for the application's session evidence: the {@code
 * manifest_sha256} of the media bridge's {@code session_recording} row (the manifest lists every track file
 * with its own hash). The row is written when the session ends, so while a recorded session is still
 * running (the usual case when the application is prepared) there is none yet: {@link #inProgress} says so.
 */
final class RecordingDigests {
    private static final Logger LOG = LoggerFactory.getLogger(RecordingDigests.class);
    private final DataSource ds;
    private final Predicate<String> recordedMatter;

    /**
     * @param recordedMatter whether this node records the sessions of a matter (its policy, and bridge
     *     mode), so that a session without a finished recording can be told apart from one not recorded
     */
    RecordingDigests(DataSource ds, Predicate<String> recordedMatter) {
        this.ds = ds;
        this.recordedMatter = recordedMatter;
    }

    /** Whether the session is being recorded and its recording has not been finished yet. */
    boolean inProgress(String sessionId, String matterId) {
        return recordedMatter.test(matterId) && sha256(sessionId).isEmpty();
    }

    Optional<String> sha256(String sessionId) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT manifest_sha256 FROM session_recording WHERE session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            LOG.debug("No recording digest for session {}: {}", sessionId, e.toString());
            return Optional.empty();
        }
    }
}
