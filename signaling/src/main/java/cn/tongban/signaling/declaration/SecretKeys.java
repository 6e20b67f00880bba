package cn.tongban.signaling.declaration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** Per-installation secret keys kept in the data directory (created on first start, owner-only). */
public final class SecretKeys {
    private SecretKeys() {}

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
