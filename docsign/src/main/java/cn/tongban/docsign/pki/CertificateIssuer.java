package cn.tongban.docsign.pki;

import java.security.PublicKey;

/**
 * Issues the certificates of the signing flow. Each hall has its own CA under the federation root.
 */
public interface CertificateIssuer {
    /**
     * Issues a short-lived applicant certificate after identity verification, for a key generated
     * elsewhere (e.g. a non-extractable WebCrypto key in the applicant's browser). The returned
     * credential has no private key.
     */
    Credential issueApplicant(String hallId, String name, String idNumber, PublicKey publicKey);

    /** Issues an applicant certificate for a fresh key pair held here (kiosks, demos, tests). */
    Credential issueApplicantWithKey(String hallId, String name, String idNumber);

    /** The clerk's credential, created on first use and persisted. */
    Credential clerk(String hallId, String clerkId, String clerkName);

    /** The hall's electronic-seal credential, created on first use and persisted. */
    Credential hallSeal(String hallId);

    /** Revokes a certificate issued by a hall CA (RFC 5280 reason code {@code reason}). */
    void revoke(String hallId, java.math.BigInteger serial, int reason);
}
