package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.form.IdNumbers;
import cn.tongban.signaling.protocol.Codec;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.BlobStore;
import cn.tongban.signaling.store.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDStream;
import org.apache.pdfbox.pdmodel.interactive.action.PDActionJavaScript;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Materials and the identity check against a real server: upload slots by role, files judged by content,
 * hostile and oversized files refused with stable codes, files stored content-addressed and shown by signed
 * URL, the clerk's verdicts, and identity decisions with the server's checks — all audited.
 */
@ExtendWith(VertxExtension.class)
class MaterialsIdentityTest {
    private static Path data;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ID = "32041219880714124" + IdNumbers.checkChar("32041219880714124");

    @RegisterExtension
    static final TestServer IT = TestServer.create("mat", b -> b);

    @BeforeAll
    static void start() {
        data = IT.dataDir();
    }

    private static String login(String user) throws Exception {
        return IT.login(user);
    }

    private record Pair(WsTestClient clerk, WsTestClient app, String sid) implements AutoCloseable {
        @Override
        public void close() {
            clerk.close();
            app.close();
        }
    }

    private static Pair pair(Vertx vertx, String clerkId, String matter, String hall, String name) throws Exception {
        WsTestClient clerk = WsTestClient.connect(vertx, IT.server().port());
        clerk.send("{\"type\":\"auth\",\"token\":\"" + login(clerkId) + "\"}");
        clerk.expect(ServerMessage.Clerk.class);
        clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
        clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE);
        WsTestClient app = WsTestClient.connect(vertx, IT.server().port());
        app.send("{\"type\":\"join\",\"matterId\":\"" + matter + "\",\"hallId\":\"" + hall + "\",\"name\":\"" + name
                + "\",\"mobile\":\"13812345678\"}");
        app.expect(ServerMessage.Ticket.class);
        clerk.send("{\"type\":\"take\"}");
        String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
        app.expect(ServerMessage.Paired.class);
        return new Pair(clerk, app, sid);
    }

    private static ServerMessage.UploadSlot slot(WsTestClient c, String sid, String kind, String requirement)
            throws Exception {
        c.send("{\"type\":\"upload_slot\",\"id\":\"u\",\"sessionId\":\"" + sid + "\",\"kind\":\"" + kind + "\""
                + (requirement == null ? "" : ",\"requirement\":\"" + requirement + "\"") + "}");
        return c.expect(ServerMessage.UploadSlot.class);
    }

    private static HttpResponse<String> post(String url, byte[] body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + IT.server().port() + url))
                        .header("content-type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject error(HttpResponse<String> r) {
        return new JsonObject(r.body()).getJsonObject("error");
    }

    @Test
    void uploadsAreJudgedByContentStoredByHashAndDecidedByTheClerk(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "wujin02", "property-certificate", "cz-wujin-bdc", "张秀英")) {
            // Who may upload what.
            p.app.send(
                    "{\"type\":\"upload_slot\",\"id\":\"x1\",\"sessionId\":\"" + p.sid + "\",\"kind\":\"face_still\"}");
            assertThat(p.app.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            p.clerk.send("{\"type\":\"upload_slot\",\"id\":\"x2\",\"sessionId\":\"" + p.sid
                    + "\",\"kind\":\"upload\",\"requirement\":\"contract\"}");
            assertThat(p.clerk.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            p.app.send("{\"type\":\"upload_slot\",\"id\":\"x3\",\"sessionId\":\"" + p.sid
                    + "\",\"kind\":\"upload\",\"requirement\":\"passport\"}");
            assertThat(p.app.error().code()).isEqualTo("INVALID_FIELD");

            // A real PDF: stored under its SHA-256, shown to both, served by signed URL.
            byte[] pdf = pdf(false);
            ServerMessage.UploadSlot s = slot(p.app, p.sid, "upload", "contract");
            assertThat(s.maxBytes()).isEqualTo(10L << 20);
            HttpResponse<String> ok = post(s.url(), pdf);
            assertThat(ok.statusCode()).isEqualTo(201);
            ServerMessage.Material toApp = p.app.expect(ServerMessage.Material.class);
            ServerMessage.Material toClerk = p.clerk.expect(ServerMessage.Material.class);
            String sha = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(pdf));
            assertThat(toApp.sha256()).isEqualTo(sha);
            assertThat(toClerk.mime()).isEqualTo("application/pdf");
            assertThat(toClerk.status()).isEqualTo("pending");
            try (Database db = Database.open(Database.defaultUrl(data), null, null)) {
                assertThat(new BlobStore(db.dataSource(), Clock.systemUTC()).get(sha))
                        .isEqualTo(pdf);
            }
            HttpResponse<byte[]> shown = HTTP.send(
                    HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + IT.server().port() + toClerk.url()))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(shown.statusCode()).isEqualTo(200);
            assertThat(shown.headers().firstValue("content-type")).contains("application/pdf");
            assertThat(shown.body()).isEqualTo(pdf);
            HttpResponse<String> forged = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                    + IT.server().port()
                                    + toClerk.url()
                                            .replaceAll("sig=[0-9a-f]+", "sig=00000000000000000000000000000000")))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).isEqualTo(401);

            // A token works once.
            HttpResponse<String> again = post(s.url(), pdf);
            assertThat(again.statusCode()).isEqualTo(401);
            assertThat(error(again).getString("code")).isEqualTo("UPLOAD_INVALID");

            // Hostile and wrong files: stable codes, nothing stored, the session goes on.
            assertRejected(p, "contract", pdf(true), 422, "UPLOAD_REJECTED", "PDF_ACTIVE_CONTENT");
            assertRejected(p, "contract", bomb(), 422, "UPLOAD_REJECTED", "PDF_DECOMPRESSION_BOMB");
            assertRejected(
                    p, "contract", "GIF89a not really".getBytes(), 422, "UPLOAD_REJECTED", "MATERIAL_UNSUPPORTED");
            byte[] png = png(40, 30);
            byte[] truncated = java.util.Arrays.copyOf(png, png.length - 20);
            assertRejected(p, "idcard", truncated, 422, "UPLOAD_REJECTED", "MATERIAL_INVALID_IMAGE");
            assertRejected(p, "idcard", new byte[(10 << 20) + 1], 413, "UPLOAD_TOO_LARGE", null);
            assertThat(p.app.drain()).noneMatch(m -> m instanceof ServerMessage.Material);

            // The clerk asks for a replacement, then receives the new file.
            p.clerk.send("{\"type\":\"material_decision\",\"id\":\"d0\",\"sessionId\":\"" + p.sid
                    + "\",\"materialId\":\"" + toClerk.materialId() + "\",\"decision\":\"replace\"}");
            assertThat(p.clerk.error().message()).startsWith("reason");
            p.clerk.send(
                    "{\"type\":\"material_decision\",\"id\":\"d1\",\"sessionId\":\"" + p.sid + "\",\"materialId\":\""
                            + toClerk.materialId() + "\",\"decision\":\"replace\",\"reason\":\"第 2 页不清晰\"}");
            ServerMessage.Material replace = p.app.expect(ServerMessage.Material.class);
            assertThat(replace.status()).isEqualTo("replace");
            assertThat(replace.reason()).isEqualTo("第 2 页不清晰");
            ServerMessage.UploadSlot s2 = slot(p.app, p.sid, "upload", "contract");
            assertThat(post(s2.url(), png).statusCode()).isEqualTo(201);
            String second = p.clerk
                    .expect(ServerMessage.Material.class, m -> m.mime().equals("image/png"))
                    .materialId();
            p.clerk.send("{\"type\":\"material_decision\",\"id\":\"d2\",\"sessionId\":\"" + p.sid
                    + "\",\"materialId\":\"" + second + "\",\"decision\":\"received\"}");
            ServerMessage.Material received = p.app.expect(
                    ServerMessage.Material.class,
                    m -> m.materialId().equals(second) && !m.status().equals("pending"));
            assertThat(received.status()).isEqualTo("received");

            // A document-camera still by the clerk.
            ServerMessage.UploadSlot still = slot(p.clerk, p.sid, "document_still", "deedTax");
            assertThat(post(still.url(), jpeg(64, 48)).statusCode()).isEqualTo(201);
            ServerMessage.Material captured =
                    p.app.expect(ServerMessage.Material.class, m -> m.kind().equals("document_still"));
            assertThat(captured.by()).isEqualTo("clerk");
            // A still must be an image.
            ServerMessage.UploadSlot pdfStill = slot(p.clerk, p.sid, "document_still", "deedTax");
            HttpResponse<String> notImage = post(pdfStill.url(), pdf);
            assertThat(error(notImage).getString("reason")).isEqualTo("MATERIAL_UNSUPPORTED");

            // A reload gets the list again with decl_open.
            p.app.send("{\"type\":\"decl_open\",\"id\":\"o\",\"sessionId\":\"" + p.sid + "\"}");
            p.app.expect(ServerMessage.Declaration.class);
            assertThat(List.of(
                            p.app.expect(ServerMessage.Material.class).materialId(),
                            p.app.expect(ServerMessage.Material.class).materialId(),
                            p.app.expect(ServerMessage.Material.class).materialId()))
                    .containsExactly(toClerk.materialId(), second, captured.materialId());

            List<AuditEvent> trail = IT.server().records().journal().forSession(p.sid);
            assertThat(trail)
                    .extracting(AuditEvent::action)
                    .containsSubsequence(
                            "material.uploaded",
                            "material.rejected",
                            "material.rejected",
                            "material.rejected",
                            "material.rejected",
                            "material.replace",
                            "material.uploaded",
                            "material.received",
                            "material.uploaded");
            assertThat(trail).anyMatch(e -> e.details().contains(sha));
        }
    }

    @Test
    void identityIsDecidedByTheClerkAndCheckedByTheServer(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "qingpu01", "housing-fund-transfer", "sh-qingpu-xzfw", "李雷")) {
            p.app.send("{\"type\":\"decl_open\",\"sessionId\":\"" + p.sid + "\"}");
            p.app.expect(ServerMessage.Declaration.class);
            p.app.send("{\"type\":\"decl_state\",\"sessionId\":\"" + p.sid + "\",\"values\":{\"idNumber\":\"" + ID
                    + "\"}}");
            p.clerk.expect(ServerMessage.DeclState.class);

            // A decision needs a face still of this session.
            p.clerk.send("{\"type\":\"identity_decision\",\"id\":\"i0\",\"sessionId\":\"" + p.sid
                    + "\",\"stillId\":\"m-nope\",\"decision\":\"match\"}");
            assertThat(p.clerk.error().code()).isEqualTo("INVALID_FIELD");

            byte[] face = jpeg(320, 240);
            ServerMessage.UploadSlot s = slot(p.clerk, p.sid, "face_still", null);
            assertThat(post(s.url(), face).statusCode()).isEqualTo(201);
            ServerMessage.Material still = p.clerk.expect(ServerMessage.Material.class);
            assertThat(still.kind()).isEqualTo("face_still");
            assertThat(p.app.expect(ServerMessage.Material.class).kind()).isEqualTo("face_still");

            p.clerk.send("{\"type\":\"identity_decision\",\"id\":\"i1\",\"sessionId\":\"" + p.sid + "\",\"stillId\":\""
                    + still.materialId() + "\",\"decision\":\"match\"}");
            ServerMessage.Identity ok = p.clerk.expect(ServerMessage.Identity.class);
            assertThat(ok.re()).isEqualTo("i1");
            assertThat(ok.status()).isEqualTo("verified");
            assertThat(ok.method()).isEqualTo("clerk-attested");
            assertThat(ok.stillSha256()).isEqualTo(still.sha256());
            assertThat(p.app.expect(ServerMessage.Identity.class).status()).isEqualTo("verified");

            // The declared name no longer matches the ticket, the ID number's check digit is wrong: failed.
            String wrong = ID.substring(0, 17) + (ID.charAt(17) == '0' ? '1' : '0');
            p.app.send("{\"type\":\"decl_state\",\"sessionId\":\"" + p.sid + "\",\"values\":{\"idNumber\":\"" + wrong
                    + "\",\"name\":\"李蕾\"}}");
            p.clerk.expect(ServerMessage.DeclState.class);
            p.clerk.send("{\"type\":\"identity_decision\",\"id\":\"i2\",\"sessionId\":\"" + p.sid + "\",\"stillId\":\""
                    + still.materialId() + "\",\"decision\":\"mismatch\",\"reason\":\"照片与证件不符\"}");
            ServerMessage.Identity failed = p.clerk.expect(ServerMessage.Identity.class);
            assertThat(failed.status()).isEqualTo("failed");
            assertThat(failed.problems()).containsExactly("id_checksum", "name_mismatch", "clerk_mismatch");

            List<AuditEvent> trail = IT.server().records().journal().forSession(p.sid);
            AuditEvent verified = trail.stream()
                    .filter(e -> e.action().equals("identity.verified"))
                    .findFirst()
                    .orElseThrow();
            assertThat(verified.actor()).isEqualTo("clerk:qingpu01");
            assertThat(verified.details())
                    .contains(still.sha256())
                    .contains("320412********")
                    .doesNotContain(ID);
            assertThat(trail).extracting(AuditEvent::action).contains("identity.still", "identity.failed");
            // The result comes back after a reload.
            p.app.send("{\"type\":\"decl_open\",\"sessionId\":\"" + p.sid + "\"}");
            assertThat(p.app.expect(
                            ServerMessage.Identity.class,
                            m -> m.re() == null && m.decision().equals("mismatch")))
                    .isNotNull();
            assertThat(Codec.encode(failed)).contains("\"problems\"");
        }
    }

    private static void assertRejected(Pair p, String requirement, byte[] body, int status, String code, String reason)
            throws Exception {
        ServerMessage.UploadSlot s = slot(p.app, p.sid, "upload", requirement);
        HttpResponse<String> r = post(s.url(), body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(error(r).getString("code")).isEqualTo(code);
        if (reason != null) {
            assertThat(error(r).getString("reason")).isEqualTo(reason);
        }
    }

    static byte[] png(int w, int h) throws Exception {
        return image(w, h, "png");
    }

    static byte[] jpeg(int w, int h) throws Exception {
        return image(w, h, "jpeg");
    }

    private static byte[] image(int w, int h, String format) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(30, 90, 160));
        g.fillRect(0, 0, w, h);
        g.setColor(Color.WHITE);
        g.fillOval(w / 4, h / 4, w / 2, h / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    /** A one-page PDF, with an OpenAction JavaScript if {@code hostile}. */
    static byte[] pdf(boolean hostile) throws Exception {
        try (PDDocument doc = new PDDocument()) {
            doc.addPage(new PDPage());
            if (hostile) {
                doc.getDocumentCatalog().setOpenAction(new PDActionJavaScript("app.alert('hi')"));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        }
    }

    /** A small PDF whose page content inflates to 48 MiB of zeros (a decompression bomb). */
    static byte[] bomb() throws Exception {
        try (PDDocument doc = new PDDocument()) {
            PDPage page = new PDPage();
            doc.addPage(page);
            PDStream content = new PDStream(doc);
            try (OutputStream out = content.createOutputStream(COSName.FLATE_DECODE)) {
                byte[] zeros = new byte[1 << 20];
                for (int i = 0; i < 48; i++) {
                    out.write(zeros);
                }
            }
            page.setContents(content);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        }
    }
}
