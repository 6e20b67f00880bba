package cn.tongban.signaling.auth;

import cn.tongban.signaling.store.StoreException;
import cn.tongban.signaling.store.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Slows password guessing down with growing delays instead of locking the owner out (docs/security.md,
 * "Sign-in"). Every failed sign-in is counted against three things:
 *
 * <ul>
 *   <li>the account and the client address together ({@link Kind#PAIR}): {@value #PAIR_FREE} failures
 *       free, then each further one doubles the wait before the next attempt is checked, from one second
 *       up to 15 minutes — a guesser is slowed down where they guess from;
 *   <li>the client address, on any account ({@link Kind#ADDRESS}): {@value #ADDRESS_FREE} free, then the
 *       same growth up to 15 minutes — against one address trying many accounts;
 *   <li>the account, from anywhere ({@link Kind#ACCOUNT}): {@value #ACCOUNT_FREE} free, then the same
 *       growth but never more than 30 seconds, so guessing from other addresses costs the owner at most
 *       half a minute; and after {@value #LOCK_AFTER} failures without a success the account is
 *       <em>locked</em> until an operator runs {@code tongban.jar account unlock}.
 * </ul>
 *
 * An attempt made while any of them is waiting, or on a locked account, is refused without being checked
 * ({@link #attempt}). A success clears the account's and the pair's counts; the address's stay. Counts
 * idle for an hour start again from zero (and their rows are deleted); a lock stays until it is cleared.
 * Successes are not counted, so many clerks signing in at once from one address (a hall behind one NAT)
 * hold nobody up.
 *
 * <p>The counts live in the database ({@code login_throttle}), so they hold for the whole cluster, survive
 * restarts, and the command line can clear a lock while the servers run. Each failure is counted in one
 * transaction over the three rows (locked in that order), so concurrent failures on several nodes are all
 * counted.
 */
public final class LoginThrottle {
    static final int PAIR_FREE = 3;
    static final int ADDRESS_FREE = 10;
    static final int ACCOUNT_FREE = 10;
    public static final int LOCK_AFTER = 50;
    static final long FIRST_DELAY_MS = 1000;
    static final long MAX_DELAY_MS = 15 * 60_000;
    static final long MAX_ACCOUNT_DELAY_MS = 30_000;
    static final long FORGET_MS = 3_600_000;
    private static final long SWEEP_EVERY_MS = 10 * 60_000;
    private static final int MAX_KEY = 64;

    /** What an attempt is counted against. */
    public enum Kind {
        ACCOUNT("account", ACCOUNT_FREE, MAX_ACCOUNT_DELAY_MS),
        ADDRESS("address", ADDRESS_FREE, MAX_DELAY_MS),
        PAIR("pair", PAIR_FREE, MAX_DELAY_MS);

        private final String column;
        private final int free;
        private final long maxDelayMs;

        Kind(String column, int free, long maxDelayMs) {
            this.column = column;
            this.free = free;
            this.maxDelayMs = maxDelayMs;
        }
    }

    /** What happens to an attempt. */
    public enum Outcome {
        /** Check the password, then record the failure or the success. */
        ALLOWED,
        /** Refused unchecked: wait {@link Verdict#retryAfterMs}. */
        THROTTLED,
        /** Refused unchecked: the account is locked until an operator unlocks it. */
        LOCKED
    }

    /** The answer to one attempt, with the wait of a throttled one. */
    public record Verdict(Outcome outcome, long retryAfterMs) {
        static final Verdict ALLOWED = new Verdict(Outcome.ALLOWED, 0);
        static final Verdict LOCKED = new Verdict(Outcome.LOCKED, 0);

        /** The wait in whole seconds, at least one (for {@code Retry-After}). */
        public long retryAfterSeconds() {
            return Math.max(1, (retryAfterMs + 999) / 1000);
        }
    }

    private record Row(int failures, long lastFailureAt) {}

    private final DataSource ds;
    private final Clock clock;
    private final AtomicLong lastSweep = new AtomicLong();

    public LoginThrottle(DataSource ds, Clock clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /** The wait after the {@code n}-th failure (from 1) of a {@code kind}. */
    static long delayMs(Kind kind, int n) {
        if (n <= kind.free) {
            return 0;
        }
        int doublings = n - kind.free - 1;
        return doublings >= 30 ? kind.maxDelayMs : Math.min(kind.maxDelayMs, FIRST_DELAY_MS << doublings);
    }

    /** Whether an attempt on {@code username} from {@code address} may have its password checked now. */
    public Verdict attempt(String username, String address) {
        String user = key(username);
        String addr = key(address);
        long now = clock.millis();
        sweepNowAndThen(now);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT blocked_until, locked_at FROM login_throttle"
                        + " WHERE (kind = 'account' AND username = ? AND address = '')"
                        + " OR (kind = 'address' AND username = '' AND address = ?)"
                        + " OR (kind = 'pair' AND username = ? AND address = ?)")) {
            ps.setString(1, user);
            ps.setString(2, addr);
            ps.setString(3, user);
            ps.setString(4, addr);
            long until = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getObject(2) != null) {
                        return Verdict.LOCKED;
                    }
                    until = Math.max(until, rs.getLong(1));
                }
            }
            return until > now ? new Verdict(Outcome.THROTTLED, until - now) : Verdict.ALLOWED;
        } catch (SQLException e) {
            throw new StoreException("cannot read the sign-in counts", e);
        }
    }

    /**
     * Counts a failed attempt (a wrong password, or no such account). Returns true when this failure locked
     * the account (to be reported once).
     */
    public boolean recordFailure(String username, String address) {
        String user = key(username);
        String addr = key(address);
        long now = clock.millis();
        return Transactions.retrying(ds, 5, "cannot count a failed sign-in", c -> {
            int failures = count(c, Kind.ACCOUNT, user, "", now);
            count(c, Kind.ADDRESS, "", addr, now);
            count(c, Kind.PAIR, user, addr, now);
            return failures >= LOCK_AFTER && lock(c, user, now);
        });
    }

    private static boolean live(Row r, long now) {
        return now - r.lastFailureAt() <= FORGET_MS;
    }

    /** One more failure of a key, in the caller's transaction; returns its count. */
    private static int count(Connection c, Kind kind, String user, String addr, long now) throws SQLException {
        Row row;
        try (PreparedStatement ps = c.prepareStatement("SELECT failures, last_failure_at FROM login_throttle"
                + " WHERE kind = ? AND username = ? AND address = ? FOR UPDATE")) {
            ps.setString(1, kind.column);
            ps.setString(2, user);
            ps.setString(3, addr);
            try (ResultSet rs = ps.executeQuery()) {
                row = rs.next() ? new Row(rs.getInt(1), rs.getLong(2)) : null;
            }
        }
        int n = row == null || !live(row, now) ? 1 : row.failures() + 1;
        long blockedUntil = now + delayMs(kind, n);
        String sql = row == null
                ? "INSERT INTO login_throttle (failures, last_failure_at, blocked_until, kind, username, address)"
                        + " VALUES (?, ?, ?, ?, ?, ?)"
                : "UPDATE login_throttle SET failures = ?, last_failure_at = ?, blocked_until = ?"
                        + " WHERE kind = ? AND username = ? AND address = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, n);
            ps.setLong(2, now);
            ps.setLong(3, blockedUntil);
            ps.setString(4, kind.column);
            ps.setString(5, user);
            ps.setString(6, addr);
            ps.executeUpdate();
        }
        return n;
    }

    /** Locks the account unless it is locked already; true when this call locked it. */
    private static boolean lock(Connection c, String user, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE login_throttle SET locked_at = ?"
                + " WHERE kind = 'account' AND username = ? AND address = '' AND locked_at IS NULL")) {
            ps.setLong(1, now);
            ps.setString(2, user);
            return ps.executeUpdate() > 0;
        }
    }

    /** The password was right: the account's and the pair's counts start again (the address's stay). */
    public void recordSuccess(String username, String address) {
        String user = key(username);
        String addr = key(address);
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM login_throttle"
                    + " WHERE kind = 'account' AND username = ? AND address = '' AND locked_at IS NULL")) {
                ps.setString(1, user);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM login_throttle WHERE kind = 'pair' AND username = ? AND address = ?")) {
                ps.setString(1, user);
                ps.setString(2, addr);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot clear the sign-in counts of an account", e);
        }
    }

    /** True when the account is locked until an operator unlocks it. */
    public boolean isLocked(String username) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT locked_at FROM login_throttle"
                        + " WHERE kind = 'account' AND username = ? AND address = '' AND locked_at IS NOT NULL")) {
            ps.setString(1, key(username));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the sign-in counts of an account", e);
        }
    }

    /**
     * Clears the account's lock and every count and wait of the account (from all addresses; the
     * addresses' own counts stay). Returns whether the account was locked.
     */
    public boolean unlock(String username) {
        String user = key(username);
        boolean locked = isLocked(user);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM login_throttle WHERE kind IN ('account', 'pair') AND username = ?")) {
            ps.setString(1, user);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot unlock an account", e);
        }
        return locked;
    }

    /** Deletes counts idle for longer than they are remembered (not locks), at most every ten minutes. */
    private void sweepNowAndThen(long now) {
        long last = lastSweep.get();
        if (now - last < SWEEP_EVERY_MS || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM login_throttle"
                        + " WHERE locked_at IS NULL AND last_failure_at < ? AND blocked_until < ?")) {
            ps.setLong(1, now - FORGET_MS);
            ps.setLong(2, now);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot delete idle sign-in counts", e);
        }
    }

    /** A user name or address as stored: null as empty, at most 64 characters. */
    private static String key(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > MAX_KEY ? s.substring(0, MAX_KEY) : s;
    }
}
