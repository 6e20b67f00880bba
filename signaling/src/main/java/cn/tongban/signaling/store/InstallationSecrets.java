package cn.tongban.signaling.store;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

/**
 * Named secrets shared by every node of an installation. The values live in the {@link SecretStore}
 * (outside the database); the database holds only a fingerprint of each ({@code
 * installation_secret_check}, an HMAC keyed with the secret itself, from which the secret cannot be
 * derived), so that a node whose keystore is not this installation's refuses to start instead of issuing
 * tokens the others reject or chaining the audit journal with another key.
 *
 * <p>Versions before V10 kept the values in the database ({@code installation_secret}); the first node to
 * need one moves it into its keystore and deletes it from the database.
 */
public final class InstallationSecrets {
    private static final String UNIQUE_VIOLATION = "23505";
    private static final byte[] CHECK_LABEL = "tongban installation secret check".getBytes(StandardCharsets.UTF_8);

    private final DataSource ds;
    private final SecretStore store;

    /** Secrets from {@code store}; a null store (none exists yet) serves {@link #find} only. */
    public InstallationSecrets(DataSource ds, SecretStore store) {
        this.ds = ds;
        this.store = store;
    }

    /** The keystore the secrets live in. */
    public SecretStore store() {
        return store;
    }

    /**
     * The secret called {@code name}, created from {@code initial} if this installation has none yet.
     *
     * @throws StoreException when the keystore does not hold the secret the database has seen (a node
     *     started with another installation's keystore, or without the one its peers created)
     */
    public String getOrCreate(String name, Supplier<String> initial) {
        Optional<byte[]> held = store.get(name);
        if (held.isPresent()) {
            return checked(name, held.get());
        }
        Optional<String> legacy = legacy(name);
        if (legacy.isPresent()) {
            byte[] moved = store.getOrCreate(name, () -> legacy.get().getBytes(StandardCharsets.UTF_8));
            String value = checked(name, moved);
            deleteLegacy(name);
            return value;
        }
        if (fingerprint(name).isPresent()) {
            // A node sharing this keystore may have created it since the first look.
            Optional<byte[]> now = store.get(name);
            if (now.isPresent()) {
                return checked(name, now.get());
            }
            throw new StoreException(
                    "the installation's secret '" + name + "' is not in " + store.file()
                            + ": copy the secrets keystore (and its password) from a node of this installation",
                    null);
        }
        byte[] created = store.getOrCreate(name, () -> initial.get().getBytes(StandardCharsets.UTF_8));
        return checked(name, created);
    }

    /**
     * The secret called {@code name} if this installation has one; never creates or records anything (for
     * read-only tools).
     *
     * @throws StoreException when the database has seen the secret but the keystore does not hold it, or
     *     holds another value
     */
    public Optional<String> find(String name) {
        Optional<byte[]> held = store == null ? Optional.empty() : store.get(name);
        Optional<String> known = fingerprint(name);
        if (held.isPresent()) {
            if (known.isPresent() && !known.get().equals(fingerprintOf(held.get()))) {
                throw new StoreException(
                        "the secrets keystore " + store.file() + " is not this installation's (secret '" + name
                                + "' differs)",
                        null);
            }
            return Optional.of(new String(held.get(), StandardCharsets.UTF_8));
        }
        if (known.isPresent()) {
            throw new StoreException(
                    "the installation's secret '" + name + "' is not in "
                            + (store == null
                                    ? "any secrets keystore (none found)"
                                    : store.file().toString())
                            + ": give the keystore with --secrets",
                    null);
        }
        return legacy(name);
    }

    /** A secret's value before its last rotation, accepted for checking (never for signing) until {@code until}. */
    public record Previous(String value, java.time.Instant until) {}

    /** The suffix of the keystore entry holding a secret's previous value and its deadline. */
    static final String PREVIOUS = ".previous";

    /**
     * A new value for the secret {@code name} ({@code tongban.jar secrets rotate}): the keystore gets it, the
     * database its fingerprint (so a node still holding the old keystore refuses to start); the old value is
     * kept as {@code <name>.previous} until {@code previousUntil} — what it signed is still accepted until
     * then — or dropped at once when {@code previousUntil} is null.
     *
     * @return the new value's fingerprint (as the database keeps it)
     * @throws StoreException when the keystore does not hold this installation's current value
     */
    public String rotate(String name, byte[] fresh, java.time.Instant previousUntil) {
        Optional<byte[]> held = store.get(name);
        if (held.isEmpty()) {
            throw new StoreException("the installation has no secret '" + name + "' to rotate yet", null);
        }
        checked(name, held.get());
        if (previousUntil != null) {
            byte[] value = (previousUntil.toEpochMilli() + "|" + new String(held.get(), StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            store.put(name + PREVIOUS, value);
        } else {
            store.put(name + PREVIOUS, null);
        }
        store.put(name, fresh);
        String fingerprint = fingerprintOf(fresh);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE installation_secret_check SET fingerprint = ?, created_at = ? WHERE name = ?")) {
            ps.setString(1, fingerprint);
            ps.setLong(2, System.currentTimeMillis());
            ps.setString(3, name);
            ps.executeUpdate();
        } catch (SQLException ex) {
            throw new StoreException("cannot record the fingerprint of secret " + name, ex);
        }
        return fingerprint;
    }

    /** The secret's value before its last rotation and until when it is accepted, if it was kept. */
    public Optional<Previous> previous(String name) {
        if (store == null) {
            return Optional.empty();
        }
        return store.get(name + PREVIOUS).map(b -> {
            String v = new String(b, StandardCharsets.UTF_8);
            int bar = v.indexOf('|');
            return new Previous(
                    v.substring(bar + 1), java.time.Instant.ofEpochMilli(Long.parseLong(v.substring(0, bar))));
        });
    }

    /** Compares the keystore's value with the database's fingerprint, recording it if it is the first. */
    private String checked(String name, byte[] value) {
        String mine = fingerprintOf(value);
        Optional<String> known = fingerprint(name);
        if (known.isEmpty()) {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO installation_secret_check (name, fingerprint, created_at) VALUES (?, ?, ?)")) {
                ps.setString(1, name);
                ps.setString(2, mine);
                ps.setLong(3, System.currentTimeMillis());
                ps.executeUpdate();
                return new String(value, StandardCharsets.UTF_8);
            } catch (SQLException ex) {
                if (!UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                    throw new StoreException("cannot record the fingerprint of secret " + name, ex);
                }
                known = fingerprint(name);
            }
        }
        if (known.isPresent() && !known.get().equals(mine)) {
            throw new StoreException(
                    "the secrets keystore " + store.file() + " is not this installation's (secret '" + name
                            + "' differs from the one the database has seen): copy the keystore from a node of"
                            + " this installation",
                    null);
        }
        return new String(value, StandardCharsets.UTF_8);
    }

    static String fingerprintOf(byte[] value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(value, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(CHECK_LABEL));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<String> fingerprint(String name) {
        return single("SELECT fingerprint FROM installation_secret_check WHERE name = ?", name)
                .map(String::strip);
    }

    private Optional<String> legacy(String name) {
        return single("SELECT secret FROM installation_secret WHERE name = ?", name);
    }

    private Optional<String> single(String sql, String name) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException ex) {
            throw new StoreException("cannot read secret " + name, ex);
        }
    }

    private void deleteLegacy(String name) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM installation_secret WHERE name = ?")) {
            ps.setString(1, name);
            ps.executeUpdate();
        } catch (SQLException ex) {
            throw new StoreException("cannot remove secret " + name + " from the database", ex);
        }
    }
}
