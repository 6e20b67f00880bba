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

    /**
     * The shared key {@code fileName} ({@link #shared}) with its value before the last rotation, while that is
     * still accepted ({@link InstallationSecrets#rotate}).
     */
    public static KeyRing ring(InstallationSecrets secrets, Path dataDir, String fileName) {
        byte[] current = shared(secrets, dataDir, fileName);
        return secrets.previous(fileName)
                .map(p -> new KeyRing(current, Base64.getDecoder().decode(p.value()), p.until()))
                .orElse(KeyRing.of(current));
    }

    /**
     * A 32-byte key for {@code purpose}, derived from the shared key {@code fileName} (HMAC-SHA256 of the
     * purpose): a new feature gets a key of its own without a new entry in the keystore. A new entry would
     * stop a cluster upgraded one node at a time — the first upgraded node would create it, and every other
     * node, whose copy of the keystore lacks it, would refuse to start.
     */
    public static byte[] derived(InstallationSecrets secrets, Path dataDir, String fileName, String purpose) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(shared(secrets, dataDir, fileName), "HmacSHA256"));
            return mac.doFinal(("tongban key derivation|" + purpose).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
