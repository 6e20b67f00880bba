package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The supervisor's day over the real server: a take is recorded with its wait, the server samples the queues,
 * {@code GET /api/supervisor/today} and {@code today.csv} answer a supervisor only, and the board carries each
 * queue's alert threshold.
 */
@ExtendWith(VertxExtension.class)
class SupervisorHistoryTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String GULOU = "nj-gulou-zwfw";
    private static final String SOCIAL = "social-insurance-transfer";

    @RegisterExtension
    static final TestServer IT = TestServer.create("history-it", b -> b);

    private static HttpResponse<byte[]> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + path));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String code(HttpResponse<byte[]> r) {
        return new JsonObject(new String(r.body(), StandardCharsets.UTF_8))
                .getJsonObject("error")
                .getString("code");
    }

    private static JsonObject queue(JsonObject today, String hall, String matter) {
        return today.getJsonArray("queues").stream()
                .map(JsonObject.class::cast)
                .filter(q -> q.getString("hallId").equals(hall)
                        && q.getString("matterId").equals(matter))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void onlyASupervisorReadsTheDay() throws Exception {
        for (String path : new String[] {"/api/supervisor/today", "/api/supervisor/today.csv"}) {
            HttpResponse<byte[]> anonymous = get(path, null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(code(anonymous)).isEqualTo("UNAUTHENTICATED");
            HttpResponse<byte[]> garbage = get(path, "Bearer not-a-token");
            assertThat(garbage.statusCode()).isEqualTo(401);
            HttpResponse<byte[]> basic = get(path, "Basic c3VwZXJ2aXNvcjAxOnRvbmdiYW4yMDI2");
            assertThat(code(basic)).isEqualTo("UNAUTHENTICATED");
            HttpResponse<byte[]> clerk = get(path, "Bearer " + IT.login("wujin02"));
            assertThat(clerk.statusCode()).isEqualTo(403);
            assertThat(code(clerk)).isEqualTo("NOT_SUPERVISOR");
            assertThat(get(path, "Bearer " + IT.login("supervisor01")).statusCode())
                    .isEqualTo(200);
        }
        assertThat(IT.server().records().journal().read(0, 100_000).stream()
                        .anyMatch(e -> e.action().equals("supervisor.refused")
                                && e.actor().equals("clerk:wujin02")))
                .isTrue();
    }

    @Test
    void aTakeAndTheMinuteSamplesShowInTheDayAndItsCsv(Vertx vertx) throws Exception {
        String supervisor = "Bearer " + IT.login("supervisor01");
        try (WsTestClient board = IT.connect(vertx)) {
            board.send("{\"type\":\"watch\",\"id\":\"w\",\"token\":\"" + IT.login("supervisor01") + "\"}");
            ServerMessage.BoardQueue shown = board.expect(ServerMessage.Board.class).queues().stream()
                    .filter(q -> q.hallId().equals(GULOU) && q.matterId().equals(SOCIAL))
                    .findFirst()
                    .orElseThrow();
            // No overflow threshold for this matter: the default 15 minutes.
            assertThat(shown.alertWaitSeconds()).isEqualTo(900);
            assertThat(shown.alert()).isFalse();
        }
        try (WsTestClient a = IT.applicant(vertx, SOCIAL, GULOU, "张秀英", "");
                WsTestClient clerk = IT.clerk(vertx, "gulou01", true)) {
            ServerMessage.Ticket t = a.expect(ServerMessage.Ticket.class);
            clerk.expect(ServerMessage.Queue.class, m -> m.tickets().stream()
                    .anyMatch(e -> e.ticketId().equals(t.ticketId())));
            clerk.send("{\"type\":\"take\",\"ticketId\":\"" + t.ticketId() + "\"}");
            clerk.expect(ServerMessage.Paired.class);
        }
        // Query parameters do not choose another day or queue.
        JsonObject today = new JsonObject(new String(
                get("/api/supervisor/today?day=1970-01-01&from=0&hallId=%27--", supervisor)
                        .body(),
                StandardCharsets.UTF_8));
        JsonObject gulou = queue(today, GULOU, SOCIAL);
        assertThat(gulou.getInteger("takes")).isEqualTo(1);
        assertThat(gulou.getInteger("thresholdSeconds")).isEqualTo(900);
        assertThat(gulou.getDouble("serviceLevel")).isEqualTo(1.0);
        assertThat(gulou.getLong("medianWaitSeconds")).isNotNull().isLessThan(60L);
        assertThat(today.getString("zone")).isEqualTo("Asia/Shanghai");

        // The server samples every queue once a minute, the first time within seconds of its start.
        JsonObject sampled = Await.value(
                "the server's first sample",
                Duration.ofSeconds(30),
                () -> new JsonObject(
                        new String(get("/api/supervisor/today", supervisor).body(), StandardCharsets.UTF_8)),
                d -> !queue(d, GULOU, SOCIAL)
                        .getJsonObject("samples")
                        .getJsonArray("at")
                        .isEmpty());
        JsonObject samples = queue(sampled, GULOU, SOCIAL).getJsonObject("samples");
        assertThat(samples.getJsonArray("waiting").size())
                .isEqualTo(samples.getJsonArray("at").size());

        HttpResponse<byte[]> csv = get("/api/supervisor/today.csv", supervisor);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
        assertThat(csv.headers().firstValue("content-disposition").orElseThrow())
                .matches("attachment; filename=\"tongban-\\d{4}-\\d{2}-\\d{2}\\.csv\"");
        assertThat(Arrays.copyOf(csv.body(), 3)).containsExactly(0xEF, 0xBB, 0xBF);
        String text = new String(csv.body(), 3, csv.body().length - 3, StandardCharsets.UTF_8);
        assertThat(text).startsWith("kind,time,hall_id,hall_name,matter_id,matter_name,waited_seconds,");
        assertThat(text.lines().filter(l -> l.startsWith("take,")))
                .singleElement()
                .asString()
                .contains(",nj-gulou-zwfw,南京市鼓楼区政务服务中心,social-insurance-transfer,社保关系转移接续,");
        assertThat(text).contains("\nsample,").doesNotContain("张秀英").doesNotContain("13812345678");
    }
}
