package cn.tongban.signaling.refdata;

import cn.tongban.signaling.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The versions of the reference data in the relational store (table {@code reference_data}, migration V16): one
 * row per version, never changed; the highest is in force. Every node of a cluster on one PostgreSQL reads the
 * same rows, and polls {@link #latestVersion()} (one small query) to notice a change made by another node or by
 * {@code tongban.jar refdata import|rollback}.
 *
 * <p>A new version is written only after its document was validated ({@link ReferenceDataStore#fromYaml}) and
 * only as the successor of the version the writer read: two writers of the same next version collide on the
 * primary key and the second is refused ({@link StaleVersionException}), nothing changed.
 */
public final class ReferenceDataTable {
    /** How a version came to be. */
    public enum Kind {
        /** Version 1, taken from a node's refdata.yaml when the table was empty. */
        IMPORTED("imported"),
        /** A document given by an operator ({@code refdata import}). */
        CHANGED("changed"),
        /** The document of an earlier version, in force again ({@code refdata rollback}). */
        ROLLED_BACK("rolled_back");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static Kind of(String wire) {
            for (Kind k : values()) {
                if (k.wire.equals(wire)) {
                    return k;
                }
            }
            throw new IllegalStateException("unknown reference data kind " + wire);
        }
    }

    /** One version without its document. */
    public record Info(
            long version, String sha256, Kind kind, String changedBy, Instant changedAt, Long rolledBackTo) {}

    /** One version with its document (YAML text). */
    public record Version(Info info, String document) {
        public long version() {
            return info.version();
        }
    }

    /** A write that expected another version in force than the one that is: nothing was changed. */
    public static final class StaleVersionException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long expected;
        private final long actual;

        StaleVersionException(long expected, long actual) {
            super("the reference data in force is version " + actual + ", not " + expected
                    + ": somebody changed it meanwhile; export it again, redo the edit, and import with"
                    + " --expect-version " + actual);
            this.expected = expected;
            this.actual = actual;
        }

        public long expected() {
            return expected;
        }

        public long actual() {
            return actual;
        }
    }

    private final DataSource ds;
    private final Clock clock;

    public ReferenceDataTable(DataSource ds, Clock clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /** The version in force; 0 when the table is empty. One small query: what nodes poll. */
    public long latestVersion() {
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT MAX(version) FROM reference_data");
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new StoreException("cannot read the reference data's version", e);
        }
    }

    /** The version in force, with its document; empty when the table is empty. */
    public Optional<Version> latest() {
        long v = latestVersion();
        return v == 0 ? Optional.empty() : version(v);
    }

    /** One version with its document. */
    public Optional<Version> version(long version) {
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement(
                        "SELECT version, sha256, kind, changed_by, changed_at, rolled_back_to, document"
                                + " FROM reference_data WHERE version = ?")) {
            st.setLong(1, version);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Version(info(rs), new String(rs.getBytes(7), StandardCharsets.UTF_8)));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read version " + version + " of the reference data", e);
        }
    }

    /** Every version, oldest first, without the documents. */
    public List<Info> history() {
        try (Connection c = ds.getConnection();
                PreparedStatement st =
                        c.prepareStatement("SELECT version, sha256, kind, changed_by, changed_at, rolled_back_to"
                                + " FROM reference_data ORDER BY version");
                ResultSet rs = st.executeQuery()) {
            List<Info> out = new ArrayList<>();
            while (rs.next()) {
                out.add(info(rs));
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot read the reference data's history", e);
        }
    }

    /**
     * Stores {@code document} as version 1 if the table is empty (a node's refdata.yaml when it first meets
     * this database). Returns the version written, or empty when the table had a version already (another node
     * was first: its version is in force).
     */
    public Optional<Info> importFirst(String document, String by) {
        ReferenceDataStore.fromYaml(document);
        try {
            return Optional.of(insert(1, document, Kind.IMPORTED, by, null));
        } catch (StaleVersionException e) {
            return Optional.empty();
        }
    }

    /**
     * Stores {@code document} as the next version, after validating it ({@link IllegalArgumentException} naming
     * the problem, nothing stored). With {@code expectVersion}, refused ({@link StaleVersionException}) unless
     * that is the version in force; without, the successor of the version read now (a concurrent writer of the
     * same successor still makes one of the two fail).
     */
    public Info change(String document, String by, Long expectVersion) {
        ReferenceDataStore.fromYaml(document);
        long current = latestVersion();
        if (expectVersion != null && expectVersion != current) {
            throw new StaleVersionException(expectVersion, current);
        }
        return insert(current + 1, document, Kind.CHANGED, by, null);
    }

    /**
     * Puts the document of version {@code to} in force again, as the next version (kind rolled_back); the
     * versions in between stay in the history. {@link java.util.NoSuchElementException} when there is no such
     * version.
     */
    public Info rollback(long to, String by, Long expectVersion) {
        Version old = version(to)
                .orElseThrow(() -> new java.util.NoSuchElementException(
                        "there is no version " + to + " of the reference data (see `tongban.jar refdata history`)"));
        // Validated again: the rules may have tightened since that version was stored.
        ReferenceDataStore.fromYaml(old.document());
        long current = latestVersion();
        if (expectVersion != null && expectVersion != current) {
            throw new StaleVersionException(expectVersion, current);
        }
        return insert(current + 1, old.document(), Kind.ROLLED_BACK, by, to);
    }

    /** The SHA-256 of a document's UTF-8 bytes, in hex (what the table and the audit journal record). */
    public static String sha256(String document) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(document.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Info insert(long version, String document, Kind kind, String by, Long rolledBackTo) {
        Info info = new Info(version, sha256(document), kind, by, clock.instant(), rolledBackTo);
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement("INSERT INTO reference_data (version, document, sha256,"
                        + " kind, changed_by, changed_at, rolled_back_to) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            st.setLong(1, version);
            st.setBytes(2, document.getBytes(StandardCharsets.UTF_8));
            st.setString(3, info.sha256());
            st.setString(4, kind.wire());
            st.setString(5, by);
            st.setLong(6, info.changedAt().toEpochMilli());
            if (rolledBackTo == null) {
                st.setNull(7, java.sql.Types.BIGINT);
            } else {
                st.setLong(7, rolledBackTo);
            }
            st.executeUpdate();
            return info;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                // The primary key: another writer stored this version first.
                throw new StaleVersionException(version - 1, latestVersion());
            }
            throw new StoreException("cannot store version " + version + " of the reference data", e);
        }
    }

    private static Info info(ResultSet rs) throws SQLException {
        long back = rs.getLong(6);
        Long rolledBackTo = rs.wasNull() ? null : back;
        return new Info(
                rs.getLong(1),
                rs.getString(2),
                Kind.of(rs.getString(3)),
                rs.getString(4),
                Instant.ofEpochMilli(rs.getLong(5)),
                rolledBackTo);
    }
}
