package cn.tongban.docsign.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.sign.ApplicationSigningFlow;
import cn.tongban.docsign.sign.PadesSigner;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.testkit.Ports;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment that points at an external CA. The CA is built with the {@code openssl} command-line
 * tool (a PKI we did not write): a provincial root, an issuing CA delegated to the Wujin hall, the
 * hall's e-seal and two clerks (one revoked), published through {@code openssl ocsp} — a real OCSP
 * responder in its own process — and a CRL served over HTTP. The application is signed applicant →
 * clerk → seal at B-LTA and must verify against the provincial root, with the revocation data of the
 * externally issued certificates taken from the external responder.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExternalCaTest {
    private static final String HALL = "cz-wujin-bdc";
    private static final char[] PASSWORD = "external-ca-2026".toCharArray();

    @TempDir
    static Path tmp;

    private Path ext;
    private Process ocspResponder;
    private Path ocspLog;
    private HttpServer http;
    private EmbeddedPki pki;
    private CompositeTrustServices trust;
    private X509Certificate provincialRoot;

    @BeforeAll
    void externalCaUp() throws Exception {
        int ocspPort = Ports.reserve();
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        int httpPort = http.getAddress().getPort();
        ext = tmp.resolve("external");
        run(
                "bash",
                script().toString(),
                ext.toString(),
                HALL,
                "wujin01",
                "wujin02",
                new String(PASSWORD),
                "http://127.0.0.1:" + ocspPort + "/ocsp",
                "http://127.0.0.1:" + httpPort + "/external/root.crl");
        Path ca = ext.resolve("ca");
        ocspLog = tmp.resolve("ocsp.log");
        ocspResponder = new ProcessBuilder(
                        "openssl",
                        "ocsp",
                        "-index",
                        ca.resolve("index.txt").toString(),
                        "-port",
                        Integer.toString(ocspPort),
                        "-rsigner",
                        ca.resolve("ocsp.pem").toString(),
                        "-rkey",
                        ca.resolve("ocsp.key").toString(),
                        "-CA",
                        ca.resolve("root.pem").toString(),
                        "-ignore_err",
                        "-timeout",
                        "10")
                .redirectErrorStream(true)
                .redirectOutput(ocspLog.toFile())
                .start();
        awaitReady(ocspLog);

        String base = "http://127.0.0.1:" + httpPort + "/pki";
        pki = EmbeddedPki.open(new PkiConfig(
                tmp.resolve("pki"),
                "local".toCharArray(),
                base,
                List.of(new PkiConfig.Hall(HALL, "常州市武进区不动产登记中心")),
                Duration.ofDays(7),
                ExternalCredentials.load(ext, PASSWORD)));
        byte[] crl = Files.readAllBytes(ca.resolve("root.crl"));
        http.createContext("/external/root.crl", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/pkix-crl");
            ex.sendResponseHeaders(200, crl.length);
            ex.getResponseBody().write(crl);
            ex.close();
        });
        PkiHttp.serve(http, pki);
        http.start();
        trust = new CompositeTrustServices(pki, List.of(), null);
        provincialRoot = ExternalCredentials.load(ext, PASSWORD).trustAnchors().get(0);
    }

    @AfterAll
    void externalCaDown() {
        if (ocspResponder != null) {
            ocspResponder.destroyForcibly();
        }
        if (http != null) {
            http.stop(0);
        }
    }

    @Test
    void signsWithExternallyIssuedCredentialsAndVerifiesAgainstTheExternalRoot() throws Exception {
        Credential applicant = pki.issueApplicantWithKey(HALL, "张晓梅", "320412198807150028");
        Credential clerk = pki.clerk(HALL, "wujin01", "ignored: the external certificate names the clerk");
        Credential seal = pki.hallSeal(HALL);
        assertThat(pki.hallCaIsExternal(HALL)).isTrue();
        // Every chain ends at the provincial root, and the applicant's goes through the delegated CA.
        for (Credential c : List.of(applicant, clerk, seal)) {
            assertThat(c.chain().get(c.chain().size() - 1)).isEqualTo(provincialRoot);
        }
        assertThat(applicant.chain().get(1).getSubjectX500Principal().getName()).contains("签发 CA");
        assertThat(clerk.certificate().getSubjectX500Principal().getName()).contains("王丽");

        byte[] signed = sign(applicant, clerk, seal);

        VerificationReport r = new PdfVerifier(trust.trustAnchors()).verify(signed);
        assertThat(r.verdict()).as(r.toJson()).isEqualTo(Verdict.VALID);
        List<SignatureReport> sigs = r.signatures().stream()
                .filter(s -> !"ETSI.RFC3161".equals(s.subFilter()))
                .toList();
        assertThat(sigs).hasSize(3);
        for (SignatureReport s : sigs) {
            assertThat(s.trusted()).as(s.fieldName()).isTrue();
            assertThat(s.revocation()).as(s.fieldName()).isEqualTo("GOOD");
            assertThat(s.hall()).as(s.fieldName()).isEqualTo(pki.hallName(HALL));
            assertThat(s.findings()).extracting(f -> f.code().name()).doesNotContain("APPEARANCE_MISMATCH");
        }
        // The roles come from the external CA's certificates, and the stamp names the certificate's clerk.
        assertThat(sigs).extracting(SignatureReport::role).containsExactly("APPLICANT", "CLERK", "HALL_SEAL");
        assertThat(sigs.get(1).signerCommonName()).isEqualTo("王丽");
        // The external responder really answered for the clerk and seal certificates.
        assertThat(Files.readString(ocspLog, StandardCharsets.UTF_8)).contains("POST /ocsp");

        // Poppler, a validator we did not write, agrees on every signature's integrity.
        Path file = tmp.resolve("external-signed.pdf");
        Files.write(file, signed);
        Process p = new ProcessBuilder("pdfsig", "-nocert", file.toString())
                .redirectErrorStream(true)
                .start();
        String pdfsig = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(pdfsig.split("Signature Validation: Signature is Valid", -1))
                .as(pdfsig)
                .hasSize(4);

        // Trusting only the embedded federation root is not enough: the chains lead elsewhere.
        VerificationReport untrusted = new PdfVerifier(List.of(pki.rootCertificate())).verify(signed);
        assertThat(untrusted.verdict()).isNotEqualTo(Verdict.VALID);
    }

    @Test
    void aClerkRevokedByTheExternalCaCannotSignAndIsReportedRevokedIfTheyDo() throws Exception {
        Credential applicant = pki.issueApplicantWithKey(HALL, "张晓梅", "320412198807150028");
        Credential revokedClerk = pki.clerk(HALL, "wujin02", "赵强");
        // Signing asks the external CA's responder first, and refuses.
        assertThatThrownBy(() -> sign(applicant, revokedClerk, pki.hallSeal(HALL)))
                .isInstanceOfSatisfying(DocsignException.class, e -> assertThat(e.error())
                        .isEqualTo(DocsignError.SIGN_CREDENTIAL_REVOKED))
                .hasMessageContaining("赵强");
        // A clerk who signs anyway (with trust services that vouch for anything) is caught by the verifier:
        // the hall seals honestly, and its validation data carries the external responder's REVOKED.
        ApplicationSigningFlow rogue = new ApplicationSigningFlow(
                new PadesSigner(cn.tongban.docsign.attack.Attacker.vouchingForAnything(trust), Fixtures.font()));
        ApplicationSigningFlow honest = new ApplicationSigningFlow(new PadesSigner(trust, Fixtures.font()));
        byte[] a = honest.applicantSigns(form(), applicant, Fixtures.handwrittenPng(), Instant.now());
        byte[] c = rogue.clerkSigns(a, revokedClerk, Instant.now());
        byte[] signed = honest.hallSeals(c, pki.hallSeal(HALL), Instant.now());
        VerificationReport r = new PdfVerifier(trust.trustAnchors()).verify(signed);
        assertThat(r.verdict()).as(r.toJson()).isNotEqualTo(Verdict.VALID);
        assertThat(r.signatures())
                .filteredOn(s ->
                        s.signerCommonName() != null && s.signerCommonName().contains("赵强"))
                .singleElement()
                .satisfies(s -> assertThat(s.revocation()).startsWith("REVOKED"));
    }

    @Test
    void unusableExternalCredentialsStopTheStartWithTheReason() throws Exception {
        assertRefused(ext, "wrong password".toCharArray(), "wrong password");

        Path noTrust = copyOf("no-trust");
        deleteTree(noTrust.resolve("trust"));
        assertRefused(noTrust, PASSWORD, "trust anchors");

        Path sealIsCa = copyOf("seal-is-ca");
        Files.copy(
                ext.resolve("bad/seal-is-a-ca.p12"),
                sealIsCa.resolve(HALL + "/seal.p12"),
                StandardCopyOption.REPLACE_EXISTING);
        assertRefused(sealIsCa, PASSWORD, "must not be a CA certificate");

        Path expired = copyOf("expired");
        Files.copy(ext.resolve("bad/expired.p12"), expired.resolve(HALL + "/clerks/wujin03.p12"));
        assertRefused(expired, PASSWORD, "validity period");

        Path stranger = copyOf("stranger");
        Files.copy(ext.resolve("bad/stranger.p12"), stranger.resolve(HALL + "/clerks/wujin04.p12"));
        assertRefused(stranger, PASSWORD, "does not chain to a trust anchor");

        Path sealAsIssuer = copyOf("seal-as-issuer");
        Files.copy(
                ext.resolve(HALL + "/seal.p12"),
                sealAsIssuer.resolve(HALL + "/ca.p12"),
                StandardCopyOption.REPLACE_EXISTING);
        assertRefused(sealAsIssuer, PASSWORD, "CA:true");

        Path noRole = copyOf("no-role");
        Files.copy(ext.resolve("bad/clerk-without-role.p12"), noRole.resolve(HALL + "/clerks/wujin05.p12"));
        assertRefused(noRole, PASSWORD, "CLERK role");

        Path clerkAsSeal = copyOf("clerk-as-seal");
        Files.copy(
                ext.resolve("bad/seal-with-clerk-role.p12"),
                clerkAsSeal.resolve(HALL + "/seal.p12"),
                StandardCopyOption.REPLACE_EXISTING);
        assertRefused(clerkAsSeal, PASSWORD, "HALL_SEAL role");

        Path garbage = copyOf("garbage");
        Files.writeString(garbage.resolve(HALL + "/seal.p12"), "not a key store");
        assertRefused(garbage, PASSWORD, "PKCS#12");
    }

    /** The application form of this hall: its signature fields name the hall the clerk and seal must belong to. */
    private byte[] form() {
        return new cn.tongban.docsign.form.ApplicationFormRenderer(
                        Fixtures.font(), cn.tongban.docsign.pdf.PdfLimits.DEFAULT)
                .render(
                        Fixtures.form(),
                        cn.tongban.docsign.demo.DemoApplication.data(Fixtures.font(), pki.hallName(HALL)));
    }

    private byte[] sign(Credential applicant, Credential clerk, Credential seal) {
        ApplicationSigningFlow flow = new ApplicationSigningFlow(new PadesSigner(trust, Fixtures.font()));
        byte[] a = flow.applicantSigns(form(), applicant, Fixtures.handwrittenPng(), Instant.now());
        byte[] c = flow.clerkSigns(a, clerk, Instant.now());
        return flow.hallSeals(c, seal, Instant.now());
    }

    private static void assertRefused(Path dir, char[] password, String reason) {
        assertThatThrownBy(() -> ExternalCredentials.load(dir, password))
                .isInstanceOfSatisfying(
                        DocsignException.class, e -> assertThat(e.error()).isEqualTo(DocsignError.PKI_EXTERNAL_INVALID))
                .hasMessageContaining(reason);
    }

    /** A copy of the external directory's usable layout (trust anchors and the hall's files). */
    private Path copyOf(String name) throws IOException {
        Path to = tmp.resolve(name);
        for (String sub : List.of("trust", HALL)) {
            Path from = ext.resolve(sub);
            try (var files = Files.walk(from)) {
                for (Path p : files.toList()) {
                    Path target = to.resolve(sub).resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                }
            }
        }
        return to;
    }

    private static void deleteTree(Path p) throws IOException {
        try (var files = Files.walk(p)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    private static Path script() throws Exception {
        return Path.of(
                ExternalCaTest.class.getResource("/external-ca/make-ca.sh").toURI());
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    /**
     * Waits for the responder's start-up line. (Probing the port instead would hold up the
     * single-threaded responder on an empty connection.)
     */
    private static void awaitReady(Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("waiting for OCSP client connections")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("openssl ocsp did not start: " + Files.readString(log));
    }
}
