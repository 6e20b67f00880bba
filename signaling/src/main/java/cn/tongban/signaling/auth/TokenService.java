package cn.tongban.signaling.auth;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.store.InstallationSecrets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Signed clerk session tokens (JWT, HS256). The key is the installation secret {@code jwt} in the
 * database ({@link InstallationSecrets}), so every node sharing the database accepts a token any of them
 * issued: a clerk whose node fails signs in again on another node with the token they hold. A {@code
 * <data-dir>/jwt.secret} left by an older version becomes that secret when the database has none yet.
 * Tokens last {@value #TTL_SECONDS} seconds.
 */
public final class TokenService {
    static final int TTL_SECONDS = 12 * 3600;
    private static final String ISSUER = "tongban";

    private final JWTAuth jwt;

    private TokenService(JWTAuth jwt) {
        this.jwt = jwt;
    }

    public static TokenService create(Vertx vertx, InstallationSecrets secrets, Path dataDir) {
        return withSecret(
                vertx, secrets.getOrCreate("jwt", () -> legacySecret(dataDir).orElseGet(TokenService::randomSecret)));
    }

    /** With a given HS256 secret (tests). */
    static TokenService withSecret(Vertx vertx, String secret) {
        JWTAuth jwt = JWTAuth.create(
                vertx,
                new JWTAuthOptions()
                        .addPubSecKey(
                                new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
                        .setJWTOptions(new JWTOptions().setIssuer(ISSUER)));
        return new TokenService(jwt);
    }

    private static Optional<String> legacySecret(Path dataDir) {
        Path file = dataDir.resolve("jwt.secret");
        try {
            return Files.exists(file) ? Optional.of(Files.readString(file).strip()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String randomSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return Base64.getEncoder().encodeToString(secret);
    }

    /** Issues a token for a clerk. */
    public String issue(String clerkId) {
        return jwt.generateToken(
                new JsonObject().put("sub", clerkId).put("role", "clerk"),
                new JWTOptions().setIssuer(ISSUER).setExpiresInSeconds(TTL_SECONDS));
    }

    /** Verifies a token and returns the clerk id it was issued for. */
    public Future<String> verify(String token) {
        return jwt.authenticate(new TokenCredentials(token)).map(user -> {
            JsonObject p = user.principal();
            if (!"clerk".equals(p.getString("role")) || p.getString("sub") == null) {
                throw new IllegalArgumentException("not a clerk token");
            }
            // A token without an expiry would be valid for ever; ours always carry one.
            if (!(user.get("exp") instanceof Number)) {
                throw new IllegalArgumentException("a token without an expiry");
            }
            return p.getString("sub");
        });
    }

    /**
     * The clerk a token names, waiting for the check; {@code AUTH_FAILED} if it is invalid or expired.
     * Blocking: for handlers on a worker thread.
     */
    public String clerkOf(String token) {
        try {
            return verify(token).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.INTERNAL, "interrupted");
        } catch (Exception e) {
            throw new ProtocolException(ErrorCode.AUTH_FAILED, "invalid or expired token; sign in again");
        }
    }
}
