package cn.tongban.signaling.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/** Per-installation 32-byte keys (signed links, audit fingerprints), kept by {@link InstallationSecrets}. */
public final class SecretKeys {
    private SecretKeys() {}

    /**
     * The 32-byte key called {@code fileName}, shared by every node of the installation ({@link
     * InstallationSecrets}), so that what one node signs or fingerprints another checks alike. A key file
     * left in the data directory by a single-node installation becomes the shared key if there is none yet.
     */
    public static byte[] shared(InstallationSecrets secrets, Path dataDir, String fileName) {
        String value = secrets.getOrCreate(fileName, () -> {
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
}
