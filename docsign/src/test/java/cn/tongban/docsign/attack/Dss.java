package cn.tongban.docsign.attack;

import eu.europa.esig.dss.diagnostic.DiagnosticData;
import eu.europa.esig.dss.diagnostic.SignatureWrapper;
import eu.europa.esig.dss.enumerations.Indication;
import eu.europa.esig.dss.model.InMemoryDocument;
import eu.europa.esig.dss.model.x509.CertificateToken;
import eu.europa.esig.dss.simplereport.SimpleReport;
import eu.europa.esig.dss.spi.validation.CommonCertificateVerifier;
import eu.europa.esig.dss.spi.x509.CommonTrustedCertificateSource;
import eu.europa.esig.dss.validation.SignedDocumentValidator;
import eu.europa.esig.dss.validation.reports.Reports;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * EU DSS (a validator we did not write) on the same file, offline, trusting the same root: its
 * indication per signature field, for comparison with ours.
 */
final class Dss {
    private Dss() {}

    /** The outcome of one DSS validation. */
    record Outcome(Map<String, String> byField, String worst, String error) {
        /** How lenient, as a number: 3 passed, 2 indeterminate, 1 failed; -1 when DSS gave no verdict. */
        int leniency() {
            return error != null ? -1 : rank(worst);
        }

        static int rank(String indication) {
            return switch (indication) {
                case "TOTAL_PASSED", "PASSED" -> 3;
                case "INDETERMINATE" -> 2;
                case "NO_SIGNATURES" -> 1;
                default -> 1;
            };
        }
    }

    static Outcome validate(byte[] pdf, X509Certificate trusted) {
        try {
            CommonCertificateVerifier cv = new CommonCertificateVerifier();
            CommonTrustedCertificateSource ts = new CommonTrustedCertificateSource();
            ts.addCertificate(new CertificateToken(trusted));
            cv.setTrustedCertSources(ts);
            cv.setOcspSource(null);
            cv.setCrlSource(null);
            cv.setAIASource(null);
            SignedDocumentValidator v =
                    SignedDocumentValidator.fromDocument(new InMemoryDocument(pdf, "application.pdf"));
            v.setCertificateVerifier(cv);
            Reports reports = v.validateDocument();
            SimpleReport sr = reports.getSimpleReport();
            DiagnosticData dd = reports.getDiagnosticData();
            Map<String, String> byField = new LinkedHashMap<>();
            String worst = sr.getSignatureIdList().isEmpty() ? "NO_SIGNATURES" : "TOTAL_PASSED";
            for (String id : sr.getSignatureIdList()) {
                Indication ind = sr.getIndication(id);
                SignatureWrapper w = dd.getSignatureById(id);
                String field = w == null ? id : w.getFirstFieldName();
                String sub = sr.getSubIndication(id) == null ? "" : "/" + sr.getSubIndication(id);
                byField.put(field, ind + sub);
                if (Outcome.rank(ind.name()) < Outcome.rank(worst)) {
                    worst = ind.name();
                }
            }
            return new Outcome(byField, worst, null);
        } catch (Throwable t) { // NOPMD: whatever DSS does on a hostile file is recorded, not thrown
            return new Outcome(Map.of(), "ERROR", t.toString());
        }
    }
}
