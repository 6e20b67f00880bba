package cn.tongban.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.testkit.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Clerk tokens: issued ones verify; one signed with the right key but without an expiry does not; refresh
 * gives a fresh token for a valid one only, up to twelve hours after the sign-in; revocation refuses every
 * earlier token with {@code TOKEN_REVOKED}.
 */
class TokenServiceTest {
    private static final String SECRET = "a-test-secret-of-enough-length-0123456789";
    private static final Vertx VERTX = Vertx.vertx();

    @AfterAll
    static void close() {
        VERTX.close();
    }

    @Test
    void anIssuedTokenNamesItsClerk() {
        TokenService tokens = TokenService.withSecret(VERTX, SECRET);
        assertThat(tokens.clerkOf(tokens.issue("wujin01"))).isEqualTo("wujin01");
    }

    @Test
    void aTokenWithoutExpiryIsRefusedEvenWithTheRightKey() {
        // Whoever learned the key (an old backup, a leaked database) must not mint tokens valid for ever.
        JWTAuth raw = JWTAuth.create(
                VERTX,
                new JWTAuthOptions()
                        .addPubSecKey(
                                new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
        String forever = raw.generateToken(
                new JsonObject().put("sub", "supervisor01").put("role", "clerk"),
                new JWTOptions().setIssuer("tongban"));
        assertThat(new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(forever.split("\\.")[1])))
                        .containsKey("exp"))
                .isFalse();
        TokenService tokens = TokenService.withSecret(VERTX, SECRET);
        assertThatThrownBy(() -> tokens.clerkOf(forever)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void aTokenOfAnotherKeyIsRefused() {
        TokenService ours = TokenService.withSecret(VERTX, SECRET);
        TokenService theirs = TokenService.withSecret(VERTX, "another-secret-of-enough-length-987654321");
        assertThatThrownBy(() -> ours.clerkOf(theirs.issue("wujin01"))).isInstanceOf(ProtocolException.class);
    }

    @Test
    void aValidTokenIsRefreshedForTheSameClerkAndSignIn() {
        TokenService tokens = TokenService.withSecret(VERTX, SECRET);
        String first = tokens.issue("wujin01");
        String fresh = tokens.refresh(first);
        TokenService.Claims claims = tokens.check(fresh);
        assertThat(claims.clerkId()).isEqualTo("wujin01");
        assertThat(claims.authTime()).isEqualTo(tokens.check(first).authTime());
        // Short-lived: fifteen minutes from now, not twelve hours.
        assertThat(claims.expiresAt() - System.currentTimeMillis() / 1000)
                .isBetween(TokenService.TTL_SECONDS - 60L, (long) TokenService.TTL_SECONDS);
    }

    @Test
    void anExpiredTokenIsNeitherAcceptedNorRefreshed() {
        long past = System.currentTimeMillis() / 1000 - 60;
        String expired = raw().generateToken(
                        new JsonObject()
                                .put("sub", "wujin01")
                                .put("role", "clerk")
                                .put("gen", 0)
                                .put("auth", past - 900)
                                .put("exp", past),
                        new JWTOptions().setIssuer("tongban"));
        TokenService tokens = TokenService.withSecret(VERTX, SECRET);
        assertThatThrownBy(() -> tokens.clerkOf(expired))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED));
        assertThatThrownBy(() -> tokens.refresh(expired))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED));
    }

    @Test
    void aSignInOlderThanTwelveHoursIsNotRefreshed() {
        MutableClock clock = new MutableClock();
        clock.advance(System.currentTimeMillis() - clock.millis());
        TokenService tokens = TokenService.withSecret(VERTX, SECRET, TokenRevocations.inMemory(), clock);
        String token = tokens.issue("wujin01");
        clock.advance(TokenService.MAX_SESSION_SECONDS * 1000L - 1000);
        String later = tokens.refresh(token);
        clock.advance(2000);
        assertThatThrownBy(() -> tokens.refresh(later))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED));
    }

    @Test
    void revokingRefusesEveryEarlierTokenOfThatClerkOnly() {
        TokenRevocations revocations = TokenRevocations.inMemory();
        TokenService tokens = TokenService.withSecret(VERTX, SECRET, revocations, java.time.Clock.systemUTC());
        String before = tokens.issue("wujin01");
        String refreshed = tokens.refresh(before);
        String other = tokens.issue("wujin02");
        tokens.revoke("wujin01");
        for (String revoked : new String[] {before, refreshed}) {
            assertThatThrownBy(() -> tokens.clerkOf(revoked))
                    .isInstanceOfSatisfying(
                            ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_REVOKED));
            assertThatThrownBy(() -> tokens.refresh(revoked))
                    .isInstanceOfSatisfying(
                            ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_REVOKED));
        }
        assertThat(tokens.clerkOf(other)).isEqualTo("wujin02");
        // Signing in again gives a token of the new generation.
        assertThat(tokens.clerkOf(tokens.issue("wujin01"))).isEqualTo("wujin01");
    }

    @Test
    void aTokenOfAnOlderBuildIsRefreshedAndRevokedByTheFirstRevocation() {
        String old = raw().generateToken(
                        new JsonObject().put("sub", "wujin01").put("role", "clerk"),
                        new JWTOptions().setIssuer("tongban").setExpiresInSeconds(3600));
        TokenService tokens = TokenService.withSecret(VERTX, SECRET);
        assertThat(tokens.clerkOf(old)).isEqualTo("wujin01");
        // Refreshed as a sign-in at its iat, into a token of the current kind.
        assertThat(tokens.check(tokens.refresh(old)).authTime())
                .isEqualTo(tokens.check(old).authTime());
        tokens.revoke("wujin01");
        assertThatThrownBy(() -> tokens.clerkOf(old))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_REVOKED));
    }

    private static JWTAuth raw() {
        return JWTAuth.create(
                VERTX,
                new JWTAuthOptions()
                        .addPubSecKey(
                                new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    }
}
