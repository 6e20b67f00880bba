package cn.tongban.signaling.auth;

import cn.tongban.signaling.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import javax.sql.DataSource;

/** Token generations in the database's {@code token_generation} table, shared by every node. */
public final class JdbcTokenRevocations implements TokenRevocations {
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource ds;
    private final Clock clock;

    public JdbcTokenRevocations(DataSource ds, Clock clock) {
        this.ds = ds;
        this.clock = clock;
    }

    @Override
    public long generation(String clerkId) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT generation FROM token_generation WHERE username = ?")) {
            ps.setString(1, clerkId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot read the token generation of a clerk", ex);
        }
    }

    @Override
    public void revoke(String clerkId) {
        // An atomic increment; the first revocation of a clerk inserts the row (a concurrent first one that
        // loses the race increments the winner's instead).
        for (int attempt = 0; attempt < 3; attempt++) {
            try (Connection c = ds.getConnection()) {
                try (PreparedStatement upd = c.prepareStatement(
                        "UPDATE token_generation SET generation = generation + 1, revoked_at = ? WHERE username = ?")) {
                    upd.setLong(1, clock.millis());
                    upd.setString(2, clerkId);
                    if (upd.executeUpdate() > 0) {
                        return;
                    }
                }
                try (PreparedStatement ins = c.prepareStatement(
                        "INSERT INTO token_generation (username, generation, revoked_at) VALUES (?, 1, ?)")) {
                    ins.setString(1, clerkId);
                    ins.setLong(2, clock.millis());
                    ins.executeUpdate();
                    return;
                }
            } catch (SQLException ex) {
                if (!UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                    throw new StoreException("cannot revoke the tokens of a clerk", ex);
                }
            }
        }
        throw new StoreException("cannot revoke the tokens of a clerk: the row keeps changing", null);
    }
}
