package cn.tongban.docsign.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPkiTest {
    @TempDir
    Path dir;

    static PkiConfig config(Path dir) {
        return new PkiConfig(
                dir, "test-pass".toCharArray(), "http://127.0.0.1:8080/pki", PkiConfig.demoHalls(), Duration.ofDays(7));
    }

    @Test
    void createsOnFirstStartAndReloadsTheSameKeys() throws Exception {
        EmbeddedPki a = EmbeddedPki.open(config(dir));
        X509Certificate seal = a.hallSeal("wujin").certificate();
        EmbeddedPki b = EmbeddedPki.open(config(dir));
        assertThat(b.rootCertificate()).isEqualTo(a.rootCertificate());
        assertThat(b.hallSeal("wujin").certificate()).isEqualTo(seal);
        seal.verify(b.caCertificate("wujin").getPublicKey());
        b.caCertificate("wujin").verify(b.rootCertificate().getPublicKey());
        assertThat(seal.getSubjectX500Principal().getName()).contains("常州市武进区政务服务中心");
        assertThat(new String(seal.getExtensionValue("1.3.6.1.5.5.7.1.1"), "ISO-8859-1"))
                .contains("http://127.0.0.1:8080/pki/ocsp/wujin");
    }

    @Test
    void ocspAnswersGoodRevokedUnknownAndMalformed() throws Exception {
        EmbeddedPki pki = EmbeddedPki.open(config(dir));
        Credential clerk = pki.clerk("wujin", "WJ0421", "李建国");
        Credential applicant = pki.issueApplicantWithKey("wujin", "张晓梅", "320106198807000000");
        pki.revoke("wujin", applicant.certificate().getSerialNumber(), 1);
        X509Certificate ca = pki.caCertificate("wujin");

        assertThat(status(pki, ca, clerk.certificate().getSerialNumber())).isNull(); // GOOD
        assertThat(status(pki, ca, applicant.certificate().getSerialNumber())).isInstanceOf(RevokedStatus.class);
        assertThat(status(pki, ca, BigInteger.valueOf(42))).isInstanceOf(UnknownStatus.class);
        assertThat(new OCSPResp(pki.ocspResponder().respond(new byte[] {1, 2, 3})).getStatus())
                .isEqualTo(OCSPResp.MALFORMED_REQUEST);

        X509CRL crl = (X509CRL)
                CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(pki.crl("wujin")));
        crl.verify(ca.getPublicKey());
        assertThat(crl.isRevoked(applicant.certificate())).isTrue();
        assertThat(crl.isRevoked(clerk.certificate())).isFalse();
        // Revocations survive a restart.
        EmbeddedPki again = EmbeddedPki.open(config(dir));
        assertThat(status(again, ca, applicant.certificate().getSerialNumber())).isInstanceOf(RevokedStatus.class);
    }

    /**
     * Two processes holding the same CA keys (a copy of one PKI directory): a certificate one issued is
     * {@code unknown} to the other's OCSP responder until they share an issuance register.
     */
    @Test
    void aSharedIssuanceRegisterLetsAnotherProcessVouchForACertificate(@TempDir Path other) throws Exception {
        EmbeddedPki a = EmbeddedPki.open(config(dir));
        for (Path f : Files.list(dir).toList()) {
            Files.copy(f, other.resolve(f.getFileName()));
        }
        EmbeddedPki b = EmbeddedPki.open(config(other));
        X509Certificate ca = b.caCertificate("wujin");
        assertThat(a.caCertificate("wujin")).isEqualTo(ca);
        BigInteger before = a.issueApplicantWithKey("wujin", "张晓梅", "320106198807000000")
                .certificate()
                .getSerialNumber();
        assertThat(status(b, ca, before)).isInstanceOf(UnknownStatus.class);

        Set<String> register = ConcurrentHashMap.newKeySet();
        IssuanceRegister shared = new IssuanceRegister() {
            @Override
            public void issued(String caId, BigInteger serial, Instant at) {
                register.add(caId + " " + serial);
            }

            @Override
            public boolean wasIssued(String caId, BigInteger serial) {
                return register.contains(caId + " " + serial);
            }
        };
        a.shareIssuance(shared);
        b.shareIssuance(shared);
        BigInteger after = a.issueApplicantWithKey("wujin", "李蕾", "320106198807000001")
                .certificate()
                .getSerialNumber();
        assertThat(register).containsExactly("wujin " + after);
        assertThat(status(b, ca, after)).isNull(); // GOOD
        assertThat(status(b, ca, before)).isInstanceOf(UnknownStatus.class); // issued before sharing
        assertThat(status(b, ca, BigInteger.valueOf(42))).isInstanceOf(UnknownStatus.class);

        // A register that fails makes the answer "unknown", never an error.
        b.shareIssuance(new IssuanceRegister() {
            @Override
            public void issued(String caId, BigInteger serial, Instant at) {
                throw new IllegalStateException("database down");
            }

            @Override
            public boolean wasIssued(String caId, BigInteger serial) {
                throw new IllegalStateException("database down");
            }
        });
        assertThat(status(b, ca, after)).isInstanceOf(UnknownStatus.class);
    }

    private static Object status(EmbeddedPki pki, X509Certificate ca, BigInteger serial) throws Exception {
        CertificateID id = new CertificateID(
                new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                new JcaX509CertificateHolder(ca),
                serial);
        EmbeddedPki.HttpResult r = pki.handle(
                "POST",
                "/ocsp/wujin",
                new OCSPReqBuilder().addRequest(id).build().getEncoded());
        assertThat(r.status()).isEqualTo(200);
        OCSPResp resp = new OCSPResp(r.body());
        assertThat(resp.getStatus()).isEqualTo(OCSPResp.SUCCESSFUL);
        BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
        assertThat(basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca.getPublicKey())))
                .isTrue();
        return basic.getResponses()[0].getCertStatus();
    }

    @Test
    void tsaGrantsVerifiableTokens() throws Exception {
        EmbeddedPki pki = EmbeddedPki.open(config(dir));
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("hello".getBytes());
        TimeStampRequestGenerator g = new TimeStampRequestGenerator();
        g.setCertReq(true);
        TimeStampRequest req = g.generate(TSPAlgorithms.SHA256, digest, BigInteger.TEN);
        EmbeddedPki.HttpResult r = pki.handle("POST", "/tsa", req.getEncoded());
        TimeStampResponse resp = new TimeStampResponse(r.body());
        resp.validate(req);
        TimeStampToken token = resp.getTimeStampToken();
        X509Certificate tsa = pki.timestampAuthorityCertificate();
        token.validate(new JcaSimpleSignerInfoVerifierBuilder().build(tsa));
        assertThat(token.getTimeStampInfo().getMessageImprintDigest()).isEqualTo(digest);
        assertThat(new TimeStampResponse(pki.timestampAuthority().respond(new byte[] {0})).getStatus())
                .isEqualTo(2);
        assertThat(pki.handle("GET", "/ca/root.cer", null).body())
                .isEqualTo(pki.rootCertificate().getEncoded());
        assertThat(pki.handle("GET", "/crl/nowhere.crl", null).status()).isEqualTo(404);
    }
}
