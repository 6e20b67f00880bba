package cn.tongban.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.protocol.ProtocolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Clerk tokens: issued ones verify; one signed with the right key but without an expiry does not. */
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
}
