package cn.tongban.docsign.pki;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.sign.PadesSigner;
import cn.tongban.docsign.sign.SignRequest;
import cn.tongban.docsign.sign.SignatureAppearance;
import cn.tongban.docsign.sign.SignatureLevel;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PKI mounted over real HTTP (as the server will mount it), used through
 * {@link HttpTrustServices} as a deployment would use an external TSA/OCSP/CRL: the URLs come
 * from the certificates' AIA and CRL distribution point extensions.
 */
class HttpTrustServicesTest {
    @TempDir
    Path dir;

    @Test
    void signsAtBLtaThroughHttpTsaOcspAndCrl() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/pki";
            EmbeddedPki pki = EmbeddedPki.open(
                    new PkiConfig(dir, "pw".toCharArray(), base, PkiConfig.demoHalls(), Duration.ofDays(7)));
            PkiHttp.serve(server, pki);
            HttpTrustServices remote = new HttpTrustServices(List.of(pki.rootCertificate()), URI.create(base + "/tsa"));
            PadesSigner signer = new PadesSigner(remote, Fixtures.font());
            byte[] signed = signer.sign(
                    Fixtures.renderedForm(),
                    pki.hallSeal("wujin"),
                    new SignRequest(
                            "hallSeal",
                            SignatureLevel.B_LTA,
                            true,
                            new SignatureAppearance.OfficialSeal("电子印章"),
                            null,
                            null,
                            Instant.now()));
            VerificationReport r = new PdfVerifier(List.of(pki.rootCertificate())).verify(signed);
            assertThat(r.verdict()).as(r.toJson()).isEqualTo(Verdict.VALID);
            assertThat(r.signatures().get(0).padesLevel()).isEqualTo("B-LTA");
            assertThat(r.signatures().get(0).revocationSource()).isEqualTo("OCSP");
        } finally {
            server.stop(0);
        }
    }
}
