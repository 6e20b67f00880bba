package cn.tongban.docsign.external;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.SignedSample;
import eu.europa.esig.dss.enumerations.Indication;
import eu.europa.esig.dss.enumerations.SignatureLevel;
import eu.europa.esig.dss.model.InMemoryDocument;
import eu.europa.esig.dss.model.x509.CertificateToken;
import eu.europa.esig.dss.simplereport.SimpleReport;
import eu.europa.esig.dss.spi.validation.CommonCertificateVerifier;
import eu.europa.esig.dss.spi.x509.CommonTrustedCertificateSource;
import eu.europa.esig.dss.validation.SignedDocumentValidator;
import eu.europa.esig.dss.validation.reports.Reports;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

/** The EU DSS library, which we did not write, validates the final document offline. */
class DssValidationTest {
    static Reports validate(byte[] pdf, X509Certificate trusted) {
        CommonCertificateVerifier cv = new CommonCertificateVerifier();
        if (trusted != null) {
            CommonTrustedCertificateSource ts = new CommonTrustedCertificateSource();
            ts.addCertificate(new CertificateToken(trusted));
            cv.setTrustedCertSources(ts);
        }
        // Offline: everything must come from the document's DSS.
        cv.setOcspSource(null);
        cv.setCrlSource(null);
        cv.setAIASource(null);
        SignedDocumentValidator v = SignedDocumentValidator.fromDocument(new InMemoryDocument(pdf, "application.pdf"));
        v.setCertificateVerifier(cv);
        return v.validateDocument();
    }

    @Test
    void finalDocumentIsPadesBaselineLtaTotalPassed() {
        SignedSample s = SignedSample.get();
        Reports reports = validate(s.sealed, s.pki.rootCertificate());
        SimpleReport sr = reports.getSimpleReport();
        assertThat(sr.getSignatureIdList()).hasSize(3);
        for (String id : sr.getSignatureIdList()) {
            assertThat(sr.getIndication(id))
                    .as(
                            "%s: %s %s %s",
                            id,
                            sr.getSubIndication(id),
                            sr.getAdESValidationErrors(id),
                            sr.getAdESValidationWarnings(id))
                    .isEqualTo(Indication.TOTAL_PASSED);
            assertThat(sr.getSignatureFormat(id)).isEqualTo(SignatureLevel.PAdES_BASELINE_LTA);
        }
    }

    @Test
    void withoutOurRootTheSignaturesAreNotPassed() {
        SignedSample s = SignedSample.get();
        SimpleReport sr = validate(s.sealed, null).getSimpleReport();
        for (String id : sr.getSignatureIdList()) {
            assertThat(sr.getIndication(id)).isNotEqualTo(Indication.TOTAL_PASSED);
        }
    }
}
