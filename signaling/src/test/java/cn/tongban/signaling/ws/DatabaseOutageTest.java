package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.store.TestPostgres;
import cn.tongban.testkit.Await;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's PostgreSQL stops under it: within two check periods {@code /health} says DOWN (503) naming the
 * database, a clerk's sign-in is answered {@code STORE_UNAVAILABLE} at once — not after the pool's 30 s and
 * never as a wrong password — and once the database is back, so are the node's status and sign-in.
 */
class DatabaseOutageTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path data;

    @Test
    void aDatabaseOutageTakesTheNodeOutAndSignInSaysSoAtOnce() throws Exception {
        TestPostgres pg = TestPostgres.startPrivate();
        try (TongbanServer node = TongbanServer.start(ServerOptions.builder()
                .port(0)
                .host("127.0.0.1")
                .dataDir(data)
                .demo(true)
                .nodeName("outage-it")
                .clusterName("outage-it-" + ProcessHandle.current().pid())
                .database(pg.newDatabase(), TestPostgres.USER, TestPostgres.PASSWORD)
                .build())) {
            assertThat(login(node).statusCode()).isEqualTo(200);

            pg.pause();
            HttpResponse<String> health = Await.value(
                    "/health DOWN", Duration.ofSeconds(60), () -> get(node, "/health"), r -> r.statusCode() == 503);
            JsonObject h = new JsonObject(health.body());
            assertThat(h.getString("status")).isEqualTo("DOWN");
            assertThat(h.getJsonObject("checks").getJsonObject("database").getString("status"))
                    .isEqualTo("DOWN");

            long t0 = System.nanoTime();
            HttpResponse<String> refused = login(node);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code"))
                    .isEqualTo("STORE_UNAVAILABLE");

            pg.resume();
            Await.until("/health UP again", Duration.ofSeconds(60), () -> get(node, "/health/status")
                    .body()
                    .equals("{\"status\":\"UP\"}"));
            assertThat(Await.value(
                                    "sign-in again",
                                    Duration.ofSeconds(30),
                                    () -> login(node),
                                    r -> r.statusCode() != 503)
                            .statusCode())
                    .isEqualTo(200);
        } finally {
            pg.stop();
        }
    }

    private static HttpResponse<String> login(TongbanServer node) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/login"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"wujin01\",\"password\":\"" + TestServer.PASSWORD + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(TongbanServer node, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
