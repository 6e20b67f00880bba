package cn.tongban.docsign.verify;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.sign.SignRequest;
import cn.tongban.docsign.sign.SignatureAppearance;
import cn.tongban.docsign.sign.SignatureLevel;
import java.time.Instant;
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
    }

    @Test
    void eachLevelIsRecognised() {
        SignedSample s = SignedSample.get();
        PdfVerifier v = new PdfVerifier(List.of(s.pki.rootCertificate()));
        Credential c = s.pki.clerk("wujin", "WJ0421", "李建国");
        for (SignatureLevel level : SignatureLevel.values()) {
            byte[] signed = s.signer.sign(
                    s.form,
                    c,
                    new SignRequest(
                            SignerRole.CLERK.fieldName(),
                            level,
                            false,
                            new SignatureAppearance.ClerkStamp(),
                            null,
                            null,
                            Instant.now()));
            VerificationReport r = v.verify(signed);
            assertThat(r.signatures().get(0).padesLevel()).as(r.toJson()).isEqualTo(level.etsiName());
            // B-B and B-T carry no revocation data, so they cannot be shown valid offline yet.
            Verdict expected = level.compareTo(SignatureLevel.B_LT) >= 0 ? Verdict.VALID : Verdict.INDETERMINATE;
            assertThat(r.verdict()).as(r.toJson()).isEqualTo(expected);
        }
    }

    @Test
    void addingValidationDataLaterLiftsBtToBlt() {
        SignedSample s = SignedSample.get();
        PdfVerifier v = new PdfVerifier(List.of(s.pki.rootCertificate()));
        byte[] lt = s.signer.addValidationData(s.afterClerk);
        VerificationReport r = v.verify(lt);
        assertThat(r.verdict()).as(r.toJson()).isEqualTo(Verdict.VALID);
        assertThat(r.signatures()).extracting(SignatureReport::padesLevel).containsExactly("B-LT", "B-LT");
        byte[] lta = s.signer.addDocumentTimestamp(lt);
        assertThat(v.verify(lta).signatures())
                .extracting(SignatureReport::padesLevel)
                .containsExactly("B-LTA", "B-LTA", null);
    }
}
