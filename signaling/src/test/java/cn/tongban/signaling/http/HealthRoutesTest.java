package cn.tongban.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.health.HealthCheck;
import cn.tongban.signaling.health.Readiness;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /health} tells operators everything; {@code /health/status} tells anyone only whether to send clients.
 * The readiness findings are set by the test here; the checks themselves are tested on real parts in {@code
 * health/ReadinessChecksTest}.
 */
class HealthRoutesTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final AtomicBoolean QUORUM = new AtomicBoolean(true);
    private static final AtomicReference<HealthCheck.Result> DISK =
            new AtomicReference<>(HealthCheck.Result.ok("plenty"));
    private static Readiness readiness;
    private static Vertx vertx;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        readiness = new Readiness(
                List.of(new SettableCheck()), Duration.ofSeconds(3), Clock.systemUTC(), new SimpleMeterRegistry());
        readiness.runAll();
        new HealthRoutes(QUORUM::get, readiness, () -> new JsonObject()
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
        readiness.close();
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

    @Test
    void aCheckThatSaysDownTakesTheNodeOutAndOneThatSaysDegradedDoesNot() throws Exception {
        try {
            DISK.set(new HealthCheck.Result(HealthCheck.Level.DOWN, "/var/lib/tongban: 12 MiB free"));
            readiness.runAll();
            // Once is a warning (a slow moment); the second failing round in a row takes the node out.
            assertThat(get("/health/status").body()).isEqualTo("{\"status\":\"UP\"}");
            assertThat(new JsonObject(get("/health").body())
                            .getJsonObject("checks")
                            .getJsonObject("disk")
                            .getString("detail"))
                    .isEqualTo("failed once, checking again: /var/lib/tongban: 12 MiB free");
            readiness.runAll();
            HttpResponse<String> detailed = get("/health");
            assertThat(detailed.statusCode()).isEqualTo(503);
            JsonObject d = new JsonObject(detailed.body());
            assertThat(d.getString("status")).isEqualTo("DOWN");
            assertThat(d.getJsonObject("checks").getJsonObject("disk").getString("status"))
                    .isEqualTo("DOWN");
            assertThat(d.getJsonObject("checks").getJsonObject("disk").getString("detail"))
                    .isEqualTo("/var/lib/tongban: 12 MiB free");
            HttpResponse<String> brief = get("/health/status");
            assertThat(brief.statusCode()).isEqualTo(503);
            assertThat(brief.body()).isEqualTo("{\"status\":\"DOWN\"}");

            DISK.set(new HealthCheck.Result(HealthCheck.Level.DEGRADED, "signing is off"));
            readiness.runAll();
            assertThat(get("/health").statusCode()).isEqualTo(200);
            HttpResponse<String> degraded = get("/health/status");
            assertThat(degraded.statusCode()).isEqualTo(200);
            assertThat(degraded.body()).isEqualTo("{\"status\":\"DEGRADED\"}");

            // A warning is for the operator's dashboard, not the load balancer: the node is UP.
            DISK.set(new HealthCheck.Result(HealthCheck.Level.WARN, "900 MiB free"));
            readiness.runAll();
            assertThat(get("/health/status").body()).isEqualTo("{\"status\":\"UP\"}");
            assertThat(new JsonObject(get("/health").body())
                            .getJsonObject("checks")
                            .getJsonObject("disk")
                            .getString("status"))
                    .isEqualTo("WARN");

            // Quorum comes first: a node cut off says so whatever its checks say.
            QUORUM.set(false);
            DISK.set(new HealthCheck.Result(HealthCheck.Level.DOWN, "full"));
            readiness.runAll();
            assertThat(get("/health/status").body()).isEqualTo("{\"status\":\"NODE_UNAVAILABLE\"}");
        } finally {
            QUORUM.set(true);
            DISK.set(HealthCheck.Result.ok("plenty"));
            readiness.runAll();
        }
    }

    /** A check whose finding the test sets. */
    private static final class SettableCheck implements HealthCheck {
        @Override
        public String name() {
            return "disk";
        }

        @Override
        public Duration period() {
            return Duration.ofHours(1);
        }

        @Override
        public Result check() {
            return DISK.get();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
