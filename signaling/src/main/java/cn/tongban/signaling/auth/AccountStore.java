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
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
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
 *
 * <p>A password somebody else chose for the clerk — made by {@code tongban.jar setup}, or a one-time
 * password from {@code tongban.jar account reset} — marks the account <em>must change</em>: {@link #check}
 * then answers {@link Check#CHANGE_REQUIRED} instead of {@link Check#OK} until the clerk sets a password of
 * their own ({@link #setPassword}). A one-time password also has an expiry, after which it is {@link
 * Check#EXPIRED}. Accounts created from the reference data's published initial password (the demo) are not
 * marked.
 */
public final class AccountStore {
    private static final Logger LOG = LoggerFactory.getLogger(AccountStore.class);
    private static final String UNIQUE_VIOLATION = "23505";

    // OWASP's Argon2id baseline: 19 MiB, 2 iterations, 1 lane.
    private static final Argon2Function ARGON2 = Argon2Function.getInstance(19 * 1024, 2, 1, 32, Argon2.ID);
    // A fixed hash to verify against for unknown users, so a failed login costs the same either way.
    private static final String DUMMY_HASH =
            Password.hash("no-such-user").addRandomSalt(16).with(ARGON2).getResult();

    // Generated one-time passwords: no 0/O, 1/l/I, in groups of four (about 93 bits).
    private static final String ONE_TIME_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a password check found. */
    public enum Check {
        /** The password is right: sign the clerk in. */
        OK,
        /** No such account, or a wrong password. */
        WRONG,
        /** The password is right, but somebody else chose it: the clerk must set their own first. */
        CHANGE_REQUIRED,
        /** The password is a one-time password whose validity has passed. */
        EXPIRED
    }

    private final DataSource ds;
    private final TokenRevocations revocations;
    private final Clock clock;

    private AccountStore(DataSource ds, Clock clock) {
        this.ds = ds;
        this.clock = clock;
        this.revocations = new JdbcTokenRevocations(ds, clock);
    }

    /** Opens the store on a migrated database and imports {@code <dataDir>/accounts.json} if present. */
    public static AccountStore open(DataSource ds, Path dataDir) throws IOException {
        return open(ds, dataDir, Clock.systemUTC());
    }

    /** As {@link #open(DataSource, Path)}, with the clock one-time passwords expire by. */
    public static AccountStore open(DataSource ds, Path dataDir, Clock clock) throws IOException {
        AccountStore store = new AccountStore(ds, clock);
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
     * Sets (or replaces) the clerk's own password, clearing a must-change mark and a one-time password's
     * expiry, and revokes every session token issued to the account so far, on every node ({@link
     * TokenRevocations}).
     */
    public void setPassword(String username, String password) {
        storePassword(username, hash(password), false, null);
        revocations.revoke(username);
    }

    /**
     * Sets a password that somebody else chose for the clerk (typed at {@code tongban.jar setup}): accepted
     * without a time limit, but only to set a password of the clerk's own. Revokes the account's tokens.
     */
    public void setInitialPassword(String username, String password) {
        storePassword(username, hash(password), true, null);
        revocations.revoke(username);
    }

    /**
     * Replaces the account's password with a generated one-time password, valid for {@code validity} and only
     * to set a password of the clerk's own, and revokes the account's tokens; creates the account if it has
     * none. Returns the password: shown once to the operator, never stored or logged in clear.
     */
    public String issueOneTimePassword(String username, Duration validity) {
        String password = oneTimePassword();
        storePassword(username, hash(password), true, clock.millis() + validity.toMillis());
        revocations.revoke(username);
        return password;
    }

    /** A fresh random one-time password, e.g. {@code Hq7c-9xkT-mPa3-2bWe}. */
    static String oneTimePassword() {
        StringBuilder sb = new StringBuilder(19);
        for (int i = 0; i < 16; i++) {
            if (i > 0 && i % 4 == 0) {
                sb.append('-');
            }
            sb.append(ONE_TIME_ALPHABET.charAt(RANDOM.nextInt(ONE_TIME_ALPHABET.length())));
        }
        return sb.toString();
    }

    private void storePassword(String username, String hash, boolean mustChange, Long expiresAt) {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement upd = c.prepareStatement("UPDATE account SET password_hash = ?, updated_at = ?,"
                    + " must_change = ?, expires_at = ? WHERE username = ?")) {
                upd.setString(1, hash);
                upd.setLong(2, clock.millis());
                upd.setBoolean(3, mustChange);
                if (expiresAt == null) {
                    upd.setNull(4, Types.BIGINT);
                } else {
                    upd.setLong(4, expiresAt);
                }
                upd.setString(5, username);
                if (upd.executeUpdate() > 0) {
                    return;
                }
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot set the password of " + username, ex);
        }
        if (!insert(username, hash, mustChange, expiresAt)) {
            // Created by someone else in between: ours is the newer choice.
            storePassword(username, hash, mustChange, expiresAt);
        }
    }

    /**
     * Deletes an account and revokes its session tokens; when the reference data has a (demo) initial
     * password, the next start or reference-data reload re-creates it with that password.
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
        return check(username, password) == Check.OK;
    }

    /**
     * Checks a password in roughly constant time whether or not the account exists, and says whether it
     * may sign the clerk in ({@link Check}). An expired or must-change password is reported only when it is
     * right: a wrong one is {@link Check#WRONG} whatever the account's state.
     */
    public Check check(String username, String password) {
        Row row = row(username).orElse(null);
        if (row == null) {
            Password.check(password, DUMMY_HASH).with(ARGON2);
            return Check.WRONG;
        }
        if (!Password.check(password, row.hash()).with(Argon2Function.getInstanceFromHash(row.hash()))) {
            return Check.WRONG;
        }
        if (row.expiresAt() != null && clock.millis() >= row.expiresAt()) {
            return Check.EXPIRED;
        }
        return row.mustChange() ? Check.CHANGE_REQUIRED : Check.OK;
    }

    private record Row(String hash, boolean mustChange, Long expiresAt) {}

    private Optional<Row> row(String username) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT password_hash, must_change, expires_at FROM account WHERE username = ?")) {
            ps.setString(1, username);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String hash = rs.getString(1);
                boolean mustChange = rs.getBoolean(2);
                long expires = rs.getLong(3);
                return Optional.of(new Row(hash, mustChange, rs.wasNull() ? null : expires));
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot read account " + username, ex);
        }
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
        return insert(username, hash, false, null);
    }

    private boolean insert(String username, String hash, boolean mustChange, Long expiresAt) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO account (username, password_hash, updated_at,"
                        + " must_change, expires_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, username);
            ps.setString(2, hash);
            ps.setLong(3, clock.millis());
            ps.setBoolean(4, mustChange);
            if (expiresAt == null) {
                ps.setNull(5, Types.BIGINT);
            } else {
                ps.setLong(5, expiresAt);
            }
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
