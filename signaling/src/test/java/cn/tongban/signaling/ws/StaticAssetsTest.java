package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.http.StaticAssets;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pages and assets reach browsers anew after an upgrade (web/README.md, "Caching and upgrades"):
 * every one is revalidated on each load by a content ETag ({@code Cache-Control: no-cache}, never
 * {@code immutable} or a {@code max-age}); the current tag gets {@code 304}, an older one the new content.
 */
class StaticAssetsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final TestServer IT = TestServer.create("assets-it", b -> b);

    @Test
    void theServersPagesAndAssetsAreRevalidatedByTheirContent() throws Exception {
        for (String path : List.of("/", "/index.html", "/clerk", "/assets/i18n.js", "/assets/style.css")) {
            HttpResponse<String> first = get(IT.port(), path, null);
            assertThat(first.statusCode()).as(path).isEqualTo(200);
            assertThat(first.headers().firstValue("Cache-Control")).as(path).hasValue("no-cache");
            assertThat(first.headers().allValues("Cache-Control").toString())
                    .as(path)
                    .doesNotContain("immutable")
                    .doesNotContain("max-age");
            String etag = first.headers().firstValue("ETag").orElseThrow();
            assertThat(etag).as(path).matches("\"[A-Za-z0-9_-]{22}\"");

            HttpResponse<String> again = get(IT.port(), path, etag);
            assertThat(again.statusCode()).as(path).isEqualTo(304);
            assertThat(again.body()).isEmpty();
            assertThat(again.headers().firstValue("ETag")).hasValue(etag);
            assertThat(again.headers().firstValue("Cache-Control")).hasValue("no-cache");
            // The security headers are on the 304 too.
            assertThat(again.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");

            HttpResponse<String> older = get(IT.port(), path, "\"an-older-build\"");
            assertThat(older.statusCode()).as(path).isEqualTo(200);
            assertThat(older.body()).isEqualTo(first.body());
        }
        assertThat(get(IT.port(), "/assets/no-such.js", null).statusCode()).isEqualTo(404);
        assertThat(get(IT.port(), "/api/catalog", null).headers().firstValue("ETag"))
                .isEmpty();
    }

    @Test
    void anAssetChangedByAnUpgradeIsFetchedAnewOnTheNextLoad(@TempDir Path webroot) throws Exception {
        Path asset = Files.createDirectories(webroot.resolve("assets")).resolve("app.js");
        Files.writeString(asset, "export const version = 1;\n");
        Vertx vertx = Vertx.vertx();
        try {
            Router router = Router.router(vertx);
            StaticAssets.installDirectory(
                    router, vertx, webroot.toAbsolutePath().toString());
            HttpServer server = vertx.createHttpServer()
                    .requestHandler(router)
                    .listen(0, "127.0.0.1")
                    .await(10, TimeUnit.SECONDS);
            int port = server.actualPort();

            HttpResponse<String> before = get(port, "/assets/app.js", null);
            assertThat(before.body()).isEqualTo("export const version = 1;\n");
            String oldTag = before.headers().firstValue("ETag").orElseThrow();
            assertThat(get(port, "/assets/app.js", oldTag).statusCode()).isEqualTo(304);

            // The upgrade: same name, new content (and a new modification time).
            Files.writeString(asset, "export const version = 22;\n", StandardCharsets.UTF_8);
            Files.setLastModifiedTime(
                    asset,
                    java.nio.file.attribute.FileTime.fromMillis(
                            Files.getLastModifiedTime(asset).toMillis() + 5_000));

            HttpResponse<String> after = get(port, "/assets/app.js", oldTag);
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(after.body()).isEqualTo("export const version = 22;\n");
            String newTag = after.headers().firstValue("ETag").orElseThrow();
            assertThat(newTag).isNotEqualTo(oldTag);
            assertThat(get(port, "/assets/app.js", newTag).statusCode()).isEqualTo(304);
            assertThat(get(port, "/assets/app.js", "W/" + newTag + ", \"x\"").statusCode())
                    .isEqualTo(304);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static HttpResponse<String> get(int port, String path, String ifNoneMatch) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (ifNoneMatch != null) {
            b.header("If-None-Match", ifNoneMatch);
        }
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
