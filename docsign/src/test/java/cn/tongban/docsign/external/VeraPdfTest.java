package cn.tongban.docsign.external;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.SignedSample;
import java.io.ByteArrayInputStream;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;

/** veraPDF, the PDF/A reference validator, checks PDF/A-3b conformance. */
class VeraPdfTest {
    @BeforeAll
    static void init() {
        VeraGreenfieldFoundryProvider.initialise();
    }

    static ValidationResult validate(byte[] pdf) throws Exception {
        try (PDFAParser parser =
                        Foundries.defaultInstance().createParser(new ByteArrayInputStream(pdf), PDFAFlavour.PDFA_3_B);
                PDFAValidator validator = Foundries.defaultInstance().createValidator(PDFAFlavour.PDFA_3_B, false)) {
            return validator.validate(parser);
        }
    }

    static String failures(ValidationResult r) {
        return r.getTestAssertions().stream()
                .filter(a -> a.getStatus() == TestAssertion.Status.FAILED)
                .map(a -> a.getRuleId().getClause() + "-" + a.getRuleId().getTestNumber() + ": " + a.getMessage()
                        + " @ " + a.getLocation().getContext())
                .distinct()
                .limit(20)
                .collect(Collectors.joining("\n"));
    }

    @Test
    void renderedFormIsPdfA3b() throws Exception {
        ValidationResult r = validate(Fixtures.renderedForm());
        assertThat(r.isCompliant()).as(failures(r)).isTrue();
    }

    @Test
    void signedApplicationIsStillPdfA3b() throws Exception {
        ValidationResult r = validate(SignedSample.get().sealed);
        assertThat(r.isCompliant()).as(failures(r)).isTrue();
    }

    @Test
    void theHandoffReceiptIsPdfA3b() throws Exception {
        ValidationResult r = validate(Fixtures.receipt());
        assertThat(r.isCompliant()).as(failures(r)).isTrue();
    }

    @Test
    void aPlainPdfIsNotPdfA() throws Exception {
        ValidationResult r = validate(Fixtures.samplePdf());
        assertThat(r.isCompliant()).isFalse();
    }
}
