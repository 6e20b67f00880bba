package cn.tongban.signaling.backup;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A backup's {@code manifest.json}, written last: the format, when and by which version it was made, the
 * database kind, whether the keystores' password files are inside, and every file with its size and SHA-256.
 * A restore copies nothing unless every file matches.
 */
record Manifest(
        String format,
        String createdAt,
        String version,
        String database,
        boolean passwordsIncluded,
        List<String> leftOut,
        List<Entry> files) {
    static final String FORMAT = "tongban-backup/1";
    static final String FILE = "manifest.json";

    /** One file, by its path relative to the backup's root ('/'-separated). */
    record Entry(String path, long size, String sha256) {}

    JsonObject toJson() {
        JsonArray list = new JsonArray();
        for (Entry e : files) {
            list.add(
                    new JsonObject().put("path", e.path()).put("size", e.size()).put("sha256", e.sha256()));
        }
        return new JsonObject()
                .put("format", format)
                .put("createdAt", createdAt)
                .put("version", version)
                .put("database", database)
                .put("passwordsIncluded", passwordsIncluded)
                .put("leftOut", new JsonArray(leftOut))
                .put("files", list);
    }

    static Manifest read(Path root) {
        Path file = root.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new BackupException(BackupException.Code.NOT_A_BACKUP, root + " has no " + FILE);
        }
        try {
            JsonObject o = new JsonObject(Files.readString(file));
            if (!FORMAT.equals(o.getString("format"))) {
                throw new BackupException(
                        BackupException.Code.NOT_A_BACKUP,
                        file + " is not a " + FORMAT + " manifest (format " + o.getString("format") + ")");
            }
            List<Entry> entries = new ArrayList<>();
            for (Object x : o.getJsonArray("files")) {
                JsonObject e = (JsonObject) x;
                entries.add(new Entry(e.getString("path"), e.getLong("size"), e.getString("sha256")));
            }
            List<String> leftOut = new ArrayList<>();
            o.getJsonArray("leftOut", new JsonArray()).forEach(v -> leftOut.add(String.valueOf(v)));
            return new Manifest(
                    o.getString("format"),
                    o.getString("createdAt"),
                    o.getString("version"),
                    o.getString("database"),
                    o.getBoolean("passwordsIncluded", false),
                    leftOut,
                    entries);
        } catch (IOException | RuntimeException e) {
            if (e instanceof BackupException b) {
                throw b;
            }
            throw new BackupException(
                    BackupException.Code.NOT_A_BACKUP, file + " cannot be read: " + e.getMessage(), e);
        }
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
