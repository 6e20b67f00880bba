package cn.tongban.signaling.cli;

import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.signaling.pki.PkiSupport;
import cn.tongban.signaling.pki.TrustAnchors;
import cn.tongban.signaling.store.Database;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tongban verify FILE.pdf [--trust CERT_OR_DIR]... [--installation]}: verifies a signed application
 * offline and prints the JSON report; {@code --installation} adds the anchors this installation trusts (its
 * embedded root and the partners' of {@code trust add}). Exit 0 when every signature is valid and trusted, 1 when any is not,
 * 2 when the PDF or a trust anchor cannot be read or the PDF cannot be verified within docsign's limits
 * (then the JSON has {@code error}, one of docsign's stable codes such as {@code PDF_NESTING_LIMIT},
 * and {@code message}) — never a stack trace, whatever the file holds.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = "Verify the PAdES signatures of a PDF and print a JSON report.")
public final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.pdf", description = "The PDF to verify.")
    Path file;

    @Option(
            names = "--trust",
            paramLabel = "CERT_OR_DIR",
            description = "Trust anchor certificate (PEM or DER) or a directory of them; repeatable.")
    List<Path> trust = new ArrayList<>();

    @Option(
            names = "--installation",
            description = "Also trust what this installation trusts: its embedded root and the partner anchors"
                    + " added with 'trust add' (read from --data-dir / --db-url).")
    boolean installation;

    @Mixin
    StoreOptions store;

    @Spec
    CommandSpec spec;

    public VerifyCommand() {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<X509Certificate> anchors;
        try {
            anchors = loadAnchors(trust);
            if (installation) {
                anchors.addAll(PkiSupport.storedRoot(store.dataDir));
                try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                    anchors.addAll(new TrustAnchors(db.dataSource(), Clock.systemUTC()).certificates());
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            out.println(error("TRUST_UNREADABLE", e.getMessage()));
            out.flush();
            return 2;
        }
        byte[] pdf;
        try {
            pdf = Files.readAllBytes(file);
        } catch (IOException e) {
            out.println(error("IO", "cannot read " + file + ": " + e.getMessage()));
            out.flush();
            return 2;
        }
        try {
            VerificationReport report = new PdfVerifier(anchors).verify(pdf);
            out.println(report.toJson());
            out.flush();
            return report.verdict() == Verdict.VALID ? 0 : 1;
        } catch (DocsignException e) {
            out.println(error(e.error().code(), e.getMessage()));
            out.flush();
            return 2;
        } catch (RuntimeException | Error e) { // NOPMD: the verifier maps every failure; this is the last guard
            out.println(error("INTERNAL", String.valueOf(e)));
            out.flush();
            return 2;
        }
    }

    static List<X509Certificate> loadAnchors(List<Path> paths) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> anchors = new ArrayList<>();
        for (Path p : paths) {
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().matches("(?i).*\\.(pem|crt|cer|der)"))
                            .sorted()
                            .forEach(files::add);
                }
            } else {
                files.add(p);
            }
            for (Path f : files) {
                try (InputStream in = Files.newInputStream(f)) {
                    for (Certificate c : cf.generateCertificates(in)) {
                        anchors.add((X509Certificate) c);
                    }
                }
            }
        }
        return anchors;
    }

    private static String error(String code, String message) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("error", code);
        m.put("message", message);
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m);
        } catch (IOException e) {
            return "{\"error\":\"" + code + "\"}";
        }
    }
}
