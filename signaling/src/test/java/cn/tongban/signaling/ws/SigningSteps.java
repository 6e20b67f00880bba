package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.form.IdNumbers;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.pdfbox.pdmodel.PDDocument;

/**
 * The steps of a signed application over the WebSocket and HTTP, against one server: pairing, the
 * declaration, materials, the identity check, intent, a browser-style key (ECDSA P-256 with IEEE P1363
 * values, as WebCrypto makes and uses it), the clerk and the seal.
 */
final class SigningSteps {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String ID = "32041219880714124" + IdNumbers.checkChar("32041219880714124");

    private final TongbanServer server;
    private final Path data;

    SigningSteps(TongbanServer server, Path data) {
        this.server = server;
        this.data = data;
    }

    // ---------------------------------------------------------------- the flow

    /** Prepare, intent, the browser key, the clerk: returns the clerk's sealed message. */
    ServerMessage.Application signAll(Pair p) throws Exception {
        applicantSigns(p);
        p.clerk.send(msg("clerk_sign", p.sid, "k", ""));
        ServerMessage.Application sealed = p.clerk.expect(ServerMessage.Application.class, a -> "k".equals(a.re()));
        assertThat(sealed.status()).isEqualTo("sealed");
        return sealed;
    }

    /** The declaration, two materials and the identity check: ready for the application. */
    void readyToSign(Pair p) throws Exception {
        submitDeclaration(p);
        receive(p, upload(p, "contract", pdf()));
        receive(p, upload(p, "deedTax", png(600, 400)));
        verifyIdentity(p);
    }

    /** Prepare, intent and the browser key: returns the clerk's view of the application the applicant signed. */
    ServerMessage.Application applicantSigns(Pair p) throws Exception {
        KeyPair key = browserKey();
        byte[] tbs = beginSigning(p, key);
        p.app.send(msg("sign_complete", p.sid, "d", ",\"signature\":\"" + b64(sign(key, tbs)) + "\""));
        p.app.expect(ServerMessage.Application.class, a -> "d".equals(a.re()));
        return p.clerk.expect(ServerMessage.Application.class, a -> a.status().equals("applicant_signed"));
    }

    /** Prepare, intent and {@code sign_begin} with {@code key}: returns {@code sign_data}'s bytes to sign. */
    byte[] beginSigning(Pair p, KeyPair key) throws Exception {
        p.clerk.send(msg("app_prepare", p.sid, "a", ""));
        p.clerk.expect(ServerMessage.Application.class, a -> "a".equals(a.re()));
        p.app.expect(ServerMessage.Application.class);
        p.app.send(msg("intent_request", p.sid, "i", ""));
        String code = p.app.expect(ServerMessage.IntentCode.class).code();
        p.app.send(msg("intent_confirm", p.sid, "c", ",\"code\":\"" + code + "\""));
        p.app.expect(ServerMessage.Application.class, a -> "c".equals(a.re()));
        p.app.send(msg("sign_begin", p.sid, "b", signBegin(key)));
        return Base64.getDecoder()
                .decode(p.app.expect(ServerMessage.SignData.class).data());
    }

    /** A clerk signed in (not available, not in a session). */
    WsTestClient clerk(Vertx vertx, String clerkId) throws Exception {
        WsTestClient clerk = WsTestClient.connect(vertx, server.port());
        clerk.send("{\"type\":\"auth\",\"token\":\"" + login(clerkId) + "\"}");
        clerk.expect(ServerMessage.Clerk.class);
        return clerk;
    }

    void submitDeclaration(Pair p) throws Exception {
        fillDeclaration(p);
        submitFilled(p);
    }

    /** The applicant fills in the whole declaration (the identity check reads it) without submitting it. */
    void fillDeclaration(Pair p) throws Exception {
        p.app.send("{\"type\":\"decl_open\",\"id\":\"o\",\"sessionId\":\"" + p.sid + "\"}");
        p.app.expect(ServerMessage.Declaration.class);
        p.app.send("{\"type\":\"decl_state\",\"sessionId\":\"" + p.sid + "\",\"step\":3,\"values\":{"
                + "\"name\":\"" + p.name + "\",\"sex\":\"female\",\"idNumber\":\"" + ID
                + "\",\"mobile\":\"13812345678\","
                + "\"address\":{\"province\":\"江苏省\",\"city\":\"南京市\",\"district\":\"鼓楼区\",\"detail\":\"中山北路100号2幢301室\"},"
                + "\"location\":{\"province\":\"江苏省\",\"city\":\"常州市\",\"district\":\"武进区\",\"detail\":\"湖塘镇花园街88号\"},"
                + "\"contractNo\":\"WJ2024-0815\",\"contractDate\":\"2024-05-01\",\"area\":\"118.62\",\"use\":\"residential\","
                + "\"ownership\":\"sole\",\"delivery\":\"post\",\"consent\":true,\"intent\":true}}");
    }

    void submitFilled(Pair p) throws Exception {
        p.app.send("{\"type\":\"decl_submit\",\"id\":\"sub\",\"sessionId\":\"" + p.sid + "\"}");
        ServerMessage.Declaration d = p.app.expect(ServerMessage.Declaration.class, x -> "sub".equals(x.re()));
        assertThat(d.status()).isEqualTo("submitted");
    }

    String upload(Pair p, String requirement, byte[] content) throws Exception {
        p.app.send("{\"type\":\"upload_slot\",\"id\":\"u\",\"sessionId\":\"" + p.sid
                + "\",\"kind\":\"upload\",\"requirement\":\"" + requirement + "\"}");
        ServerMessage.UploadSlot s = p.app.expect(ServerMessage.UploadSlot.class);
        assertThat(post(s.url(), content).statusCode()).isEqualTo(201);
        return p.clerk
                .expect(ServerMessage.Material.class, m -> requirement.equals(m.requirement()))
                .materialId();
    }

