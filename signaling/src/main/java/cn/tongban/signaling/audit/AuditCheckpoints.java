package cn.tongban.signaling.audit;

import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.TimestampSource;
import cn.tongban.signaling.store.JdbcAuditJournal;
import cn.tongban.signaling.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Anchors of the audit journal ({@code audit_checkpoint}): every {@code everyEntries} entries, or every
 * {@code interval} when anything was appended, the chain head is sealed by a hall's e-seal and
 * time-stamped ({@link AuditSeal}). Any node may take a checkpoint; the sequence number is the key, so
 * two nodes anchoring the same head store it once.
 */
public final class AuditCheckpoints {
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String COLUMNS = "seq, hash, hall_id, created_at, signature";

    /**
     * One anchor.
     *
     * @param seq the entry it anchors
     * @param hash that entry's hash
     * @param hallId the hall whose seal signed it
     * @param createdAt when it was taken (the node's clock; the time-stamp inside {@code signature} is the
     *     trusted time)
     * @param signature the DER CMS signature over {@link AuditSeal#statement}
     */
    public record Checkpoint(long seq, String hash, String hallId, long createdAt, byte[] signature) {}

    /** When checkpoints are taken: after this many entries, or this long after the last one. */
    public record Policy(long everyEntries, Duration interval) {
        public static final Policy DEFAULT = new Policy(1000, Duration.ofMinutes(10));
    }

    private final DataSource ds;
    private final JdbcAuditJournal journal;
    private final String hallId;
    private final Supplier<Credential> seal;
    private final TimestampSource tsa;
    private final Policy policy;
    private final Clock clock;

    public AuditCheckpoints(
            DataSource ds,
            JdbcAuditJournal journal,
            String hallId,
            Supplier<Credential> seal,
            TimestampSource tsa,
            Policy policy,
            Clock clock) {
        this.ds = ds;
        this.journal = journal;
        this.hallId = hallId;
        this.seal = seal;
        this.tsa = tsa;
        this.policy = policy;
        this.clock = clock;
    }

    /** Reads checkpoints only (for verification). */
    public static AuditCheckpoints reader(DataSource ds) {
        return new AuditCheckpoints(ds, null, null, null, null, Policy.DEFAULT, Clock.systemUTC());
    }

    /** Takes a checkpoint if the policy says one is due; returns it. */
    public Optional<Checkpoint> takeIfDue() {
        JdbcAuditJournal.Head head = journal.head();
        Optional<Checkpoint> last = last();
        long lastSeq = last.map(Checkpoint::seq).orElse(0L);
        if (head.seq() <= lastSeq) {
            return Optional.empty();
        }
        boolean due = head.seq() - lastSeq >= policy.everyEntries()
                || last.isEmpty()
                || clock.millis() - last.get().createdAt() >= policy.interval().toMillis();
        return due ? take(head) : Optional.empty();
    }

    /** Anchors the current head now, unless it is anchored already. */
    public Optional<Checkpoint> take() {
        return take(journal.head());
    }

    private Optional<Checkpoint> take(JdbcAuditJournal.Head head) {
        if (head.seq() == 0 || last().map(c -> c.seq() >= head.seq()).orElse(false)) {
            return Optional.empty();
        }
        byte[] cms = AuditSeal.sign(AuditSeal.statement(head.seq(), head.hash()), seal.get(), tsa);
        Checkpoint cp = new Checkpoint(head.seq(), head.hash(), hallId, clock.millis(), cms);
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO audit_checkpoint (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?)")) {
            ps.setLong(1, cp.seq());
            ps.setString(2, cp.hash());
            ps.setString(3, cp.hallId());
            ps.setLong(4, cp.createdAt());
            ps.setBytes(5, cp.signature());
            ps.executeUpdate();
            return Optional.of(cp);
        } catch (SQLException ex) {
            if (UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                return Optional.empty(); // another node anchored this head first
            }
            throw new StoreException("cannot store an audit checkpoint", ex);
        }
    }

    /** The newest checkpoint. */
    public Optional<Checkpoint> last() {
        List<Checkpoint> l = query("SELECT " + COLUMNS + " FROM audit_checkpoint ORDER BY seq DESC LIMIT 1", -1, -1);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    /** Checkpoints with {@code afterSeq < seq <= toSeq}, in order. */
    public List<Checkpoint> between(long afterSeq, long toSeq) {
        return query(
                "SELECT " + COLUMNS + " FROM audit_checkpoint WHERE seq > ? AND seq <= ? ORDER BY seq",
                afterSeq,
                toSeq);
    }

    /** Checkpoints after {@code afterSeq} (beyond a journal's end they show entries were cut off). */
    public List<Checkpoint> after(long afterSeq) {
        return between(afterSeq, Long.MAX_VALUE);
    }

    private List<Checkpoint> query(String sql, long from, long to) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            if (from >= 0) {
                ps.setLong(1, from);
                ps.setLong(2, to);
            }
            List<Checkpoint> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Checkpoint(
                            rs.getLong(1), rs.getString(2).strip(), rs.getString(3), rs.getLong(4), rs.getBytes(5)));
                }
            }
            return out;
        } catch (SQLException ex) {
            throw new StoreException("cannot read the audit checkpoints", ex);
        }
    }
}
