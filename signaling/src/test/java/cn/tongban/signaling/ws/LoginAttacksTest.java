package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.auth.LoginThrottle;
import cn.tongban.signaling.cli.AccountCommand;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.store.Database;
import cn.tongban.testkit.MutableClock;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * The attacks on sign-in, against a running server behind a trusted proxy (so that each request can come
 * from the client address its {@code X-Forwarded-For} names): a guesser does not lock the owner out,
 * throttled attempts are refused without a password check, and the hard lock holds until {@code
 * tongban.jar account unlock} clears it while the server runs. Waits the server imposes are set up through
 * the throttle on the same database with a clock moved by the test, never slept through.
 */
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

    private static String code(HttpResponse<String> r) {
        JsonObject body = new JsonObject(r.body());
        return body.containsKey("error") ? body.getJsonObject("error").getString("code") : null;
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
}
