package cn.tongban.signaling.pki;

import cn.tongban.docsign.pki.IssuanceRegister;
import cn.tongban.signaling.store.StoreException;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * The PKI's issued certificates in the relational store (table {@code issued_certificate}), shared by the
 * nodes of a cluster on one database: any node's OCSP responder vouches for a certificate any node issued
 * (an applicant certified on the node of their connection, sealed on the clerk's).
 */
public final class JdbcIssuanceRegister implements IssuanceRegister {
    private static final String UNIQUE_VIOLATION = "23505";
    private final DataSource ds;

    public JdbcIssuanceRegister(DataSource ds) {
        this.ds = ds;
    }

    @Override
    public void issued(String caId, BigInteger serial, Instant at) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO issued_certificate (ca_id, serial, issued_at) VALUES (?, ?, ?)")) {
            ps.setString(1, caId);
            ps.setString(2, serial.toString(16));
            ps.setLong(3, at.toEpochMilli());
            ps.executeUpdate();
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new StoreException("cannot record the issued certificate " + serial.toString(16), e);
            }
        }
    }

    @Override
    public boolean wasIssued(String caId, BigInteger serial) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT 1 FROM issued_certificate WHERE ca_id = ? AND serial = ?")) {
            ps.setString(1, caId);
            ps.setString(2, serial.toString(16));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the issued certificates", e);
        }
    }
}
