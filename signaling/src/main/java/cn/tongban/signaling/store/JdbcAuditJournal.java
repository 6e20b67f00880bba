package cn.tongban.signaling.store;

import cn.tongban.session.audit.AuditChain;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.session.audit.AuditJournal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.sql.DataSource;

/**
 * The audit journal in the relational store. Appends lock the chain head row, so they serialize across
 * nodes. Actors, actions and details are cleaned of control and bidirectional-format characters before
 * they are chained ({@link AuditText}): what a client typed cannot forge a line or reorder what a reader
 * sees.
 */
public final class JdbcAuditJournal implements AuditJournal {
    /** The installation secret that holds the chain key and the first entry it applies to. */
    public static final String CHAIN_SECRET = "audit-chain";

    private final DataSource ds;
    private final Clock clock;
    private final AuditChain.Keying keying;

    /**
     * A journal whose entries are chained with plain SHA-256: for tests of the storage alone. The
     * installation's journal is {@link #keyed}; an unkeyed append to it would break its chain.
     */
    public static JdbcAuditJournal unkeyed(DataSource ds, Clock clock) {
        return new JdbcAuditJournal(ds, clock, AuditChain.Keying.NONE);
    }

    public JdbcAuditJournal(DataSource ds, Clock clock, AuditChain.Keying keying) {
        this.ds = ds;
        this.clock = clock;
        this.keying = keying;
    }

    /**
     * The installation's journal: entries keyed with the chain key from {@code secrets}, created on first
     * use and applying from the entry after the current head (older entries stay plain SHA-256).
     */
    public static JdbcAuditJournal keyed(DataSource ds, Clock clock, InstallationSecrets secrets) {
        return new JdbcAuditJournal(ds, clock, chainKeying(ds, secrets));
    }

    /** The chain key of the installation, created if it has none. */
    public static AuditChain.Keying chainKeying(DataSource ds, InstallationSecrets secrets) {
        String value = secrets.getOrCreate(CHAIN_SECRET, () -> {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            long from = unkeyed(ds, Clock.systemUTC()).head().seq() + 1;
            return from + ":" + Base64.getEncoder().encodeToString(key);
        });
        return parseKeying(value);
    }

    /** The keying written as the {@value #CHAIN_SECRET} secret: {@code <fromSeq>:<base64 key>}. */
    public static AuditChain.Keying parseKeying(String value) {
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw new StoreException("the audit chain key is malformed", null);
        }
        return new AuditChain.Keying(
                Base64.getDecoder().decode(value.substring(colon + 1)), Long.parseLong(value.substring(0, colon)));
    }

    @Override
    public AuditChain.Keying keying() {
        return keying;
    }

    @Override
    public AuditEvent append(String rawActor, String rawAction, String rawSessionId, String rawDetails) {
        String actor = AuditText.label(rawActor, 128);
        String action = AuditText.label(rawAction, 64);
        String sessionId = rawSessionId == null ? null : AuditText.label(rawSessionId, 64);
        String detailsJson = AuditText.json(rawDetails);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                long seq;
                String prev;
                try (PreparedStatement head =
                                c.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE");
                        ResultSet rs = head.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("audit_head row is missing");
                    }
                    seq = rs.getLong(1);
                    prev = rs.getString(2).strip();
                }
                AuditEvent e =
                        AuditChain.next(keying, seq, prev, clock.millis(), actor, action, sessionId, detailsJson);
                try (PreparedStatement ins = c.prepareStatement(
                        "INSERT INTO audit_event (seq, at_ms, actor, action, session_id, details, prev_hash, hash)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ins.setLong(1, e.seq());
                    ins.setLong(2, e.at());
                    ins.setString(3, e.actor());
                    ins.setString(4, e.action());
                    ins.setString(5, e.sessionId());
                    ins.setString(6, e.details());
                    ins.setString(7, e.prevHash());
                    ins.setString(8, e.hash());
                    ins.executeUpdate();
                }
                try (PreparedStatement upd =
                        c.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
                    upd.setLong(1, e.seq());
                    upd.setString(2, e.hash());
                    upd.executeUpdate();
                }
                c.commit();
                return e;
            } catch (SQLException | RuntimeException ex) {
                c.rollback();
                throw ex;
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot append to the audit journal", ex);
        }
    }

    /** The chain head as recorded by the last append: its sequence number and hash. */
    public record Head(long seq, String hash) {}

    public Head head() {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new StoreException("audit_head row is missing", null);
            }
            return new Head(rs.getLong(1), rs.getString(2).strip());
        } catch (SQLException ex) {
            throw new StoreException("cannot read the audit journal", ex);
        }
    }

    @Override
    public List<AuditEvent> read(long afterSeq, int limit) {
        return query(
                "SELECT seq, at_ms, actor, action, session_id, details, prev_hash, hash FROM audit_event"
                        + " WHERE seq > ? ORDER BY seq LIMIT " + Math.max(1, Math.min(limit, 10_000)),
                afterSeq,
                null);
    }

    @Override
    public List<AuditEvent> forSession(String sessionId) {
        return query(
                "SELECT seq, at_ms, actor, action, session_id, details, prev_hash, hash FROM audit_event"
                        + " WHERE session_id = ? ORDER BY seq",
                -1,
                sessionId);
    }

    private List<AuditEvent> query(String sql, long afterSeq, String sessionId) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            if (sessionId != null) {
                ps.setString(1, sessionId);
            } else {
                ps.setLong(1, afterSeq);
            }
            List<AuditEvent> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditEvent(
                            rs.getLong(1),
                            rs.getLong(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getString(7).strip(),
                            rs.getString(8).strip()));
                }
            }
            return out;
        } catch (SQLException ex) {
            throw new StoreException("cannot read the audit journal", ex);
        }
    }
}
