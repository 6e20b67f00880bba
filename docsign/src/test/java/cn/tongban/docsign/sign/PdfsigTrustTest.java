package cn.tongban.docsign.sign;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.attack.Attacker;
import cn.tongban.docsign.demo.DemoApplication;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.PkiConfig;
import cn.tongban.docsign.pki.PkiHttp;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poppler's pdfsig and NSS check trust, not only integrity: an NSS database that trusts our root, and
 * the embedded PKI's OCSP responder served over HTTP at the URL the certificates name, so they ask it
 * online. Without the root in the database nothing is trusted; a clerk revoked before signing is
 * reported revoked.
 *
 * <p>pdfsig 22.12 (Debian 12) cannot print "Certificate is Trusted." for any chain here: it ignores
 * {@code CERT_PKIXVerifyCert}'s result and reads {@code PORT_GetError()}, which still holds the
 * {@code SEC_ERROR_EXTENSION_NOT_FOUND} NSS left from looking up name constraints during the successful
 * validation (seen in gdb: the call returns SECSuccess), so it reports "Unknown issue with Certificate
 * or corrupted data." Newer poppler tests the result first. So the positive case is asserted twice:
 * pdfsig's answer is that known one and none of the failures it does name (untrusted or unknown
 * issuer, revoked, expired), and NSS's own PKIX validator ({@code vfychain -pp}, the call pdfsig makes)
 * on the certificates pdfsig dumps from the file, with OCSP required, says the chain is good.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PdfsigTrustTest {
    @TempDir
    static Path tmp;

    private HttpServer http;
    private EmbeddedPki pki;
    private final AtomicInteger ocspRequests = new AtomicInteger();
    private Path trusting;
    private Path empty;

    @BeforeAll
    void serveThePkiAndBuildNssDatabases() throws Exception {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/pki";
        pki = EmbeddedPki.open(new PkiConfig(
                tmp.resolve("pki"), "nss".toCharArray(), base, PkiConfig.demoHalls(), Duration.ofDays(7)));
        PkiHttp.serve(http, () -> pki, path -> {
            if (path.startsWith("/ocsp/")) {
                ocspRequests.incrementAndGet();
            }
        });
        http.start();
        Path root = tmp.resolve("root.pem");
        Files.writeString(
                root,
                "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(pki.rootCertificate().getEncoded())
                        + "\n-----END CERTIFICATE-----\n");
        trusting = Files.createDirectories(tmp.resolve("nss-trusting"));
        run("certutil", "-N", "-d", "sql:" + trusting, "--empty-password");
        run("certutil", "-A", "-d", "sql:" + trusting, "-n", "tongban-root", "-t", "C,C,C", "-i", root.toString());
        empty = Files.createDirectories(tmp.resolve("nss-empty"));
        run("certutil", "-N", "-d", "sql:" + empty, "--empty-password");
    }

    @AfterAll
    void stop() {
        if (http != null) {
            http.stop(0);
        }
    }

    @Test
    void theDemoApplicationIsTrustedWithOnlineOcsp() throws Exception {
        Path file = tmp.resolve("demo.pdf");
        Files.write(file, DemoApplication.createSigned(pki, Fixtures.font()));
        int before = ocspRequests.get();
        List<String> blocks = cades(pdfsig(trusting, file));
        assertThat(blocks).hasSize(3);
        for (String b : blocks) {
            assertThat(b).contains("Signature Validation: Signature is Valid.");
            assertThat(certificateValidation(b)).isIn(TRUSTED, POPPLER_22_TRUSTED);
        }
        assertThat(ocspRequests.get()).as("pdfsig asked our OCSP responder").isGreaterThan(before);
        // NSS's PKIX validation of each signer's chain as pdfsig dumps it, with an OCSP answer required.
        for (List<Path> chain : dumpedChains(file)) {
            assertThat(vfychain(trusting, chain)).contains("Chain is good!");
        }

        for (String b : cades(pdfsig(empty, file))) {
            assertThat(b).contains("Signature Validation: Signature is Valid.");
            assertThat(certificateValidation(b)).isEqualTo("Certificate issuer isn't Trusted.");
        }
        assertThat(vfychain(empty, dumpedChains(file).get(0))).contains("Chain is bad!");
    }

    @Test
    void aClerkRevokedBeforeSigningIsReportedRevoked() throws Exception {
        Credential clerk = pki.clerk("wujin", "WJ0500", "冯十二");
        pki.revoke("wujin", clerk.certificate().getSerialNumber(), 1);
        byte[] form = new cn.tongban.docsign.form.ApplicationFormRenderer(
                        Fixtures.font(), cn.tongban.docsign.pdf.PdfLimits.DEFAULT)
                .render(DemoApplication.form(), DemoApplication.data(Fixtures.font()));
        Credential applicant = pki.issueApplicantWithKey("wujin", "张晓梅", "320106198807000000");
        ApplicationSigningFlow honest = new ApplicationSigningFlow(new PadesSigner(pki, Fixtures.font()));
        ApplicationSigningFlow rogue =
                new ApplicationSigningFlow(new PadesSigner(Attacker.vouchingForAnything(pki), Fixtures.font()));
        byte[] a = honest.applicantSigns(form, applicant, Fixtures.handwrittenPng(), Instant.now());
        byte[] c = rogue.clerkSigns(a, clerk, Instant.now());
        Path file = tmp.resolve("revoked.pdf");
        Files.write(file, honest.hallSeals(c, pki.hallSeal("wujin"), Instant.now()));
        List<String> blocks = cades(pdfsig(trusting, file));
        assertThat(certificateValidation(blocks.get(0))).isIn(TRUSTED, POPPLER_22_TRUSTED);
        assertThat(blocks.get(1)).contains("冯十二");
        assertThat(certificateValidation(blocks.get(1))).isEqualTo("Certificate has been Revoked.");
        assertThat(certificateValidation(blocks.get(2))).isIn(TRUSTED, POPPLER_22_TRUSTED);
        List<List<Path>> chains = dumpedChains(file);
        assertThat(vfychain(trusting, chains.get(1))).contains("Chain is bad!", "-8180", "has been revoked");
        assertThat(vfychain(trusting, chains.get(0))).contains("Chain is good!");
    }

    private static final String TRUSTED = "Certificate is Trusted.";
    private static final String POPPLER_22_TRUSTED = "Unknown issue with Certificate or corrupted data.";

    private static String certificateValidation(String block) {
        for (String line : block.split("\n")) {
            if (line.contains("Certificate Validation: ")) {
                return line.substring(line.indexOf("Certificate Validation: ") + "Certificate Validation: ".length())
                        .trim();
            }
        }
        return "(none)";
    }

    /**
     * The signers' chains (signer first, without the root) of the CAdES signatures, read from the CMS
     * that {@code pdfsig -dump} writes.
     */
    private static List<List<Path>> dumpedChains(Path pdf) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "dump");
        Process p = new ProcessBuilder(
                        "pdfsig", "-nocert", "-dump", pdf.toAbsolutePath().toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<List<Path>> chains = new ArrayList<>();
        for (int i = 0; ; i++) {
            Path sig = dir.resolve(pdf.getFileName() + ".sig" + i);
            if (!Files.exists(sig)) {
                break;
            }
            cn.tongban.docsign.cms.SignatureParts parts;
            try {
                parts = cn.tongban.docsign.cms.SignatureParts.parse(
                        cn.tongban.docsign.cms.Der.trim(Files.readAllBytes(sig)), false);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (parts.signerCertificate() == null) {
                continue;
            }
            List<Path> chain = new ArrayList<>();
            java.security.cert.X509Certificate c = parts.signerCertificate();
            int n = 0;
            while (c != null && !c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                Path pem = dir.resolve("sig" + i + "-" + n++ + ".pem");
                Files.writeString(pem, pem(c));
                chain.add(pem);
                c = cn.tongban.docsign.cms.CertChains.issuerOf(c, parts.certificates());
            }
            chains.add(chain);
        }
        return chains.subList(0, Math.min(3, chains.size()));
    }

    private static String pem(java.security.cert.X509Certificate c) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(c.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    /** NSS's PKIX validation (libpkix) as an e-mail signer, OCSP on the signer's certificate required. */
    private static String vfychain(Path nss, List<Path> chain) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                "vfychain", "-d", "sql:" + nss, "-pp", "-u", "4", "-g", "leaf", "-m", "ocsp", "-s", "failIfNoInfo"));
        for (Path p : chain) {
            cmd.add("-a");
            cmd.add(p.toString());
        }
        return run(cmd.toArray(new String[0]));
    }

    /** The blocks of pdfsig's output that describe CAdES signatures, in signing order. */
    private static List<String> cades(String out) {
        List<String> l = new ArrayList<>();
        for (String b : out.split("Signature #")) {
            if (b.contains("Signature Type: ETSI.CAdES.detached")) {
                l.add(b);
            }
        }
        return l;
    }

    private static String pdfsig(Path nss, Path file) throws IOException, InterruptedException {
        return run("pdfsig", "-nssdir", "sql:" + nss, file.toString());
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
