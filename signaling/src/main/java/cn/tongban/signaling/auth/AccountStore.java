package cn.tongban.signaling.auth;

import cn.tongban.signaling.refdata.ReferenceData;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clerk credentials: user name → Argon2id hash (PHC string), kept in {@code <data-dir>/accounts.json}.
 * Written atomically (temp file + rename). Until the database arrives this file is the account store.
 */
public final class AccountStore {
    private static final Logger LOG = LoggerFactory.getLogger(AccountStore.class);

    // OWASP's Argon2id baseline: 19 MiB, 2 iterations, 1 lane.
    private static final Argon2Function ARGON2 = Argon2Function.getInstance(19 * 1024, 2, 1, 32, Argon2.ID);
    // A fixed hash to verify against for unknown users, so a failed login costs the same either way.
    private static final String DUMMY_HASH =
            Password.hash("no-such-user").addRandomSalt(16).with(ARGON2).getResult();

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final Map<String, String> hashes;

    private AccountStore(Path file, Map<String, String> hashes) {
        this.file = file;
        this.hashes = hashes;
    }

    public static AccountStore open(Path dataDir) throws IOException {
        Path file = dataDir.resolve("accounts.json");
        Map<String, String> hashes = new TreeMap<>();
        if (Files.exists(file)) {
            hashes.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() {}));
        }
        return new AccountStore(file, hashes);
    }

    /**
     * Creates an account with the reference data's initial password for every clerk that has none.
     * Returns the ids of the accounts created.
     */
    public synchronized java.util.List<String> ensureAccounts(ReferenceData data) throws IOException {
        java.util.List<String> created = new java.util.ArrayList<>();
        if (data.initialPassword() == null || data.initialPassword().isBlank()) {
            return created;
        }
        for (ReferenceData.ClerkProfile c : data.clerks()) {
            if (!hashes.containsKey(c.id())) {
                hashes.put(c.id(), hash(data.initialPassword()));
                created.add(c.id());
            }
        }
        if (!created.isEmpty()) {
            save();
            LOG.info("Created {} clerk account(s) with the initial password", created.size());
        }
        return created;
    }

    /** Sets (or replaces) a password. */
    public synchronized void setPassword(String username, String password) throws IOException {
        hashes.put(username, hash(password));
        save();
    }

    /** Checks a password in roughly constant time whether or not the account exists. */
    public boolean verify(String username, String password) {
        String hash;
        synchronized (this) {
            hash = hashes.get(username);
        }
        if (hash == null) {
            Password.check(password, DUMMY_HASH).with(ARGON2);
            return false;
        }
        return Password.check(password, hash).with(Argon2Function.getInstanceFromHash(hash));
    }

    public synchronized Optional<String> hashOf(String username) {
        return Optional.ofNullable(hashes.get(username));
    }

    private static String hash(String password) {
        return Password.hash(password).addRandomSalt(16).with(ARGON2).getResult();
    }

    private void save() throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), hashes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
