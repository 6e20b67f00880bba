package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session's media survives the death of the node whose bridge carries it. Two clustered nodes; the clerk
 * takes the ticket on node B, so the session is bridged there; the applicant and a supervisor are on node A.
 * Node B dies without a goodbye (its Hazelcast member terminated, then its Vert.x closed). Node A takes the
 * session's media over: within 5 s the applicant's page is told to build a new peer connection ({@code
 * paired}, {@code resumed}) and is offered node A's bridge, without a reload; the supervisor, whose page
 * cannot follow a move, is told the session ended for them ({@code bridge_lost}); the clerk, whose connection
 * died with node B, signs in on node A, takes the session over and is offered node A's bridge too.
 */
@ExtendWith(VertxExtension.class)
class BridgeFailoverTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aSessionsMediaMovesToASurvivingBridgeWithinFiveSeconds(
            Vertx vertx, @TempDir Path a, @TempDir Path b, @TempDir Path db) throws Exception {
        try (TwoNodes nodes = TwoNodes.start("bridge-failover", a, b, db);
                WsTestClient app = WsTestClient.connect(vertx, nodes.a.port());
                WsTestClient supervisor = TwoNodes.clerk(vertx, nodes.a, "supervisor01", false)) {
            int bridgeA = nodes.a.media().bridge().port();
            int bridgeB = nodes.b.media().bridge().port();
            String token = login(nodes.b.port(), "wujin01");
            WsTestClient clerk = WsTestClient.connect(vertx, nodes.b.port());
            clerk.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            clerk.expect(ServerMessage.Clerk.class);
            clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
            clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE);
            app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                    + "\"name\":\"褚十三\",\"mobile\":\"13812345678\"}");
            String ticketId = app.expect(ServerMessage.Ticket.class).ticketId();
            clerk.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
            String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
            app.expect(ServerMessage.Paired.class);
            assertThat(app.expect(ServerMessage.Offer.class).sdp()).contains(" " + bridgeB + " typ host");
            supervisor.send(
                    "{\"type\":\"join_session\",\"id\":\"j\",\"sessionId\":\"" + sid + "\",\"role\":\"supervisor\"}");
            supervisor.expect(ServerMessage.Paired.class);
            supervisor.expect(ServerMessage.Offer.class);

            // Node B dies.
            long died = System.nanoTime();
            nodes.b.hazelcast().getLifecycleService().terminate();
            nodes.stopB();

            ServerMessage.Paired again = app.expect(
                    ServerMessage.Paired.class,
                    p -> p.resumed() && p.sessionId().equals(sid),
                    Duration.ofSeconds(5));
            assertThat(again.sessionId()).isEqualTo(sid);
            ServerMessage.Offer moved = app.expect(
                    ServerMessage.Offer.class,
                    o -> o.sdp().contains(" " + bridgeA + " typ host"),
                    Duration.ofSeconds(5));
            Duration took = Duration.ofNanos(System.nanoTime() - died);
            assertThat(took).isLessThan(Duration.ofSeconds(5));
            assertThat(moved.sessionId()).isEqualTo(sid);
            System.out.printf(
                    "Bridge failover: the applicant was offered the new bridge after %d ms%n", took.toMillis());
            ServerMessage.Ended out = supervisor.expect(ServerMessage.Ended.class, e -> true, Duration.ofSeconds(5));
            assertThat(out.reason()).isEqualTo("bridge_lost");
            assertThat(app.drain())
                    .noneMatch(m -> m instanceof ServerMessage.Ended
                            || m instanceof ServerMessage.Error e && e.code().equals("MEDIA_UNAVAILABLE"));

            // The clerk's console comes back on node A and takes the session over, on node A's bridge.
            try (WsTestClient back = WsTestClient.connect(vertx, nodes.a.port())) {
                back.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
                assertThat(back.expect(ServerMessage.Clerk.class).status()).isEqualTo(ServerMessage.ClerkStatus.BUSY);
                assertThat(back.expect(ServerMessage.Paired.class).sessionId()).isEqualTo(sid);
                assertThat(back.expect(ServerMessage.Offer.class).sdp()).contains(" " + bridgeA + " typ host");
                back.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
                assertThat(app.expect(ServerMessage.Ended.class).reason()).isEqualTo("hangup");
            }
        }
    }

    private static String login(int port, String user) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/login"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + user + "\",\"password\":\"tongban2026\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return new JsonObject(r.body()).getString("token");
    }
}
