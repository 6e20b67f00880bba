package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.ServerOptions;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.declaration.IdNumbers;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signed application over the WebSocket against a real server, real PKI and real signatures: signing
 * refused before the identity check, intent and signing refused from the clerk's connection (no-control
 * zone), the intent code shown to the applicant only, a browser-style key (ECDSA P-256, IEEE P1363 values)
 * certified and used, a bad signature refused, the clerk and the seal, the final PDF verified by docsign's
 * verifier and by poppler's pdfsig, the hand-off to the owning hall over HTTP with its signed receipt, a
 * tampered package refused by the owning hall with the reason while the sender keeps it in its outbox, and
 * unauthenticated hand-offs refused.
 */
@ExtendWith(VertxExtension.class)
class SigningWebSocketTest {
    private static TongbanServer server;
    private static Path data;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ID = "32041219880714124" + IdNumbers.checkChar("32041219880714124");
    /** The Qingpu hall's node is unreachable at first: hand-offs to it wait in the outbox. */
    private static final String UNREACHABLE = "http://127.0.0.1:9";

    @BeforeAll
    static void start(@TempDir Path dataDir) throws Exception {
        data = dataDir;
        Files.writeString(dataDir.resolve("refdata.yaml"), refdata(UNREACHABLE));
        server = TongbanServer.start(ServerOptions.builder()
                .port(0)
                .host("127.0.0.1")
                .dataDir(dataDir)
                .nodeName("sign")
                .clusterName("sign-" + ProcessHandle.current().pid())
                .build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The built-in reference data with a node URL for the Qingpu hall (none: this node). */
    private static String refdata(String qingpuNode) throws Exception {
        String yaml;
        try (var in = ReferenceDataStore.class.getResourceAsStream("/tongban/refdata.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return qingpuNode == null
                ? yaml
                : yaml.replace(
                        "    districtCode: \"310118\"\n",
                        "    districtCode: \"310118\"\n    nodeUrl: " + qingpuNode + "\n");
    }

    @Test
    void theWholeTailFromIdentityToTheReceiptOfTheOwningHall(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "wujin01", "cz-wujin-bdc", "nj-gulou-zwfw", "张秀英")) {
            submitDeclaration(p);

            // Nothing before the identity check: neither the clerk's prepare nor the applicant's signing.
            p.clerk.send(msg("app_prepare", p.sid, "a0", ""));
            assertThat(p.clerk.error().code()).isEqualTo("IDENTITY_NOT_VERIFIED");
            KeyPair key = browserKey();
            p.app.send(msg("sign_begin", p.sid, "s0", signBegin(key)));
            assertThat(p.app.error().code()).isEqualTo("IDENTITY_NOT_VERIFIED");

            String contract = upload(p, "contract", pdf());
            verifyIdentity(p);
            // Materials not all received yet.
            p.clerk.send(msg("app_prepare", p.sid, "a1", ""));
            ServerMessage.Error incomplete = p.clerk.error();
            assertThat(incomplete.code()).isEqualTo("MATERIALS_INCOMPLETE");
            assertThat(incomplete.message()).contains("contract", "deedTax").doesNotContain("application");
            receive(p, contract);
            receive(p, upload(p, "deedTax", png(600, 400)));
            // The generated material (the application itself) takes no upload.
            p.app.send("{\"type\":\"upload_slot\",\"id\":\"g\",\"sessionId\":\"" + p.sid
                    + "\",\"kind\":\"upload\",\"requirement\":\"application\"}");
            assertThat(p.app.error().code()).isEqualTo("INVALID_FIELD");

            // Prepared: both see the same application, as page images.
            p.clerk.send(msg("app_prepare", p.sid, "a2", ""));
            ServerMessage.Application prepared = p.clerk.expect(ServerMessage.Application.class);
            assertThat(prepared.re()).isEqualTo("a2");
            assertThat(prepared.status()).isEqualTo("prepared");
            assertThat(prepared.pdfUrl()).isNull();
            ServerMessage.Application seen = p.app.expect(ServerMessage.Application.class);
            assertThat(seen.applicationId()).isEqualTo(prepared.applicationId()).startsWith("TB");
            assertThat(seen.previews()).hasSize(prepared.pages()).isNotEmpty();
            BufferedImage page1 = ImageIO.read(
                    new ByteArrayInputStream(get(seen.previews().get(0)).body()));
            assertThat(page1.getWidth()).isGreaterThan(800);
            assertThat(get(seen.previews().get(0).replaceAll("sig=[0-9a-f]+", "sig=" + "0".repeat(32)))
                            .statusCode())
                    .isEqualTo(401);

            // Intent and the applicant's signature are the applicant's alone.
            for (String type : List.of("intent_request", "intent_confirm", "sign_begin", "sign_complete")) {
                String extra =
                        switch (type) {
                            case "intent_confirm" -> ",\"code\":\"123456\"";
                            case "sign_begin" -> signBegin(key);
                            case "sign_complete" -> ",\"signature\":\"AAAA\"";
                            default -> "";
                        };
                p.clerk.send(msg(type, p.sid, "c-" + type, extra));
                ServerMessage.Error e = p.clerk.error();
                assertThat(e.code()).as(type).isEqualTo("NO_CONTROL_ZONE");
                assertThat(e.re()).isEqualTo("c-" + type);
            }
            p.app.send(msg("clerk_sign", p.sid, "x", ""));
            assertThat(p.app.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            // Not before intent.
            p.app.send(msg("sign_begin", p.sid, "s1", signBegin(key)));
            assertThat(p.app.error().message()).contains("intent");

            // The code goes to the applicant's page only; a wrong one is refused.
            p.app.send(msg("intent_request", p.sid, "i1", ""));
            ServerMessage.IntentCode code = p.app.expect(ServerMessage.IntentCode.class);
            assertThat(code.code()).matches("\\d{6}");
            assertThat(code.formSha256()).isEqualTo(prepared.pdfSha256());
            String wrong = code.code().equals("000000") ? "000001" : "000000";
            p.app.send(msg("intent_confirm", p.sid, "i2", ",\"code\":\"" + wrong + "\""));
            ServerMessage.Error bad = p.app.error();
            assertThat(bad.code()).isEqualTo("INTENT_CODE_INVALID");
            assertThat(bad.message()).contains("4 tries left");
            p.app.send(msg("intent_confirm", p.sid, "i3", ",\"code\":\"" + code.code() + "\""));
            ServerMessage.Application intent = p.app.expect(ServerMessage.Application.class, a -> "i3".equals(a.re()));
            assertThat(intent.status()).isEqualTo("intent_confirmed");
            assertThat(intent.intentAt()).isNotNull();
            assertThat(p.clerk.expect(
                            ServerMessage.Application.class, a -> a.status().equals("intent_confirmed")))
                    .isNotNull();

            // The browser key is certified and signs; a value that does not verify is refused.
            p.app.send(msg("sign_begin", p.sid, "s2", signBegin(key)));
            ServerMessage.SignData toSign = p.app.expect(ServerMessage.SignData.class);
            assertThat(toSign.algorithm()).isEqualTo("ECDSA-P256-SHA256");
            assertThat(toSign.subject()).isEqualTo("张秀英");
            byte[] tbs = Base64.getDecoder().decode(toSign.data());
            byte[] other = sign(key, "something else".getBytes(StandardCharsets.UTF_8));
            p.app.send(msg("sign_complete", p.sid, "s3", ",\"signature\":\"" + b64(other) + "\""));
            assertThat(p.app.error().code()).isEqualTo("SIGNATURE_INVALID");
            // A refused value ends that attempt: begin again, then sign what was handed out.
            p.app.send(msg("sign_complete", p.sid, "s4", ",\"signature\":\"" + b64(sign(key, tbs)) + "\""));
            assertThat(p.app.error().code()).isEqualTo("WRONG_STATE");
            p.app.send(msg("sign_begin", p.sid, "s5", signBegin(key)));
            tbs = Base64.getDecoder()
                    .decode(p.app.expect(ServerMessage.SignData.class).data());
            p.app.send(msg("sign_complete", p.sid, "s6", ",\"signature\":\"" + b64(sign(key, tbs)) + "\""));
            ServerMessage.Application signed = p.app.expect(ServerMessage.Application.class, a -> "s6".equals(a.re()));
            assertThat(signed.status()).isEqualTo("applicant_signed");
            assertThat(signed.signers()).extracting(ServerMessage.Signer::role).containsExactly("applicant");

            // The clerk signs, the hall seals; verified, offered, handed to the owning hall, receipt back.
            p.clerk.send(msg("clerk_sign", p.sid, "k1", ""));
            ServerMessage.Application sealed =
                    p.clerk.expect(ServerMessage.Application.class, a -> "k1".equals(a.re()));
            assertThat(sealed.status()).isEqualTo("sealed");
            assertThat(sealed.verification().verdict()).isEqualTo("VALID");
            assertThat(sealed.verification().signatures()).isEqualTo(4);
            assertThat(sealed.signers())
                    .extracting(ServerMessage.Signer::role)
                    .containsExactly("applicant", "clerk", "seal");
            ServerMessage.Application delivered = p.app.expect(
                    ServerMessage.Application.class,
                    a -> a.handoff() != null && a.handoff().status().equals("delivered"));
            assertThat(delivered.handoff().from()).isEqualTo("南京市鼓楼区政务服务中心");
            assertThat(delivered.handoff().to()).isEqualTo("常州市武进区不动产登记交易中心");
            assertThat(delivered.handoff().receiptNo()).startsWith("HZ320412-");
            assertThat(p.clerk.expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null && a.handoff().status().equals("delivered")))
                    .isNotNull();

            // The applicant's copy: valid for docsign's verifier and for pdfsig.
            HttpResponse<byte[]> copy = get(delivered.pdfUrl());
            assertThat(copy.statusCode()).isEqualTo(200);
            assertThat(copy.headers().firstValue("content-disposition").orElse(""))
                    .contains(delivered.applicationId() + ".pdf");
            VerificationReport report = new PdfVerifier(List.of(root())).verify(copy.body());
            assertThat(report.verdict()).as(report.toJson()).isEqualTo(Verdict.VALID);
            assertThat(report.signatures())
                    .extracting(SignatureReport::fieldName)
                    .startsWith("applicant", "clerk", "hallSeal");
            assertThat(report.signatures().get(0).certification()).isTrue();
            assertThat(report.signatures().get(0).signerCommonName()).isEqualTo("张秀英");
            assertThat(report.signatures().get(2).padesLevel()).isEqualTo("B-LTA");
            String pdfsig = pdfsig(copy.body());
            assertThat(pdfsig.split("Signature Validation: Signature is Valid\\.", -1))
                    .as(pdfsig)
                    .hasSize(4);
            assertThat(pdfsig).contains("Signature Field Name: applicant", "Signature Field Name: hallSeal");
            try (PDDocument doc = org.apache.pdfbox.Loader.loadPDF(copy.body())) {
                assertThat(doc.getDocumentCatalog()
                                .getNames()
                                .getEmbeddedFiles()
                                .getNames())
                        .hasSize(3); // the received idcard, contract and deedTax (never the identity still)
            }

            // The receipt: sealed by the owning hall, valid.
            HttpResponse<byte[]> receipt = get(delivered.handoff().receiptUrl());
            VerificationReport r = new PdfVerifier(List.of(root())).verify(receipt.body());
            assertThat(r.verdict()).isEqualTo(Verdict.VALID);
            assertThat(r.signatures().get(0).signer()).contains("常州市武进区不动产登记交易中心");

            // Every step is in the audit trail (the code itself never is).
            List<AuditEvent> trail = server.records().journal().forSession(p.sid);
            assertThat(trail)
                    .extracting(AuditEvent::action)
                    .contains(
                            "application.prepared",
                            "application.intent_code",
                            "application.intent_failed",
                            "application.intent_confirmed",
                            "application.certificate_issued",
                            "application.signature_refused",
                            "application.applicant_signed",
                            "application.sealed",
                            "handoff.received",
                            "handoff.delivered");
            assertThat(trail.stream().filter(e -> e.action().equals("remote.refused")))
                    .hasSizeGreaterThanOrEqualTo(4);
            assertThat(trail).noneMatch(e -> e.details().contains("\"" + code.code() + "\""));
            assertThat(trail).noneMatch(e -> e.details().contains(ID));
            // The clerk never received the code.
            assertThat(p.clerk.drain())
                    .noneMatch(m -> m instanceof ServerMessage.IntentCode || m instanceof ServerMessage.SignData);
            assertThat(rows("SELECT handoff_status FROM application WHERE application_id = '"
                            + delivered.applicationId() + "'"))
                    .containsExactly("DELIVERED");
            assertThat(rows("SELECT receipt_no FROM received_application WHERE application_id = '"
                            + delivered.applicationId() + "'"))
                    .containsExactly(delivered.handoff().receiptNo());
        }
    }

    @Test
    void aTamperedPackageIsRefusedByTheOwningHallAndKeptInTheOutbox(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "qingpu01", "sh-qingpu-xzfw", "nj-gulou-zwfw", "李蕾")) {
            submitDeclaration(p);
            receive(p, upload(p, "contract", pdf()));
            receive(p, upload(p, "deedTax", png(600, 400)));
            verifyIdentity(p);
            ServerMessage.Application sealed = signAll(p);

            // The owning hall's node cannot be reached: the package waits, nothing is lost.
            ServerMessage.Application waiting = p.clerk.expect(
                    ServerMessage.Application.class,
                    a -> a.handoff() != null && a.handoff().status().equals("pending"));
            assertThat(waiting.handoff().reason()).startsWith("UNREACHABLE");
            assertThat(waiting.handoff().attempts()).isEqualTo(1);
            assertThat(waiting.pdfUrl()).isNotNull();

            // Meanwhile the stored package is damaged (one byte inside every signature's range) ...
            Path file = data.resolve("applications")
                    .resolve(sealed.pdfSha256().substring(0, 2))
                    .resolve(sealed.pdfSha256());
            byte[] b = Files.readAllBytes(file);
            int i = new String(b, StandardCharsets.ISO_8859_1).indexOf("CreatorTool>Tongban");
            b[i + 12] = (byte) 't';
            Files.write(file, b);
            // ... and the node becomes reachable (this node): the retry is refused with the reason.
            Files.writeString(data.resolve("refdata.yaml"), refdata(null));
            Files.setLastModifiedTime(
                    data.resolve("refdata.yaml"),
                    java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            ServerMessage.Application refused = null;
            while (refused == null && System.nanoTime() < deadline) {
                for (ServerMessage m : p.app.drain()) {
                    if (m instanceof ServerMessage.Application a
                            && a.handoff() != null
                            && a.handoff().status().equals("refused")) {
                        refused = a;
                    }
                }
                Thread.sleep(200);
            }
            assertThat(refused).as("a refused hand-off within 60 s").isNotNull();
            assertThat(refused.handoff().reason())
                    .startsWith("SIGNATURE_INVALID")
                    .contains("DIGEST_MISMATCH");
            assertThat(refused.handoff().attempts()).isGreaterThanOrEqualTo(2);
            assertThat(refused.handoff().receiptUrl()).isNull();
            // Kept: the row, the file; recorded on the receiving side with the reason.
            assertThat(rows("SELECT handoff_status FROM application WHERE application_id = '" + refused.applicationId()
                            + "'"))
                    .containsExactly("REFUSED");
            assertThat(Files.exists(file)).isTrue();
            assertThat(rows("SELECT reason FROM handoff_refusal WHERE application_id = '" + refused.applicationId()
                            + "'"))
                    .contains("SIGNATURE_INVALID");
            assertThat(rows("SELECT application_id FROM received_application WHERE application_id = '"
                            + refused.applicationId() + "'"))
                    .isEmpty();
            assertThat(server.records().journal().forSession(p.sid))
                    .extracting(AuditEvent::action)
                    .contains("handoff.retry", "handoff.refused");
        }
    }

    @Test
    void anApplicationTakenAtTheOwningHallIsFiledThereWithAReceipt(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "wujin02", "cz-wujin-bdc", null, "王芳")) {
            submitDeclaration(p);
            receive(p, upload(p, "contract", pdf()));
            receive(p, upload(p, "deedTax", png(600, 400)));
            verifyIdentity(p);
            signAll(p);
            ServerMessage.Application filed = p.app.expect(
                    ServerMessage.Application.class,
                    a -> a.handoff() != null && a.handoff().receiptNo() != null);
            assertThat(filed.handoff().status()).isEqualTo("local");
            assertThat(new PdfVerifier(List.of(root()))
                            .verify(get(filed.handoff().receiptUrl()).body())
                            .verdict())
                    .isEqualTo(Verdict.VALID);
        }
    }

    @Test
    void handoffsWithoutAHallSignatureAreRefused() throws Exception {
        HttpResponse<String> none = postHandoff(null, null, new byte[] {1});
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(new JsonObject(none.body()).getJsonObject("error").getString("code"))
                .isEqualTo("HANDOFF_UNAUTHENTICATED");
        String manifest = Base64.getUrlEncoder().encodeToString("{\"version\":1}".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> forged =
                postHandoff(manifest, Base64.getEncoder().encodeToString(new byte[64]), new byte[] {1});
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).contains("HANDOFF_UNAUTHENTICATED");
    }

    // ---------------------------------------------------------------- the flow

    /** Prepare, intent, the browser key, the clerk: returns the clerk's sealed message. */
    private static ServerMessage.Application signAll(Pair p) throws Exception {
        p.clerk.send(msg("app_prepare", p.sid, "a", ""));
        p.clerk.expect(ServerMessage.Application.class, a -> "a".equals(a.re()));
        p.app.expect(ServerMessage.Application.class);
        p.app.send(msg("intent_request", p.sid, "i", ""));
        String code = p.app.expect(ServerMessage.IntentCode.class).code();
        p.app.send(msg("intent_confirm", p.sid, "c", ",\"code\":\"" + code + "\""));
        p.app.expect(ServerMessage.Application.class, a -> "c".equals(a.re()));
        KeyPair key = browserKey();
        p.app.send(msg("sign_begin", p.sid, "b", signBegin(key)));
        byte[] tbs = Base64.getDecoder()
                .decode(p.app.expect(ServerMessage.SignData.class).data());
        p.app.send(msg("sign_complete", p.sid, "d", ",\"signature\":\"" + b64(sign(key, tbs)) + "\""));
        p.app.expect(ServerMessage.Application.class, a -> "d".equals(a.re()));
        p.clerk.send(msg("clerk_sign", p.sid, "k", ""));
        ServerMessage.Application sealed = p.clerk.expect(ServerMessage.Application.class, a -> "k".equals(a.re()));
        assertThat(sealed.status()).isEqualTo("sealed");
        return sealed;
    }

    private static void submitDeclaration(Pair p) throws Exception {
        p.app.send("{\"type\":\"decl_open\",\"id\":\"o\",\"sessionId\":\"" + p.sid + "\"}");
        p.app.expect(ServerMessage.Declaration.class);
        p.app.send("{\"type\":\"decl_state\",\"sessionId\":\"" + p.sid + "\",\"step\":3,\"values\":{"
                + "\"name\":\"" + p.name + "\",\"sex\":\"female\",\"idNumber\":\"" + ID
                + "\",\"mobile\":\"13812345678\","
                + "\"address\":{\"province\":\"江苏省\",\"city\":\"南京市\",\"district\":\"鼓楼区\",\"detail\":\"中山北路100号2幢301室\"},"
                + "\"location\":{\"province\":\"江苏省\",\"city\":\"常州市\",\"district\":\"武进区\",\"detail\":\"湖塘镇花园街88号\"},"
                + "\"contractNo\":\"WJ2024-0815\",\"contractDate\":\"2024-05-01\",\"area\":\"118.62\",\"use\":\"residential\","
                + "\"ownership\":\"sole\",\"delivery\":\"post\",\"consent\":true,\"intent\":true}}");
        p.app.send("{\"type\":\"decl_submit\",\"id\":\"sub\",\"sessionId\":\"" + p.sid + "\"}");
        ServerMessage.Declaration d = p.app.expect(ServerMessage.Declaration.class, x -> "sub".equals(x.re()));
        assertThat(d.status()).isEqualTo("submitted");
    }

    private static String upload(Pair p, String requirement, byte[] content) throws Exception {
        p.app.send("{\"type\":\"upload_slot\",\"id\":\"u\",\"sessionId\":\"" + p.sid
                + "\",\"kind\":\"upload\",\"requirement\":\"" + requirement + "\"}");
        ServerMessage.UploadSlot s = p.app.expect(ServerMessage.UploadSlot.class);
        assertThat(post(s.url(), content).statusCode()).isEqualTo(201);
        return p.clerk
                .expect(ServerMessage.Material.class, m -> requirement.equals(m.requirement()))
                .materialId();
    }

    private static void receive(Pair p, String materialId) throws Exception {
        p.clerk.send("{\"type\":\"material_decision\",\"id\":\"r\",\"sessionId\":\"" + p.sid + "\",\"materialId\":\""
                + materialId + "\",\"decision\":\"received\"}");
        p.clerk.expect(
                ServerMessage.Material.class,
                m -> materialId.equals(m.materialId()) && m.status().equals("received"));
    }

    private static void verifyIdentity(Pair p) throws Exception {
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
    private static KeyPair browserKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** WebCrypto's sign({name:'ECDSA', hash:'SHA-256'}): SHA-256 of the data, signature as r||s (P1363). */
    private static byte[] sign(KeyPair key, byte[] data) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(key.getPrivate());
        s.update(data);
        return s.sign();
    }

    private static String signBegin(KeyPair key) throws Exception {
        return ",\"publicKey\":\"" + b64(key.getPublic().getEncoded()) + "\",\"handwriting\":\"" + b64(handwriting())
                + "\"";
    }

    private static byte[] handwriting() throws Exception {
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

    private record Pair(WsTestClient clerk, WsTestClient app, String sid, String name) implements AutoCloseable {
        @Override
        public void close() {
            clerk.close();
            app.close();
        }
    }

    private static Pair pair(Vertx vertx, String clerkId, String hall, String partner, String name) throws Exception {
        WsTestClient clerk = WsTestClient.connect(vertx, server.port());
        clerk.send("{\"type\":\"auth\",\"token\":\"" + login(clerkId) + "\"}");
        clerk.expect(ServerMessage.Clerk.class);
        clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
        clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE);
        WsTestClient app = WsTestClient.connect(vertx, server.port());
        app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"" + hall + "\",\"name\":\""
                + name + "\",\"mobile\":\"13812345678\""
                + (partner == null ? "" : ",\"partnerHallId\":\"" + partner + "\"") + "}");
        app.expect(ServerMessage.Ticket.class);
        clerk.send("{\"type\":\"take\"}");
        String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
        app.expect(ServerMessage.Paired.class);
        return new Pair(clerk, app, sid, name);
    }

    private static String msg(String type, String sid, String id, String extra) {
        return "{\"type\":\"" + type + "\",\"id\":\"" + id + "\",\"sessionId\":\"" + sid + "\"" + extra + "}";
    }

    private static String login(String user) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/login"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + user + "\",\"password\":\"tongban2026\"}"))
                        .header("content-type", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new JsonObject(r.body()).getString("token");
    }

    private static HttpResponse<String> post(String url, byte[] body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + url))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postHandoff(String manifest, String signature, byte[] body) throws Exception {
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

    private static HttpResponse<byte[]> get(String url) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + url))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static X509Certificate root() throws Exception {
        byte[] der = get("/pki/ca/root.cer").body();
        return (X509Certificate)
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    private static String pdfsig(byte[] pdf) throws Exception {
        Path f = Files.createTempFile(data, "final", ".pdf");
        Files.write(f, pdf);
        Process p = new ProcessBuilder("pdfsig", "-nocert", f.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static List<String> rows(String sql) throws Exception {
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

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static byte[] png(int w, int h) throws Exception {
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

    private static byte[] pdf() throws Exception {
        try (PDDocument doc = new PDDocument()) {
            doc.addPage(new org.apache.pdfbox.pdmodel.PDPage());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        }
    }
}
