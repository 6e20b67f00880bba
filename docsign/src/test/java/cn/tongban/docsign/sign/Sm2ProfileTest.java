package cn.tongban.docsign.sign;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.cms.Der;
import cn.tongban.docsign.cms.SignatureParts;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.verify.Finding;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.junit.jupiter.api.Test;

/** The optional 国密 profile: an SM2 applicant key, SM3 digests, checked by our own verifier. */
class Sm2ProfileTest {
    @Test
    void sm2ApplicantInTheFullFlowVerifiesAtBLta() throws Exception {
        SignedSample s = SignedSample.get();
        KeyPair sm2 = Crypto.sm2KeyPair();
        Credential cert = s.pki.issueApplicant("wujin", "周国密", "320106199001010000", sm2.getPublic());
        assertThat(Crypto.isSm2(cert.certificate().getPublicKey())).isTrue();

        // External path, as a browser or USB key with SM2 would do it.
        ApplicationSigningFlow flow = new ApplicationSigningFlow(s.signer);
        PreparedSignature p = flow.applicantPrepares(s.form, cert.chain(), Fixtures.handwrittenPng(), Instant.now());
        Signature signer = Signature.getInstance("SM3withSM2", Crypto.BC);
        signer.initSign(sm2.getPrivate());
        signer.update(p.dataToBeSigned());
        byte[] afterApplicant = s.signer.complete(p, signer.sign());

        byte[] afterClerk = flow.clerkSigns(afterApplicant, s.pki.clerk("wujin", "WJ0421", "李建国"), Instant.now());
        byte[] sealed = flow.hallSeals(afterClerk, s.pki.hallSeal("wujin"), Instant.now());

        try (PDDocument doc = Loader.loadPDF(sealed)) {
            SignatureParts parts = SignatureParts.parse(
                    Der.trim(doc.getSignatureDictionaries().get(0).getContents()), false);
            assertThat(parts.signer().getDigestAlgOID()).isEqualTo(Crypto.SM3.getId());
            assertThat(parts.signer().getEncryptionAlgOID()).isEqualTo(Crypto.SM2_WITH_SM3.getId());
        }
        PdfVerifier verifier = new PdfVerifier(List.of(s.pki.rootCertificate()));
        VerificationReport r = verifier.verify(sealed);
        assertThat(r.verdict()).as(r.toJson()).isEqualTo(Verdict.VALID);
        assertThat(r.signatures().get(0).signerCommonName()).isEqualTo("周国密");
        assertThat(r.signatures().get(0).padesLevel()).isEqualTo("B-LTA");

        // And a changed byte is still caught with SM3.
        byte[] tampered = sealed.clone();
        int i = new String(tampered, StandardCharsets.ISO_8859_1).indexOf("CreatorTool>Tongban");
        tampered[i + 12] = 't';
        VerificationReport bad = verifier.verify(tampered);
        assertThat(bad.signatures().get(0).findings()).extracting(Finding::code).contains(Finding.Code.DIGEST_MISMATCH);
    }
}
