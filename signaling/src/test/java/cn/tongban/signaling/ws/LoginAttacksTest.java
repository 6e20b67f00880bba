package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.auth.LoginThrottle;
import cn.tongban.signaling.cli.AccountCommand;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.SecretStore;
import cn.tongban.testkit.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * The attacks on sign-in and session tokens, against a running server behind a trusted proxy (so that each
 * request can come from the client address its {@code X-Forwarded-For} names): a guesser does not lock the
 * owner out, throttled attempts are refused without a password check, the hard lock holds until {@code
 * tongban.jar account unlock} clears it while the server runs, and revoked, expired or expiry-less tokens
 * are refused over HTTP and on {@code /ws}. Waits the server imposes are set up through the throttle on the
 * same database with a clock moved by the test, never slept through.
 */
@ExtendWith(VertxExtension.class)
class LoginAttacksTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PASSWORD = TestServer.PASSWORD;

    @RegisterExtension
    static final TestServer IT = TestServer.create(
            "login-it", b -> b.edge(new ServerOptions.Edge(List.of("127.0.0.1"), List.of(), 256, 10)));

    @Test
    void wrongPasswordsFromOneAddressDoNotKeepTheOwnerOut() throws Exception {
        List<HttpResponse<String>> guesses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            guesses.add(login("198.51.100.1", "wujin02", "guess-" + i));
        }
        // Three free attempts and the fourth are checked; later ones may already have to wait.
        for (int i = 0; i < 4; i++) {
            assertThat(code(guesses.get(i))).isEqualTo("AUTH_FAILED");
        }
        assertThat(guesses).allSatisfy(r -> assertThat(code(r)).isIn("AUTH_FAILED", "LOGIN_THROTTLED"));
        // The owner, at another address, signs in at once with the right password.
        HttpResponse<String> owner = login("203.0.113.1", "wujin02", PASSWORD);
        assertThat(owner.statusCode()).as(owner.body()).isEqualTo(200);
        assertThat(new JsonObject(owner.body()).getInteger("expiresIn")).isEqualTo(15 * 60);
    }

    @Test
    void aThrottledAttemptIsRefusedWithRetryAfterAndNoPasswordCheck() throws Exception {
        String guesser = "198.51.100.2";
        try (Database db = openDatabase()) {
            // Fourteen failures on gulou01 from the guesser's address, each after the wait the last one set.
            MutableClock clock = clockAt(0);
            failures(new LoginThrottle(db.dataSource(), clock), clock, "gulou01", guesser, 14);
        }
        double checksBefore = passwordChecks();
        for (int i = 0; i < 5; i++) {
            // Even the right password: it is not checked at all.
            HttpResponse<String> r = login(guesser, "gulou01", PASSWORD);
            assertThat(r.statusCode()).isEqualTo(429);
            JsonObject error = new JsonObject(r.body()).getJsonObject("error");
            assertThat(error.getString("code")).isEqualTo("LOGIN_THROTTLED");
            long retryAfter = error.getLong("retryAfter");
            // The 14th failure set the longest wait, 15 minutes, after the waits before it (passed on the
            // test's clock, so still ahead of the server's).
            assertThat(retryAfter).isGreaterThan(15 * 60).isLessThanOrEqualTo(3600);
            assertThat(r.headers().firstValue("retry-after"))
                    .hasValueSatisfying(h -> assertThat(Long.parseLong(h)).isBetween(retryAfter - 1, retryAfter + 1));
            assertThat(new JsonObject(r.body()).containsKey("token")).isFalse();
        }
        assertThat(passwordChecks()).as("Argon2 checks run").isEqualTo(checksBefore);
        // A wrong password elsewhere is checked (and counted) as ever.
        assertThat(code(login("203.0.113.2", "supervisor01", "wrong-password"))).isEqualTo("AUTH_FAILED");
        assertThat(passwordChecks()).isEqualTo(checksBefore + 1);
    }

    @Test
    void afterFiftyFailuresOnlyTheOperatorsUnlockLetsTheOwnerIn() throws Exception {
        try (Database db = openDatabase()) {
            // Forty-nine guesses, each from another address, each after the wait the account's last one set:
            // begun 40 minutes ago, so that their waits (about 17 minutes) are over now.
            MutableClock clock = clockAt(-40 * 60_000L);
            LoginThrottle seeding = new LoginThrottle(db.dataSource(), clock);
            for (int i = 0; i < LoginThrottle.LOCK_AFTER - 1; i++) {
                failures(seeding, clock, "qingpu01", "192.0.2." + i, 1);
            }
            assertThat(clock.millis()).isLessThan(System.currentTimeMillis() - 60_000);
        }
        // The fiftieth, through the server, locks the account.
        assertThat(code(login("198.51.100.3", "qingpu01", "one-more-guess"))).isEqualTo("AUTH_FAILED");
        // The right password, from an address that never failed: locked, unchecked.
        HttpResponse<String> locked = login("203.0.113.3", "qingpu01", PASSWORD);
        assertThat(locked.statusCode()).isEqualTo(429);
        assertThat(code(locked)).isEqualTo("LOGIN_LOCKED");
        assertThat(code(login("203.0.113.3", "qingpu01", PASSWORD))).isEqualTo("LOGIN_LOCKED");

        // The operator clears it with the command line while the server runs.
        int exit = new CommandLine(new AccountCommand())
                .execute("unlock", "qingpu01", "--data-dir", IT.dataDir().toString(), "--by", "ops");
        assertThat(exit).isZero();
        HttpResponse<String> in = login("203.0.113.3", "qingpu01", PASSWORD);
        assertThat(in.statusCode()).as(in.body()).isEqualTo(200);
        assertThat(new CommandLine(new AccountCommand())
                        .execute(
                                "unlock", "qingpu01", "--data-dir", IT.dataDir().toString()))
                .as("not locked any more")
                .isEqualTo(1);

        List<AuditEvent> events = IT.server().records().journal().read(0, 100_000);
        assertThat(events)
                .filteredOn(e -> e.action().equals("clerk.account_locked"))
                .extracting(AuditEvent::actor)
                .containsExactly("clerk:qingpu01");
        assertThat(events)
                .filteredOn(e -> e.action().equals("clerk.account_unlocked"))
                .extracting(AuditEvent::actor)
                .contains("operator:ops");
    }

    @Test
    void aRefreshedTokenWorksAndASignedOutOneIsRefusedEverywhere(Vertx vertx) throws Exception {
        String first = token("wuhu01");
        HttpResponse<String> refreshed = bearer("/api/auth/refresh", first);
        assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
        String second = new JsonObject(refreshed.body()).getString("token");
        assertThat(second).isNotEqualTo(first);
        assertThat(new JsonObject(refreshed.body()).getInteger("expiresIn")).isEqualTo(15 * 60);
        try (WsTestClient clerk = IT.connect(vertx)) {
            clerk.send("{\"type\":\"auth\",\"id\":\"a\",\"token\":\"" + second + "\"}");
            assertThat(clerk.expect(ServerMessage.Clerk.class, m -> "a".equals(m.re())))
                    .isNotNull();
        }

        assertThat(bearer("/api/auth/logout", second).statusCode()).isEqualTo(204);
        // Every token issued before the sign-out is revoked: refused over HTTP and on /ws.
        for (String revoked : List.of(first, second)) {
            HttpResponse<String> again = bearer("/api/auth/refresh", revoked);
            assertThat(again.statusCode()).isEqualTo(401);
            assertThat(code(again)).isEqualTo("TOKEN_REVOKED");
            assertThat(wsAuthError(vertx, revoked)).isEqualTo("TOKEN_REVOKED");
        }
        assertThat(code(bearer("/api/auth/logout", first))).isEqualTo("TOKEN_REVOKED");
        // Signing in again works.
        assertThat(wsAuthError(vertx, token("wuhu01"))).isNull();
        assertThat(IT.server().records().journal().read(0, 100_000))
                .filteredOn(e -> e.action().equals("clerk.logout"))
                .extracting(AuditEvent::actor)
                .contains("clerk:wuhu01");
    }

    @Test
    void aPasswordChangeRevokesTheTokensIssuedBefore(Vertx vertx) throws Exception {
        String before = token("jiaxing01");
        try (Database db = openDatabase()) {
            AccountStore accounts = AccountStore.open(db.dataSource(), IT.dataDir());
            accounts.setPassword("jiaxing01", "a-brand-new-password");
            assertThat(code(bearer("/api/auth/refresh", before))).isEqualTo("TOKEN_REVOKED");
            assertThat(wsAuthError(vertx, before)).isEqualTo("TOKEN_REVOKED");
            assertThat(code(login("203.0.113.5", "jiaxing01", PASSWORD))).isEqualTo("AUTH_FAILED");
            HttpResponse<String> in = login("203.0.113.5", "jiaxing01", "a-brand-new-password");
            assertThat(in.statusCode()).as(in.body()).isEqualTo(200);
            assertThat(wsAuthError(vertx, new JsonObject(in.body()).getString("token")))
                    .isNull();
        }
    }

    @Test
    void expiredTokensAndTokensWithoutExpiryAreRefusedAndNotRefreshed(Vertx vertx) throws Exception {
        String secret;
        try (Database db = openDatabase()) {
            secret = new InstallationSecrets(
                            db.dataSource(), SecretStore.open(IT.dataDir().resolve(SecretStore.DEFAULT_FILE), null))
                    .find("jwt")
                    .orElseThrow();
        }
        // Signed with the installation's own key, as whoever learned it could.
        JWTAuth minter = JWTAuth.create(
                vertx,
                new JWTAuthOptions()
                        .addPubSecKey(
                                new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
        long now = System.currentTimeMillis() / 1000;
        String expired = jwt(
                minter,
                new JsonObject()
                        .put("sub", "wujin01")
                        .put("role", "clerk")
                        .put("iss", "tongban")
                        .put("gen", 0)
                        .put("auth", now - 1000)
                        .put("exp", now - 100));
        String forever = jwt(
                minter,
                new JsonObject().put("sub", "wujin01").put("role", "clerk").put("iss", "tongban"));
        for (String bad : List.of(expired, forever)) {
            HttpResponse<String> r = bearer("/api/auth/refresh", bad);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(code(r)).isEqualTo("AUTH_FAILED");
            assertThat(wsAuthError(vertx, bad)).isEqualTo("AUTH_FAILED");
        }
        // A token made the same way, but valid, is accepted: the refusals above are the expiry's.
        String valid = jwt(
                minter,
                new JsonObject()
                        .put("sub", "wujin01")
                        .put("role", "clerk")
                        .put("iss", "tongban")
                        .put("exp", now + 600));
        HttpResponse<String> accepted = bearer("/api/auth/refresh", valid);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(code(bearer("/api/auth/refresh", null))).isEqualTo("UNAUTHENTICATED");
    }

    // ------------------------------------------------------------------ helpers

    /** A sign-in from {@code client} (as a trusted proxy names it). */
    private static HttpResponse<String> login(String client, String user, String password) throws Exception {
        String body =
                new JsonObject().put("username", user).put("password", password).encode();
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + "/api/login"))
                        .header("content-type", "application/json")
                        .header("X-Forwarded-For", client)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String token(String user) throws Exception {
        HttpResponse<String> r = login("127.0.0.1", user, PASSWORD);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("token");
    }

    private static HttpResponse<String> bearer(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + path))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> r) {
        JsonObject body = new JsonObject(r.body());
        return body.containsKey("error") ? body.getJsonObject("error").getString("code") : null;
    }

    /** The error code {@code auth} with the token gets on a new connection, or null when it signs in. */
    private static String wsAuthError(Vertx vertx, String token) throws Exception {
        try (WsTestClient c = IT.connect(vertx)) {
            c.send("{\"type\":\"auth\",\"id\":\"x\",\"token\":\"" + token + "\"}");
            ServerMessage m = c.expect(
                    ServerMessage.class,
                    x -> x instanceof ServerMessage.Error e && "x".equals(e.re())
                            || x instanceof ServerMessage.Clerk k && "x".equals(k.re()));
            return m instanceof ServerMessage.Error e ? e.code() : null;
        }
    }

    /** The password checks the server has run (its metric). */
    private static double passwordChecks() throws Exception {
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = Pattern.compile("(?m)^tongban_login_password_checks_total(?:\\{[^}]*\\})? (\\S+)$")
                .matcher(metrics);
        assertThat(m.find()).as("the password-check metric").isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** A second connection pool on the server's (embedded) database, as the command line opens it. */
    private static Database openDatabase() {
        return Database.open(Database.defaultUrl(IT.dataDir()), null, null);
    }

    /**
     * A clock the test moves, starting {@code offsetMs} from the real time: the waits it passes through are
     * that much ahead of (or behind) the server's clock.
     */
    private static MutableClock clockAt(long offsetMs) {
        MutableClock clock = new MutableClock();
        clock.advance(System.currentTimeMillis() + offsetMs - clock.millis());
        return clock;
    }

    /** {@code n} failures, each after (on the test's clock) the wait the one before set. */
    private static void failures(LoginThrottle throttle, MutableClock clock, String user, String address, int n) {
        for (int i = 0; i < n; i++) {
            LoginThrottle.Verdict v = throttle.attempt(user, address);
            while (v.outcome() == LoginThrottle.Outcome.THROTTLED) {
                clock.advance(v.retryAfterMs());
                v = throttle.attempt(user, address);
            }
            assertThat(v.outcome()).isEqualTo(LoginThrottle.Outcome.ALLOWED);
            throttle.recordFailure(user, address);
        }
    }

    /** A token with exactly these claims (and {@code iat}), signed by {@code minter}. */
    private static String jwt(JWTAuth minter, JsonObject claims) {
        return minter.generateToken(claims, new JWTOptions());
    }
}
