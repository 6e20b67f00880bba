package cn.tongban.signaling.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import javax.sql.DataSource;

/**
 * One transaction, run again from the start when it collided with another one: the counters several nodes
 * change at once (sign-in throttle, verification codes) read their rows {@code FOR UPDATE} and insert a row
 * when there is none, which two first attempts can both try. Portable over H2 and PostgreSQL.
 */
public final class Transactions {
    // Unique violation (two first attempts inserting one row), deadlock, serialization failure, H2's
    // concurrent update and lock timeout.
    private static final Set<String> RETRY = Set.of("23505", "40001", "40P01", "90131", "HYT00");

    private Transactions() {}

    /** What runs in the transaction; it may be run several times. */
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction and commits what it did, up to {@code attempts} times when it
     * collided; a runtime exception rolls back and is rethrown. Failures of the database are wrapped in a
     * {@link StoreException} saying {@code what} could not be done.
     */
    public static <T> T retrying(DataSource ds, int attempts, String what, Work<T> work) {
        for (int tries = 1; ; tries++) {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException e) {
                    c.rollback();
                    if (tries < attempts && RETRY.contains(e.getSQLState())) {
                        continue;
                    }
                    throw e;
                } catch (RuntimeException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw new StoreException(what, e);
            }
        }
    }
}
