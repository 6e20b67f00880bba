package cn.tongban.signaling.application;

import cn.tongban.signaling.store.KeyRing;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-limited links to an application's files (page previews, the final PDF, the receipt): the path and
 * an expiry signed with HMAC-SHA-256 under a per-installation key, so a link works for whoever holds it
 * (the applicant's copy can be downloaded from any browser) and for no longer than its lifetime.
 */
final class UrlSigner {
    /** How long a link works. */
    static final long TTL_MS = 2 * 3600_000;

    private final KeyRing keys;
    private final Clock clock;

    UrlSigner(KeyRing keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    UrlSigner(byte[] key, Clock clock) {
        this(KeyRing.of(key), clock);
    }

    /** {@code path} with {@code exp} and {@code sig} appended ({@code path} may carry a query already). */
    String sign(String path) {
        long exp = clock.millis() + TTL_MS;
        return path + (path.contains("?") ? "&" : "?") + "exp=" + exp + "&sig=" + mac(keys.current(), path, exp);
    }

    /** True if {@code sig} signs {@code path} (without exp and sig) and {@code exp} has not passed. */
    boolean valid(String path, String exp, String sig) {
        long expires;
        try {
            expires = Long.parseLong(exp);
        } catch (NumberFormatException | NullPointerException e) {
            return false;
        }
        if (expires <= clock.millis() || sig == null) {
            return false;
        }
        // After a rotation, a link signed with the key before it works until it expires (KeyRing).
        for (byte[] key : keys.accepted(clock.instant())) {
            if (MessageDigest.isEqual(
                    mac(key, path, expires).getBytes(StandardCharsets.US_ASCII),
                    sig.getBytes(StandardCharsets.US_ASCII))) {
                return true;
            }
        }
        return false;
    }

    private static String mac(byte[] key, String path, long exp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((path + "\n" + exp).getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
