package cn.tongban.signaling.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files by content (table {@code stored_file}, migration V7): materials and stills, application PDFs,
 * receipts, received packages, each under the SHA-256 of its bytes. In the database rather than under a
 * node's data directory, so that every node of a cluster serves every file — the applicant may upload on
 * one node and the clerk look at it from another, and a node that dies takes no file with it.
 *
 * <p>Storing the same content twice keeps one row, also when two nodes race to store it. Files are at
 * most a few tens of MB (materials are capped at 10 MB, a signed application embeds its materials); they
 * are read and written whole.
 */
public final class BlobStore {
    private static final Logger LOG = LoggerFactory.getLogger(BlobStore.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final DataSource ds;
    private final Clock clock;

    public BlobStore(DataSource ds, Clock clock) {
        this.ds = ds;
        this.clock = clock;
    }

    /**
     * Stores {@code content} under {@code sha256}, which must be its SHA-256 (checked: a wrong name would
     * make the file unfindable or, worse, serve other bytes under a verified hash).
     */
    public void put(String sha256, byte[] content) {
        checkName(sha256);
        if (!sha256(content).equals(sha256)) {
            throw new IllegalArgumentException("content does not hash to " + sha256);
        }
        if (contains(sha256)) {
            return;
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO stored_file (sha256, size_bytes, content, stored_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, sha256);
            ps.setLong(2, content.length);
            ps.setBytes(3, content);
            ps.setLong(4, clock.millis());
            ps.executeUpdate();
        } catch (SQLException e) {
            // Another node stored the same content between the check and the insert: same bytes, done.
            if (e.getSQLState() != null && e.getSQLState().startsWith("23") && contains(sha256)) {
                return;
            }
            throw new StoreException("cannot store file " + sha256, e);
        }
    }

    /** The bytes stored under {@code sha256}; a {@link StoreException} if there are none. */
    public byte[] get(String sha256) {
        return find(sha256).orElseThrow(() -> new StoreException("no stored file " + sha256, null));
    }

    /** The bytes stored under {@code sha256}, if any. */
    public Optional<byte[]> find(String sha256) {
        checkName(sha256);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT content FROM stored_file WHERE sha256 = ?")) {
            ps.setString(1, sha256);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read file " + sha256, e);
        }
    }

    public boolean contains(String sha256) {
        checkName(sha256);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM stored_file WHERE sha256 = ?")) {
            ps.setString(1, sha256);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot look up file " + sha256, e);
        }
    }

    /**
     * Moves files of an older installation, which kept them under {@code dir/<xx>/<sha256>}, into the
     * database, then renames {@code dir} to {@code <dir>.imported} (kept, not deleted). A file whose bytes
     * do not match its name is left where it is and reported. Returns how many files were imported.
     */
    public int importDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir, 2)) {
            walk.filter(Files::isRegularFile)
                    .filter(f -> SHA256.matcher(f.getFileName().toString()).matches())
                    .forEach(files::add);
        }
        if (files.isEmpty()) {
            return 0;
        }
        int imported = 0;
        int mismatched = 0;
        for (Path f : files) {
            byte[] content = Files.readAllBytes(f);
            String name = f.getFileName().toString();
            if (!sha256(content).equals(name)) {
                LOG.warn("Not importing {}: its content does not hash to its name", f);
                mismatched++;
                continue;
            }
            put(name, content);
            imported++;
        }
        if (mismatched == 0) {
            Path done = dir.resolveSibling(dir.getFileName() + ".imported");
            for (int i = 2; Files.exists(done); i++) {
                done = dir.resolveSibling(dir.getFileName() + ".imported." + i);
            }
            Files.move(dir, done);
            LOG.info("Imported {} files from {} into the database; the directory is now {}", imported, dir, done);
        } else {
            LOG.warn(
                    "Imported {} files from {}; {} did not match their names and stay there",
                    imported,
                    dir,
                    mismatched);
        }
        return imported;
    }

    private static void checkName(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a SHA-256 hex digest");
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
