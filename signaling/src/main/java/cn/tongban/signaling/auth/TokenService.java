package cn.tongban.signaling.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Signed clerk session tokens (JWT, HS256) with a per-installation secret kept in
 * {@code <data-dir>/jwt.secret} (owner-only permissions). Tokens last {@value #TTL_SECONDS} seconds.
 */
public final class TokenService {
    static final int TTL_SECONDS = 12 * 3600;
    private static final String ISSUER = "tongban";

    private final JWTAuth jwt;

    private TokenService(JWTAuth jwt) {
        this.jwt = jwt;
    }

    public static TokenService create(Vertx vertx, Path dataDir) throws IOException {
        Path file = dataDir.resolve("jwt.secret");
        if (!Files.exists(file)) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Files.writeString(file, Base64.getEncoder().encodeToString(secret));
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // Non-POSIX file system: nothing more we can do.
            }
        }
        String secret = Files.readString(file).strip();
        JWTAuth jwt = JWTAuth.create(
                vertx,
                new JWTAuthOptions()
                        .addPubSecKey(
                                new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
                        .setJWTOptions(new JWTOptions().setIssuer(ISSUER)));
        return new TokenService(jwt);
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
            return p.getString("sub");
        });
    }
}
