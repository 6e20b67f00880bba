package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.util.Selector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The applicant's browser-key signature across two clustered nodes (Hazelcast members with clustered Vert.x
 * and event-bus TLS, in this JVM, on one database): the applicant is connected to node A, the clerk to node
 * B. The nodes hold the same CA keys (as with an external CA, {@code --pki-external}); files are in the
 * shared database.
 *
 * <ol>
 *   <li>Two {@code sign_complete} for one session at once — the first on node A, the second on node B after
 *       the applicant resumed there — complete the signature once, and both the resend and a later repeat
 *       are answered as the success they are.
 *   <li>Node A dies between {@code sign_data} and {@code sign_complete}: the applicant resumes on node B and
 *       completes there the signature node A prepared; the clerk signs, the hall seals, the PDF verifies.
 * </ol>
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SigningFailoverTest {
    private static TwoNodes nodes;
    private static TongbanServer nodeA;
    private static TongbanServer nodeB;

    @BeforeAll
    static void start(@TempDir Path dirA, @TempDir Path dirB, @TempDir Path dbDir) throws Exception {
        nodes = TwoNodes.start("sign-failover", dirA, dirB, dbDir, true);
        nodeA = nodes.a;
        nodeB = nodes.b;
    }

    @AfterAll
    static void stop() {
        if (nodes != null) {
            nodes.stopB();
            try {
                nodeA.close();
            } catch (RuntimeException alreadyGone) {
                // Node A was killed by the second test.
            }
        }
    }

    @Test
    @Order(1)
    void twoSignCompletesOnTwoNodesCompleteOnce(Vertx vertx) throws Exception {
        SigningSteps s = new SigningSteps(nodeB, null);
        SigningSteps.Pair p = s.pair(vertx, nodeA, "wujin01", "cz-wujin-bdc", null, "张秀英");
        WsTestClient again = null;
        try {
            s.readyToSign(p);
            KeyPair key = s.browserKey();
            byte[] tbs = s.beginSigning(p, key);
            String value = ",\"signature\":\"" + s.b64(s.sign(key, tbs)) + "\"";

            // The first goes to node A; without waiting, the page "reconnects" to node B, resumes and sends
            // the same value again (resume and sign_complete are handled in order on one connection).
            p.app().send(s.msg("sign_complete", p.sid(), "d1", value));
            again = WsTestClient.connect(vertx, nodeB.port());
            again.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + p.resumeToken() + "\"}");
            again.send(s.msg("sign_complete", p.sid(), "d2", value));
            ServerMessage.Application answer = again.expect(ServerMessage.Application.class, a -> "d2".equals(a.re()));
            assertThat(answer.status()).isEqualTo("applicant_signed");
            assertThat(p.clerk()
                            .expect(ServerMessage.Application.class, a -> a.status()
                                    .equals("applicant_signed"))
                            .applicationId())
                    .isEqualTo(answer.applicationId());
            assertThat(applicantSigned(p.sid())).isEqualTo(1);

            // Later: the same value is still the success it was; another value comes too late.
            again.send(s.msg("sign_complete", p.sid(), "d3", value));
            assertThat(again.expect(ServerMessage.Application.class, a -> "d3".equals(a.re()))
                            .status())
                    .isEqualTo("applicant_signed");
            again.send(s.msg("sign_complete", p.sid(), "d4", ",\"signature\":\"" + s.b64(s.sign(key, tbs)) + "\""));
            ServerMessage.Error late = again.error();
            assertThat(late.code()).isEqualTo("WRONG_STATE");
            assertThat(late.message()).contains("already signed");
            assertThat(applicantSigned(p.sid())).isEqualTo(1);

            SigningSteps.Pair resumed = p.withApp(again);
            sealAndVerify(s, resumed, key, answer.applicationId());
        } finally {
            p.close();
            if (again != null) {
                again.close();
            }
        }
    }

    @Test
    @Order(2)
    void aSignaturePreparedOnADeadNodeIsCompletedOnAnother(Vertx vertx) throws Exception {
        SigningSteps s = new SigningSteps(nodeB, null);
        SigningSteps.Pair p = s.pair(vertx, nodeA, "wujin02", "cz-wujin-bdc", null, "李蕾");
        WsTestClient resumed = null;
        try {
            s.readyToSign(p);
            KeyPair key = s.browserKey();
            byte[] tbs = s.beginSigning(p, key); // on node A: certified there, prepared there

            // Node A dies before the browser's signature comes back.
            nodeA.hazelcast().getLifecycleService().terminate();
            try {
                nodeA.close();
            } catch (RuntimeException alreadyGone) {
                // Its Hazelcast member is gone already.
            }
            Await.until(
                    "node B sees node A gone",
                    Duration.ofSeconds(60),
                    () -> nodeB.hazelcast().getCluster().getMembers().size() == 1);

            // The page fails over to node B, resumes, and sends the value it computed with its key.
            resumed = WsTestClient.connect(vertx, nodeB.port());
            resumed.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + p.resumeToken() + "\"}");
            assertThat(resumed.expect(ServerMessage.Paired.class).resumed()).isTrue();
            resumed.send(s.msg("sign_complete", p.sid(), "d", ",\"signature\":\"" + s.b64(s.sign(key, tbs)) + "\""));
            ServerMessage.Application signed = resumed.expect(ServerMessage.Application.class, a -> "d".equals(a.re()));
            assertThat(signed.status()).isEqualTo("applicant_signed");
            assertThat(applicantSigned(p.sid())).isEqualTo(1);

            sealAndVerify(s, p.withApp(resumed), key, signed.applicationId());
        } finally {
            p.close();
            if (resumed != null) {
                resumed.close();
            }
        }
    }

    // ---------------------------------------------------------------- steps

    /** The clerk (node B) signs and seals; the PDF verifies, its applicant signature made by {@code key}. */
    private static void sealAndVerify(SigningSteps s, SigningSteps.Pair p, KeyPair key, String applicationId)
            throws Exception {
        p.clerk().send(s.msg("clerk_sign", p.sid(), "k", ""));
        ServerMessage.Application sealed = p.clerk().expect(ServerMessage.Application.class, a -> "k".equals(a.re()));
        assertThat(sealed.status()).isEqualTo("sealed");
        assertThat(sealed.applicationId()).isEqualTo(applicationId);
        assertThat(sealed.verification().verdict()).isEqualTo("VALID");
        assertThat(p.app()
                        .expect(ServerMessage.Application.class, a -> a.status().equals("sealed")))
                .isNotNull();
        byte[] pdf = s.get(sealed.pdfUrl()).body();
        VerificationReport report = new PdfVerifier(List.of(s.root())).verify(pdf);
        assertThat(report.verdict()).as(report.toJson()).isEqualTo(Verdict.VALID);
        assertThat(report.signatures())
                .extracting(SignatureReport::fieldName)
                .startsWith("applicant", "clerk", "hallSeal");
        assertThat(report.signatures().get(0).signerCommonName()).isEqualTo(p.name());
        assertThat(report.signatures().get(0).revocation()).isEqualTo("GOOD");
        assertThat(applicantKey(pdf)).isEqualTo(key.getPublic().getEncoded());
    }

    private static long applicantSigned(String sessionId) {
        return nodeB.records().journal().forSession(sessionId).stream()
                .map(AuditEvent::action)
                .filter("application.applicant_signed"::equals)
                .count();
    }

    /** The public key of the certificate that made the first (the applicant's) signature. */
    private static byte[] applicantKey(byte[] pdf) throws Exception {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            CMSSignedData cms =
                    new CMSSignedData(doc.getSignatureDictionaries().get(0).getContents());
            SignerInformation signer =
                    cms.getSignerInfos().getSigners().iterator().next();
            @SuppressWarnings("unchecked")
            Selector<X509CertificateHolder> sid = (Selector<X509CertificateHolder>) (Selector<?>) signer.getSID();
            X509CertificateHolder cert =
                    cms.getCertificates().getMatches(sid).iterator().next();
            return cert.getSubjectPublicKeyInfo().getEncoded();
        }
    }
}
