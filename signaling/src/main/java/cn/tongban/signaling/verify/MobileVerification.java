package cn.tongban.signaling.verify;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.store.StoreException;
import cn.tongban.signaling.store.Transactions;
import cn.tongban.signaling.util.Mask;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verified mobile numbers before anonymous actions (a ticket, a booking): a six-digit one-time code by SMS,
 * confirmed in exchange for a <em>mobile token</em> that the ticket or booking request carries
 * (docs/security.md, "Anonymous actions").
 *
 * <p>Limits, all counted in the database so that they hold for the whole cluster and across restarts:
 *
 * <ul>
 *   <li>per number: one code every {@value #RESEND_SECONDS} seconds, at most {@value #PER_NUMBER_HOUR} an hour
 *       and {@value #PER_NUMBER_DAY} a day ({@link ErrorCode#VERIFY_TOO_SOON}, {@link ErrorCode#VERIFY_LIMIT});
 *   <li>per code: {@value #ATTEMPTS_PER_CODE} tries within {@value #CODE_VALID_MINUTES} minutes, then it is
 *       void ({@link ErrorCode#VERIFICATION_FAILED});
 *   <li>per client address: {@link Policy#addressFree} codes an hour freely, then each further one only with
 *       a solved {@link ProofOfWork} challenge ({@link ErrorCode#CHALLENGE_REQUIRED}), and none beyond {@link
 *       Policy#addressMax} ({@link ErrorCode#VERIFY_LIMIT}).
 * </ul>
 *
 * Numbers and codes are stored only as keyed hashes. A mobile token is {@code m1.<expires>.<mac>}: the MAC
 * binds it to the number, so it is good only for the number it was issued for, on every node, for {@value
 * #TOKEN_MINUTES} minutes.
 */
public final class MobileVerification {
    private static final Logger LOG = LoggerFactory.getLogger(MobileVerification.class);
    static final int CODE_VALID_MINUTES = 5;
    static final int RESEND_SECONDS = 60;
    static final int PER_NUMBER_HOUR = 5;
    static final int PER_NUMBER_DAY = 10;
    static final int ATTEMPTS_PER_CODE = 5;
    static final int TOKEN_MINUTES = 30;
    private static final long HOUR_MS = 3_600_000;
    private static final long DAY_MS = 24 * HOUR_MS;
    private static final long SWEEP_EVERY_MS = 10 * 60_000;
    private static final int MAX_ADDRESS = 64;
    private static final Pattern MOBILE = Pattern.compile("1[3-9]\\d{9}");
    private static final Pattern CODE = Pattern.compile("\\d{6}");
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /**
     * How many codes one client address may ask for in an hour: {@code addressFree} without a challenge,
     * {@code addressMax} in all. A partner hall's terminals behind one address need room here.
     */
    public record Policy(int addressFree, int addressMax) {
        public static final Policy DEFAULT = new Policy(5, 60);

        public Policy {
            if (addressFree < 0 || addressMax < 1 || addressMax < addressFree) {
                throw new IllegalArgumentException("need 0 <= free <= max and max >= 1");
            }
        }
    }

    /** A code was sent: ask again after {@code resendAfterSeconds}; it is good for {@code validSeconds}. */
    public record Sent(int resendAfterSeconds, int validSeconds) {}

    /** A confirmed number's token and how long it is good for. */
    public record Verified(String mobileToken, int validSeconds) {}

    private final byte[] key;
    private final DataSource ds;
    private final SmsGateway sms;
    private final ProofOfWork pow;
    private final Policy policy;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong lastSweep = new AtomicLong();

    public MobileVerification(byte[] key, DataSource ds, SmsGateway sms, ProofOfWork pow, Policy policy, Clock clock) {
        this.key = key.clone();
        this.ds = ds;
        this.sms = sms;
        this.pow = pow;
        this.policy = policy;
        this.clock = clock;
    }

    /** The gateway codes go through (for the start-up log). */
    public SmsGateway gateway() {
        return sms;
    }

    /**
     * Sends a fresh code to {@code mobile} for a request from {@code address}, which gives a solved challenge
     * ({@code challenge}, {@code nonce}) when it was asked for one, else nulls. Blocks on the database and the
     * gateway: call it on a worker thread.
     *
     * @throws VerificationException when a limit refuses it or the gateway fails ({@link ErrorCode#SMS_UNAVAILABLE})
     * @throws ProtocolException {@link ErrorCode#INVALID_FIELD} for a malformed number, {@link
     *     ErrorCode#CHALLENGE_INVALID} for a forged, used or unsolved challenge
     */
    public Sent requestCode(String mobile, String address, String challenge, String nonce) {
        requireMobile(mobile);
        long now = clock.millis();
        sweepNowAndThen(now);
        String addr =
                address == null ? "" : address.length() > MAX_ADDRESS ? address.substring(0, MAX_ADDRESS) : address;
        String code = String.format("%06d", random.nextInt(1_000_000));
        // Counted and stored first, in one short transaction; the SMS goes out after it (no connection or
        // row lock is held while the gateway answers), and a code the gateway did not take is undone.
        Reserved reserved = transaction(
                "cannot record a verification code", c -> reserve(c, mobile, addr, code, challenge, nonce, now));
        try {
            sms.send(new SmsGateway.Message(mobile, text(code), code, CODE_VALID_MINUTES));
        } catch (SmsGateway.SmsException | RuntimeException e) {
            LOG.warn("The SMS gateway did not take a code for {}: {}", Mask.mobile(mobile), e.getMessage());
            transaction("cannot undo a verification code", c -> {
                undo(c, reserved);
                return null;
            });
            throw new VerificationException(
                    ErrorCode.SMS_UNAVAILABLE, null, 0, null, "the SMS could not be sent; try again in a minute");
        }
        return new Sent(RESEND_SECONDS, CODE_VALID_MINUTES * 60);
    }

    /**
     * Checks the code last sent to {@code mobile}; a right one is used up and answered with a mobile token.
     *
     * @throws VerificationException {@link ErrorCode#VERIFICATION_FAILED} with reason {@code wrong}, {@code
     *     expired}, {@code exhausted} (too many tries: ask for a new code) or {@code no_code}
     */
    public Verified confirm(String mobile, String code) {
        requireMobile(mobile);
        if (code == null || !CODE.matcher(code).matches()) {
            throw ProtocolException.invalid("code", "must be the 6 digits of the SMS");
        }
        long now = clock.millis();
        String mobileKey = mobileKey(mobile);
        String expected = codeHash(mobileKey, code);
        VerificationException refused = transaction("cannot check a verification code", c -> {
            String hash;
            long expires;
            int attempts;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT code_hash, expires_at, attempts FROM mobile_code WHERE mobile_key = ? FOR UPDATE")) {
                ps.setString(1, mobileKey);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getString(1) == null) {
                        return failed("no_code", "no code is waiting for this number; ask for one");
                    }
                    hash = rs.getString(1);
                    expires = rs.getLong(2);
                    attempts = rs.getInt(3);
                }
            }
            if (expires <= now) {
                voidCode(c, mobileKey);
                return failed("expired", "the code expired; ask for a new one");
            }
            if (MessageDigest.isEqual(
                    hash.getBytes(StandardCharsets.US_ASCII), expected.getBytes(StandardCharsets.US_ASCII))) {
                voidCode(c, mobileKey);
                return null;
            }
            int tries = attempts + 1;
            if (tries >= ATTEMPTS_PER_CODE) {
                voidCode(c, mobileKey);
                return failed("exhausted", "wrong code, and no tries are left; ask for a new code");
            }
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE mobile_code SET attempts = ? WHERE mobile_key = ?")) {
                ps.setInt(1, tries);
                ps.setString(2, mobileKey);
                ps.executeUpdate();
            }
            return failed("wrong", "wrong code; " + (ATTEMPTS_PER_CODE - tries) + " tries left");
        });
        if (refused != null) {
            throw refused;
        }
        long expiresAt = now + TOKEN_MINUTES * 60_000L;
        String body = "m1." + expiresAt;
        return new Verified(body + "." + tokenMac(mobile, body), TOKEN_MINUTES * 60);
    }

    /**
     * Checks that {@code mobileToken} was issued for {@code mobile} and is still good.
     *
     * @throws ProtocolException {@link ErrorCode#MOBILE_NOT_VERIFIED} when it is missing, forged, expired or
     *     issued for another number
     */
    public void check(String mobileToken, String mobile) {
        if (mobileToken == null || mobile == null || mobileToken.length() > 128) {
            throw notVerified("verify the mobile number with an SMS code first");
        }
        int dot = mobileToken.lastIndexOf('.');
        String body = dot < 0 ? "" : mobileToken.substring(0, dot);
        String[] parts = body.split("\\.", -1);
        if (parts.length != 2
                || !"m1".equals(parts[0])
                || !MessageDigest.isEqual(
                        tokenMac(mobile, body).getBytes(StandardCharsets.US_ASCII),
                        mobileToken.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            throw notVerified("the mobile token is not valid for this number; verify the number again");
        }
        long expires;
        try {
            expires = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            throw notVerified("the mobile token is not valid for this number; verify the number again");
        }
        if (expires <= clock.millis()) {
            throw notVerified("the mobile number's verification expired; verify it again");
        }
    }

    /** A number's row as it was before a code was reserved (null: there was none), to undo the reservation. */
    private record Previous(
            String codeHash,
            long expiresAt,
            int attempts,
            long lastSentAt,
            long hourStart,
            int hourCount,
            long dayStart,
            int dayCount) {}

    /** What a reserved code changed: the number's row (and what it was), the address's count. */
    private record Reserved(String mobileKey, String codeHash, Previous previous, String address, long windowStart) {}

    /**
     * In one transaction: checks the address's count (and a challenge beyond its free codes) and the number's
     * limits, then stores the code and counts it against both. Locks the address's row, then the number's, in
     * that order for every request. A refusal changes nothing — not even the challenge is used up.
     */
    private Reserved reserve(
            Connection c, String mobile, String addr, String code, String challenge, String nonce, long now)
            throws SQLException {
        long windowStart = now;
        int requests = 0;
        boolean addressKnown;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT window_start, requests FROM verify_address WHERE address = ? FOR UPDATE")) {
            ps.setString(1, addr);
            try (ResultSet rs = ps.executeQuery()) {
                addressKnown = rs.next();
                if (addressKnown && now - rs.getLong(1) < HOUR_MS) {
                    windowStart = rs.getLong(1);
                    requests = rs.getInt(2);
                }
            }
        }
        int n = requests + 1;
        if (n > policy.addressMax()) {
            throw VerificationException.waitFor(
                    ErrorCode.VERIFY_LIMIT,
                    "address",
                    windowStart + HOUR_MS - now,
                    "too many codes were asked for from this network; try again later");
        }
        if (n > policy.addressFree()) {
            if (challenge == null) {
                throw new VerificationException(
                        ErrorCode.CHALLENGE_REQUIRED,
                        null,
                        0,
                        pow.issue(),
                        "many codes were asked for from this network: solve the challenge and ask again");
            }
            pow.redeem(c, challenge, nonce);
        }

        String mobileKey = mobileKey(mobile);
        Previous previous = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT code_hash, expires_at, attempts, last_sent_at,"
                + " hour_start, hour_count, day_start, day_count FROM mobile_code WHERE mobile_key = ? FOR UPDATE")) {
            ps.setString(1, mobileKey);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    previous = new Previous(
                            rs.getString(1),
                            rs.getLong(2),
                            rs.getInt(3),
                            rs.getLong(4),
                            rs.getLong(5),
                            rs.getInt(6),
                            rs.getLong(7),
                            rs.getInt(8));
                }
            }
        }
        long hourStart = now;
        int hourCount = 0;
        long dayStart = now;
        int dayCount = 0;
        if (previous != null) {
            if (now - previous.lastSentAt() < RESEND_SECONDS * 1000L) {
                throw VerificationException.waitFor(
                        ErrorCode.VERIFY_TOO_SOON,
                        null,
                        previous.lastSentAt() + RESEND_SECONDS * 1000L - now,
                        "a code was sent to this number just now; wait before asking again");
            }
            if (now - previous.hourStart() < HOUR_MS) {
                hourStart = previous.hourStart();
                hourCount = previous.hourCount();
            }
            if (now - previous.dayStart() < DAY_MS) {
                dayStart = previous.dayStart();
                dayCount = previous.dayCount();
            }
        }
        if (dayCount >= PER_NUMBER_DAY) {
            throw VerificationException.waitFor(
                    ErrorCode.VERIFY_LIMIT, "number", dayStart + DAY_MS - now, "too many codes for this number today");
        }
        if (hourCount >= PER_NUMBER_HOUR) {
            throw VerificationException.waitFor(
                    ErrorCode.VERIFY_LIMIT,
                    "number",
                    hourStart + HOUR_MS - now,
                    "too many codes for this number in the last hour");
        }

        String codeHash = codeHash(mobileKey, code);
        String sql = previous != null
                ? "UPDATE mobile_code SET code_hash = ?, expires_at = ?, attempts = 0, last_sent_at = ?,"
                        + " hour_start = ?, hour_count = ?, day_start = ?, day_count = ? WHERE mobile_key = ?"
                : "INSERT INTO mobile_code (code_hash, expires_at, attempts, last_sent_at, hour_start, hour_count,"
                        + " day_start, day_count, mobile_key) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, codeHash);
            ps.setLong(2, now + CODE_VALID_MINUTES * 60_000L);
            ps.setLong(3, now);
            ps.setLong(4, hourStart);
            ps.setInt(5, hourCount + 1);
            ps.setLong(6, dayStart);
            ps.setInt(7, dayCount + 1);
            ps.setString(8, mobileKey);
            ps.executeUpdate();
        }
        String addressSql = addressKnown
                ? "UPDATE verify_address SET window_start = ?, requests = ? WHERE address = ?"
                : "INSERT INTO verify_address (window_start, requests, address) VALUES (?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(addressSql)) {
            ps.setLong(1, windowStart);
            ps.setInt(2, n);
            ps.setString(3, addr);
            ps.executeUpdate();
        }
        return new Reserved(mobileKey, codeHash, previous, addr, windowStart);
    }

    /**
     * The gateway did not take the code: the number's row goes back to what it was (unless another code was
     * reserved since) and the address's count down by one. A challenge solved for it stays used.
     */
    private static void undo(Connection c, Reserved r) throws SQLException {
        Previous p = r.previous();
        if (p == null) {
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM mobile_code WHERE mobile_key = ? AND code_hash = ?")) {
                ps.setString(1, r.mobileKey());
                ps.setString(2, r.codeHash());
                ps.executeUpdate();
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement("UPDATE mobile_code SET code_hash = ?, expires_at = ?,"
                    + " attempts = ?, last_sent_at = ?, hour_start = ?, hour_count = ?, day_start = ?, day_count = ?"
                    + " WHERE mobile_key = ? AND code_hash = ?")) {
                ps.setString(1, p.codeHash());
                ps.setLong(2, p.expiresAt());
                ps.setInt(3, p.attempts());
                ps.setLong(4, p.lastSentAt());
                ps.setLong(5, p.hourStart());
                ps.setInt(6, p.hourCount());
                ps.setLong(7, p.dayStart());
                ps.setInt(8, p.dayCount());
                ps.setString(9, r.mobileKey());
                ps.setString(10, r.codeHash());
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE verify_address SET requests = requests - 1"
                + " WHERE address = ? AND window_start = ? AND requests > 0")) {
            ps.setString(1, r.address());
            ps.setLong(2, r.windowStart());
            ps.executeUpdate();
        }
    }

    /** The SMS text (Simplified Chinese: it goes to mainland numbers). */
    static String text(String code) {
        return "【通办窗口】您的验证码是 " + code + "，" + CODE_VALID_MINUTES + " 分钟内有效。请勿告诉他人，工作人员不会向您索要验证码。";
    }

    private static void voidCode(Connection c, String mobileKey) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE mobile_code SET code_hash = NULL, attempts = 0 WHERE mobile_key = ?")) {
            ps.setString(1, mobileKey);
            ps.executeUpdate();
        }
    }

    /** Runs {@code work} in one transaction, again from the start when it collided with another one. */
    private <T> T transaction(String what, Transactions.Work<T> work) {
        return Transactions.retrying(ds, 10, what, work);
    }

    /** Deletes counts, codes and used challenges older than any window, at most every ten minutes. */
    private void sweepNowAndThen(long now) {
        pow.sweepNowAndThen(now);
        long last = lastSweep.get();
        if (now - last < SWEEP_EVERY_MS || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM mobile_code WHERE last_sent_at < ?")) {
                ps.setLong(1, now - DAY_MS);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM verify_address WHERE window_start < ?")) {
                ps.setLong(1, now - HOUR_MS);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot delete old verification counts", e);
        }
    }

    private static void requireMobile(String mobile) {
        if (mobile == null || !MOBILE.matcher(mobile).matches()) {
            throw ProtocolException.invalid("mobile", "must be an 11-digit mainland mobile number");
        }
    }

    private static VerificationException failed(String reason, String message) {
        return new VerificationException(ErrorCode.VERIFICATION_FAILED, reason, 0, null, message);
    }

    private static ProtocolException notVerified(String message) {
        return new ProtocolException(ErrorCode.MOBILE_NOT_VERIFIED, message);
    }

    private String mobileKey(String mobile) {
        return HexFormat.of().formatHex(hmac("number|" + mobile));
    }

    private String codeHash(String mobileKey, String code) {
        return HexFormat.of().formatHex(hmac("code|" + mobileKey + "|" + code));
    }

    private String tokenMac(String mobile, String body) {
        return B64.encodeToString(hmac("token|" + mobile + "|" + body));
    }

    private byte[] hmac(String data) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