    void receive(Pair p, String materialId) throws Exception {
        p.clerk.send("{\"type\":\"material_decision\",\"id\":\"r\",\"sessionId\":\"" + p.sid + "\",\"materialId\":\""
                + materialId + "\",\"decision\":\"received\"}");
        p.clerk.expect(
                ServerMessage.Material.class,
                m -> materialId.equals(m.materialId()) && m.status().equals("received"));
    }

    void verifyIdentity(Pair p) throws Exception {
        receive(p, upload(p, "idcard", png(800, 500)));
        p.clerk.send("{\"type\":\"upload_slot\",\"id\":\"f\",\"sessionId\":\"" + p.sid + "\",\"kind\":\"face_still\"}");
        ServerMessage.UploadSlot s = p.clerk.expect(ServerMessage.UploadSlot.class);
        assertThat(post(s.url(), png(320, 240)).statusCode()).isEqualTo(201);
        String still = p.clerk
                .expect(ServerMessage.Material.class, m -> m.kind().equals("face_still"))
                .materialId();
        p.clerk.send("{\"type\":\"identity_decision\",\"id\":\"id\",\"sessionId\":\"" + p.sid + "\",\"stillId\":\""
                + still + "\",\"decision\":\"match\"}");
        assertThat(p.clerk.expect(ServerMessage.Identity.class).status()).isEqualTo("verified");
    }

    // ---------------------------------------------------------------- the browser's part, in Java

    /** What WebCrypto's generateKey({name:'ECDSA', namedCurve:'P-256'}) makes. */
    KeyPair browserKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** WebCrypto's sign({name:'ECDSA', hash:'SHA-256'}): SHA-256 of the data, signature as r||s (P1363). */
    byte[] sign(KeyPair key, byte[] data) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(key.getPrivate());
        s.update(data);
        return s.sign();
    }

    String signBegin(KeyPair key) throws Exception {
        return ",\"publicKey\":\"" + b64(key.getPublic().getEncoded()) + "\",\"handwriting\":\"" + b64(handwriting())
                + "\"";
    }

    byte[] handwriting() throws Exception {
        BufferedImage img = new BufferedImage(480, 160, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(20, 30, 90));
        g.setStroke(new BasicStroke(5));
        g.drawPolyline(
                new int[] {40, 90, 130, 180, 240, 300, 360, 430}, new int[] {110, 40, 120, 50, 115, 45, 110, 60}, 8);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- plumbing

    record Pair(WsTestClient clerk, WsTestClient app, String sid, String name, String resumeToken)
            implements AutoCloseable {
        /** The same session with the applicant on another connection (after a resume). */
        Pair withApp(WsTestClient app) {
            return new Pair(clerk, app, sid, name, resumeToken);
        }

        @Override
        public void close() {
            clerk.close();
            app.close();
        }
    }

    Pair pair(Vertx vertx, String clerkId, String hall, String partner, String name) throws Exception {
        return pair(vertx, server, clerkId, hall, partner, name);
    }

    /** A clerk on this steps' server takes the ticket of an applicant connected to {@code applicantNode}. */
    Pair pair(Vertx vertx, TongbanServer applicantNode, String clerkId, String hall, String partner, String name)
            throws Exception {
        WsTestClient clerk = WsTestClient.connect(vertx, server.port());
        clerk.send("{\"type\":\"auth\",\"token\":\"" + login(clerkId) + "\"}");
        clerk.expect(ServerMessage.Clerk.class);
        clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
        clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE);
        WsTestClient app = WsTestClient.connect(vertx, applicantNode.port());
        app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"" + hall + "\",\"name\":\""
                + name + "\",\"mobile\":\"13812345678\""
                + (partner == null ? "" : ",\"partnerHallId\":\"" + partner + "\"") + "}");
        String token = app.expect(ServerMessage.Ticket.class).resumeToken();
        if (applicantNode != server) {
            // The clerk's node learns of the ticket through the cluster.
            clerk.expect(ServerMessage.Queue.class, q -> q.total() >= 1);
        }
        clerk.send("{\"type\":\"take\"}");
        String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
        app.expect(ServerMessage.Paired.class);
        return new Pair(clerk, app, sid, name, token);
    }

    String msg(String type, String sid, String id, String extra) {
        return "{\"type\":\"" + type + "\",\"id\":\"" + id + "\",\"sessionId\":\"" + sid + "\"" + extra + "}";
    }

    String login(String user) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/login"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + user + "\",\"password\":\"tongban2026\"}"))
                        .header("content-type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new JsonObject(r.body()).getString("token");
    }

    HttpResponse<String> post(String url, byte[] body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + url))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postHandoff(String manifest, String signature, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/handoff"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (manifest != null) {
            b.header("x-tongban-manifest", manifest);
        }
        if (signature != null) {
            b.header("x-tongban-signature", signature);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> get(String url) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + url))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    X509Certificate root() throws Exception {
        byte[] der = get("/pki/ca/root.cer").body();
        return (X509Certificate)
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    String pdfsig(byte[] pdf) throws Exception {
        Path f = Files.createTempFile(data, "final", ".pdf");
        Files.write(f, pdf);
        Process p = new ProcessBuilder("pdfsig", "-nocert", f.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    List<String> rows(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(Database.defaultUrl(data));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    byte[] png(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(214, 228, 240));
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(40, 60, 90));
        g.fillRect(w / 10, h / 5, w / 3, h / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    byte[] pdf() throws Exception {
        try (PDDocument doc = new PDDocument()) {
            doc.addPage(new org.apache.pdfbox.pdmodel.PDPage());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        }
    }
}
