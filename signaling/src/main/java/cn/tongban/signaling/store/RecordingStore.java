package cn.tongban.signaling.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Finished session recordings in the relational store (table {@code session_recording}), keyed by session
 * id like {@code case_record}: the case's recording evidence is {@link Stored#manifestSha256()}.
 */
public final class RecordingStore {
    /** A stored recording. {@code manifest} is the manifest.json text. */
    public record Stored(
            String sessionId,
            String manifestSha256,
            String directory,
            int files,
            long startedAt,
            long stoppedAt,
            String manifest) {}

    private final DataSource ds;

    public RecordingStore(DataSource ds) {
        this.ds = ds;
    }

    /** Records a finished recording; a second save for the same session is ignored. */
    public void save(Stored r) {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement exists =
                    c.prepareStatement("SELECT 1 FROM session_recording WHERE session_id = ?")) {
                exists.setString(1, r.sessionId());
                try (ResultSet rs = exists.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO session_recording (session_id,"
                    + " manifest_sha256, directory, files, started_at, stopped_at, manifest)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, r.sessionId());
                ps.setString(2, r.manifestSha256());
                ps.setString(3, r.directory());
                ps.setInt(4, r.files());
                ps.setLong(5, r.startedAt());
                ps.setLong(6, r.stoppedAt());
                ps.setString(7, r.manifest());
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot record the recording of " + r.sessionId(), e);
        }
    }

    /** The recording of a session, if it was recorded. */
    public Optional<Stored> find(String sessionId) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT session_id, manifest_sha256, directory, files,"
                        + " started_at, stopped_at, manifest FROM session_recording WHERE session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Stored(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getInt(4),
                        rs.getLong(5),
                        rs.getLong(6),
                        rs.getString(7)));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the recording of " + sessionId, e);
        }
    }
}
