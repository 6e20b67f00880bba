package cn.tongban.docsign.verify;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.SignedSample;
import java.util.List;
import org.junit.jupiter.api.Test;

class PdfVerifierTest {
    @Test
    void sealedApplicationIsValidAtBLta() {
        SignedSample s = SignedSample.get();
        VerificationReport r = new PdfVerifier(List.of(s.pki.rootCertificate())).verify(s.sealed);
        assertThat(r.verdict()).as(r.toJson()).isEqualTo(Verdict.VALID);
        assertThat(r.signatures()).hasSize(4);
        for (SignatureReport sig : r.signatures().subList(0, 3)) {
            assertThat(sig.padesLevel()).as(r.toJson()).isEqualTo("B-LTA");
            assertThat(sig.revocation()).isEqualTo("GOOD");
            assertThat(sig.integrity()).isTrue();
            assertThat(sig.coversWholeRevision()).isTrue();
            assertThat(sig.timestampTime()).isNotNull();
        }
        assertThat(r.signatures().get(0).certification()).isTrue();
        assertThat(r.signatures().get(0).docMdpPermissions()).isEqualTo(2);
        assertThat(r.signatures().get(0).signerCommonName()).isEqualTo("张晓梅");
        assertThat(r.signatures().get(3).kind()).isEqualTo("DOCUMENT_TIMESTAMP");
        assertThat(r.signatures().get(3).coversWholeDocument()).isTrue();
        System.out.println(r.toJson());
    }
}
