package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.form.IdNumbers;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

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
    private static Path data;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ID = "32041219880714124" + IdNumbers.checkChar("32041219880714124");
    /** The Qingpu hall's node is unreachable at first: hand-offs to it wait in the outbox. */
    private static final String UNREACHABLE = "http://127.0.0.1:9";

    private static SigningSteps S;

    @RegisterExtension
    static final TestServer IT = TestServer.create(
            "sign", b -> b, dataDir -> Files.writeString(dataDir.resolve("refdata.yaml"), refdata(UNREACHABLE)));

    @BeforeAll
    static void steps() {
        data = IT.dataDir();
        S = new SigningSteps(IT.server(), IT.dataDir());
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
        try (SigningSteps.Pair p = S.pair(vertx, "wujin01", "cz-wujin-bdc", "nj-gulou-zwfw", "张秀英")) {
            S.fillDeclaration(p);

            // Nothing before the identity check: neither the clerk's prepare nor the applicant's signing.
            p.clerk().send(S.msg("app_prepare", p.sid(), "a0", ""));
            assertThat(p.clerk().error().code()).isEqualTo("IDENTITY_NOT_VERIFIED");
            KeyPair key = S.browserKey();
            p.app().send(S.msg("sign_begin", p.sid(), "s0", S.signBegin(key)));
            assertThat(p.app().error().code()).isEqualTo("IDENTITY_NOT_VERIFIED");

            String contract = S.upload(p, "contract", S.pdf());
            S.verifyIdentity(p);
            // Too early: the declaration is not submitted yet; the reason tells the page which sentence to show.
            p.clerk().send(S.msg("app_prepare", p.sid(), "a00", ""));
            ServerMessage.Error early = p.clerk().error();
            assertThat(early.code()).isEqualTo("WRONG_STATE");
            assertThat(early.reason()).isEqualTo("declaration_not_submitted");
            S.submitFilled(p);
            // Materials not all received yet.
            p.clerk().send(S.msg("app_prepare", p.sid(), "a1", ""));
            ServerMessage.Error incomplete = p.clerk().error();
            assertThat(incomplete.code()).isEqualTo("MATERIALS_INCOMPLETE");
            assertThat(incomplete.message()).contains("contract", "deedTax").doesNotContain("application");
            S.receive(p, contract);
            S.receive(p, S.upload(p, "deedTax", S.png(600, 400)));
            // The generated material (the application itself) takes no upload.
            p.app()
                    .send("{\"type\":\"upload_slot\",\"id\":\"g\",\"sessionId\":\"" + p.sid()
                            + "\",\"kind\":\"upload\",\"requirement\":\"application\"}");
            assertThat(p.app().error().code()).isEqualTo("INVALID_FIELD");

            // Prepared: both see the same application, as page images.
            p.clerk().send(S.msg("app_prepare", p.sid(), "a2", ""));
            ServerMessage.Application prepared = p.clerk().expect(ServerMessage.Application.class);
            assertThat(prepared.re()).isEqualTo("a2");
            assertThat(prepared.status()).isEqualTo("prepared");
            assertThat(prepared.pdfUrl()).isNull();
            ServerMessage.Application seen = p.app().expect(ServerMessage.Application.class);
            assertThat(seen.applicationId()).isEqualTo(prepared.applicationId()).startsWith("TB");
            assertThat(seen.previews()).hasSize(prepared.pages()).isNotEmpty();
            BufferedImage page1 = ImageIO.read(
                    new ByteArrayInputStream(S.get(seen.previews().get(0)).body()));
            assertThat(page1.getWidth()).isGreaterThan(800);
            assertThat(S.get(seen.previews().get(0).replaceAll("sig=[0-9a-f]+", "sig=" + "0".repeat(32)))
                            .statusCode())
                    .isEqualTo(401);

            // Intent and the applicant's signature are the applicant's alone.
            for (String type : List.of("intent_request", "intent_confirm", "sign_begin", "sign_complete")) {
                String extra =
                        switch (type) {
                            case "intent_confirm" -> ",\"code\":\"123456\"";
                            case "sign_begin" -> S.signBegin(key);
                            case "sign_complete" -> ",\"signature\":\"AAAA\"";
                            default -> "";
                        };
                p.clerk().send(S.msg(type, p.sid(), "c-" + type, extra));
                ServerMessage.Error e = p.clerk().error();
                assertThat(e.code()).as(type).isEqualTo("NO_CONTROL_ZONE");
                assertThat(e.re()).isEqualTo("c-" + type);
            }
            p.app().send(S.msg("clerk_sign", p.sid(), "x", ""));
            assertThat(p.app().error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
            // Not before intent.
            p.app().send(S.msg("sign_begin", p.sid(), "s1", S.signBegin(key)));
            assertThat(p.app().error().message()).contains("intent");

            // The code goes to the applicant's page only; a wrong one is refused.
            p.app().send(S.msg("intent_request", p.sid(), "i1", ""));
            ServerMessage.IntentCode code = p.app().expect(ServerMessage.IntentCode.class);
            assertThat(code.code()).matches("\\d{6}");
            assertThat(code.formSha256()).isEqualTo(prepared.pdfSha256());
            String wrong = code.code().equals("000000") ? "000001" : "000000";
            p.app().send(S.msg("intent_confirm", p.sid(), "i2", ",\"code\":\"" + wrong + "\""));
            ServerMessage.Error bad = p.app().error();
            assertThat(bad.code()).isEqualTo("INTENT_CODE_INVALID");
            assertThat(bad.message()).contains("4 tries left");
            p.app().send(S.msg("intent_confirm", p.sid(), "i3", ",\"code\":\"" + code.code() + "\""));
            ServerMessage.Application intent =
                    p.app().expect(ServerMessage.Application.class, a -> "i3".equals(a.re()));
            assertThat(intent.status()).isEqualTo("intent_confirmed");
            assertThat(intent.intentAt()).isNotNull();
            assertThat(p.clerk().expect(ServerMessage.Application.class, a -> a.status()
                            .equals("intent_confirmed")))
                    .isNotNull();

            // The browser key is certified and signs; a value that does not verify is refused.
            p.app().send(S.msg("sign_begin", p.sid(), "s2", S.signBegin(key)));
            ServerMessage.SignData toSign = p.app().expect(ServerMessage.SignData.class);
            assertThat(toSign.algorithm()).isEqualTo("ECDSA-P256-SHA256");
            assertThat(toSign.subject()).isEqualTo("张秀英");
            byte[] tbs = Base64.getDecoder().decode(toSign.data());
            byte[] other = S.sign(key, "something else".getBytes(StandardCharsets.UTF_8));
            p.app().send(S.msg("sign_complete", p.sid(), "s3", ",\"signature\":\"" + S.b64(other) + "\""));
            assertThat(p.app().error().code()).isEqualTo("SIGNATURE_INVALID");
            // A refused value ends that attempt: begin again, then sign what was handed out.
            p.app().send(S.msg("sign_complete", p.sid(), "s4", ",\"signature\":\"" + S.b64(S.sign(key, tbs)) + "\""));
            assertThat(p.app().error().code()).isEqualTo("WRONG_STATE");
            p.app().send(S.msg("sign_begin", p.sid(), "s5", S.signBegin(key)));
            tbs = Base64.getDecoder()
                    .decode(p.app().expect(ServerMessage.SignData.class).data());
            p.app().send(S.msg("sign_complete", p.sid(), "s6", ",\"signature\":\"" + S.b64(S.sign(key, tbs)) + "\""));
            ServerMessage.Application signed =
                    p.app().expect(ServerMessage.Application.class, a -> "s6".equals(a.re()));
            assertThat(signed.status()).isEqualTo("applicant_signed");
            assertThat(signed.signers()).extracting(ServerMessage.Signer::role).containsExactly("applicant");

            // The clerk signs, the hall seals; verified, offered, handed to the owning hall, receipt back.
            p.clerk().send(S.msg("clerk_sign", p.sid(), "k1", ""));
            ServerMessage.Application sealed =
                    p.clerk().expect(ServerMessage.Application.class, a -> "k1".equals(a.re()));
            assertThat(sealed.status()).isEqualTo("sealed");
            assertThat(sealed.verification().verdict()).isEqualTo("VALID");
            assertThat(sealed.verification().signatures()).isEqualTo(4);
            assertThat(sealed.signers())
                    .extracting(ServerMessage.Signer::role)
                    .containsExactly("applicant", "clerk", "seal");
            ServerMessage.Application delivered = p.app()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null && a.handoff().status().equals("delivered"));
            assertThat(delivered.handoff().from()).isEqualTo("南京市鼓楼区政务服务中心");
            assertThat(delivered.handoff().to()).isEqualTo("常州市武进区不动产登记交易中心");
            assertThat(delivered.handoff().receiptNo()).startsWith("HZ320412-");
            assertThat(p.clerk()
                            .expect(
                                    ServerMessage.Application.class,
                                    a -> a.handoff() != null
                                            && a.handoff().status().equals("delivered")))
                    .isNotNull();

            // The applicant's copy: valid for docsign's verifier and for pdfsig.
            HttpResponse<byte[]> copy = S.get(delivered.pdfUrl());
            assertThat(copy.statusCode()).isEqualTo(200);
            assertThat(copy.headers().firstValue("content-disposition").orElse(""))
                    .contains(delivered.applicationId() + ".pdf");
            VerificationReport report = new PdfVerifier(List.of(S.root())).verify(copy.body());
            assertThat(report.verdict()).as(report.toJson()).isEqualTo(Verdict.VALID);
            assertThat(report.signatures())
                    .extracting(SignatureReport::fieldName)
                    .startsWith("applicant", "clerk", "hallSeal");
            assertThat(report.signatures().get(0).certification()).isTrue();
            assertThat(report.signatures().get(0).signerCommonName()).isEqualTo("张秀英");
            assertThat(report.signatures().get(2).padesLevel()).isEqualTo("B-LTA");
            String pdfsig = S.pdfsig(copy.body());
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
            HttpResponse<byte[]> receipt = S.get(delivered.handoff().receiptUrl());
            VerificationReport r = new PdfVerifier(List.of(S.root())).verify(receipt.body());
            assertThat(r.verdict()).isEqualTo(Verdict.VALID);
            assertThat(r.signatures().get(0).signer()).contains("常州市武进区不动产登记交易中心");

            // Every step is in the audit trail (the code itself never is).
            List<AuditEvent> trail = IT.server().records().journal().forSession(p.sid());
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
            assertThat(p.clerk().drain())
                    .noneMatch(m -> m instanceof ServerMessage.IntentCode || m instanceof ServerMessage.SignData);
            assertThat(S.rows("SELECT handoff_status FROM application WHERE application_id = '"
                            + delivered.applicationId() + "'"))
                    .containsExactly("DELIVERED");
            assertThat(S.rows("SELECT receipt_no FROM received_application WHERE application_id = '"
                            + delivered.applicationId() + "'"))
                    .containsExactly(delivered.handoff().receiptNo());
        }
    }

    @Test
    void aTamperedPackageIsRefusedByTheOwningHallAndKeptInTheOutbox(Vertx vertx) throws Exception {
        try (SigningSteps.Pair p = S.pair(vertx, "qingpu01", "sh-qingpu-xzfw", "nj-gulou-zwfw", "李蕾")) {
            S.submitDeclaration(p);
            S.receive(p, S.upload(p, "contract", S.pdf()));
            S.receive(p, S.upload(p, "deedTax", S.png(600, 400)));
            S.verifyIdentity(p);
            ServerMessage.Application sealed = S.signAll(p);

            // The owning hall's node cannot be reached: the package waits, nothing is lost.
            ServerMessage.Application waiting = p.clerk()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null
                                    && a.handoff().status().equals("pending")
                                    && a.handoff().attempts() > 0);
            assertThat(waiting.handoff().reason()).startsWith("UNREACHABLE");
            assertThat(waiting.handoff().attempts()).isEqualTo(1);
            assertThat(waiting.pdfUrl()).isNotNull();

            // Meanwhile the stored package is damaged (one byte inside every signature's range) ...
            try (Database db = Database.open(Database.defaultUrl(data), null, null);
                    Connection c = db.dataSource().getConnection();
                    PreparedStatement read = c.prepareStatement("SELECT content FROM stored_file WHERE sha256 = ?");
                    PreparedStatement write =
                            c.prepareStatement("UPDATE stored_file SET content = ? WHERE sha256 = ?")) {
                read.setString(1, sealed.pdfSha256());
                byte[] b;
                try (ResultSet rs = read.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    b = rs.getBytes(1);
                }
                int i = new String(b, StandardCharsets.ISO_8859_1).indexOf("CreatorTool>Tongban");
                b[i + 12] = (byte) 't';
                write.setBytes(1, b);
                write.setString(2, sealed.pdfSha256());
                assertThat(write.executeUpdate()).isEqualTo(1);
            }
            // ... and the node becomes reachable (this node): the retry is refused with the reason.
            try (Database db = Database.open(Database.defaultUrl(data), null, null)) {
                new cn.tongban.signaling.refdata.ReferenceDataTable(db.dataSource(), java.time.Clock.systemUTC())
                        .change(refdata(null), "test", null);
            }
            ServerMessage.Application refused = p.app()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null && a.handoff().status().equals("refused"),
                            Duration.ofSeconds(60));
            assertThat(refused.handoff().reason())
                    .startsWith("SIGNATURE_INVALID")
                    .contains("DIGEST_MISMATCH");
            assertThat(refused.handoff().attempts()).isGreaterThanOrEqualTo(2);
            assertThat(refused.handoff().receiptUrl()).isNull();
            // Kept: the row, the file; recorded on the receiving side with the reason.
            assertThat(S.rows("SELECT handoff_status FROM application WHERE application_id = '"
                            + refused.applicationId() + "'"))
                    .containsExactly("REFUSED");
            assertThat(S.rows("SELECT sha256 FROM stored_file WHERE sha256 = '" + sealed.pdfSha256() + "'"))
                    .hasSize(1);
            assertThat(S.rows("SELECT reason FROM handoff_refusal WHERE application_id = '" + refused.applicationId()
                            + "'"))
                    .contains("SIGNATURE_INVALID");
            assertThat(S.rows("SELECT application_id FROM received_application WHERE application_id = '"
                            + refused.applicationId() + "'"))
                    .isEmpty();
            assertThat(IT.server().records().journal().forSession(p.sid()))
                    .extracting(AuditEvent::action)
                    .contains("handoff.retry", "handoff.refused");
        }
    }

    @Test
    void anApplicationTakenAtTheOwningHallIsFiledThereWithAReceipt(Vertx vertx) throws Exception {
        try (SigningSteps.Pair p = S.pair(vertx, "wujin02", "cz-wujin-bdc", null, "王芳")) {
            S.submitDeclaration(p);
            S.receive(p, S.upload(p, "contract", S.pdf()));
            S.receive(p, S.upload(p, "deedTax", S.png(600, 400)));
            S.verifyIdentity(p);
            S.signAll(p);
            ServerMessage.Application filed = p.app()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null && a.handoff().receiptNo() != null);
            assertThat(filed.handoff().status()).isEqualTo("local");
            assertThat(new PdfVerifier(List.of(S.root()))
                            .verify(S.get(filed.handoff().receiptUrl()).body())
                            .verdict())
                    .isEqualTo(Verdict.VALID);
        }
    }

    @Test
    void handoffsWithoutAHallSignatureAreRefused() throws Exception {
        HttpResponse<String> none = S.postHandoff(null, null, new byte[] {1});
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(new JsonObject(none.body()).getJsonObject("error").getString("code"))
                .isEqualTo("HANDOFF_UNAUTHENTICATED");
        String manifest = Base64.getUrlEncoder().encodeToString("{\"version\":1}".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> forged =
                S.postHandoff(manifest, Base64.getEncoder().encodeToString(new byte[64]), new byte[] {1});
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).contains("HANDOFF_UNAUTHENTICATED");
    }
}
