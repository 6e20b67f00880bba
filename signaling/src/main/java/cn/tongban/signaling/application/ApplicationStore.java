package cn.tongban.signaling.application;

import cn.tongban.signaling.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Rows of {@code application}, {@code received_application} and {@code handoff_refusal} (migration V5).
 * Status changes are conditional updates ({@code ... WHERE status = ?}), so two clicks, two nodes or a
 * retry racing a clerk never sign or send one application twice.
 */
final class ApplicationStore {
    /** Where an application is in its signing. */
    enum Status {
        PREPARED,
        INTENT_CONFIRMED,
        APPLICANT_SIGNED,
        /** The clerk's signature and the seal are being applied (a claim; back to APPLICANT_SIGNED on failure). */
        SEALING,
        SEALED
    }

    /** Where an application is in its filing with the owning hall. */
    enum Handoff {
        LOCAL,
        PENDING,
        DELIVERED,
        REFUSED
    }

    record Row(
            String applicationId,
            String ticketId,
            String sessionId,
            String matterId,
            String hallId,
            String partnerHallId,
            String clerkId,
            Status status,
            int pages,
            String formSha256,
            String currentSha256,
            String finalSha256,
            String recordingSha256,
            String applicantSerial,
            Long intentAt,
            Long applicantSignedAt,
            Long sealedAt,
            String verdict,
            Handoff handoff,
            String handoffTarget,
            String handoffReason,
            int handoffAttempts,
            Long handoffNextAt,
            String receiptNo,
            String receiptSha256,
            Long receiptAt,
            String manifestJson,
            long createdAt,
            long updatedAt,
            String sealedBy) {
        /** A freshly prepared application: rendered, nobody has signed it yet. */
        static Row prepared(
                String applicationId,
                String ticketId,
                String sessionId,
                String matterId,
                String hallId,
                String partnerHallId,
                String clerkId,
                int pages,
                String pdfSha256,
                String recordingSha256,
                long at) {
            return new Row(
                    applicationId,
                    ticketId,
                    sessionId,
                    matterId,
                    hallId,
                    partnerHallId,
                    clerkId,
                    Status.PREPARED,
                    pages,
                    pdfSha256,
                    pdfSha256,
                    null,
                    recordingSha256,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    0,
                    null,
                    null,
                    null,
                    null,
                    null,
                    at,
                    at,
                    null);
        }

        /** The clerk whose signature the sealed application carries (the session's clerk unless recorded). */
        String signingClerk() {
            return sealedBy != null ? sealedBy : clerkId;
        }
    }

    record Received(
            String applicationId,
            String receiptNo,
            String fromHallId,
            String owningHallId,
            String matterId,
            String pdfSha256,
            long pdfBytes,
            String receiptSha256,
            String manifestJson,
            long receivedAt) {}

    private static final String COLUMNS = "application_id, ticket_id, session_id, matter_id, hall_id, partner_hall_id,"
            + " clerk_id, status, pages, form_sha256, current_sha256, final_sha256, recording_sha256, applicant_serial,"
            + " intent_at, applicant_signed_at, sealed_at, verdict, handoff_status, handoff_target, handoff_reason,"
            + " handoff_attempts, handoff_next_at, receipt_no, receipt_sha256, receipt_at, manifest_json, created_at, updated_at, sealed_by";

    private final DataSource ds;

    ApplicationStore(DataSource ds) {
        this.ds = ds;
    }

    Optional<Row> forTicket(String ticketId) {
        return one("WHERE ticket_id = ?", ticketId);
    }

    Optional<Row> find(String applicationId) {
        return one("WHERE application_id = ?", applicationId);
    }

