package cn.tongban.signaling.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** Per-installation secret keys kept in the data directory (created on first start, owner-only). */
public final class SecretKeys {
    private SecretKeys() {}

    /**
     * The 32-byte key called {@code fileName}, shared by every node on the database (table {@code
     * installation_secret}), so that what one node signs or fingerprints another checks alike. A key file
     * left in the data directory by a single-node installation becomes the shared key if there is none yet.
     */
    public static byte[] shared(javax.sql.DataSource db, Path dataDir, String fileName) {
        String value = new cn.tongban.signaling.store.InstallationSecrets(db).getOrCreate(fileName, () -> {
            Path file = dataDir.resolve(fileName);
            try {
                if (Files.exists(file)) {
                    return Files.readString(file).strip();
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            return Base64.getEncoder().encodeToString(fresh);
        });
        return Base64.getDecoder().decode(value);
    }

    /** The 32-byte key in {@code <dataDir>/<fileName>}, created if missing. */
    public static byte[] load(Path dataDir, String fileName) throws IOException {
        Path file = dataDir.resolve(fileName);
        if (!Files.exists(file)) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            Files.createDirectories(dataDir);
            Files.writeString(file, Base64.getEncoder().encodeToString(fresh) + "\n");
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: rely on the data directory's own protection.
            }
        }
        return Base64.getDecoder().decode(Files.readString(file).strip());
    }
}
