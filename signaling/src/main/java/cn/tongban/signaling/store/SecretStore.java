package cn.tongban.signaling.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The installation's secrets (session-token key, signed-link keys, audit keys) in a password-protected
 * PKCS#12 keystore outside the database, so that whoever reads or writes the database can neither forge a
 * token nor re-chain the audit journal. The password comes from {@code TONGBAN_SECRETS_PASSWORD} or a
 * password file; the embedded default generates both files, owner-only, in the data directory.
 *
 * <p>Every node that shares a database must hold the same file (copied by the operator, or one path for
 * nodes on one machine): {@link InstallationSecrets} refuses to start a node whose keystore differs from
 * the one the database has seen. Entries are created under a lock file, so that nodes on one machine
 * starting together write one keystore.
 */
public final class SecretStore {
    /** The keystore's default name in the data directory. */
    public static final String DEFAULT_FILE = "secrets.p12";

    /** The password file's default name, beside the keystore. */
    public static final String DEFAULT_PASSWORD_FILE = "secrets.password";

    /** The environment variable that holds the keystore's password, before any file. */
    public static final String PASSWORD_ENV = "TONGBAN_SECRETS_PASSWORD";

    // One monitor per keystore path: a JVM cannot take a file lock twice (tests run two nodes in one JVM).
    private static final Map<Path, Object> MONITORS = new ConcurrentHashMap<>();

    private final Path file;
    private final char[] password;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    private SecretStore(Path file, char[] password) {
        this.file = file.toAbsolutePath().normalize();
        this.password = password.clone();
    }

    /**
     * Opens (or, with its password file, creates) the keystore {@code file}. The password is {@code
     * TONGBAN_SECRETS_PASSWORD} if set, else the content of {@code passwordFile} (default: {@value
     * #DEFAULT_PASSWORD_FILE} beside the keystore), which is generated when neither the keystore nor the
     * password file exists yet.
     *
     * @throws StoreException when the keystore exists but no password is given, or the password is wrong
     */
    public static SecretStore open(Path file, Path passwordFile) {
        String env = System.getenv(PASSWORD_ENV);
        return open(file, passwordFile, env);
    }

    /** Opens the keystore {@code file} if it exists, never creating anything (for read-only tools). */
    public static Optional<SecretStore> openIfExists(Path file, Path passwordFile) {
        return Files.exists(file) ? Optional.of(open(file, passwordFile)) : Optional.empty();
    }

    static SecretStore open(Path file, Path passwordFile, String envPassword) {
        Path pwFile =
                passwordFile != null ? passwordFile : file.toAbsolutePath().resolveSibling(DEFAULT_PASSWORD_FILE);
        // Under the keystore's lock: nodes on one machine starting together generate one password, not two.
        char[] password = locked(file.toAbsolutePath().normalize(), () -> {
            try {
                if (envPassword != null && !envPassword.isBlank()) {
                    return envPassword.strip().toCharArray();
                }
                if (!Files.isRegularFile(pwFile) && !Files.exists(file)) {
                    byte[] b = new byte[24];
                    new SecureRandom().nextBytes(b);
                    OwnerOnly.write(
                            pwFile,
                            Base64.getUrlEncoder()
                                    .withoutPadding()
                                    .encodeToString(b)
                                    .getBytes(StandardCharsets.UTF_8));
                }
                if (Files.isRegularFile(pwFile)) {
                    return Files.readString(pwFile, StandardCharsets.UTF_8)
                            .strip()
                            .toCharArray();
                }
                throw new StoreException(
                        "cannot open the secrets keystore " + file + ": set " + PASSWORD_ENV + " or write its password"
                                + " to " + pwFile,
                        null);
            } catch (IOException e) {
                throw new StoreException("cannot read the password of the secrets keystore " + file, e);
            }
        });
        SecretStore store = new SecretStore(file, password);
        store.withLock(() -> store.load()); // a wrong password shows at start, not at the first secret
        return store;
    }

    /** The keystore's path. */
    public Path file() {
        return file;
    }

    /** The secret called {@code name}, if the keystore has it. */
    public Optional<byte[]> get(String name) {
        byte[] cached = cache.get(name);
        if (cached != null) {
            return Optional.of(cached.clone());
        }
        return withLock(() -> {
            Optional<byte[]> v = read(load(), name);
            v.ifPresent(b -> cache.put(name, b.clone()));
            return v;
        });
    }

