package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single-node hall's upgrade: the node drains (its clerk takes no new applicant, {@code /health} says
 * DRAINING, the session in progress runs to its end and the stop follows at once), and the waiting tickets
 * outlive the stop — after the start the applicants resume with their numbers and places, and numbering goes on.
 */
@ExtendWith(VertxExtension.class)
class RestartAndDrainTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path data;

    private TongbanServer start(Duration drain) throws Exception {
        return TongbanServer.start(ServerOptions.builder()
                .port(0)
                .host("127.0.0.1")
                .dataDir(data)
                .demo(true)
                .nodeName("restart-it")
                .clusterName("restart-it-" + ProcessHandle.current().pid())
                .health(new ServerOptions.Health(
                        ServerOptions.Health.DEFAULT.diskMinFreeBytes(), Duration.ofDays(30), drain))
                .cluster(ServerOptions.Cluster.DEFAULT.withClerkGrace(Duration.ZERO))
                .build());
    }

    @Test
    void waitingTicketsComeBackWithTheirNumbersAndPlacesAfterARestart(Vertx vertx) throws Exception {
        String first;
        String second;
        String firstNumber;
        String secondNumber;
        try (TongbanServer node = start(Duration.ZERO)) {
            try (WsTestClient a = WsTestClient.connect(vertx, node.port());
                    WsTestClient b = WsTestClient.connect(vertx, node.port())) {
                ServerMessage.Ticket ta = join(a, "张秀英");
                ServerMessage.Ticket tb = join(b, "李雷");
                first = ta.resumeToken();
                second = tb.resumeToken();
                firstNumber = ta.number();
                secondNumber = tb.number();
            }
        }

        try (TongbanServer node = start(Duration.ZERO);
                WsTestClient b = WsTestClient.connect(vertx, node.port());
                WsTestClient a = WsTestClient.connect(vertx, node.port());
                WsTestClient c = WsTestClient.connect(vertx, node.port())) {
            // The second applicant's page is back first: still behind the first.
            b.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + second + "\"}");
            ServerMessage.Ticket rb = b.expect(ServerMessage.Ticket.class, t -> "r".equals(t.re()));
            assertThat(rb.number()).isEqualTo(secondNumber);
            assertThat(rb.position()).isEqualTo(2);
            a.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + first + "\"}");
            ServerMessage.Ticket ra = a.expect(ServerMessage.Ticket.class, t -> "r".equals(t.re()));
            assertThat(ra.number()).isEqualTo(firstNumber);
            assertThat(ra.position()).isEqualTo(1);
            // A newcomer gets the next number, not the first of the day again, and the third place.
            ServerMessage.Ticket tc = join(c, "王芳");
            assertThat(number(tc.number())).isEqualTo(number(secondNumber) + 1);
            assertThat(tc.position()).isEqualTo(3);
            // An old token (the one the resume replaced) is no key to the ticket.
            try (WsTestClient replay = WsTestClient.connect(vertx, node.port())) {
                replay.send("{\"type\":\"resume\",\"id\":\"x\",\"resumeToken\":\"" + first + "\"}");
                assertThat(replay.error().code()).isEqualTo("RESUME_INVALID");
            }
        }
    }

    @Test
    void aStoppingNodeDrainsTakingNoNewApplicantUntilItsSessionEnds(Vertx vertx) throws Exception {
        TongbanServer node = start(Duration.ofSeconds(60));
        CompletableFuture<Void> stopped = null;
        try {
            SigningSteps steps = new SigningSteps(node, data);
            SigningSteps.Pair p = steps.pair(vertx, "wujin01", "cz-wujin-bdc", null, "张秀英");
            try (WsTestClient waiting = WsTestClient.connect(vertx, node.port());
                    WsTestClient other = WsTestClient.connect(vertx, node.port())) {
                join(waiting, "李雷");
                other.send("{\"type\":\"auth\",\"token\":\"" + steps.login("wujin02") + "\"}");
                other.expect(ServerMessage.Clerk.class);
                other.send("{\"type\":\"status\",\"status\":\"available\"}");
                other.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE);

                stopped = CompletableFuture.runAsync(node::close);
                HttpResponse<String> health = awaitStatus(node, "DRAINING");
                assertThat(health.statusCode()).isEqualTo(503);

                other.send("{\"type\":\"take\",\"id\":\"t\"}");
                ServerMessage.Error refused = other.error();
                assertThat(refused.code()).isEqualTo("NODE_DRAINING");
                assertThat(stopped).isNotDone();

                // The session in progress goes on; once it ends, the stop follows.
                p.clerk().send("{\"type\":\"chat\",\"sessionId\":\"" + p.sid() + "\",\"text\":\"请稍等\"}");
                p.app().expect(ServerMessage.Chat.class);
                long ended = System.nanoTime();
                p.clerk()
                        .send("{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + p.sid()
                                + "\",\"outcome\":\"completed\"}");
                p.clerk().expect(ServerMessage.Ended.class);
                stopped.get(30, TimeUnit.SECONDS);
                assertThat(Duration.ofNanos(System.nanoTime() - ended)).isLessThan(Duration.ofSeconds(20));
            } finally {
                p.close();
            }
        } finally {
            if (stopped == null) {
                node.close();
            }
        }
    }

    private static ServerMessage.Ticket join(WsTestClient c, String name) throws Exception {
        c.send("{\"type\":\"join\",\"id\":\"j\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                + "\"name\":\"" + name + "\",\"mobile\":\"13812345678\"}");
        return c.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()));
    }

    private static int number(String ticketNumber) {
        return Integer.parseInt(ticketNumber.replaceAll("\\D", ""));
    }

    private static HttpResponse<String> awaitStatus(TongbanServer node, String status) {
        return Await.value(
                "/health/status " + status,
                Duration.ofSeconds(20),
                () -> HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/health/status"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()),
                r -> status.equals(new JsonObject(r.body()).getString("status")));
    }
}
