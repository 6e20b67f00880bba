package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.audit.RefusalJournal;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.SecretStore;
import cn.tongban.testkit.Await;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Refusals answered over HTTP reach the audit journal at one place (the router's first route, through the
 * node's {@link RefusalJournal}): once each, named by method and route pattern — never by the path, which
 * may hold a token — with the code, the actor and the client's masked network; a refusal its handler
 * journaled itself (a wrong password) is not journaled again; answers that are no refusal are not
 * journaled; a flood is held to the budget shared with the WebSocket. Behind a trusted proxy, so that each
 * request can name its client in {@code X-Forwarded-For}.
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpRefusalsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CLIENT = "198.51.100.7";
    private static final String CLIENT_NETWORK = "198.51.100.0/24";

    @RegisterExtension
    static final TestServer IT = TestServer.create(
            "refusals-it", b -> b.edge(new ServerOptions.Edge(List.of("127.0.0.1"), List.of(), 256, 10)));

    @Test
    void everyRefusalIsJournaledOnceByItsRouteNeverByItsPath() throws Exception {
        long from = head();
        String uploadToken = "UploadTokenThatMustNotBeJournaled0123456789";
        String forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3dWh1MDEifQ.ForgedSignatureNotToBeJournaled";

        assertThat(code(send("POST", "/api/appointments", "this is not json", null)))
                .isEqualTo("BAD_JSON");
        HttpResponse<String> upload = send("POST", "/api/uploads/" + uploadToken, "%PDF-1.7", null);
        assertThat(upload.statusCode()).isEqualTo(401);
        assertThat(code(upload)).isEqualTo("UPLOAD_INVALID");
        assertThat(code(send("POST", "/api/auth/refresh", null, forged))).isEqualTo("AUTH_FAILED");
        assertThat(code(send("GET", "/api/no-such-api/" + uploadToken, null, null)))
                .isEqualTo("UNKNOWN_TYPE");
        // HEAD is answered as GET (rerouted through the same routes): still one entry.
        assertThat(send("HEAD", "/api/no-such-api", null, null).statusCode()).isEqualTo(400);

        List<AuditEvent> refused = settled(from, 5);
        assertThat(refused)
                .extracting(HttpRefusalsTest::attemptAndCode)
                .containsExactlyInAnyOrder(
                        "POST /api/appointments BAD_JSON",
                        "POST /api/uploads/:token UPLOAD_INVALID",
                        "POST /api/auth/refresh AUTH_FAILED",
                        "GET /api/* UNKNOWN_TYPE",
                        "GET /api/* UNKNOWN_TYPE");
        assertThat(refused).allSatisfy(e -> {
            assertThat(e.actor()).isEqualTo("anonymous");
            assertThat(e.sessionId()).isNull();
            assertThat(new JsonObject(e.details()).getString("client")).isEqualTo(CLIENT_NETWORK);
        });
        // Nothing the client sent is journaled: not the token in the path, not the forged bearer token, not
        // the client's whole address.
        List<AuditEvent> all = since(from);
        assertThat(all).noneMatch(e -> e.details().contains("UploadTokenThatMustNot"));
        assertThat(all).noneMatch(e -> e.details().contains("ForgedSignature"));
        assertThat(all).noneMatch(e -> e.details().contains(CLIENT));
    }

    @Test
    void aWrongPasswordIsJournaledOnceAsAFailedSignIn() throws Exception {
        long from = head();
        assertThat(code(send(
                        "POST",
                        "/api/login",
                        new JsonObject()
                                .put("username", "wujin01")
                                .put("password", "a-wrong-password")
                                .encode(),
                        null)))
                .isEqualTo("AUTH_FAILED");
        // A malformed sign-in is no password check: the router's journal has it.
        assertThat(code(send("POST", "/api/login", "{", null))).isEqualTo("BAD_JSON");

        List<AuditEvent> refused = settled(from, 1);
        assertThat(refused).extracting(HttpRefusalsTest::attemptAndCode).containsExactly("POST /api/login BAD_JSON");
        assertThat(since(from))
                .filteredOn(e -> e.action().equals("clerk.login_failed"))
                .extracting(AuditEvent::actor)
                .containsExactly("clerk:wujin01");
    }

    @Test
    void answersThatAreNoRefusalAreNotJournaled() throws Exception {
        long from = head();
        HttpResponse<String> pki = send("GET", "/pki/no-such-service", null, null);
        assertThat(pki.statusCode()).isEqualTo(404);
        assertThat(code(pki)).isEqualTo("NOT_FOUND");
        // A well-formed booking of something that does not exist: missing or conflicting, not refused.
        HttpResponse<String> booking = send(
                "POST",
                "/api/appointments",
                new JsonObject()
                        .put("hallId", "no-such-hall")
                        .put("matterId", "no-such-matter")
                        .put("start", 1_900_000_000_000L)
                        .put("name", "王五")
                        .put("mobile", "13812345678")
                        .encode(),
                null);
        assertThat(booking.statusCode()).as(booking.body()).isIn(404, 409);
        HttpResponse<String> page = send("GET", "/no-such-page.html", null, null);
        assertThat(page.statusCode()).isEqualTo(404);
        // One refusal after them, to know the journal has caught up.
        assertThat(code(send("POST", "/api/appointments", "[]", null))).isEqualTo("BAD_JSON");

        assertThat(settled(from, 1))
                .extracting(HttpRefusalsTest::attemptAndCode)
                .containsExactly("POST /api/appointments BAD_JSON");
    }

    @Test
    void aRefusalAfterTheTokenWasVerifiedNamesItsClerk(Vertx vertx) throws Exception {
        String secret;
        try (Database db = Database.open(Database.defaultUrl(IT.dataDir()), null, null)) {
            secret = new InstallationSecrets(
                            db.dataSource(), SecretStore.open(IT.dataDir().resolve(SecretStore.DEFAULT_FILE), null))
                    .find("jwt")
                    .orElseThrow();
        }
        JWTAuth minter = JWTAuth.create(
                vertx,
                new JWTAuthOptions()
                        .addPubSecKey(
                                new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
        long now = System.currentTimeMillis() / 1000;
        // A valid token of a sign-in too old to be refreshed.
        String old = minter.generateToken(
                new JsonObject()
                        .put("sub", "wuhu01")
                        .put("role", "clerk")
                        .put("iss", "tongban")
                        .put("gen", 0)
                        .put("auth", now - TokenService.MAX_SESSION_SECONDS - 60)
                        .put("exp", now + 600),
                new JWTOptions());
        long from = head();
        assertThat(code(send("POST", "/api/auth/refresh", null, old))).isEqualTo("AUTH_FAILED");

        List<AuditEvent> refused = settled(from, 1);
        assertThat(refused).extracting(AuditEvent::actor).containsExactly("clerk:wuhu01");
        assertThat(refused)
                .extracting(HttpRefusalsTest::attemptAndCode)
                .containsExactly("POST /api/auth/refresh AUTH_FAILED");
    }

    /** Last: it spends the node's budget for refusals. */
    @Test
    @Order(Integer.MAX_VALUE)
    void aFloodOfRefusalsIsHeldToTheBudgetAndTheServerKeepsAnswering() throws Exception {
        int flood = 500;
        long from = head();
        double journaledBefore = refusalsCounted("true");
        double countedBefore = refusalsCounted("false");
        long start = System.nanoTime();
        ExecutorService senders = Executors.newFixedThreadPool(10);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < flood; i++) {
                statuses.add(senders.submit(() ->
                        send("POST", "/api/appointments", "not json", null).statusCode()));
            }
            for (Future<Integer> s : statuses) {
                assertThat(s.get()).isEqualTo(400);
            }
        } finally {
            senders.shutdown();
        }
        // Still answering at once while the journal catches up.
        long asked = System.nanoTime();
        HttpResponse<String> health = send("GET", "/health", null, null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(2));

        // Every refusal passed the journal: journaled one by one, or counted.
        Await.until(
                "all " + flood + " refusals accounted for",
                Duration.ofSeconds(60),
                () -> refusalsCounted("true") - journaledBefore + refusalsCounted("false") - countedBefore >= flood);
        double seconds = (System.nanoTime() - start) / 1e9;
        long journaled = (long) (refusalsCounted("true") - journaledBefore);
        // The entries counted as journaled are all in the journal once their writes are done.
        List<AuditEvent> events = Await.value(
                journaled + " entries written",
                Duration.ofSeconds(30),
                () -> since(from),
                es -> es.stream()
                                .filter(e -> e.action().equals("request.refused"))
                                .count()
                        >= journaled);
        assertThat(events.stream().filter(e -> e.action().equals("request.refused")))
                .as("journaled one by one in %.1f s", seconds)
                .hasSize((int) journaled);
        assertThat(journaled)
                .isLessThanOrEqualTo(RefusalJournal.BURST + (long) Math.ceil(seconds * RefusalJournal.RATE))
                .isLessThan(flood);
        assertThat(refusalsCounted("false") - countedBefore).isEqualTo((double) (flood - journaled));
        // At most one summary a minute.
        assertThat(events)
                .filteredOn(e -> e.action().equals("request.refused_unrecorded"))
                .hasSizeLessThanOrEqualTo(1);
        assertThat(send("GET", "/api/catalog", null, null).statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * A request from {@link #CLIENT}, as the trusted proxy names it: GET when {@code body} is null and the
     * method says so, else with {@code body} (or none); with {@code bearer} as the session token.
     */
    private static HttpResponse<String> send(String method, String path, String body, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + path))
                .header("content-type", "application/json")
                .header("X-Forwarded-For", CLIENT)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> r) {
        JsonObject body = new JsonObject(r.body());
        return body.containsKey("error") ? body.getJsonObject("error").getString("code") : null;
    }

    /** The last entry's sequence number. */
    private static long head() {
        List<AuditEvent> all = since(0);
        return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    }

    private static List<AuditEvent> since(long seq) {
        return IT.server().records().journal().read(seq, 100_000);
    }

    private static List<AuditEvent> refusedSince(long seq) {
        return since(seq).stream()
                .filter(e -> e.action().equals("request.refused"))
                .toList();
    }

    /**
     * The refusals journaled after {@code seq}, once {@code expected} are there and a moment has passed in
     * which a second entry for any of them would have come (they are written on a worker after the answer).
     */
    private static List<AuditEvent> settled(long seq, int expected) throws InterruptedException {
        Await.until(
                expected + " refusals journaled",
                Duration.ofSeconds(30),
                () -> refusedSince(seq).size() >= expected);
        Thread.sleep(500);
        return refusedSince(seq);
    }

    private static String attemptAndCode(AuditEvent e) {
        JsonObject d = new JsonObject(e.details());
        return d.getString("attempt") + " " + d.getString("code");
    }

    private static double refusalsCounted(String journaled) throws Exception {
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = Pattern.compile(
                        "(?m)^tongban_refusals_total\\{[^}]*journaled=\"" + journaled + "\"[^}]*\\} (\\S+)$")
                .matcher(metrics);
        assertThat(m.find()).as("the refusals metric").isTrue();
        return Double.parseDouble(m.group(1));
    }
}
