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
        /**
         * An incremental update after this signature changed page content, annotations, fields or catalog
         * entries, or added, changed or deleted an object that PAdES and the DocMDP permissions do not allow.
         */
        MODIFIED_AFTER_SIGNING(Severity.INVALID),
        /**
         * An update after this signature adds or changes an annotation or widget that is not bound to a
         * verified signature (not in the AcroForm's field tree, or its value is no verified signature):
         * it can paint over the signed page.
         */
        UNBOUND_ANNOTATION(Severity.INVALID),
        /** An update after this signature adds or changes an object that nothing in the document refers to. */
        UNREFERENCED_OBJECT(Severity.INVALID),
        /** An update after this signature adds and changes nothing (one of many, or a padding trick). */
        EMPTY_REVISION(Severity.INVALID),
        /**
         * An update after this signature leaves a DSS that is not validation data: entries that are no
         * certificate, OCSP response or CRL, an entry listed repeatedly, or earlier entries dropped (a DSS may
         * only grow).
         */
        DSS_INVALID(Severity.INVALID),
        /**
         * Complete objects appended after the last {@code %%EOF} without cross-reference data: a repairing
         * reader may show them, so they are a modification (document-level).
         */
        XREF_LESS_APPEND(Severity.INVALID),
        /** More revisions follow the first signature than the verifier analyses (document-level). */
        TOO_MANY_REVISIONS(Severity.INVALID),
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
        /**
         * Issuers lead to a trust anchor but the path breaks RFC 5280 (an issuer that is not a CA, a path
         * length, a key usage, an unknown critical extension, a name constraint) or the certificate's
         * purpose (a time-stamping or OCSP certificate without its extended key usage).
         */
        CERT_PATH_INVALID(Severity.INVALID),
        /**
         * The certificate is not issued for the role of the field it signs (an applicant's certificate in
         * the clerk's field), or its issuing CA may not issue that role.
         */
        ROLE_MISMATCH(Severity.INVALID),
        /**
         * The certificate carries no Tongban role at all (issued before roles were marked, or by a CA that
         * does not mark them): who signed is known, in which role is not.
         */
        ROLE_UNMARKED(Severity.INDETERMINATE),
        /**
         * The clerk or seal belongs to another hall than the one the form names (its signature field's seed
         * value), or the clerk's and the seal's halls differ.
         */
        HALL_MISMATCH(Severity.INVALID),
        /** The visible appearance (or /Name) names someone other than the certificate does. */
        APPEARANCE_MISMATCH(Severity.INVALID),
        /** No revocation data for some certificate of the chain. */
        REVOCATION_UNKNOWN(Severity.INDETERMINATE),
        /** Not a PAdES baseline signature (wrong SubFilter, missing signing-certificate-v2, signing-time present). */
        NOT_PADES_BASELINE(Severity.INFO),
        /** An incremental update after this signature only added validation data, time-stamps or signatures. */
        ALLOWED_UPDATE_AFTER_SIGNING(Severity.INFO),
        /** Revoked after the signing time (the signature stays valid thanks to the time-stamp). */
        REVOKED_AFTER_SIGNING(Severity.INFO),
        /**
         * The visible appearance names the signer in no machine-readable form (a document not made by
         * docsign, or made before appearances were marked), so it was not compared with the certificate.
         */
        APPEARANCE_UNVERIFIED(Severity.INFO),
        /**
         * Validation data was added after the last document time-stamp: without proof of existence it is
         * not used to make a verdict better (document-level).
         */
        UNSIGNED_VALIDATION_DATA(Severity.INFO);

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
