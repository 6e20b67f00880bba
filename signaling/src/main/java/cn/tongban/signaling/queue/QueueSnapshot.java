package cn.tongban.signaling.queue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queues across a stop of the whole cluster (a single-node hall's upgrade): the last member to stop
 * writes the waiting tickets and the ticket-number counters to the database ({@code queue_snapshot}), and
 * the first member of the next start puts them back before it serves — claimed in one transaction, so that
 * of two members starting at once only one restores. Applicants whose pages reconnect within the resume grace
 * then resume with their token, number and place; numbers go on from where they were.
 *
 * <p>Only a stop saves: a node killed outright loses its queue as before (the tickets live in the cluster's
 * memory). Live sessions are not saved: a node drains first ({@link QueueService#startDraining}).
 */
public final class QueueSnapshot {
    private static final Logger LOG = LoggerFactory.getLogger(QueueSnapshot.class);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * A snapshot older than this is not restored (and is deleted): its applicants' resume grace ran out long
     * ago, and bringing back a stale queue — after a crash weeks later, say — would only confuse.
     */
    static final long MAX_AGE_MS = java.time.Duration.ofMinutes(30).toMillis();

    private QueueSnapshot() {}

    /** Writes the waiting tickets and the counters (replacing any older snapshot); returns the tickets saved. */
    public static int save(QueueService queue, DataSource db, Clock clock) throws SQLException {
        List<TicketRecord> waiting = queue.waitingTickets();
        Map<String, Integer> counters = queue.numberCounters();
        long now = clock.millis();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement();
                    PreparedStatement ins = c.prepareStatement(
                            "INSERT INTO queue_snapshot (kind, item_key, item_value, saved_at) VALUES (?, ?, ?, ?)")) {
                st.executeUpdate("DELETE FROM queue_snapshot");
                for (TicketRecord t : waiting) {
                    add(ins, "ticket", t.ticketId(), JSON.writeValueAsString(t), now);
                }
                for (Map.Entry<String, Integer> e : counters.entrySet()) {
                    add(ins, "counter", e.getKey(), String.valueOf(e.getValue()), now);
                }
                ins.executeBatch();
                c.commit();
            } catch (SQLException | IOException | RuntimeException e) {
                c.rollback();
                throw e instanceof SQLException s ? s : new SQLException("cannot save the queues", e);
            }
        }
        LOG.info("Saved {} waiting tickets for the next start", waiting.size());
        return waiting.size();
    }

    /**
     * Puts a saved snapshot back and deletes it, if there is one and the cluster holds no ticket yet; returns
     * the tickets restored.
     */
    public static int restore(QueueService queue, DataSource db, Clock clock) throws SQLException {
        if (queue.hasTickets()) {
            return 0;
        }
        long now = clock.millis();
        List<TicketRecord> tickets = new ArrayList<>();
        Map<String, Integer> counters = new HashMap<>();
        int stale = 0;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (Statement st = c.createStatement();
                        ResultSet rs =
                                st.executeQuery("SELECT kind, item_key, item_value FROM queue_snapshot FOR UPDATE")) {
                    while (rs.next()) {
                        String kind = rs.getString(1);
                        if (kind.equals("ticket")) {
                            tickets.add(JSON.readValue(rs.getString(3), TicketRecord.class));
                        } else if (kind.equals("counter")) {
                            counters.put(rs.getString(2), Integer.parseInt(rs.getString(3)));
                        }
                    }
                }
                if (tickets.isEmpty() && counters.isEmpty() && stale == 0) {
                    c.rollback();
                    return 0;
                }
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("DELETE FROM queue_snapshot");
                }
                // Into the cluster before the claim commits: if that fails, the rows stay for the next start.
                queue.restoreWaiting(tickets, counters);
                c.commit();
            } catch (SQLException | IOException | RuntimeException e) {
                c.rollback();
                throw e instanceof SQLException s ? s : new SQLException("cannot restore the queues", e);
            }
        }
        if (stale > 0) {
            LOG.info("Dropped a queue snapshot of {} entries older than {} minutes", stale, MAX_AGE_MS / 60_000);
        }
        LOG.info("Restored {} waiting tickets saved when the cluster last stopped", tickets.size());
        return tickets.size();
    }

    /**
     * A snapshot that cannot be read (a later build renamed a ticket's state, say) must not keep the node from
     * starting: its rows are kept aside (kind {@code bad-…}) for an operator and the node starts with empty queues.
     */
    public static void setAside(DataSource db) throws SQLException {
        try (Connection c = db.getConnection();
                Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE queue_snapshot SET kind = 'bad-' || kind WHERE kind IN ('ticket', 'counter')");
        }
    }

    private static void add(PreparedStatement ins, String kind, String key, String value, long now)
            throws SQLException {
        ins.setString(1, kind);
        ins.setString(2, key);
        ins.setString(3, value);
        ins.setLong(4, now);
        ins.addBatch();
    }
}
