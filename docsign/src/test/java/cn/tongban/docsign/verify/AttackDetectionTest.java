package cn.tongban.docsign.verify;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.SignedSample;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationSquare;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceDictionary;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceStream;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.form.PDAcroForm;
import org.apache.pdfbox.pdmodel.interactive.form.PDSignatureField;
import org.junit.jupiter.api.Test;

/** Each known way of changing a signed PDF is caught and named. */
class AttackDetectionTest {
    private final SignedSample s = SignedSample.get();
    private final PdfVerifier verifier = new PdfVerifier(List.of(s.pki.rootCertificate()));

    private static boolean has(VerificationReport r, int sig, Finding.Code code) {
        return r.signatures().get(sig).findings().stream().anyMatch(f -> f.code() == code);
    }

    @Test
    void changedByteInsideSignedRangeIsDigestMismatch() {
        byte[] b = s.sealed.clone();
        int i = new String(b, StandardCharsets.ISO_8859_1).indexOf("CreatorTool>Tongban");
        b[i + 12] = 't';
        VerificationReport r = verifier.verify(b);
        assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(has(r, 0, Finding.Code.DIGEST_MISMATCH)).as(r.toJson()).isTrue();
        assertThat(r.signatures().get(0).integrity()).isFalse();
    }

    @Test
    void incrementalUpdateDrawingOnThePageIsModifiedAfterSigning() throws Exception {
        byte[] attacked;
        try (PDDocument doc = Loader.loadPDF(s.sealed)) {
            PDPage page = doc.getPage(0);
            try (PDPageContentStream cs =
                    new PDPageContentStream(doc, page, PDPageContentStream.AppendMode.APPEND, true)) {
                cs.setNonStrokingColor(1f, 1f, 1f);
                cs.addRect(100, 600, 300, 40); // white-out the applicant's name
                cs.fill();
            }
            page.getCOSObject().setNeedToBeUpdated(true);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.saveIncremental(out);
            attacked = out.toByteArray();
        }
        VerificationReport r = verifier.verify(attacked);
        assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
        for (int i = 0; i < 4; i++) {
            assertThat(has(r, i, Finding.Code.MODIFIED_AFTER_SIGNING))
                    .as(r.toJson())
                    .isTrue();
            assertThat(r.signatures().get(i).integrity()).isTrue(); // the signed bytes themselves are intact
        }
        assertThat(r.signatures().get(0).findings().toString()).contains("page 1 changed");
    }

    @Test
    void shadowReplaceOfAContentStreamObjectIsDetected() throws Exception {
        byte[] attacked;
        try (PDDocument doc = Loader.loadPDF(s.sealed)) {
            PDPage page = doc.getPage(0);
            COSStream content = page.getContentStreams().next().getCOSObject();
            try (OutputStream os = content.createOutputStream(COSName.FLATE_DECODE)) {
                os.write("BT /F1 12 Tf 72 700 Td (replaced) Tj ET".getBytes(StandardCharsets.US_ASCII));
            }
            content.setNeedToBeUpdated(true);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.saveIncremental(out);
            attacked = out.toByteArray();
        }
        VerificationReport r = verifier.verify(attacked);
        assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(has(r, 2, Finding.Code.MODIFIED_AFTER_SIGNING))
                .as(r.toJson())
                .isTrue();
    }

    @Test
    void overlayAnnotationAddedAfterSigningIsDetected() throws Exception {
        byte[] attacked;
        try (PDDocument doc = Loader.loadPDF(s.sealed)) {
            PDPage page = doc.getPage(0);
            PDAnnotationSquare square = new PDAnnotationSquare();
            square.setRectangle(new PDRectangle(100, 500, 200, 50));
            page.getAnnotations().add(square);
            page.getCOSObject().setNeedToBeUpdated(true);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.saveIncremental(out);
            attacked = out.toByteArray();
        }
        VerificationReport r = verifier.verify(attacked);
        assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(r.signatures().get(1).findings().toString()).as(r.toJson()).contains("page 1 annotation 1 added");
    }

