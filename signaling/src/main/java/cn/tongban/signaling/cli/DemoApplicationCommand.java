package cn.tongban.signaling.cli;

import cn.tongban.docsign.demo.DemoApplication;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.PkiConfig;
import cn.tongban.docsign.pki.TrustServices;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.pki.PkiSupport;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tongban demo-application --out FILE.pdf [--data-dir DIR]}: renders and signs an example
 * application (applicant, clerk, hall seal; PAdES B-LTA) with the embedded PKI in the data
 * directory, and writes the federation root certificate next to it for {@code verify --trust}.
 */
@Command(
        name = "demo-application",
        mixinStandardHelpOptions = true,
        description = "Produce a fully signed example application PDF.")
public final class DemoApplicationCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FILE.pdf", description = "Where to write the PDF.")
    Path out;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Data directory holding the embedded PKI (default: ${DEFAULT-VALUE}).")
    Path dataDir = Path.of("data");

    @Option(
            names = "--pki-base-url",
            paramLabel = "URL",
            description = "Base URL written into AIA/CRL extensions (default: ${DEFAULT-VALUE}).")
    String baseUrl = "http://127.0.0.1:8080/pki";

    @Option(
            names = "--hall",
            paramLabel = "ID",
            description = "The hall whose clerk and seal sign (default: ${DEFAULT-VALUE}).")
    String hall = "wujin";

    @Option(names = "--clerk", paramLabel = "ID", description = "The signing clerk's id (default: ${DEFAULT-VALUE}).")
    String clerk = "WJ0421";

    @Mixin
    PkiOptions pkiOptions;

    @Spec
    CommandSpec spec;

    public DemoApplicationCommand() {}

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        // The same PKI the server of this data directory uses, plus the demo's own halls.
        ServerOptions.Pki pkiConfig = pkiOptions.toOptions();
        EmbeddedPki pki = PkiSupport.open(
                dataDir, baseUrl, ReferenceDataStore.open(dataDir, true).current(), PkiConfig.demoHalls(), pkiConfig);
        TrustServices trust = PkiSupport.trustServices(pki, pkiConfig);
        byte[] pdf;
        try (CjkFont font = CjkFont.openConfigured()) {
            pdf = DemoApplication.createSigned(pki, trust, hall, clerk, pki.hallName(hall), font);
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(out, pdf);
        // Every anchor the signatures may lead to: the federation root, and the external CA's roots.
        Path root = out.resolveSibling(out.getFileName() + ".root.pem");
        StringBuilder pem = new StringBuilder();
        for (X509Certificate anchor : trust.trustAnchors()) {
            pem.append("-----BEGIN CERTIFICATE-----\n")
                    .append(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(anchor.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        Files.writeString(root, pem);
        w.println("wrote " + out + " (" + pdf.length + " bytes, PAdES B-LTA: applicant, clerk, hall seal)");
        w.println("trust anchor: " + root + "  ->  tongban verify " + out + " --trust " + root);
        w.flush();
        return 0;
    }
}
