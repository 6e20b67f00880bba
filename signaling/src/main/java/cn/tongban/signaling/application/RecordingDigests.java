package cn.tongban.signaling.application;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SHA-256 of a session's recording, for the application's session evidence: the {@code
 * manifest_sha256} of the media bridge's {@code session_recording} row (the manifest lists every track file
 * with its own hash). Empty when the session was not recorded — or when this installation has no recording
 * table (peer-to-peer media only): the evidence then says the session was not recorded.
 */
final class RecordingDigests {
    private static final Logger LOG = LoggerFactory.getLogger(RecordingDigests.class);
    private final DataSource ds;

    RecordingDigests(DataSource ds) {
        this.ds = ds;
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
