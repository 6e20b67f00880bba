package cn.tongban.docsign.attack;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The revocation rule the hostile corpus does not reach with an attack: of the usable answers, the
 * newest decides, wherever it stands in the DSS (the others — revoked beats good, freshness, proof
 * of existence — each have their attack in {@link HostileCorpusTest}).
 */
class RevocationRulesTest {
    @Test
    void theNewestUsableAnswerDecidesNotTheFirstListed() {
        VerificationReport r = new PdfVerifier(List.of(SignedSample.get().pki.rootCertificate()))
                .verify(HostileCorpus.newerRevokedAfterSigning());
        SignatureReport clerk = r.signatures().stream()
                .filter(s -> "clerk".equals(s.fieldName()))
                .findFirst()
                .orElseThrow();
        // The older GOOD answer comes first; the newer one says "revoked, after the signature".
        assertThat(clerk.revocation()).as(r.toJson()).isEqualTo("REVOKED_AFTER_SIGNING");
        assertThat(clerk.verdict()).isEqualTo(Verdict.VALID);
        assertThat(clerk.revocationEvidence())
                .filteredOn(e -> e.use().equals("USED") && e.certificate().contains("周九"))
                .singleElement()
                .satisfies(e -> assertThat(e.status()).isEqualTo("REVOKED_AFTER_SIGNING"));
    }

    @Test
    void anAnswerSignedByACertificateNotCertifiedForOcspIsIgnored() {
        VerificationReport r = new PdfVerifier(List.of(SignedSample.get().pki.rootCertificate()))
                .verify(HostileCorpus.goodFromAnUnauthorizedResponder(HostileCorpus.revokedClerk()));
        SignatureReport clerk = r.signatures().stream()
                .filter(s -> "clerk".equals(s.fieldName()))
                .findFirst()
                .orElseThrow();
        assertThat(clerk.revocation()).as(r.toJson()).isEqualTo("UNKNOWN");
        assertThat(clerk.verdict()).isNotEqualTo(Verdict.VALID);
        assertThat(clerk.revocationEvidence())
                .anySatisfy(e -> assertThat(e.use()).contains("not authorized").contains("OCSP"));
    }
}
