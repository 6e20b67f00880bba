package cn.tongban.signaling.pki;

import cn.tongban.signaling.store.OwnerOnly;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.Collections;

/**
 * Re-encrypts the embedded PKI's keystore ({@code <data-dir>/pki/pki.p12}: the root's, TSA's, every hall CA's
 * and seal's private keys) with a new password ({@code tongban.jar pki passwd}).
 *
 * <p>The steps, each leaving a usable state behind if the next fails: the keystore is opened with the current
 * password (refused, nothing changed, if it does not open); every entry is copied into a new keystore under
 * the new password, written beside it ({@code pki.p12.new}, owner-only) and read back entry by entry; the old
 * file is copied to {@code pki.p12.bak}; the new one replaces it in one atomic rename; the new password
 * replaces {@code pki.password} likewise (unless it comes from {@code TONGBAN_PKI_PASSWORD}, which the operator
 * changes); only then is the backup deleted. The node must be stopped meanwhile: a running node writes the
 * keystore (a new hall's CA) with the password it started with.
 */
public final class PkiPassword {
    /** Why a change was refused; nothing was changed. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** The shortest new password accepted. */
    public static final int MIN_LENGTH = 16;

    private PkiPassword() {}

    /** The current password: {@code TONGBAN_PKI_PASSWORD}, else {@code pki.password}; never creates one. */
    public static char[] current(Path dataDir) throws IOException, Refused {
        String env = System.getenv("TONGBAN_PKI_PASSWORD");
        if (env != null && !env.isBlank()) {
            return env.toCharArray();
        }
        Path file = dataDir.resolve("pki.password");
        if (!Files.exists(file)) {
            throw new Refused("no " + file + " and TONGBAN_PKI_PASSWORD is not set: the current password is unknown");
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip().toCharArray();
    }

    /** Whether the password comes from the environment (then the operator changes it there). */
    public static boolean fromEnvironment() {
        String env = System.getenv("TONGBAN_PKI_PASSWORD");
        return env != null && !env.isBlank();
    }

    /**
     * Re-encrypts {@code <dataDir>/pki/pki.p12} from {@code current} to {@code next}.
     *
     * @return the number of entries re-encrypted
     * @throws Refused when the keystore is missing, does not open with {@code current}, or {@code next} is too
     *     short or the same; nothing is changed then
     */
    public static int change(Path dataDir, char[] current, char[] next) throws Refused, IOException {
        Path store = dataDir.resolve("pki").resolve("pki.p12");
        if (!Files.exists(store)) {
            throw new Refused("no embedded PKI keystore at " + store);
        }
        if (next.length < MIN_LENGTH) {
            throw new Refused("the new password must have at least " + MIN_LENGTH + " characters");
        }
        if (Arrays.equals(current, next)) {
            throw new Refused("the new password is the current one");
        }
        if (new String(next).strip().length() != next.length) {
            throw new Refused("the new password must not begin or end with white space (pki.password is stripped)");
        }
        byte[] old = Files.readAllBytes(store);
        KeyStore from;
        try {
            from = KeyStore.getInstance("PKCS12");
            from.load(new ByteArrayInputStream(old), current);
        } catch (IOException | GeneralSecurityException e) {
            throw new Refused("the current password does not open " + store + " (nothing changed)");
        }
        byte[] reencrypted;
        int entries = 0;
        try {
            KeyStore to = KeyStore.getInstance("PKCS12");
            to.load(null, next);
            for (String alias : Collections.list(from.aliases())) {
                if (from.isKeyEntry(alias)) {
                    Key key = from.getKey(alias, current);
                    to.setKeyEntry(alias, key, next, from.getCertificateChain(alias));
                } else {
                    to.setCertificateEntry(alias, from.getCertificate(alias));
                }
                entries++;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            to.store(out, next);
            reencrypted = out.toByteArray();
            check(from, current, reencrypted, next);
        } catch (GeneralSecurityException e) {
            throw new Refused("cannot re-encrypt " + store + ": " + e.getMessage() + " (nothing changed)");
        }

        Path fresh = store.resolveSibling("pki.p12.new");
        Path backup = store.resolveSibling("pki.p12.bak");
        OwnerOnly.write(fresh, reencrypted);
        OwnerOnly.write(backup, old);
        Files.move(fresh, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (!fromEnvironment()) {
            Path passwordFile = dataDir.resolve("pki.password");
            Path freshPassword = dataDir.resolve("pki.password.new");
            OwnerOnly.write(freshPassword, new String(next).getBytes(StandardCharsets.UTF_8));
            Files.move(
                    freshPassword, passwordFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.delete(backup);
        return entries;
    }

    /** The new keystore opens with the new password and holds every entry of the old, keys and chains alike. */
    private static void check(KeyStore from, char[] current, byte[] written, char[] next)
            throws GeneralSecurityException {
        KeyStore back = KeyStore.getInstance("PKCS12");
        try {
            back.load(new ByteArrayInputStream(written), next);
        } catch (IOException e) {
            throw new GeneralSecurityException("the re-encrypted keystore does not open", e);
        }
        for (String alias : Collections.list(from.aliases())) {
            if (from.isKeyEntry(alias)) {
                Key a = from.getKey(alias, current);
                Key b = back.getKey(alias, next);
                if (b == null || !MessageDigest.isEqual(a.getEncoded(), b.getEncoded())) {
                    throw new GeneralSecurityException("entry " + alias + " differs after re-encryption");
                }
            }
            Certificate ca = from.getCertificate(alias);
            if (ca != null && !ca.equals(back.getCertificate(alias))) {
                throw new GeneralSecurityException("certificate " + alias + " differs after re-encryption");
            }
        }
    }
}
