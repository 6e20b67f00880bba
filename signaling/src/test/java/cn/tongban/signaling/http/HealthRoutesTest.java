package cn.tongban.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /health} tells operators everything; {@code /health/status} tells anyone only whether to send clients. */
class HealthRoutesTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final AtomicBoolean QUORUM = new AtomicBoolean(true);
    private static Vertx vertx;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        new HealthRoutes(QUORUM::get, () -> new JsonObject()
                        .put("node", "wujin-1")
                        .put(
                                "cluster",
                                new JsonObject()
                                        .put("members", 3)
                                        .put("servers", new JsonArray().add("wss://wujin.internal.example/ws"))))
                .install(router);
        port = vertx.createHttpServer()
                .requestHandler(router)
                .listen(0, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .actualPort();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void detailedAndBriefAgreeOnTheStatus() throws Exception {
        QUORUM.set(true);
        HttpResponse<String> detailed = get("/health");
        assertThat(detailed.statusCode()).isEqualTo(200);
        JsonObject d = new JsonObject(detailed.body());
        assertThat(d.getString("status")).isEqualTo("UP");
        assertThat(d.getString("node")).isEqualTo("wujin-1");
        assertThat(d.getJsonObject("cluster").getInteger("members")).isEqualTo(3);

        HttpResponse<String> brief = get("/health/status");
        assertThat(brief.statusCode()).isEqualTo(200);
        assertThat(brief.body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(brief.headers().firstValue("cache-control")).contains("no-store");
    }

    @Test
    void withoutQuorumBothAre503AndTheBriefOneStillNamesNothing() throws Exception {
        QUORUM.set(false);
        try {
            HttpResponse<String> detailed = get("/health");
            assertThat(detailed.statusCode()).isEqualTo(503);
            assertThat(new JsonObject(detailed.body()).getString("status")).isEqualTo("NODE_UNAVAILABLE");

            HttpResponse<String> brief = get("/health/status");
            assertThat(brief.statusCode()).isEqualTo(503);
            // No node name, member count or internal URLs for whoever is outside.
            assertThat(brief.body()).isEqualTo("{\"status\":\"NODE_UNAVAILABLE\"}");
        } finally {
            QUORUM.set(true);
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
