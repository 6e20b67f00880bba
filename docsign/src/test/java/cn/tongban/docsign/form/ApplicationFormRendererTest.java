package cn.tongban.docsign.form;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.pdf.PdfLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

class ApplicationFormRendererTest {
    @Test
    void rendersChineseFormWithFieldsMaterialsAndSignatureSlots() throws Exception {
        byte[] pdf = Fixtures.renderedForm();
        Path out = Path.of("target/form-test.pdf");
        Files.write(out, pdf);
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            String text = new PDFTextStripper().getText(doc);
            assertThat(text).contains("不动产权证书补换证申请表", "张晓梅", "常州市武进区政务服务中心", "遗失声明.pdf", "S-7f3a9c21", "李建国");
            assertThat(doc.getDocumentCatalog().getAcroForm().getField("applicant"))
                    .isNotNull();
            assertThat(doc.getDocumentCatalog().getAcroForm().getField("hallSeal"))
                    .isNotNull();
            assertThat(doc.getDocumentCatalog().getNames().getEmbeddedFiles().getNames())
                    .containsKeys("身份证正反面.png", "遗失声明.pdf");
            assertThat(doc.getDocumentCatalog().getMetadata()).isNotNull();
            assertThat(doc.getDocumentCatalog().getOutputIntents()).hasSize(1);
        }
    }

    @Test
    void missingRequiredFieldIsRejectedWithCode() {
        Map<String, String> values = new HashMap<>(Fixtures.data().values());
        values.remove("certNo");
        ApplicationData d = Fixtures.data();
        ApplicationData broken = new ApplicationData(
                d.applicationId(),
                d.applicant(),
                d.owningHall(),
                d.acceptingHall(),
                values,
                d.materials(),
                d.evidence(),
                d.createdAt());
        assertThatThrownBy(() ->
                        new ApplicationFormRenderer(Fixtures.font(), PdfLimits.DEFAULT).render(Fixtures.form(), broken))
                .isInstanceOfSatisfying(
                        DocsignException.class, e -> assertThat(e.error()).isEqualTo(DocsignError.FORM_FIELD_MISSING));
    }

    @Test
    void sessionEvidenceSaysWhetherTheSessionIsRecorded() throws Exception {
        ApplicationData d = Fixtures.data();
        ApplicationData.SessionEvidence e = d.evidence();
        String sha = "ab".repeat(32);
        assertThat(evidenceText(
                        d,
                        new ApplicationData.SessionEvidence(
                                e.sessionId(), e.clerkName(), e.clerkId(), e.start(), e.end(), sha)))
                .contains("SHA-256" + sha);
        assertThat(evidenceText(
                        d,
                        new ApplicationData.SessionEvidence(
                                e.sessionId(), e.clerkName(), e.clerkId(), e.start(), e.end(), null)))
                .contains("本次办理未录像");
        // Prepared while the call is still being recorded: no hash yet, and never "not recorded".
        String inProgress = evidenceText(
                d,
                new ApplicationData.SessionEvidence(
                        e.sessionId(), e.clerkName(), e.clerkId(), e.start(), e.end(), null, true));
        assertThat(inProgress).contains("全程录像中").doesNotContain("未录像");
    }

    private static String evidenceText(ApplicationData d, ApplicationData.SessionEvidence evidence) throws Exception {
        ApplicationData withEvidence = new ApplicationData(
                d.applicationId(),
                d.applicant(),
                d.owningHall(),
                d.acceptingHall(),
                d.values(),
                d.materials(),
                evidence,
                d.createdAt());
        byte[] pdf =
                new ApplicationFormRenderer(Fixtures.font(), PdfLimits.DEFAULT).render(Fixtures.form(), withEvidence);
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            // Table cells may wrap: compare without line breaks.
            return new PDFTextStripper().getText(doc).replaceAll("\\s+", "");
        }
    }
}
