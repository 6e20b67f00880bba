package cn.tongban.docsign.verify;

/**
 * One problem found during verification: a stable {@link Code} and a human-readable detail.
 *
 * @param code the stable code
 * @param detail what exactly was found (page, object, byte offsets)
 */
public record Finding(Code code, String detail) {
    /** Stable finding codes. {@link Severity#INVALID} codes make a signature invalid. */
    public enum Code {
        /** /ByteRange is malformed (not four non-negative integers starting at 0, overlapping...). */
        BYTE_RANGE_INVALID(Severity.INVALID),
        /** The byte range reaches beyond the end of the file (truncated file). */
        BYTE_RANGE_BEYOND_FILE(Severity.INVALID),
        /** The signed bytes do not end at a revision boundary (%%EOF): a revision is partly signed. */
        BYTE_RANGE_NOT_AT_REVISION_END(Severity.INVALID),
        /** The gap between the two byte ranges is not exactly the /Contents hex string of this signature (signature wrapping). */
        SIGNATURE_WRAPPING(Severity.INVALID),
        /** The signature dictionary itself lies outside the signed bytes (signature wrapping / USF). */
        SIGNATURE_DICTIONARY_UNSIGNED(Severity.INVALID),
        /** The signed bytes' digest differs from the signed message-digest: the file changed after signing. */
        DIGEST_MISMATCH(Severity.INVALID),
        /** The cryptographic signature does not verify with the signer's key. */
        SIGNATURE_INVALID(Severity.INVALID),
        /** The CMS is unreadable or lacks its signer certificate. */
        CMS_MALFORMED(Severity.INVALID),
        /** signing-certificate-v2 does not match the certificate that verified the signature. */
        SIGNING_CERTIFICATE_MISMATCH(Severity.INVALID),
        /** An incremental update after this signature changed page content, annotations, fields or catalog entries. */
        MODIFIED_AFTER_SIGNING(Severity.INVALID),
        /** The file continues after its last revision with bytes that no signature covers and that are no valid update. */
        UNSIGNED_TRAILING_DATA(Severity.INVALID),
        /** A change that the certification signature's DocMDP permissions forbid. */
        DOCMDP_VIOLATION(Severity.INVALID),
        /** The document carries JavaScript, launch or similar actions (they can change what is shown). */
        ACTIVE_CONTENT(Severity.INVALID),
        /** A time-stamp token is invalid or does not match what it claims to time-stamp. */
        TIMESTAMP_INVALID(Severity.INVALID),
        /** The signer's certificate was revoked before the signing time. */
        REVOKED(Severity.INVALID),
        /** A certificate was not valid (expired or not yet valid) at the signing time. */
        CERTIFICATE_NOT_VALID_AT_SIGNING_TIME(Severity.INVALID),
        /** The chain does not reach a trust anchor. */
        CHAIN_UNTRUSTED(Severity.INDETERMINATE),
        /** No revocation data for some certificate of the chain. */
        REVOCATION_UNKNOWN(Severity.INDETERMINATE),
        /** Not a PAdES baseline signature (wrong SubFilter, missing signing-certificate-v2, signing-time present). */
        NOT_PADES_BASELINE(Severity.INFO),
        /** An incremental update after this signature only added validation data, time-stamps or signatures. */
        ALLOWED_UPDATE_AFTER_SIGNING(Severity.INFO),
        /** Revoked after the signing time (the signature stays valid thanks to the time-stamp). */
        REVOKED_AFTER_SIGNING(Severity.INFO);

        private final Severity severity;

        Code(Severity severity) {
            this.severity = severity;
        }

        /** How the finding affects the verdict. */
        public Severity severity() {
            return severity;
        }
    }

    /** Effect of a finding on the verdict. */
    public enum Severity {
        INVALID,
        INDETERMINATE,
        INFO
    }
}
