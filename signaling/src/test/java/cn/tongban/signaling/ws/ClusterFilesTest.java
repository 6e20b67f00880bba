package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files in a cluster: the applicant uploads a material through one node, the clerk's console is on the
 * other and shows it — the bytes are in the shared database, not under the receiving node's data directory —
 * and they stay there when the receiving node goes away.
 */
@ExtendWith(VertxExtension.class)
class ClusterFilesTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TwoNodes nodes;

    @BeforeAll
    static void start(@TempDir Path dirA, @TempDir Path dirB, @TempDir Path dbDir) throws Exception {
        nodes = TwoNodes.start("cluster-files", dirA, dirB, dbDir);
    }

    @AfterAll
    static void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void aMaterialUploadedOnOneNodeIsShownByTheOther(Vertx vertx) throws Exception {
        try (WsTestClient clerk = TwoNodes.clerk(vertx, nodes.a, "wujin01", true)) {
            byte[] png = png();
            String sid;
            ServerMessage.Material atClerk;
            try (WsTestClient app = WsTestClient.connect(vertx, nodes.b.port())) {
                app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                        + "\"name\":\"张秀英\",\"mobile\":\"13812345678\"}");
                app.expect(ServerMessage.Ticket.class);
                clerk.expect(ServerMessage.Queue.class, q -> q.total() == 1);
                clerk.send("{\"type\":\"take\",\"id\":\"t\"}");
                sid = clerk.expect(ServerMessage.Paired.class).sessionId();
                app.expect(ServerMessage.Paired.class);

                app.send("{\"type\":\"upload_slot\",\"id\":\"u\",\"sessionId\":\"" + sid
                        + "\",\"kind\":\"upload\",\"requirement\":\"idcard\"}");
                ServerMessage.UploadSlot slot = app.expect(ServerMessage.UploadSlot.class);
                HttpResponse<String> posted = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes.b.port() + slot.url()))
                                .header("content-type", "application/octet-stream")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(png))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).isEqualTo(201);
                atClerk = clerk.expect(ServerMessage.Material.class);

                // The clerk's browser asks its own node (A) for the file node B received.
                assertThat(get(nodes.a.port(), atClerk.url())).isEqualTo(png);
                assertThat(get(nodes.b.port(), atClerk.url())).isEqualTo(png);
                // Nothing under either node's data directory: the database holds it.
                for (Path dir : new Path[] {
                    nodes.a.options().dataDir(), nodes.b.options().dataDir()
                }) {
                    try (Stream<Path> files = Files.walk(dir)) {
                        assertThat(files.filter(f -> f.getFileName().toString().equals(atClerk.sha256())))
                                .isEmpty();
                    }
                }
            }

            // The node that received the upload goes away (the applicant with it); the clerk still sees the file.
            nodes.stopB();
            assertThat(get(nodes.a.port(), atClerk.url())).isEqualTo(png);
            clerk.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
        }
    }

    private static byte[] get(int port, String url) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + url))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static byte[] png() throws Exception {
        BufferedImage img = new BufferedImage(320, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(30, 90, 160));
        g.fillRect(0, 0, 320, 200);
        g.setColor(Color.WHITE);
        g.drawString("ID card", 20, 40);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
