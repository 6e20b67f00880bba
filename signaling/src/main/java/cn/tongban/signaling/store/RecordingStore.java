package cn.tongban.signaling.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Archived session recordings in the relational store, one row per segment (table {@code
 * recording_segment}, migration V13). A session is recorded in one segment on the bridge where it started,
 * and in one more on each bridge its media moved to when a node died; the segment cut off by the death is
 * added when its node starts again ({@link Segment#recovered()}). Rows that a node of the build before
 * segments writes into {@code session_recording} during a rolling upgrade are read as segment {@code "."}.
 */
public final class RecordingStore {
    /**
     * One archived segment.
     *
     * @param segmentId the segment's directory under the session's recording directory ({@code "."} for a
     *     recording of a build before segments, kept in the session's directory itself)
     * @param node the name of the node whose recording disk holds the files (null for rows of that build)
     * @param manifestSha256 hex SHA-256 of {@code manifest}'s bytes as archived
     * @param startedAt when the segment's recording started (epoch millis)
     * @param stoppedAt when it stopped, or for a recovered segment when its last data reached the disk
     * @param recovered finished after its node died mid-recording: it ends where its data stopped
     * @param manifest the manifest.json text
     */
    public record Segment(
            String sessionId,
            String segmentId,
            String node,
            String manifestSha256,
            String directory,
            int files,
            long startedAt,
            long stoppedAt,
            boolean recovered,
            String manifest) {}

    /** A session's recording: its archived segments in the order they started. */
    public record Recording(String sessionId, List<Segment> segments) {
        public Recording {
            segments = List.copyOf(segments);
        }
    }

    /** SQLSTATE of a unique-key violation, the same on H2 and PostgreSQL. */
    private static final String UNIQUE_VIOLATION = "23505";

    private static final String COLUMNS = "session_id, segment_id, node, manifest_sha256, directory, files,"
            + " started_at, stopped_at, recovered, manifest";

    private final DataSource ds;

    public RecordingStore(DataSource ds) {
        this.ds = ds;
    }

    /**
     * Archives a segment. The first save of a session's segment wins: a second one (the same segment archived
     * again, also by two processes at once) changes nothing and returns false.
     */
    public boolean save(Segment s, long archivedAt) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO recording_segment (" + COLUMNS
                        + ", archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, s.sessionId());
            ps.setString(2, s.segmentId());
            ps.setString(3, s.node());
            ps.setString(4, s.manifestSha256());
            ps.setString(5, s.directory());
            ps.setInt(6, s.files());
            ps.setLong(7, s.startedAt());
            ps.setLong(8, s.stoppedAt());
            ps.setBoolean(9, s.recovered());
            ps.setString(10, s.manifest());
            ps.setLong(11, archivedAt);
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                return false;
            }
            throw new StoreException("cannot archive the recording of " + s.sessionId(), e);
        }
    }

    /** The archived segments of a session, if any. */
    public Optional<Recording> find(String sessionId) {
        try (Connection c = ds.getConnection()) {
            List<Segment> segments = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM recording_segment WHERE session_id = ? ORDER BY started_at, segment_id")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        segments.add(new Segment(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getInt(6),
                                rs.getLong(7),
                                rs.getLong(8),
                                rs.getBoolean(9),
                                rs.getString(10)));
                    }
                }
            }
            if (segments.stream().noneMatch(s -> s.segmentId().equals("."))) {
                previousBuild(c, sessionId).ifPresent(segments::add);
                segments.sort((a, b) -> Long.compare(a.startedAt(), b.startedAt()));
            }
            return segments.isEmpty() ? Optional.empty() : Optional.of(new Recording(sessionId, segments));
        } catch (SQLException e) {
            throw new StoreException("cannot read the recording of " + sessionId, e);
        }
    }

    /** Whether this segment of the session is archived. */
    public boolean archived(String sessionId, String segmentId) {
        return find(sessionId)
                .map(r -> r.segments().stream().anyMatch(s -> s.segmentId().equals(segmentId)))
                .orElse(false);
    }

    private static Optional<Segment> previousBuild(Connection c, String sessionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT manifest_sha256, directory, files, started_at,"
                + " stopped_at, manifest FROM session_recording WHERE session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Segment(
                        sessionId,
                        ".",
                        null,
                        rs.getString(1),
                        rs.getString(2),
                        rs.getInt(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        false,
                        rs.getString(6)));
            }
        }
    }
}
