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
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Signed clerk session tokens (JWT, HS256). The key is the installation secret {@code jwt}, kept in the
 * secrets keystore outside the database ({@link InstallationSecrets}), which every node of the installation
 * holds, so every node accepts a token any of them issued: a clerk whose node fails signs in again on
 * another node with the token they hold. A {@code <data-dir>/jwt.secret} left by an older version becomes
 * that secret when the installation has none yet.
 *
 * <p>A token lasts {@value #TTL_SECONDS} seconds and must carry an expiry. While it is valid, {@code POST
 * /api/auth/refresh} exchanges it for a fresh one, up to {@value #MAX_SESSION_SECONDS} seconds after the
 * password was checked (claim {@code auth}); then the clerk signs in again. Each token carries its clerk's
 * token generation (claim {@code gen}, {@link TokenRevocations}): signing out and a password change raise
 * it, which revokes every earlier token on every node ({@code TOKEN_REVOKED}). A WebSocket signed in with
 * a token stays signed in while it is open; the token is checked when a connection signs in.
 */
public final class TokenService {
    public static final int TTL_SECONDS = 15 * 60;
    public static final int MAX_SESSION_SECONDS = 12 * 3600;
    private static final String ISSUER = "tongban";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a valid token says: its clerk, generation, when the password was checked and when it expires. */
    public record Claims(String clerkId, long generation, long authTime, long expiresAt) {}

    private final JWTAuth jwt;
    /** The key before the last rotation, accepted (never used to sign) until {@link #previousUntil}; or null. */
    private final JWTAuth previous;

    private final java.time.Instant previousUntil;
    private final TokenRevocations revocations;
    private final Clock clock;

    private TokenService(JWTAuth jwt, TokenRevocations revocations, Clock clock) {
        this(jwt, null, null, revocations, clock);
    }

    private TokenService(
            JWTAuth jwt, JWTAuth previous, java.time.Instant previousUntil, TokenRevocations revocations, Clock clock) {
        this.jwt = jwt;
        this.previous = previous;
        this.previousUntil = previousUntil;
        this.revocations = revocations;
        this.clock = clock;
    }

    /**
     * With the installation's secret {@code jwt}; after {@code tongban.jar secrets rotate jwt}, tokens signed
     * with the secret before it are accepted until the end of the rotation's grace (by default their own
     * lifetime), so nobody signed in is sent away by a routine rotation.
     */
    public static TokenService create(
            Vertx vertx, InstallationSecrets secrets, TokenRevocations revocations, Path dataDir) {
        TokenService current = withSecret(
                vertx,
                secrets.getOrCreate("jwt", () -> legacySecret(dataDir).orElseGet(TokenService::randomSecret)),
                revocations,
                Clock.systemUTC());
        return secrets.previous("jwt")
                .map(p -> withPrevious(current, withSecret(vertx, p.value()).jwt, p.until()))
                .orElse(current);
    }

    /** {@code current} also accepting tokens of {@code previous} until {@code until} (tests, rotation). */
    static TokenService withPrevious(TokenService current, JWTAuth previous, java.time.Instant until) {
        return new TokenService(current.jwt, previous, until, current.revocations, current.clock);
    }

    /** {@code current} also accepting the tokens {@code before} issues, until {@code until} (tests). */
    static TokenService withPrevious(TokenService current, TokenService before, java.time.Instant until) {
        return withPrevious(current, before.jwt, until);
    }

    /** With a given HS256 secret and revocations of this process alone (tests). */
    static TokenService withSecret(Vertx vertx, String secret) {
        return withSecret(vertx, secret, TokenRevocations.inMemory(), Clock.systemUTC());
    }

    /**
     * With a given HS256 secret (tests). {@code clock} decides only how old a sign-in may be refreshed;
     * expiry is the JWT library's, on the system clock.
     */
    static TokenService withSecret(Vertx vertx, String secret, TokenRevocations revocations, Clock clock) {
        JWTAuth jwt = JWTAuth.create(
                vertx,
                new JWTAuthOptions()
                        .addPubSecKey(
                                new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
                        .setJWTOptions(new JWTOptions().setIssuer(ISSUER)));
        return new TokenService(jwt, revocations, clock);
    }

    private static Optional<String> legacySecret(Path dataDir) {
        Path file = dataDir.resolve("jwt.secret");
        try {
            return Files.exists(file) ? Optional.of(Files.readString(file).strip()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A token's own id: two tokens issued in the same second differ. */
    private static String randomId() {
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }

    private static String randomSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return Base64.getEncoder().encodeToString(secret);
    }

    /** Issues a token for a clerk whose password was just checked. Blocking (reads the generation). */
    public String issue(String clerkId) {
        return issue(clerkId, clock.millis() / 1000);
    }

    private String issue(String clerkId, long authTime) {
        return jwt.generateToken(
                new JsonObject()
                        .put("sub", clerkId)
                        .put("role", "clerk")
                        .put("gen", revocations.generation(clerkId))
                        .put("auth", authTime)
                        .put("jti", randomId()),
                new JWTOptions().setIssuer(ISSUER).setExpiresInSeconds(TTL_SECONDS));
    }

    /**
     * Checks a token's signature, role and expiry (not whether it was revoked: {@link #check}) and returns
     * the clerk id it was issued for.
     */
    public Future<String> verify(String token) {
        return claims(token).map(Claims::clerkId);
    }

    private Future<Claims> claims(String token) {
        Future<io.vertx.ext.auth.User> authenticated = jwt.authenticate(new TokenCredentials(token));
        if (previous != null) {
            authenticated = authenticated.recover(e -> clock.instant().isBefore(previousUntil)
                    ? previous.authenticate(new TokenCredentials(token))
                    : Future.failedFuture(e));
        }
        return authenticated.map(user -> {
            JsonObject p = user.principal();
            if (!"clerk".equals(p.getString("role")) || p.getString("sub") == null) {
                throw new IllegalArgumentException("not a clerk token");
            }
            // A token without an expiry would be valid for ever; ours always carry one.
            if (!(user.get("exp") instanceof Number exp)) {
                throw new IllegalArgumentException("a token without an expiry");
            }
            // Tokens of builds before revocation carry no generation (0) and no sign-in time (their iat).
            long generation = p.getValue("gen") instanceof Number g ? g.longValue() : 0;
            long authTime = p.getValue("auth") instanceof Number a
                    ? a.longValue()
                    : user.get("iat") instanceof Number iat ? iat.longValue() : 0;
            return new Claims(p.getString("sub"), generation, authTime, exp.longValue());
        });
    }

    /**
     * The claims of a valid token that was not revoked: {@code AUTH_FAILED} if it is invalid or expired,
     * {@code TOKEN_REVOKED} if its clerk signed out or changed the password since. Blocking: for handlers
     * on a worker thread.
     */
    public Claims check(String token) {
        Claims claims;
        try {
            claims = claims(token).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.INTERNAL, "interrupted");
        } catch (Exception e) {
            throw new ProtocolException(ErrorCode.AUTH_FAILED, "invalid or expired token; sign in again");
        }
        if (claims.generation() < revocations.generation(claims.clerkId())) {
            throw new ProtocolException(
                    ErrorCode.TOKEN_REVOKED, "this sign-in was ended (signed out or password changed); sign in again");
        }
        return claims;
    }

    /** The clerk a valid, unrevoked token names (see {@link #check}). Blocking. */
    public String clerkOf(String token) {
        return check(token).clerkId();
    }

    /**
     * A fresh token for a valid, unrevoked one, with the same sign-in time; {@code AUTH_FAILED} once the
     * sign-in is older than {@value #MAX_SESSION_SECONDS} seconds. Blocking.
     */
    public String refresh(String token) {
        Claims claims = check(token);
        if (clock.millis() / 1000 - claims.authTime() > MAX_SESSION_SECONDS) {
            throw new ProtocolException(
                    ErrorCode.AUTH_FAILED, "this sign-in is too old to be refreshed; sign in again");
        }
        return issue(claims.clerkId(), claims.authTime());
    }

    /** Revokes every token of the clerk issued so far, on every node (sign-out, password change). Blocking. */
    public void revoke(String clerkId) {
        revocations.revoke(clerkId);
    }
}
