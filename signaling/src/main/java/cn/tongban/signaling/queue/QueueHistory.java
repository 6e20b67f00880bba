package cn.tongban.signaling.queue;

import cn.tongban.signaling.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the supervisor's charts show of a day, kept in the database so that it survives restarts and reads the
 * same on every node (tables {@code queue_wait} and {@code queue_sample}, migration V18): each take's wait, and
 * a sample of every queue once a minute. Only hall and matter ids and numbers: no ticket, applicant or clerk.
 *
 * <p>Every node samples: the first write of a minute wins (the key is minute, hall and matter), a node that
 * finds the minute written skips it, so two nodes sampling at once cost a few refused inserts at most. Rows
 * older than {@link #KEEP} are deleted once an hour.
 */
public final class QueueHistory {
    private static final Logger LOG = LoggerFactory.getLogger(QueueHistory.class);

    /** How long history is kept. */
    public static final Duration KEEP = Duration.ofDays(90);

    /** The halls' local time: a "day" of the board is a day here. */
    public static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");

    private static final long MINUTE = 60_000;
    private static final long HOUR = 3_600_000;

    /** One ticket taken by a clerk after waiting {@code waitedMs}. */
    public record Wait(long takenAt, String hallId, String matterId, long waitedMs) {}

    /** One queue at one minute (its start, epoch ms). */
    public record Sample(
            long minuteAt,
            String hallId,
            String matterId,
            int waiting,
            int longestWaitSeconds,
            int available,
            int busy,
            int wrapUp,
            int away) {}

    private final DataSource ds;
    private final Clock clock;
    private volatile long lastMinute = Long.MIN_VALUE;
    private volatile long lastPrune = Long.MIN_VALUE;

    public QueueHistory(DataSource ds, Clock clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /** Blocking. A take's wait; a failure of the database is logged, never the take's failure. */
    public void recordTake(String hallId, String matterId, long waitedMs) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO queue_wait (taken_at, hall_id, matter_id, waited_ms) VALUES (?, ?, ?, ?)")) {
            ps.setLong(1, clock.millis());
            ps.setString(2, hallId);
            ps.setString(3, matterId);
            ps.setLong(4, Math.max(0, waitedMs));
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.warn("Could not record a take's wait in the queue history: {}", e.toString());
        }
    }

    /**
     * Blocking. Samples the queues if this minute has no sample yet from this node, and deletes old rows once an
     * hour; call every few seconds. Returns whether this call wrote the minute's sample.
     */
    public boolean sampleIfDue(Supplier<QueueView> view) {
        long now = clock.millis();
        long minute = Math.floorDiv(now, MINUTE) * MINUTE;
        if (minute == lastMinute) {
            return false;
        }
        boolean wrote;
        try {
            wrote = sample(minute, view.get().queues()) > 0;
            lastMinute = minute;
            if (now - lastPrune >= HOUR) {
                lastPrune = now;
                int deleted = prune(now - KEEP.toMillis());
                if (deleted > 0) {
                    LOG.info("Queue history: deleted {} rows older than {} days", deleted, KEEP.toDays());
                }
            }
        } catch (StoreException e) {
            LOG.warn("Could not sample the queues into the history (will retry): {}", e.toString());
            return false;
        }
        return wrote;
    }

    /**
     * Writes the queues' figures as the sample of {@code minuteAt} unless that minute is written already (by
     * this or another node). Returns the rows written.
     */
    public int sample(long minuteAt, List<QueueView.QueueStats> queues) {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM queue_sample WHERE minute_at = ?")) {
                ps.setLong(1, minuteAt);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return 0;
                    }
                }
            }
            int written = 0;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO queue_sample (minute_at, hall_id, matter_id,"
                    + " waiting, longest_wait_seconds, available, busy, wrap_up, away)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (QueueView.QueueStats q : queues) {
                    ps.setLong(1, minuteAt);
                    ps.setString(2, q.hallId());
                    ps.setString(3, q.matterId());
                    ps.setInt(4, q.waiting());
                    ps.setInt(5, q.longestWaitSeconds());
                    ps.setInt(6, q.available());
                    ps.setInt(7, q.busy());
                    ps.setInt(8, q.wrapUp());
                    ps.setInt(9, q.away());
                    try {
                        written += ps.executeUpdate();
                    } catch (SQLException e) {
                        if (!"23505".equals(e.getSQLState())) {
                            throw e;
                        }
                        // Another node wrote this queue's minute first: the same figures, nothing to do.
                    }
                }
            }
            return written;
        } catch (SQLException e) {
            throw new StoreException("cannot write the queue sample", e);
        }
    }

    /** Deletes takes and samples before {@code before} (epoch ms); returns the rows deleted. */
    public int prune(long before) {
        try (Connection c = ds.getConnection()) {
            int n = 0;
            for (String sql : List.of(
                    "DELETE FROM queue_wait WHERE taken_at < ?", "DELETE FROM queue_sample WHERE minute_at < ?")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setLong(1, before);
                    n += ps.executeUpdate();
                }
            }
            return n;
        } catch (SQLException e) {
            throw new StoreException("cannot delete old queue history", e);
        }
    }

    /** The takes of {@code [from, to)}, oldest first. */
    public List<Wait> waits(long from, long to) {
        List<Wait> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT taken_at, hall_id, matter_id, waited_ms FROM"
                        + " queue_wait WHERE taken_at >= ? AND taken_at < ? ORDER BY taken_at, id")) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Wait(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot read the queue history", e);
        }
    }

    /** The samples of {@code [from, to)}, oldest first. */
    public List<Sample> samples(long from, long to) {
        List<Sample> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT minute_at, hall_id, matter_id, waiting,"
                        + " longest_wait_seconds, available, busy, wrap_up, away FROM queue_sample"
                        + " WHERE minute_at >= ? AND minute_at < ? ORDER BY minute_at, hall_id, matter_id")) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Sample(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getInt(4),
                            rs.getInt(5),
                            rs.getInt(6),
                            rs.getInt(7),
                            rs.getInt(8),
                            rs.getInt(9)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot read the queue history", e);
        }
    }

    /** The hall's local day holding {@code at}: its first instant and the next day's, epoch ms. */
    public static long[] dayOf(long at) {
        LocalDate day = Instant.ofEpochMilli(at).atZone(ZONE).toLocalDate();
        return new long[] {
            day.atStartOfDay(ZONE).toInstant().toEpochMilli(),
            day.plusDays(1).atStartOfDay(ZONE).toInstant().toEpochMilli()
        };
    }
}
