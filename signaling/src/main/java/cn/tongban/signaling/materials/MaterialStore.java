package cn.tongban.signaling.materials;

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

/** Rows of the {@code material} table (migration V3): what was uploaded or captured, and the clerk's verdict. */
public final class MaterialStore {
    /** How a file came in. */
    public enum Kind {
        /** Uploaded by the applicant. */
        UPLOAD,
        /** Captured by the clerk from the applicant's document camera. */
        DOCUMENT_STILL,
        /** Captured by the clerk from the applicant's camera for the identity check. */
        FACE_STILL
    }

    /** The clerk's verdict on a material. */
    public enum Status {
        PENDING,
        RECEIVED,
        REPLACE
    }

    /** One stored material. */
    public record Material(
            String materialId,
            String ticketId,
            String sessionId,
            String requirement,
            Kind kind,
            String mime,
            long size,
            String sha256,
            String fileName,
            String uploadedBy,
            long uploadedAt,
            Status status,
            String reason,
            String decidedBy,
            Long decidedAt) {}

    private static final String COLUMNS = "material_id, ticket_id, session_id, requirement, kind, mime, size_bytes,"
            + " sha256, file_name, uploaded_by, uploaded_at, status, reason, decided_by, decided_at";

    private final DataSource ds;

    public MaterialStore(DataSource ds) {
        this.ds = ds;
    }

    public void insert(Material m) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO material (" + COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, m.materialId());
            ps.setString(2, m.ticketId());
            ps.setString(3, m.sessionId());
            ps.setString(4, m.requirement());
            ps.setString(5, m.kind().name());
            ps.setString(6, m.mime());
            ps.setLong(7, m.size());
            ps.setString(8, m.sha256());
            ps.setString(9, m.fileName());
            ps.setString(10, m.uploadedBy());
            ps.setLong(11, m.uploadedAt());
            ps.setString(12, m.status().name());
            ps.setString(13, m.reason());
            ps.setString(14, m.decidedBy());
            if (m.decidedAt() == null) {
                ps.setNull(15, Types.BIGINT);
            } else {
                ps.setLong(15, m.decidedAt());
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot record material " + m.materialId(), e);
        }
    }

    /** Records the clerk's verdict. */
    public void decide(String materialId, Status status, String reason, String by, long at) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE material SET status = ?, reason = ?, decided_by = ?,"
                        + " decided_at = ? WHERE material_id = ?")) {
            ps.setString(1, status.name());
            ps.setString(2, reason);
            ps.setString(3, by);
            ps.setLong(4, at);
            ps.setString(5, materialId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot record the decision on " + materialId, e);
        }
    }

    public Optional<Material> find(String materialId) {
        List<Material> found = query("WHERE material_id = ?", materialId);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** A ticket's materials, oldest first. */
    public List<Material> forTicket(String ticketId) {
        return query("WHERE ticket_id = ? ORDER BY uploaded_at, material_id", ticketId);
    }

    private List<Material> query(String where, String arg) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM material " + where)) {
            ps.setString(1, arg);
            List<Material> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long decided = rs.getLong(15);
                    boolean undecided = rs.wasNull();
                    out.add(new Material(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            Kind.valueOf(rs.getString(5)),
                            rs.getString(6),
                            rs.getLong(7),
                            rs.getString(8),
                            rs.getString(9),
                            rs.getString(10),
                            rs.getLong(11),
                            Status.valueOf(rs.getString(12)),
                            rs.getString(13),
                            rs.getString(14),
                            undecided ? null : decided));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot read materials", e);
        }
    }
}