    @Test
    void unsignedSignatureFieldPaintingOverThePageIsDetected() throws Exception {
        byte[] attacked;
        try (PDDocument doc = Loader.loadPDF(s.sealed)) {
            PDPage page = doc.getPage(0);
            PDAcroForm acro = doc.getDocumentCatalog().getAcroForm();
            PDSignatureField field = new PDSignatureField(acro);
            field.setPartialName("overlay");
            PDAnnotationWidget w = field.getWidgets().get(0);
            w.setRectangle(new PDRectangle(50, 400, 500, 300));
            w.setPage(page);
            PDAppearanceStream ap = new PDAppearanceStream(doc);
            ap.setBBox(new PDRectangle(500, 300));
            try (PDPageContentStream cs = new PDPageContentStream(doc, ap)) {
                cs.setNonStrokingColor(1f, 1f, 1f);
                cs.addRect(0, 0, 500, 300);
                cs.fill();
            }
            PDAppearanceDictionary dict = new PDAppearanceDictionary();
            dict.setNormalAppearance(ap);
            w.setAppearance(dict);
            page.getAnnotations().add(w);
            acro.getFields().add(field);
            page.getCOSObject().setNeedToBeUpdated(true);
            acro.getCOSObject().setNeedToBeUpdated(true);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.saveIncremental(out);
            attacked = out.toByteArray();
        }
        VerificationReport r = verifier.verify(attacked);
        assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(r.signatures().get(2).findings().toString()).as(r.toJson()).contains("overlay");
    }

    @Test
    void objectsAppendedWithoutCrossReferenceDataAreAModificationNotATruncation() {
        // More than the 1 KiB a trailer check looks at: the object is what a repairing reader would show.
        String padding = "% " + "x".repeat(2000) + "\n";
        byte[] tail = ("\n" + padding + "1 0 obj (x) endobj\n").getBytes(StandardCharsets.US_ASCII);
        VerificationReport r = verifier.verify(concat(s.sealed, tail));
        assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(r.findings()).extracting(Finding::code).containsExactly(Finding.Code.XREF_LESS_APPEND);
        assertThat(r.signatures().get(3).coversWholeDocument()).isFalse();
    }

    @Test
    void junkAfterTheLastRevisionIsReported() {
        byte[] tail = "\n% appended by someone\n".getBytes(StandardCharsets.US_ASCII);
        VerificationReport r = verifier.verify(concat(s.sealed, tail));
        assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(r.findings()).extracting(Finding::code).contains(Finding.Code.UNSIGNED_TRAILING_DATA);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void relocatedSignatureDictionaryIsSignatureWrapping() throws Exception {
        byte[] attacked;
        try (PDDocument doc = Loader.loadPDF(s.sealed)) {
            PDSignature sig = doc.getSignatureDictionaries().get(0);
            COSObjectKey key = sig.getCOSObject().getKey();
            long off = doc.getDocument().getXrefTable().get(key);
            String text = new String(s.sealed, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("endobj", (int) off) + 6;
            String obj = text.substring((int) off, end);
            COSObjectKey root = doc.getDocument()
                    .getTrailer()
                    .getCOSDictionary(COSName.ROOT)
                    .getKey();
            long size = doc.getDocument().getTrailer().getLong(COSName.SIZE);
            long prev = doc.getDocument().getStartXref();
            long newOff = s.sealed.length + 1;
            long xrefOff = newOff + obj.length() + 1;
            String update = "\n" + obj + "\nxref\n0 1\n0000000000 65535 f \n" + key.getNumber() + " 1\n"
                    + String.format("%010d %05d n \n", newOff, key.getGeneration())
                    + "trailer\n<< /Size " + size + " /Root " + root.getNumber() + " " + root.getGeneration()
                    + " R /Prev " + prev + " >>\nstartxref\n" + xrefOff + "\n%%EOF\n";
            attacked = (text + update).getBytes(StandardCharsets.ISO_8859_1);
        }
        VerificationReport r = verifier.verify(attacked);
        assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(r.signatures().stream().flatMap(x -> x.findings().stream()).map(Finding::code))
                .as(r.toJson())
                .contains(Finding.Code.SIGNATURE_DICTIONARY_UNSIGNED);
    }

    @Test
    void withoutTrustAnchorsTheVerdictIsIndeterminate() {
        VerificationReport r = new PdfVerifier(List.of()).verify(s.sealed);
        assertThat(r.verdict()).isEqualTo(Verdict.INDETERMINATE);
        assertThat(has(r, 0, Finding.Code.CHAIN_UNTRUSTED)).isTrue();
    }

    @Test
    void intermediateBtDocumentHasNoRevocationDataYet() {
        VerificationReport r = verifier.verify(s.afterClerk);
        assertThat(r.signatures()).hasSize(2);
        assertThat(r.signatures().get(1).padesLevel()).isEqualTo("B-T");
        assertThat(r.signatures().get(1).revocation()).isEqualTo("UNKNOWN");
        assertThat(r.verdict()).isEqualTo(Verdict.INDETERMINATE);
    }
}
