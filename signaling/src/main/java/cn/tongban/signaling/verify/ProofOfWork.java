package cn.tongban.signaling.verify;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

/**
 * A self-hosted challenge for a source that exceeded its free requests: the browser finds a {@code nonce}
 * such that SHA-256 of {@code challenge + ":" + nonce} starts with {@code bits} zero bits, which costs it
 * about 2^bits hashes (a second or two at 16 bits) and the server one hash to check. No outside service and
 * nothing the applicant has to read or click.
 *
 * <p>A challenge is {@code v1.<expires>.<bits>.<random>.<mac>}: issued without storing anything, authenticated
 * with the installation's key (so any node checks what any node issued), good for five minutes and for one
 * use — a used challenge is remembered in the database until it expires.
 */
public final class ProofOfWork {
    static final long TTL_MS = 5 * 60_000;
    private static final Pattern NONCE = Pattern.compile("[0-9]{1,20}");
    private static final int MAX_CHALLENGE = 200;
    private static final long SWEEP_EVERY_MS = 10 * 60_000;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** What a client must solve. */
    public record Challenge(String challenge, int bits) {}

    private final byte[] key;
    private final int bits;
    private final DataSource ds;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong lastSweep = new AtomicLong();

    public ProofOfWork(byte[] key, int bits, DataSource ds, Clock clock) {
        if (bits < 1 || bits > 30) {
            throw new IllegalArgumentException("proof-of-work bits must be 1 to 30");
        }
        this.key = key.clone();
        this.bits = bits;
        this.ds = ds;
        this.clock = clock;
    }

    /** A fresh challenge. */
    public Challenge issue() {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        String body = "v1." + (clock.millis() + TTL_MS) + "." + bits + "." + B64.encodeToString(nonce);
        return new Challenge(body + "." + mac(body), bits);
    }

    /**
     * Accepts a solved challenge once, marking it used in the caller's transaction {@code c} (so that a
     * request refused later in that transaction leaves it unused); throws {@link ErrorCode#CHALLENGE_INVALID}
     * when it is forged, expired, used, or the nonce does not solve it.
     */
    public void redeem(Connection c, String challenge, String nonce) throws SQLException {
        if (challenge == null
                || nonce == null
                || challenge.length() > MAX_CHALLENGE
                || !NONCE.matcher(nonce).matches()) {
            throw invalid("the challenge and a decimal nonce are required");
        }
        String[] parts = challenge.split("\\.", -1);
        if (parts.length != 5 || !"v1".equals(parts[0])) {
            throw invalid("not a challenge of this server");
        }
        String body = challenge.substring(0, challenge.lastIndexOf('.'));
        if (!MessageDigest.isEqual(
                mac(body).getBytes(StandardCharsets.US_ASCII), parts[4].getBytes(StandardCharsets.US_ASCII))) {
            throw invalid("not a challenge of this server");
        }
        long expires;
        int required;
        try {
            expires = Long.parseLong(parts[1]);
            required = Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            throw invalid("not a challenge of this server");
        }
        long now = clock.millis();
        if (expires <= now) {
            throw invalid("the challenge expired; ask for a new one");
        }
        if (leadingZeroBits(sha256(challenge + ":" + nonce)) < required) {
            throw invalid("the nonce does not solve the challenge");
        }
        markUsed(c, challenge, expires);
    }

    /** A nonce that solves {@code c}, found the way a browser does (for clients written in Java: tests, tools). */
    public static String solve(Challenge c) {
        for (long n = 0; ; n++) {
            String nonce = Long.toString(n);
            if (leadingZeroBits(sha256(c.challenge() + ":" + nonce)) >= c.bits()) {
                return nonce;
            }
        }
    }

    static int leadingZeroBits(byte[] hash) {
        int zeros = 0;
        for (byte b : hash) {
            if (b == 0) {
                zeros += 8;
                continue;
            }
            return zeros + Integer.numberOfLeadingZeros(b & 0xff) - 24;
        }
        return zeros;
    }

    private static void markUsed(Connection c, String challenge, long expires) throws SQLException {
        String hash = HexFormat.of().formatHex(sha256(challenge));
        // Looked up first, so that a used challenge is refused without a failed statement. Two requests
        // racing with one challenge both find nothing; the second insert then violates the key, and the
        // caller's transaction, run again, finds it used.
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM used_challenge WHERE challenge_hash = ?")) {
            ps.setString(1, hash);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw invalid("the challenge was used already");
                }
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO used_challenge (challenge_hash, expires_at) VALUES (?, ?)")) {
            ps.setString(1, hash);
            ps.setLong(2, expires);
            ps.executeUpdate();
        }
    }

    /** Forgets used challenges that have expired anyway, at most every ten minutes. */
    public void sweepNowAndThen(long now) {
        long last = lastSweep.get();
        if (now - last < SWEEP_EVERY_MS || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM used_challenge WHERE expires_at < ?")) {
            ps.setLong(1, now);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot delete expired challenges", e);
        }
    }

    private String mac(String body) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update("tongban-pow|".getBytes(StandardCharsets.US_ASCII));
            return B64.encodeToString(m.doFinal(body.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.CHALLENGE_INVALID, message);
    }
}
