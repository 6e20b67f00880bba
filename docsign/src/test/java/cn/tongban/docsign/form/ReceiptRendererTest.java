package cn.tongban.docsign.form;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.sign.SignRequest;
import cn.tongban.docsign.sign.SignatureAppearance;
import cn.tongban.docsign.sign.SignatureLevel;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import java.time.Instant;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

/** The owning hall's receipt: one page that says what was received, sealed and verifiable. */
class ReceiptRendererTest {
    @Test
    void theReceiptSaysWhatWasReceivedAndHasOneFieldForTheSeal() throws Exception {
        byte[] pdf = Fixtures.receipt();
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            assertThat(doc.getNumberOfPages()).isEqualTo(1);
            assertThat(doc.getDocumentCatalog().getAcroForm().getFields())
                    .singleElement()
                    .satisfies(f -> assertThat(f.getPartialName()).isEqualTo(SignerRole.HALL_SEAL.fieldName()));
            String text = new PDFTextStripper().getText(doc).replaceAll("\\s+", "");
            assertThat(text)
                    .contains(
                            "跨省通办申请材料接收回执",
                            "HZ320412-20261122-0B8C5E",
                            "TB20261122-3F9A2C",
                            "张**",
                            "2026-11-2209:02:03", // Beijing time
                            "5d1c9e0b7d1a3c5e",
                            "购房合同.pdf");
        }
    }

    @Test
    void sealedTheReceiptVerifies() {
        SignedSample s = SignedSample.get();
        byte[] sealed = s.signer.sign(
                Fixtures.receipt(),
                s.pki.hallSeal("wujin"),
                new SignRequest(
                        SignerRole.HALL_SEAL.fieldName(),
                        SignatureLevel.B_LTA,
                        true,
                        new SignatureAppearance.OfficialSeal("回执专用"),
                        "接收回执",
                        null,
                        Instant.now()));
        VerificationReport r = new PdfVerifier(List.of(s.pki.rootCertificate())).verify(sealed);
        assertThat(r.verdict()).as(r.toJson()).isEqualTo(Verdict.VALID);
        assertThat(r.signatures().get(0).padesLevel()).isEqualTo("B-LTA");
    }
}
