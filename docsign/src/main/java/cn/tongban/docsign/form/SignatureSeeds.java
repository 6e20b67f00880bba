package cn.tongban.docsign.form;

import cn.tongban.docsign.SignerRole;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSeedValue;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSeedValueCertificate;
import org.apache.pdfbox.pdmodel.interactive.form.PDSignatureField;

/**
 * States in each signature field who must sign it, in the form the applicant certifies: a certificate
 * seed value dictionary (ISO 32000-1 §12.7.4.5, Tables 234–235) whose required {@code /OID} is the
 * role's certificate policy and, for the clerk and the seal, whose required {@code /SubjectDN} names
 * the owning hall as organisation ({@code O}). The verifier holds each signature to its field's seed
 * values, so a clerk of another hall, or an applicant's certificate in the clerk's field, is a finding.
 */
final class SignatureSeeds {
    private SignatureSeeds() {}

    static void apply(PDSignatureField field, SignerRole role, String owningHall) {
        PDSeedValueCertificate cert = new PDSeedValueCertificate();
        cert.setOID(List.of(role.policyOid().getBytes(StandardCharsets.US_ASCII)));
        cert.setOIDRequired(true);
        if (role != SignerRole.APPLICANT && owningHall != null) {
            cert.setSubjectDN(List.of(Map.of("O", owningHall)));
            cert.setSubjectDNRequired(true);
        }
        PDSeedValue sv = new PDSeedValue();
        sv.setSeedValueCertificate(cert);
        field.setSeedValue(sv);
    }
}
