package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.store.Database;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A clerk whose password somebody else chose — a one-time password of {@code account reset}, the first
 * administrator's of {@code setup} — gets no token until they set their own over {@code POST
 * /api/login/password}; an expired one-time password is refused with its own code; weak new passwords are
 * refused with a reason; every attempt is journaled with the client's address (as the trusted proxy names it),
 * never a password. The demo accounts of the published password are exempt.
 */
class PasswordChangeTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final TestServer IT = TestServer.create(
            "password-it", b -> b.edge(new ServerOptions.Edge(List.of("127.0.0.1"), List.of(), 256, 10)));

    @Test
    void aOneTimePasswordOnlyLetsTheClerkSetTheirOwn() throws Exception {
        String oneTime;
        try (Database db = openDatabase()) {
            oneTime = AccountStore.open(db.dataSource(), IT.dataDir())
                    .issueOneTimePassword("wujin02", Duration.ofHours(24));
        }
        // The demo's published password no longer works, the one-time password asks for a change.
        assertThat(code(login("203.0.113.10", "wujin02", TestServer.PASSWORD))).isEqualTo("AUTH_FAILED");
        HttpResponse<String> first = login("203.0.113.10", "wujin02", oneTime);
        assertThat(first.statusCode()).isEqualTo(403);
        assertThat(code(first)).isEqualTo("PASSWORD_CHANGE_REQUIRED");
        assertThat(new JsonObject(first.body()).containsKey("token")).isFalse();

        // A wrong current password changes nothing.
        assertThat(code(change("203.0.113.10", "wujin02", "not-the-one-time", "My-new-password-1")))
                .isEqualTo("AUTH_FAILED");
        // Weak new passwords, each with its reason; the one-time password stays valid.
        assertWeak(oneTime, "short-1", "too_short");
        assertWeak(oneTime, "aaaaaaaaaaaaaaaaa", "too_simple");
        assertWeak(oneTime, "abcabcabcabc", "too_simple");
        assertWeak(oneTime, "Tongban2026-again", "published");
        assertWeak(oneTime, "my-WUJIN02-password", "has_username");
        assertWeak(oneTime, oneTime, "unchanged");
        assertThat(code(login("203.0.113.10", "wujin02", oneTime))).isEqualTo("PASSWORD_CHANGE_REQUIRED");

        HttpResponse<String> changed = change("203.0.113.10", "wujin02", oneTime, "My-new-password-1");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        JsonObject body = new JsonObject(changed.body());
        assertThat(body.getString("token")).isNotBlank();
        assertThat(body.getJsonObject("clerk").getString("clerkId")).isEqualTo("wujin02");
        assertThat(bearer("/api/auth/refresh", body.getString("token")).statusCode())
                .isEqualTo(200);

        // From now on: the new password signs in, the one-time password is gone.
        assertThat(login("203.0.113.10", "wujin02", "My-new-password-1").statusCode())
                .isEqualTo(200);
        assertThat(code(login("203.0.113.10", "wujin02", oneTime))).isEqualTo("AUTH_FAILED");

        List<AuditEvent> journal = journalOf("clerk:wujin02");
        assertThat(journal)
                .extracting(AuditEvent::action)
                .containsSubsequence(
                        "clerk.login_failed",
                        "clerk.password_change_required",
                        "clerk.login_failed",
                        "clerk.password_changed",
                        "clerk.login",
                        "clerk.login",
                        "clerk.login_failed");
        assertThat(journal).allSatisfy(e -> assertThat(new JsonObject(e.details()).getString("client"))
                .isEqualTo("203.0.113.10"));
        // No password, in any form, in the journal.
        assertThat(journal)
                .noneSatisfy(e -> assertThat(e.details()).containsAnyOf(oneTime, "My-new-password-1", "short-1"));
    }

    @Test
    void anExpiredOneTimePasswordIsRefusedWithItsOwnCode() throws Exception {
        String oneTime;
        try (Database db = openDatabase()) {
            // Issued 25 hours ago, valid for 24.
            Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(25)), ZoneOffset.UTC);
            oneTime = AccountStore.open(db.dataSource(), IT.dataDir(), past)
                    .issueOneTimePassword("gulou01", Duration.ofHours(24));
        }
        HttpResponse<String> r = login("198.51.100.20", "gulou01", oneTime);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(code(r)).isEqualTo("PASSWORD_EXPIRED");
        assertThat(code(change("198.51.100.20", "gulou01", oneTime, "My-new-password-2")))
                .isEqualTo("PASSWORD_EXPIRED");
        // A wrong password is not told apart from an unknown account, expired or not.
        assertThat(code(login("198.51.100.20", "gulou01", "some-guess-123"))).isEqualTo("AUTH_FAILED");
        assertThat(journalOf("clerk:gulou01"))
                .filteredOn(e -> e.action().equals("clerk.password_expired"))
                .hasSize(2)
                .allSatisfy(e -> assertThat(new JsonObject(e.details()).getString("client"))
                        .isEqualTo("198.51.100.20"));
    }

    @Test
    void demoAccountsSignInWithThePublishedPasswordAndLoginsCarryTheClientAddress() throws Exception {
        HttpResponse<String> r = login("192.0.2.33", "wuhu01", TestServer.PASSWORD);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(new JsonObject(r.body()).getJsonObject("clerk").getBoolean("demo"))
                .isTrue();
        assertThat(journalOf("clerk:wuhu01"))
                .filteredOn(e -> e.action().equals("clerk.login"))
                .singleElement()
                .satisfies(e -> assertThat(new JsonObject(e.details()).getString("client"))
                        .isEqualTo("192.0.2.33"));
        // A voluntary change works the same way and keeps the rules.
        assertThat(code(change("192.0.2.33", "wuhu01", TestServer.PASSWORD, "tongban2026!")))
                .isEqualTo("PASSWORD_TOO_WEAK");
        assertThat(change("192.0.2.33", "wuhu01", TestServer.PASSWORD, "Wuhu-window-7")
                        .statusCode())
                .isEqualTo(200);
        assertThat(code(login("192.0.2.33", "wuhu01", TestServer.PASSWORD))).isEqualTo("AUTH_FAILED");
        // A request without the new password is a field error, not a sign-in.
        HttpResponse<String> missing = post(
                "192.0.2.33",
                "/api/login/password",
                new JsonObject().put("username", "wuhu01").put("password", "Wuhu-window-7"));
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(code(missing)).isEqualTo("INVALID_FIELD");
    }

    // ------------------------------------------------------------------ helpers

    private static void assertWeak(String current, String candidate, String reason) throws Exception {
        HttpResponse<String> r = change("203.0.113.10", "wujin02", current, candidate);
        assertThat(r.statusCode()).as(candidate).isEqualTo(400);
        JsonObject error = new JsonObject(r.body()).getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("PASSWORD_TOO_WEAK");
        assertThat(error.getString("reason")).as(candidate).isEqualTo(reason);
    }

    private static List<AuditEvent> journalOf(String actor) {
        return IT.server().records().journal().read(0, 100_000).stream()
                .filter(e -> actor.equals(e.actor()))
                .toList();
    }

    private static HttpResponse<String> login(String client, String user, String password) throws Exception {
        return post(client, "/api/login", new JsonObject().put("username", user).put("password", password));
    }

    private static HttpResponse<String> change(String client, String user, String password, String newPassword)
            throws Exception {
        return post(
                client,
                "/api/login/password",
                new JsonObject().put("username", user).put("password", password).put("newPassword", newPassword));
    }

    /** A request from {@code client}, as the trusted proxy (loopback) names it in X-Forwarded-For. */
    private static HttpResponse<String> post(String client, String path, JsonObject body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + path))
                        .header("content-type", "application/json")
                        .header("X-Forwarded-For", client)
                        .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> bearer(String path, String token) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + path))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> r) {
        return new JsonObject(r.body()).getJsonObject("error").getString("code");
    }

    private static Database openDatabase() {
        return Database.open(Database.defaultUrl(IT.dataDir()), null, null);
    }
}
