package cn.tongban.signaling.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Named secrets shared by every node of an installation ({@code installation_secret}). The first node to
 * ask for a secret creates it; a node that loses that race reads the winner's, so all nodes end up with
 * the same value.
 */
public final class InstallationSecrets {
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource ds;

    public InstallationSecrets(DataSource ds) {
        this.ds = ds;
    }

    /** The secret called {@code name}, created from {@code initial} if there is none yet. */
    public String getOrCreate(String name, Supplier<String> initial) {
        Optional<String> existing = get(name);
        if (existing.isPresent()) {
            return existing.get();
        }
        String value = initial.get();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO installation_secret (name, secret, created_at) VALUES (?, ?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, value);
            ps.setLong(3, System.currentTimeMillis());
            ps.executeUpdate();
            return value;
        } catch (SQLException ex) {
            if (UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                return get(name).orElseThrow(() -> new StoreException("secret " + name + " vanished", ex));
            }
            throw new StoreException("cannot store secret " + name, ex);
        }
    }

    /** The secret called {@code name}, if it exists. */
    public Optional<String> get(String name) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT secret FROM installation_secret WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot read secret " + name, ex);
        }
    }
}