    /** The secret called {@code name}, created from {@code initial} (under the keystore's lock) if missing. */
    public byte[] getOrCreate(String name, Supplier<byte[]> initial) {
        Optional<byte[]> existing = get(name);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] value = withLock(() -> {
            KeyStore ks = load();
            Optional<byte[]> raced = read(ks, name);
            if (raced.isPresent()) {
                return raced.get();
            }
            byte[] fresh = initial.get();
            try {
                ks.setEntry(
                        alias(name),
                        new KeyStore.SecretKeyEntry(new SecretKeySpec(fresh, "HmacSHA256")),
                        new KeyStore.PasswordProtection(password));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ks.store(out, password);
                OwnerOnly.write(file, out.toByteArray());
            } catch (GeneralSecurityException | IOException e) {
                throw new StoreException("cannot write the secrets keystore " + file, e);
            }
            return fresh;
        });
        cache.put(name, value.clone());
        return value;
    }

    /**
     * Sets the secret called {@code name} to {@code value} (replacing it), or removes it when {@code value} is
     * null; under the keystore's lock. For {@code tongban.jar secrets rotate}: a running node keeps the value it
     * read until it restarts.
     */
    public void put(String name, byte[] value) {
        withLock(() -> {
            KeyStore ks = load();
            try {
                if (value == null) {
                    if (ks.containsAlias(alias(name))) {
                        ks.deleteEntry(alias(name));
                    }
                } else {
                    ks.setEntry(
                            alias(name),
                            new KeyStore.SecretKeyEntry(new SecretKeySpec(value, "HmacSHA256")),
                            new KeyStore.PasswordProtection(password));
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ks.store(out, password);
                OwnerOnly.write(file, out.toByteArray());
            } catch (GeneralSecurityException | IOException e) {
                throw new StoreException("cannot write the secrets keystore " + file, e);
            }
            return null;
        });
        if (value == null) {
            cache.remove(name);
        } else {
            cache.put(name, value.clone());
        }
    }

    private Optional<byte[]> read(KeyStore ks, String name) {
        try {
            KeyStore.Entry e = ks.getEntry(alias(name), new KeyStore.PasswordProtection(password));
            if (e instanceof KeyStore.SecretKeyEntry s) {
                SecretKey key = s.getSecretKey();
                return Optional.of(key.getEncoded());
            }
            return Optional.empty();
        } catch (GeneralSecurityException ex) {
            throw new StoreException("cannot read secret " + name + " from " + file, ex);
        }
    }

    /** PKCS#12 folds aliases to lower case; names are ours and already are. */
    private static String alias(String name) {
        return name.toLowerCase(java.util.Locale.ROOT);
    }

    private KeyStore load() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            if (Files.exists(file)) {
                ks.load(new ByteArrayInputStream(Files.readAllBytes(file)), password);
            } else {
                ks.load(null, password);
            }
            return ks;
        } catch (IOException e) {
            throw new StoreException(
                    "cannot open the secrets keystore " + file + " (wrong password, or not a PKCS#12 file)", e);
        } catch (GeneralSecurityException e) {
            throw new StoreException("cannot open the secrets keystore " + file, e);
        }
    }

    private <T> T withLock(Supplier<T> action) {
        return locked(file, action);
    }

    /** Runs {@code action} holding the keystore's lock, within this JVM and across processes. */
    private static <T> T locked(Path file, Supplier<T> action) {
        synchronized (monitor(file)) {
            Path lock = file.resolveSibling(file.getFileName() + ".lock");
            try {
                OwnerOnly.createDirectories(file.getParent());
                if (!Files.exists(lock)) {
                    try {
                        Files.createFile(lock, OwnerOnly.fileAttributes(lock));
                    } catch (java.nio.file.FileAlreadyExistsException raced) {
                        // another process made it
                    }
                }
                try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
                    FileLock held = ch.lock();
                    try {
                        return action.get();
                    } finally {
                        held.release();
                    }
                }
            } catch (IOException e) {
                throw new StoreException("cannot lock the secrets keystore " + file, e);
            }
        }
    }

    private static Object monitor(Path p) {
        return MONITORS.computeIfAbsent(p.toAbsolutePath().normalize(), k -> new Object());
    }
}
