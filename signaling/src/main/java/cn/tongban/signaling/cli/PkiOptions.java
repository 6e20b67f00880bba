package cn.tongban.signaling.cli;

import cn.tongban.signaling.config.ServerOptions;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the PKI's credentials and trust services come from, when not (only) the embedded PKI. */
public final class PkiOptions {
    @Option(
            names = "--pki-external",
            paramLabel = "DIR",
            defaultValue = "${env:TONGBAN_PKI_EXTERNAL}",
            description = "Directory of credentials issued by an external CA (trust/, <hall>/ca.p12, <hall>/seal.p12,"
                    + " <hall>/clerks/<clerk>.p12; env TONGBAN_PKI_EXTERNAL). Password: env"
                    + " TONGBAN_PKI_EXTERNAL_PASSWORD or DIR/password. See docsign/README.md.")
    Path externalDir;

    @Option(
            names = "--tsa-url",
            paramLabel = "URL",
            defaultValue = "${env:TONGBAN_TSA_URL}",
            description = "An external RFC 3161 time-stamp authority (env TONGBAN_TSA_URL); default: the embedded TSA.")
    URI tsaUrl;

    @Option(
            names = "--tsa-trust",
            paramLabel = "CERT",
            defaultValue = "${env:TONGBAN_TSA_TRUST}",
            description = "The external TSA's trust anchor certificate (PEM or DER; env TONGBAN_TSA_TRUST).")
    Path tsaTrust;

    ServerOptions.Pki toOptions() {
        return new ServerOptions.Pki(externalDir, tsaUrl, tsaTrust);
    }
}
