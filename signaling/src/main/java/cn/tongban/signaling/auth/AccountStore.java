package cn.tongban.signaling.auth;

import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.StoreException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clerk credentials: user name → Argon2id hash (PHC string), in the relational store's {@code account}
 * table. Every node sharing the database reads the same rows on every login, so a password changed on
 * one node holds on all at once. An {@code accounts.json} left by an older version is imported on first
 * start (accounts already in the database win) and renamed to {@code accounts.json.imported}.
 */
public final class AccountStore {
    private static final Logger LOG = LoggerFactory.getLogger(AccountStore.class);
    private static final String UNIQUE_VIOLATION = "23505";

    // OWASP's Argon2id baseline: 19 MiB, 2 iterations, 1 lane.
    private static final Argon2Function ARGON2 = Argon2Function.getInstance(19 * 1024, 2, 1, 32, Argon2.ID);
    // A fixed hash to verify against for unknown users, so a failed login costs the same either way.
    private static final String DUMMY_HASH =
            Password.hash("no-such-user").addRandomSalt(16).with(ARGON2).getResult();

    private final DataSource ds;
    private final TokenRevocations revocations;

    private AccountStore(DataSource ds) {
        this.ds = ds;
        this.revocations = new JdbcTokenRevocations(ds, java.time.Clock.systemUTC());
    }

    /** Opens the store on a migrated database and imports {@code <dataDir>/accounts.json} if present. */
    public static AccountStore open(DataSource ds, Path dataDir) throws IOException {
        AccountStore store = new AccountStore(ds);
        Path legacy = dataDir.resolve("accounts.json");
        if (Files.exists(legacy)) {
            Map<String, String> hashes = new ObjectMapper().readValue(legacy.toFile(), new TypeReference<>() {});
            int imported = 0;
            for (Map.Entry<String, String> e : hashes.entrySet()) {
                if (store.insertIfAbsent(e.getKey(), e.getValue())) {
                    imported++;
                }
            }
            Files.move(
                    legacy,
                    legacy.resolveSibling("accounts.json.imported"),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            LOG.info("Imported {} of {} account(s) from {} into the database", imported, hashes.size(), legacy);
        }
        return store;
    }

    /**
     * Creates an account with the reference data's initial password for every clerk that has none.
     * Returns the ids of the accounts this call created (another node starting at the same time may
     * create some of them instead; each account is created once).
     */
    public List<String> ensureAccounts(ReferenceData data) {
        List<String> created = new ArrayList<>();
        if (data.initialPassword() == null || data.initialPassword().isBlank()) {
            return created;
        }
        Set<String> existing = usernames();
        // Argon2 is slow by design: hash a large batch of new accounts on all cores.
        Map<String, String> hashes = data.clerks().parallelStream()
                .map(ReferenceData.ClerkProfile::id)
                .filter(id -> !existing.contains(id))
                .distinct()
                .collect(java.util.stream.Collectors.toConcurrentMap(id -> id, id -> hash(data.initialPassword())));
        for (ReferenceData.ClerkProfile c : data.clerks()) {
            String hash = hashes.get(c.id());
            if (hash != null && !created.contains(c.id()) && insertIfAbsent(c.id(), hash)) {
                created.add(c.id());
            }
        }
        if (!created.isEmpty()) {
            LOG.info("Created {} clerk account(s) with the initial password", created.size());
        }
        return created;
    }

    /**
     * Sets (or replaces) a password, and revokes every session token issued to the account so far, on
     * every node ({@link TokenRevocations}).
     */
    public void setPassword(String username, String password) {
        storePassword(username, hash(password));
        revocations.revoke(username);
    }

    private void storePassword(String username, String hash) {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement upd =
                    c.prepareStatement("UPDATE account SET password_hash = ?, updated_at = ? WHERE username = ?")) {
                upd.setString(1, hash);
                upd.setLong(2, System.currentTimeMillis());
                upd.setString(3, username);
                if (upd.executeUpdate() > 0) {
                    return;
                }
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot set the password of " + username, ex);
        }
        if (!insertIfAbsent(username, hash)) {
            // Created by someone else in between: ours is the newer choice.
            storePassword(username, hash);
        }
    }

    /**
     * Deletes an account and revokes its session tokens; the next start (or reference-data reload)
     * re-creates it with the initial password.
     */
    public boolean delete(String username) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM account WHERE username = ?")) {
            ps.setString(1, username);
            boolean deleted = ps.executeUpdate() > 0;
            if (deleted) {
                revocations.revoke(username);
            }
            return deleted;
        } catch (SQLException ex) {
            throw new StoreException("cannot delete account " + username, ex);
        }
    }

    /** Checks a password in roughly constant time whether or not the account exists. */
    public boolean verify(String username, String password) {
        Optional<String> hash = hashOf(username);
        if (hash.isEmpty()) {
            Password.check(password, DUMMY_HASH).with(ARGON2);
            return false;
        }
        return Password.check(password, hash.get()).with(Argon2Function.getInstanceFromHash(hash.get()));
    }

    public Optional<String> hashOf(String username) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT password_hash FROM account WHERE username = ?")) {
            ps.setString(1, username);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot read account " + username, ex);
        }
    }

    /** All account names. */
    public Set<String> usernames() {
        Set<String> out = new HashSet<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT username FROM account");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException ex) {
            throw new StoreException("cannot list accounts", ex);
        }
    }

    private boolean insertIfAbsent(String username, String hash) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO account (username, password_hash, updated_at) VALUES (?, ?, ?)")) {
            ps.setString(1, username);
            ps.setString(2, hash);
            ps.setLong(3, System.currentTimeMillis());
            ps.executeUpdate();
            return true;
        } catch (SQLException ex) {
            if (UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                return false;
            }
            throw new StoreException("cannot create account " + username, ex);
        }
    }

    private static String hash(String password) {
        return Password.hash(password).addRandomSalt(16).with(ARGON2).getResult();
    }
}
