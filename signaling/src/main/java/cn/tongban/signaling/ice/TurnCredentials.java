package cn.tongban.signaling.ice;

import cn.tongban.signaling.config.IceOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-limited TURN credentials of the TURN REST scheme (draft-uberti-behave-turn-rest-00, section 2.2),
 * which coturn checks with {@code use-auth-secret} and {@code static-auth-secret}:
 *
 * <pre>
 *   username   = &lt;expiry, Unix seconds&gt; ":" &lt;opaque id&gt;
 *   credential = base64(HMAC-SHA1(secret, username))
 * </pre>
 *
 * The TURN server recomputes the credential from the username and the secret it shares with this node, and
 * refuses a username whose expiry has passed. The opaque part is random: it names no person, only lets an
 * operator tell allocations apart in coturn's log.
 */
public final class TurnCredentials {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TurnCredentials() {}

    /** The username for credentials valid until {@code expiry} (whole seconds, rounded down). */
    public static String username(Instant expiry, String id) {
        if (id.isEmpty() || id.indexOf(':') >= 0) {
            throw new IllegalArgumentException("the opaque part must be non-empty and free of ':'");
        }
        return expiry.getEpochSecond() + ":" + id;
    }

    /** base64(HMAC-SHA1(secret, username)), as coturn computes it. */
    public static String credential(String secret, String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is part of every Java runtime", e);
        }
    }

    /** A new random opaque id: 96 bits, base64url. */
    public static String newId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The TURN entry of {@code iceServers} for credentials issued at {@code now}, valid for the TTL. */
    public static ServerMessage.IceServer issue(IceOptions.Turn turn, Instant now) {
        String username = username(now.plus(turn.ttl()), newId());
        return new ServerMessage.IceServer(turn.urls(), username, credential(turn.secret(), username));
    }
}
