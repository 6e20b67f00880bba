package cn.tongban.docsign.sign;

import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.cms.Identity;
import cn.tongban.docsign.pki.Credential;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The signing order of an application: the applicant certifies (DocMDP P=2, B-T), the clerk signs
 * (B-T), the owning hall seals (B-LT for every signature, then a document time-stamp: B-LTA). Each
 * step is one incremental update of the previous step's bytes.
 */
public final class ApplicationSigningFlow {
    private final PadesSigner signer;

    public ApplicationSigningFlow(PadesSigner signer) {
        this.signer = signer;
    }

    /** Step 1 with a key held here (kiosk, demo). */
    public byte[] applicantSigns(byte[] formPdf, Credential applicant, byte[] handwrittenPng, Instant at) {
        return signer.sign(formPdf, applicant, applicantRequest(applicant.certificate(), handwrittenPng, at));
    }

    /**
     * Step 1 with the applicant's key in the browser: returns what the browser must sign; finish
     * with {@link PadesSigner#complete(PreparedSignature, byte[])}.
     */
    public PreparedSignature applicantPrepares(
            byte[] formPdf, List<X509Certificate> chain, byte[] handwrittenPng, Instant at) {
        return signer.prepare(formPdf, chain, applicantRequest(chain.get(0), handwrittenPng, at));
    }

    /**
     * Step 2: the clerk of the owning hall. The stamp shows the clerk's name, staff number and hall
     * as the certificate states them.
     */
    public byte[] clerkSigns(byte[] pdf, Credential clerk, Instant at) {
        return signer.sign(
                pdf,
                clerk,
                new SignRequest(
                        SignerRole.CLERK.fieldName(),
                        SignatureLevel.B_T,
                        false,
                        new SignatureAppearance.ClerkStamp(),
                        "受理人员核验并受理",
                        Identity.of(clerk.certificate()).organization(),
                        at));
    }

    /** Step 3: the owning hall's e-seal (the certificate's hall on the seal), finishing at PAdES B-LTA. */
    public byte[] hallSeals(byte[] pdf, Credential seal, Instant at) {
        return signer.sign(
                pdf,
                seal,
                new SignRequest(
                        SignerRole.HALL_SEAL.fieldName(),
                        SignatureLevel.B_LTA,
                        false,
                        new SignatureAppearance.OfficialSeal("电子印章"),
                        "办理单位电子印章",
                        Identity.of(seal.certificate()).organization(),
                        at));
    }

    private static SignRequest applicantRequest(X509Certificate cert, byte[] png, Instant at) {
        return new SignRequest(
                SignerRole.APPLICANT.fieldName(),
                SignatureLevel.B_T,
                true,
                new SignatureAppearance.Handwritten(png),
                "申请人确认申请内容属实",
                null,
                at);
    }
}
