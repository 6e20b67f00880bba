package cn.tongban.signaling.form;

import cn.tongban.signaling.store.StoreException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Declaration drafts in the relational store ({@code declaration_draft}, migration V3), one per ticket.
 * Only the applicant's browser writes values (it is the source of truth); writes are optimistic on
 * {@code version} so that two nodes never lose each other's update silently.
 */
public final class DraftStore {
    /** Largest serialized values object kept (a declaration is a few kilobytes). */
    public static final int MAX_VALUES_CHARS = 60_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Status of a declaration. */
    public enum Status {
        DRAFT,
        SUBMITTED
    }

    /** One stored declaration. {@code values} is a copy: change it and {@link #save} a new draft. */
    public record Draft(
            String ticketId,
            String sessionId,
            String matterId,
            int step,
            ObjectNode values,
            Status status,
            long version,
            long createdAt,
            long updatedAt,
            Long submittedAt) {
        public Draft {
            values = values.deepCopy();
        }

        public Draft with(String newSessionId, int newStep, ObjectNode newValues, long at) {
            return new Draft(
                    ticketId, newSessionId, matterId, newStep, newValues, status, version, createdAt, at, submittedAt);
        }

        public Draft submitted(long at) {
            return new Draft(ticketId, sessionId, matterId, step, values, Status.SUBMITTED, version, createdAt, at, at);
        }
    }

    private final DataSource ds;

    public DraftStore(DataSource ds) {
        this.ds = ds;
    }

    public Optional<Draft> find(String ticketId) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT ticket_id, session_id, matter_id, step, values_json,"
                        + " status, version, created_at, updated_at, submitted_at FROM declaration_draft"
                        + " WHERE ticket_id = ?")) {
            ps.setString(1, ticketId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long submitted = rs.getLong(10);
                boolean noSubmit = rs.wasNull();
                return Optional.of(new Draft(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getInt(4),
                        (ObjectNode) JSON.readTree(rs.getString(5)),
                        Status.valueOf(rs.getString(6)),
                        rs.getLong(7),
                        rs.getLong(8),
                        rs.getLong(9),
                        noSubmit ? null : submitted));
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new StoreException("cannot read the declaration of " + ticketId, e);
        }
    }

    /**
     * Inserts a new draft (version 1) or updates the stored one if its version is still {@code
     * draft.version()}; returns the stored draft with its new version, or empty when someone else wrote
     * first (read again and retry).
     */
    public Optional<Draft> save(Draft draft) {
        String json;
        try {
            json = JSON.writeValueAsString(draft.values());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (json.length() > MAX_VALUES_CHARS) {
            throw new IllegalArgumentException("declaration values of " + json.length() + " characters");
        }
        try (Connection c = ds.getConnection()) {
            if (draft.version() == 0) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO declaration_draft (ticket_id, session_id,"
                        + " matter_id, step, values_json, status, version, created_at, updated_at, submitted_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)")) {
                    ps.setString(1, draft.ticketId());
                    ps.setString(2, draft.sessionId());
                    ps.setString(3, draft.matterId());
                    ps.setInt(4, draft.step());
                    ps.setString(5, json);
                    ps.setString(6, draft.status().name());
                    ps.setLong(7, draft.createdAt());
                    ps.setLong(8, draft.updatedAt());
                    setSubmitted(ps, 9, draft);
                    ps.executeUpdate();
                } catch (SQLException e) {
                    if (isDuplicate(e)) {
                        return Optional.empty();
                    }
                    throw e;
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement("UPDATE declaration_draft SET session_id = ?, step = ?,"
                        + " values_json = ?, status = ?, version = version + 1, updated_at = ?, submitted_at = ?"
                        + " WHERE ticket_id = ? AND version = ?")) {
                    ps.setString(1, draft.sessionId());
                    ps.setInt(2, draft.step());
                    ps.setString(3, json);
                    ps.setString(4, draft.status().name());
                    ps.setLong(5, draft.updatedAt());
                    setSubmitted(ps, 6, draft);
                    ps.setString(7, draft.ticketId());
                    ps.setLong(8, draft.version());
                    if (ps.executeUpdate() == 0) {
                        return Optional.empty();
                    }
                }
            }
            return Optional.of(new Draft(
                    draft.ticketId(),
                    draft.sessionId(),
                    draft.matterId(),
                    draft.step(),
                    draft.values(),
                    draft.status(),
                    draft.version() + 1,
                    draft.createdAt(),
                    draft.updatedAt(),
                    draft.submittedAt()));
        } catch (SQLException e) {
            throw new StoreException("cannot store the declaration of " + draft.ticketId(), e);
        }
    }

    private static void setSubmitted(PreparedStatement ps, int index, Draft draft) throws SQLException {
        if (draft.submittedAt() == null) {
            ps.setNull(index, java.sql.Types.BIGINT);
        } else {
            ps.setLong(index, draft.submittedAt());
        }
    }

    private static boolean isDuplicate(SQLException e) {
        // SQLState class 23: integrity constraint violation (H2 23505, PostgreSQL 23505).
        return e.getSQLState() != null && e.getSQLState().startsWith("23");
    }
}