    /** Applications waiting to be (re)sent whose time has come, oldest first. */
    List<Row> dueHandoffs(long now) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM application"
                        + " WHERE handoff_status = 'PENDING' AND handoff_next_at <= ? ORDER BY handoff_next_at")) {
            ps.setLong(1, now);
            return rows(ps);
        } catch (SQLException e) {
            throw new StoreException("cannot read the hand-off outbox", e);
        }
    }

    /**
     * A freshly rendered application for the ticket: inserts the row, or replaces one that is still waiting
     * for the applicant's signature (the clerk prepared it again after a correction). False if the ticket's
     * application is already signed.
     */
    boolean putPrepared(Row r) {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE application SET session_id = ?, clerk_id = ?,"
                            + " status = 'PREPARED', pages = ?, form_sha256 = ?, current_sha256 = ?, recording_sha256 = ?,"
                            + " intent_at = NULL, updated_at = ? WHERE ticket_id = ? AND status IN ('PREPARED', 'INTENT_CONFIRMED')")) {
                ps.setString(1, r.sessionId());
                ps.setString(2, r.clerkId());
                ps.setInt(3, r.pages());
                ps.setString(4, r.formSha256());
                ps.setString(5, r.currentSha256());
                ps.setString(6, r.recordingSha256());
                ps.setLong(7, r.updatedAt());
                ps.setString(8, r.ticketId());
                if (ps.executeUpdate() == 1) {
                    return true;
                }
            }
            if (forTicket(r.ticketId()).isPresent()) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO application (" + COLUMNS
                            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(ps, r);
                ps.executeUpdate();
                return true;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot record application " + r.applicationId(), e);
        }
    }

    boolean intentConfirmed(String applicationId, String formSha256, long at) {
        return update(
                "UPDATE application SET status = 'INTENT_CONFIRMED', intent_at = ?, updated_at = ?"
                        + " WHERE application_id = ? AND status = 'PREPARED' AND current_sha256 = ?",
                at,
                at,
                applicationId,
                formSha256);
    }

    boolean applicantSigned(String applicationId, String sha256, String serial, long at) {
        return update(
                "UPDATE application SET status = 'APPLICANT_SIGNED', current_sha256 = ?, applicant_serial = ?,"
                        + " applicant_signed_at = ?, updated_at = ? WHERE application_id = ? AND status = 'INTENT_CONFIRMED'",
                sha256,
                serial,
                at,
                at,
                applicationId);
    }

    /**
     * Claims the application for sealing, as it was seen: {@code APPLICANT_SIGNED}, or {@code SEALING} under a
     * claim that has gone stale (its node died mid-sealing). The claim is the row's new {@code updated_at}
     * ({@code at}): {@link #sealed} and {@link #releaseSealing} only act under it, so a claim taken over never
     * seals too. False if the row changed since it was seen (another clerk or node claimed it first).
     */
    boolean claimSealing(Row seen, long at) {
        if (seen.status() != Status.APPLICANT_SIGNED && seen.status() != Status.SEALING) {
            return false;
        }
        return update(
                "UPDATE application SET status = 'SEALING', updated_at = ? WHERE application_id = ? AND status = ?"
                        + " AND updated_at = ?",
                at,
                seen.applicationId(),
                seen.status().name(),
                seen.updatedAt());
    }

    /** Gives up a claim (sealing failed): the application waits for the clerk again. */
    void releaseSealing(String applicationId, long claimedAt, long at) {
        update(
                "UPDATE application SET status = 'APPLICANT_SIGNED', updated_at = ? WHERE application_id = ?"
                        + " AND status = 'SEALING' AND updated_at = ?",
                at,
                applicationId,
                claimedAt);
    }

    /** Records the sealed application under the claim taken at {@code claimedAt}; false if the claim was lost. */
    boolean sealed(
            String applicationId,
            long claimedAt,
            String sha256,
            String verdict,
            String sealedBy,
            Handoff handoff,
            String target,
            String manifest,
            long nextAt,
            long at) {
        return update(
                "UPDATE application SET status = 'SEALED', current_sha256 = ?, final_sha256 = ?, verdict = ?, sealed_at = ?,"
                        + " sealed_by = ?, handoff_status = ?, handoff_target = ?, handoff_attempts = 0, handoff_next_at = ?,"
                        + " manifest_json = ?, updated_at = ? WHERE application_id = ? AND status = 'SEALING' AND updated_at = ?",
                sha256,
                sha256,
                verdict,
                at,
                sealedBy,
                handoff.name(),
                target,
                nextAt,
                manifest,
                at,
                applicationId,
                claimedAt);
    }

    /**
     * Applications that need a person, oldest change first (at most {@code limit}): signed by the applicant
     * and waiting for the clerk's signature and seal (or being sealed), and sealed ones whose hand-off is
     * refused or still being retried.
     */
    List<Row> unfinished(int limit) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM application"
                        + " WHERE status IN ('APPLICANT_SIGNED', 'SEALING') OR handoff_status IN ('REFUSED', 'PENDING')"
                        + " ORDER BY updated_at, application_id")) {
            ps.setMaxRows(limit);
            return rows(ps);
        } catch (SQLException e) {
            throw new StoreException("cannot read unfinished applications", e);
        }
    }

    /**
     * A refused hand-off goes back to the outbox, due now: the next retry round of any node sends it again.
     * The reason of the refusal stays until the next attempt replaces it. False if it is not refused (any
     * more): already resent by someone else, delivered, or never sealed.
     */
    boolean resend(String applicationId, long at) {
        return update(
                "UPDATE application SET handoff_status = 'PENDING', handoff_next_at = ?, updated_at = ?"
                        + " WHERE application_id = ? AND status = 'SEALED' AND handoff_status = 'REFUSED'",
                at,
                at,
                applicationId);
    }

    /**
     * Takes a due hand-off for one attempt (pushes its next time out by {@code leaseMs}, so another node's
     * retry loop leaves it alone meanwhile); false if someone else took it first.
     */
    boolean claimHandoff(String applicationId, long seenNextAt, long leaseUntil) {
        return update(
                "UPDATE application SET handoff_next_at = ? WHERE application_id = ? AND handoff_status = 'PENDING'"
                        + " AND handoff_next_at = ?",
                leaseUntil,
                applicationId,
                seenNextAt);
    }

    void handoffFailed(String applicationId, String reason, int attempts, long nextAt, long at) {
        update(
                "UPDATE application SET handoff_reason = ?, handoff_attempts = ?, handoff_next_at = ?, updated_at = ?"
                        + " WHERE application_id = ? AND handoff_status = 'PENDING'",
                cut(reason),
                attempts,
                nextAt,
                at,
                applicationId);
    }

    void handoffRefused(String applicationId, String reason, int attempts, long at) {
        update(
                "UPDATE application SET handoff_status = 'REFUSED', handoff_reason = ?, handoff_attempts = ?,"
                        + " handoff_next_at = NULL, updated_at = ? WHERE application_id = ? AND handoff_status IN ('PENDING', 'LOCAL')",
                cut(reason),
                attempts,
                at,
                applicationId);
    }

    void handoffDelivered(
            String applicationId,
            Handoff status,
            String receiptNo,
            String receiptSha256,
            long receivedAt,
            int attempts,
            long at) {
        update(
                "UPDATE application SET handoff_status = ?, handoff_reason = NULL, handoff_attempts = ?, handoff_next_at = NULL,"
                        + " receipt_no = ?, receipt_sha256 = ?, receipt_at = ?, updated_at = ? WHERE application_id = ?",
                status.name(),
                attempts,
                receiptNo,
                receiptSha256,
                receivedAt,
                at,
                applicationId);
    }

    // ---------------------------------------------------------------- the owning hall's side

    Optional<Received> received(String applicationId) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT application_id, receipt_no, from_hall_id,"
                        + " owning_hall_id, matter_id, pdf_sha256, pdf_bytes, receipt_sha256, manifest_json, received_at"
                        + " FROM received_application WHERE application_id = ?")) {
            ps.setString(1, applicationId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Received(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getLong(7),
                        rs.getString(8),
                        rs.getString(9),
                        rs.getLong(10)));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read received applications", e);
        }
    }

    /** Records an accepted package; false if the application was received meanwhile (a concurrent retry). */
    boolean insertReceived(Received r) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO received_application (application_id, receipt_no,"
                                + " from_hall_id, owning_hall_id, matter_id, pdf_sha256, pdf_bytes, receipt_sha256, manifest_json,"
                                + " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, r.applicationId());
            ps.setString(2, r.receiptNo());
            ps.setString(3, r.fromHallId());
            ps.setString(4, r.owningHallId());
            ps.setString(5, r.matterId());
            ps.setString(6, r.pdfSha256());
            ps.setLong(7, r.pdfBytes());
            ps.setString(8, r.receiptSha256());
            ps.setString(9, r.manifestJson());
            ps.setLong(10, r.receivedAt());
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (received(r.applicationId()).isPresent()) {
                return false;
            }
            throw new StoreException("cannot record received application " + r.applicationId(), e);
        }
    }

    void insertRefusal(
            String refusalId,
            String applicationId,
            String fromHallId,
            String reason,
            String detail,
            String sha256,
            long at) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO handoff_refusal (refusal_id, application_id,"
                        + " from_hall_id, reason, detail, pdf_sha256, refused_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, refusalId);
            ps.setString(2, applicationId);
            ps.setString(3, fromHallId);
            ps.setString(4, reason);
            ps.setString(5, cut(detail));
            ps.setString(6, sha256);
            ps.setLong(7, at);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot record a refused hand-off", e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String cut(String s) {
        return s == null || s.length() <= 480 ? s : s.substring(0, 480) + "…";
    }

    private boolean update(String sql, Object... args) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                set(ps, i + 1, args[i]);
            }
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("cannot update an application", e);
        }
    }

    private static void set(PreparedStatement ps, int i, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else if (v instanceof Long l) {
            ps.setLong(i, l);
        } else if (v instanceof Integer n) {
            ps.setInt(i, n);
        } else {
            ps.setString(i, v.toString());
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static void bind(PreparedStatement ps, Row r) throws SQLException {
        ps.setString(1, r.applicationId());
        ps.setString(2, r.ticketId());
        ps.setString(3, r.sessionId());
        ps.setString(4, r.matterId());
        ps.setString(5, r.hallId());
        ps.setString(6, r.partnerHallId());
        ps.setString(7, r.clerkId());
        ps.setString(8, r.status().name());
        ps.setInt(9, r.pages());
        ps.setString(10, r.formSha256());
        ps.setString(11, r.currentSha256());
        ps.setString(12, r.finalSha256());
        ps.setString(13, r.recordingSha256());
        ps.setString(14, r.applicantSerial());
        setLong(ps, 15, r.intentAt());
        setLong(ps, 16, r.applicantSignedAt());
        setLong(ps, 17, r.sealedAt());
        ps.setString(18, r.verdict());
        ps.setString(19, r.handoff() == null ? null : r.handoff().name());
        ps.setString(20, r.handoffTarget());
        ps.setString(21, r.handoffReason());
        ps.setInt(22, r.handoffAttempts());
        setLong(ps, 23, r.handoffNextAt());
        ps.setString(24, r.receiptNo());
        ps.setString(25, r.receiptSha256());
        setLong(ps, 26, r.receiptAt());
        ps.setString(27, r.manifestJson());
        ps.setLong(28, r.createdAt());
        ps.setLong(29, r.updatedAt());
        ps.setString(30, r.sealedBy());
    }

    private Optional<Row> one(String where, String arg) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM application " + where)) {
            ps.setString(1, arg);
            List<Row> found = rows(ps);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        } catch (SQLException e) {
            throw new StoreException("cannot read applications", e);
        }
    }

    private static List<Row> rows(PreparedStatement ps) throws SQLException {
        List<Row> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String handoff = rs.getString(19);
                out.add(new Row(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        Status.valueOf(rs.getString(8)),
                        rs.getInt(9),
                        rs.getString(10),
                        rs.getString(11),
                        rs.getString(12),
                        rs.getString(13),
                        rs.getString(14),
                        nullableLong(rs, 15),
                        nullableLong(rs, 16),
                        nullableLong(rs, 17),
                        rs.getString(18),
                        handoff == null ? null : Handoff.valueOf(handoff),
                        rs.getString(20),
                        rs.getString(21),
                        rs.getInt(22),
                        nullableLong(rs, 23),
                        rs.getString(24),
                        rs.getString(25),
                        nullableLong(rs, 26),
                        rs.getString(27),
                        rs.getLong(28),
                        rs.getLong(29),
                        rs.getString(30)));
            }
        }
        return out;
    }

    private static Long nullableLong(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }
}
