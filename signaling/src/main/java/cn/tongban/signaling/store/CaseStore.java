package cn.tongban.signaling.store;

import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Finished sessions ("cases") in the relational store: one row each, written once when the session ends for good. */
public final class CaseStore {
    /** A stored case, as read back. */
    public record Case(
            String sessionId,
            String ticketNumber,
            String matterId,
            String hallId,
            String clerkId,
            String state,
            String outcome,
            String note,
            long startedAt,
            long closedAt) {}

    /** SQLSTATE of a unique-key violation, the same on H2 and PostgreSQL. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource ds;

    public CaseStore(DataSource ds) {
        this.ds = ds;
    }

    /**
     * Records a closed or aborted session. Recording the same session twice is a no-op, also when two
     * nodes record it at the same moment (the primary key decides; the loser's insert is ignored).
     */
    public void record(SessionRecord s, TicketRecord t, long closedAt) {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO case_record (session_id, ticket_id, ticket_number,"
                            + " matter_id, hall_id, partner_hall_id, clerk_id, applicant_name, applicant_mobile, state, outcome,"
                            + " note, ended_by, end_reason, started_at, ended_at, closed_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, s.sessionId());
                ps.setString(2, t.ticketId());
                ps.setString(3, t.number());
                ps.setString(4, t.matterId());
                ps.setString(5, t.hallId());
                ps.setString(6, t.partnerHallId());
                ps.setString(7, s.clerkId());
                ps.setString(8, t.name());
                ps.setString(9, t.mobile());
                ps.setString(10, s.state().name());
                ps.setString(11, s.outcome() == null ? null : s.outcome().name());
                ps.setString(12, s.note());
                ps.setString(13, s.endedBy());
                ps.setString(14, s.endReason());
                ps.setLong(15, s.startedAt());
                ps.setLong(16, s.endedAt() == 0 ? closedAt : s.endedAt());
                ps.setLong(17, closedAt);
                ps.executeUpdate();
            } catch (SQLException ex) {
                if (!UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                    throw ex;
                }
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot record case " + s.sessionId(), ex);
        }
    }

    /** The most recent cases of a hall, newest first. */
    public List<Case> recent(String hallId, int limit) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT session_id, ticket_number, matter_id, hall_id, clerk_id,"
                                + " state, outcome, note, started_at, closed_at FROM case_record WHERE hall_id = ?"
                                + " ORDER BY closed_at DESC LIMIT " + Math.max(1, Math.min(limit, 1000)))) {
            ps.setString(1, hallId);
            List<Case> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Case(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getString(7),
                            rs.getString(8),
                            rs.getLong(9),
                            rs.getLong(10)));
                }
            }
            return out;
        } catch (SQLException ex) {
            throw new StoreException("cannot read cases", ex);
        }
    }
}
