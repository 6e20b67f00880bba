package cn.tongban.docsign.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
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
    void aHallAddedWhileRunningGetsItsCaAtOnceAndKeepsItAfterARestart() throws Exception {
        EmbeddedPki pki = EmbeddedPki.open(config(dir));
        assertThatThrownBy(() -> pki.caCertificate("haining")).isInstanceOf(DocsignException.class);
        assertThatThrownBy(() -> pki.hallSeal("haining")).isInstanceOf(DocsignException.class);

        PkiConfig.Hall haining = new PkiConfig.Hall("haining", "海宁市政务服务中心");
        assertThat(pki.ensureHall(haining)).isTrue();
        assertThat(pki.ensureHall(haining)).isFalse();
        assertThat(pki.ensureHall(new PkiConfig.Hall("wujin", "another name"))).isFalse();
        X509Certificate ca = pki.caCertificate("haining");
        ca.verify(pki.rootCertificate().getPublicKey());
        assertThat(ca.getSubjectX500Principal().getName()).contains("海宁市政务服务中心");
        // It issues, publishes a CRL and answers OCSP for the new hall like for the others.
        X509Certificate clerk = pki.clerk("haining", "HN01", "陈静").certificate();
        clerk.verify(ca.getPublicKey());
        assertThat(pki.crl("haining")).isNotEmpty();
        assertThat(pki.watchedCertificates()).containsKey("ca-haining");

        // Persisted: a restart that names the hall (the reference data now lists it) finds the same CA.
        java.util.List<PkiConfig.Hall> halls = new java.util.ArrayList<>(PkiConfig.demoHalls());
        halls.add(haining);
        EmbeddedPki again = EmbeddedPki.open(
                new PkiConfig(dir, "test-pass".toCharArray(), "http://127.0.0.1:8080/pki", halls, Duration.ofDays(7)));
        assertThat(again.caCertificate("haining")).isEqualTo(ca);
        assertThat(again.clerk("haining", "HN01", "陈静").certificate()).isEqualTo(clerk);
    }

    @Test
    void everyCredentialCarriesItsRoleAndTheHallCaListsTheRolesItIssues() {
        EmbeddedPki pki = EmbeddedPki.open(config(dir));
        assertThat(cn.tongban.docsign.cms.Identity.roles(pki.hallSeal("wujin").certificate()))
                .containsExactly(cn.tongban.docsign.SignerRole.HALL_SEAL);
        assertThat(cn.tongban.docsign.cms.Identity.roles(
                        pki.clerk("wujin", "WJ0421", "李建国").certificate()))
                .containsExactly(cn.tongban.docsign.SignerRole.CLERK);
        assertThat(cn.tongban.docsign.cms.Identity.roles(
                        pki.issueApplicantWithKey("wujin", "张三", "1").certificate()))
                .containsExactly(cn.tongban.docsign.SignerRole.APPLICANT);
        assertThat(cn.tongban.docsign.cms.Identity.roles(pki.caCertificate("wujin")))
                .containsExactlyInAnyOrder(cn.tongban.docsign.SignerRole.values());
    }

    /**
     * An installation from before role marking: its hall CA certificate lists no roles and its clerk and
     * seal certificates carry none. On start the hall CA's key is re-certified with the roles, and each
     * clerk or seal credential is re-issued for the same key on its next use; documents signed before
     * keep their old certificates.
     */
    @Test
    void anInstallationFromBeforeRoleMarkingIsMigratedOnStart() throws Exception {
        EmbeddedPki fresh = EmbeddedPki.open(config(dir));
        Credential clerk = fresh.clerk("wujin", "WJ0421", "李建国");
        fresh.hallSeal("wujin");
        makeLegacy(dir.resolve("pki.p12"), "test-pass".toCharArray(), "clerk-wujin-wj0421", "seal-wujin");

        EmbeddedPki legacy = EmbeddedPki.open(config(dir)); // migrates the hall CA certificate on start
        assertThat(cn.tongban.docsign.cms.Identity.roles(legacy.caCertificate("wujin")))
                .containsExactlyInAnyOrder(cn.tongban.docsign.SignerRole.values());
        Credential migrated = legacy.clerk("wujin", "WJ0421", "李建国");
        assertThat(migrated.certificate().getPublicKey())
                .isEqualTo(clerk.certificate().getPublicKey());
        assertThat(migrated.certificate().getSubjectX500Principal())
                .isEqualTo(clerk.certificate().getSubjectX500Principal());
        assertThat(cn.tongban.docsign.cms.Identity.roles(migrated.certificate()))
                .containsExactly(cn.tongban.docsign.SignerRole.CLERK);
        assertThat(migrated.chain().get(1)).isEqualTo(legacy.caCertificate("wujin"));
        assertThat(cn.tongban.docsign.cms.Identity.roles(
                        legacy.hallSeal("wujin").certificate()))
                .containsExactly(cn.tongban.docsign.SignerRole.HALL_SEAL);
        // Once migrated, it stays: the next start changes nothing.
        EmbeddedPki again = EmbeddedPki.open(config(dir));
        assertThat(again.clerk("wujin", "WJ0421", "李建国").certificate()).isEqualTo(migrated.certificate());
        assertThat(again.caCertificate("wujin")).isEqualTo(legacy.caCertificate("wujin"));
        // The migrated credential is vouched for by the responder (recorded as issued).
        byte[] ocsp =
                again.revocation().ocsp(migrated.certificate(), migrated.chain().get(1));
        BasicOCSPResp basic = (BasicOCSPResp) new OCSPResp(ocsp).getResponseObject();
        assertThat(basic.getResponses()[0].getCertStatus()).isNull();
    }

    /**
     * Rewrites a key store as the embedded PKI wrote it before role marking: the hall CA certificate
     * and the given end-entity certificates re-signed without certificate policies.
     */
    private static void makeLegacy(Path store, char[] password, String... aliases) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            ks.load(in, password);
        }
        java.security.PrivateKey rootKey = (java.security.PrivateKey) ks.getKey("root", password);
        X509Certificate root = (X509Certificate) ks.getCertificate("root");
        java.security.PrivateKey caKey = (java.security.PrivateKey) ks.getKey("ca-wujin", password);
        X509Certificate ca = withoutPolicies((X509Certificate) ks.getCertificate("ca-wujin"), rootKey);
        ks.setKeyEntry("ca-wujin", caKey, password, new java.security.cert.Certificate[] {ca, root});
        for (String alias : aliases) {
            java.security.PrivateKey key = (java.security.PrivateKey) ks.getKey(alias, password);
            X509Certificate leaf = withoutPolicies((X509Certificate) ks.getCertificate(alias), caKey);
            ks.setKeyEntry(alias, key, password, new java.security.cert.Certificate[] {leaf, ca, root});
        }
        try (var out = Files.newOutputStream(store)) {
            ks.store(out, password);
        }
    }

    private static X509Certificate withoutPolicies(X509Certificate c, java.security.PrivateKey issuerKey)
            throws Exception {
        org.bouncycastle.cert.X509CertificateHolder h = new JcaX509CertificateHolder(c);
        org.bouncycastle.cert.X509v3CertificateBuilder b = new org.bouncycastle.cert.X509v3CertificateBuilder(
                h.getIssuer(),
                h.getSerialNumber(),
                h.getNotBefore(),
                h.getNotAfter(),
                h.getSubject(),
                h.getSubjectPublicKeyInfo());
        for (Object oid : h.getExtensionOIDs()) {
            var ext = h.getExtension((org.bouncycastle.asn1.ASN1ObjectIdentifier) oid);
            if (!ext.getExtnId().equals(org.bouncycastle.asn1.x509.Extension.certificatePolicies)) {
                b.addExtension(ext);
            }
        }
        return cn.tongban.docsign.cms.Crypto.certificate(
                b.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                                .build(issuerKey))
                        .getEncoded());
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
        OCSPResp resp = new OCSPResp(pki.ocspResponder()
                .respond(new OCSPReqBuilder().addRequest(id).build().getEncoded()));
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
        TimeStampResponse resp = new TimeStampResponse(pki.timestampAuthority().respond(req.getEncoded()));
        resp.validate(req);
        TimeStampToken token = resp.getTimeStampToken();
        X509Certificate tsa = pki.timestampAuthorityCertificate();
        token.validate(new JcaSimpleSignerInfoVerifierBuilder().build(tsa));
        assertThat(token.getTimeStampInfo().getMessageImprintDigest()).isEqualTo(digest);
        assertThat(new TimeStampResponse(pki.timestampAuthority().respond(new byte[] {0})).getStatus())
                .isEqualTo(2);
        assertThat(pki.caCertificate("root")).isEqualTo(pki.rootCertificate());
        assertThatThrownBy(() -> pki.crl("nowhere"))
                .isInstanceOfSatisfying(
                        DocsignException.class, e -> assertThat(e.error()).isEqualTo(DocsignError.PKI_REQUEST_INVALID));
    }
}
