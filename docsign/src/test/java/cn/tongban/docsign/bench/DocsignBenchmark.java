package cn.tongban.docsign.bench;

import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.demo.DemoApplication;
import cn.tongban.docsign.form.ApplicationFormRenderer;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.PkiConfig;
import cn.tongban.docsign.sign.PadesSigner;
import cn.tongban.docsign.sign.SignRequest;
import cn.tongban.docsign.sign.SignatureAppearance;
import cn.tongban.docsign.sign.SignatureLevel;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import eu.europa.esig.dss.enumerations.DigestAlgorithm;
import eu.europa.esig.dss.enumerations.SignatureAlgorithm;
import eu.europa.esig.dss.model.DSSDocument;
import eu.europa.esig.dss.model.InMemoryDocument;
import eu.europa.esig.dss.model.SignatureValue;
import eu.europa.esig.dss.model.TimestampBinary;
import eu.europa.esig.dss.model.ToBeSigned;
import eu.europa.esig.dss.model.x509.CertificateToken;
import eu.europa.esig.dss.pades.PAdESSignatureParameters;
import eu.europa.esig.dss.pades.signature.PAdESService;
import eu.europa.esig.dss.spi.validation.CommonCertificateVerifier;
import eu.europa.esig.dss.spi.x509.tsp.TSPSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Throughput of signing at each PAdES level and of verification, with EU DSS signing the same PDF
 * with the same key and the same (in-process) TSA as the reference. A plain main, not a test:
 *
 * <pre>
 * ./mvnw -q -o -pl docsign test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp docsign/target/test-classes:docsign/target/classes:$(cat docsign/target/cp.txt) \
 *     cn.tongban.docsign.bench.DocsignBenchmark [seconds-per-case]
 * </pre>
 */
public final class DocsignBenchmark {
    private DocsignBenchmark() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        only = args.length > 1 ? args[1] : "";
        Path dir = Files.createTempDirectory("docsign-bench");
        EmbeddedPki pki = EmbeddedPki.open(new PkiConfig(
                dir, "bench".toCharArray(), "http://127.0.0.1:8080/pki", PkiConfig.demoHalls(), Duration.ofDays(7)));
        try (CjkFont font = CjkFont.openConfigured()) {
            byte[] form = new ApplicationFormRenderer(font, PdfLimits.DEFAULT)
                    .render(DemoApplication.form(), DemoApplication.data(font));
            Credential clerk = pki.clerk("wujin", "WJ0421", "李建国");
            PadesSigner signer = new PadesSigner(pki, font);
            List<String[]> rows = new ArrayList<>();
            System.out.printf(
                    Locale.ROOT,
                    "input: %d-byte application form, ECDSA P-256, %s, %d cores%n",
                    form.length,
                    System.getProperty("java.vm.name") + " " + Runtime.version(),
                    Runtime.getRuntime().availableProcessors());
            // Warm every code path once (JIT) before measuring anything.
            long warm = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < warm) {
                signer.sign(
                        form,
                        clerk,
                        new SignRequest(
                                SignerRole.CLERK.fieldName(),
                                SignatureLevel.B_LTA,
                                false,
                                new SignatureAppearance.ClerkStamp(),
                                null,
                                null,
                                Instant.now()));
            }
            for (SignatureLevel level : SignatureLevel.values()) {
                SignRequest req = new SignRequest(
                        SignerRole.CLERK.fieldName(),
                        level,
                        false,
                        new SignatureAppearance.ClerkStamp(),
                        null,
                        null,
                        Instant.now());
                rows.add(measure("docsign sign " + level.etsiName(), seconds, () -> signer.sign(form, clerk, req)));
            }
            PAdESService dss = new PAdESService(new CommonCertificateVerifier());
            dss.setTspSource(inProcessTsa(pki));
            for (eu.europa.esig.dss.enumerations.SignatureLevel level : List.of(
                    eu.europa.esig.dss.enumerations.SignatureLevel.PAdES_BASELINE_B,
                    eu.europa.esig.dss.enumerations.SignatureLevel.PAdES_BASELINE_T)) {
                rows.add(measure(
                        "EU DSS 6.4 sign " + level.name().replace("PAdES_BASELINE_", "B-"),
                        seconds,
                        () -> dssSign(dss, form, clerk, level)));
            }
            byte[] sealed = DemoApplication.createSigned(pki, font);
            PdfVerifier verifier = new PdfVerifier(List.of(pki.rootCertificate()));
            if (verifier.verify(sealed).verdict() != Verdict.VALID) {
                throw new IllegalStateException("benchmark document does not verify");
            }
            rows.add(measure(
                    "docsign verify 3-signature B-LTA (" + sealed.length + " bytes)",
                    seconds,
                    () -> verifier.verify(sealed)));

            System.out.println();
            System.out.println("| operation | ops/s (wall) | ms/op (wall) | ops/s (CPU) | ms/op (CPU) |");
            System.out.println("|---|---:|---:|---:|---:|");
            for (String[] r : rows) {
                System.out.println("| " + String.join(" | ", r) + " |");
            }
        }
    }

    private static byte[] dssSign(
            PAdESService dss, byte[] form, Credential c, eu.europa.esig.dss.enumerations.SignatureLevel level) {
        try {
            PAdESSignatureParameters p = new PAdESSignatureParameters();
            p.setSignatureLevel(level);
            p.setDigestAlgorithm(DigestAlgorithm.SHA256);
            p.getSignatureTimestampParameters().setDigestAlgorithm(DigestAlgorithm.SHA256);
            p.setSigningCertificate(new CertificateToken(c.certificate()));
            List<CertificateToken> chain = new ArrayList<>();
            for (X509Certificate x : c.chain()) {
                chain.add(new CertificateToken(x));
            }
            p.setCertificateChain(chain);
            DSSDocument doc = new InMemoryDocument(form);
            ToBeSigned tbs = dss.getDataToSign(doc, p);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(c.privateKey());
            s.update(tbs.getBytes());
            SignatureValue v = new SignatureValue(SignatureAlgorithm.ECDSA_SHA256, s.sign());
            return dss.signDocument(doc, p, v).openStream().readAllBytes();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** DSS gets the same TSA we use, in-process, so the comparison measures the signing libraries. */
    private static TSPSource inProcessTsa(EmbeddedPki pki) {
        return (DigestAlgorithm alg, byte[] digest) -> {
            if (alg != DigestAlgorithm.SHA256) {
                throw new IllegalArgumentException("bench TSA takes SHA-256 only, got " + alg);
            }
            return new TimestampBinary(pki.timestamps().timestamp(digest));
        };
    }

    private static String only = "";

    private static String[] measure(String name, double seconds, Supplier<?> op) {
        if (!name.contains(only)) {
            return new String[] {name, "-", "-", "-", "-"};
        }
        long warmEnd = System.nanoTime() + (long) (seconds * 0.4e9);
        while (System.nanoTime() < warmEnd) {
            op.get();
        }
        // Wall time and this thread's CPU time: on a shared machine the CPU figure is the stable one.
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        int n = 0;
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < end || n < 3) {
            op.get();
            n++;
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
        String[] row = {
            name,
            String.format(Locale.ROOT, "%.1f", n / elapsed),
            String.format(Locale.ROOT, "%.2f", elapsed * 1000 / n),
            String.format(Locale.ROOT, "%.1f", n / cpu),
            String.format(Locale.ROOT, "%.2f", cpu * 1000 / n)
        };
        System.out.printf(
                Locale.ROOT,
                "%-60s %8s ops/s %8s ms/op | CPU: %8s ops/s %8s ms/op (n=%d)%n",
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                n);
        return row;
    }
}
