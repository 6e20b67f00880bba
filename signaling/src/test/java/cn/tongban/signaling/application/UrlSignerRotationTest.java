package cn.tongban.signaling.application;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.store.KeyRing;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A link signed before a rotation works under the new key ring until it expires; forged ones never. */
class UrlSignerRotationTest {
    private static final byte[] OLD =
            "old-key-old-key-old-key-old-key!".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final byte[] NEW =
            "new-key-new-key-new-key-new-key!".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private static boolean valid(UrlSigner signer, String link) {
        URI u = URI.create(link);
        String exp = null;
        String sig = null;
        for (String kv : u.getQuery().split("&")) {
            if (kv.startsWith("exp=")) {
                exp = kv.substring(4);
            } else if (kv.startsWith("sig=")) {
                sig = kv.substring(4);
            }
        }
        return signer.valid(u.getPath(), exp, sig);
    }

    @Test
    void anOldLinkWorksUntilItExpiresAndNotWithoutTheRotationsGrace() {
        Instant t0 = Instant.parse("2026-12-07T10:00:00Z");
        String link = new UrlSigner(OLD, Clock.fixed(t0, ZoneOffset.UTC)).sign("/api/applications/a-1/final.pdf");
        Instant rotated = t0.plus(Duration.ofMinutes(30));
        KeyRing ring = new KeyRing(NEW, OLD, rotated.plus(Duration.ofHours(2)));

        assertThat(valid(new UrlSigner(ring, Clock.fixed(rotated, ZoneOffset.UTC)), link))
                .isTrue();
        // The link's own expiry (2 h after t0) still ends it.
        assertThat(valid(new UrlSigner(ring, Clock.fixed(t0.plus(Duration.ofMinutes(121)), ZoneOffset.UTC)), link))
                .isFalse();
        // Rotated with no grace: refused at once.
        assertThat(valid(new UrlSigner(KeyRing.of(NEW), Clock.fixed(rotated, ZoneOffset.UTC)), link))
                .isFalse();
        // New links are the new key's.
        UrlSigner now = new UrlSigner(ring, Clock.fixed(rotated, ZoneOffset.UTC));
        String fresh = now.sign("/api/applications/a-1/final.pdf");
        assertThat(valid(new UrlSigner(KeyRing.of(NEW), Clock.fixed(rotated, ZoneOffset.UTC)), fresh))
                .isTrue();
        assertThat(valid(new UrlSigner(KeyRing.of(OLD), Clock.fixed(rotated, ZoneOffset.UTC)), fresh))
                .isFalse();
    }
}
