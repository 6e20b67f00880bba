package cn.tongban.docsign;

/**
 * Every failure the docsign module reports, with a stable code that callers (HTTP handlers, the
 * CLI, the browser) can match on. The code string never changes once released; the message is for
 * people.
 */
public enum DocsignError {
    /** The input is not a PDF or cannot be parsed. */
    PDF_CORRUPT("PDF_CORRUPT", "the file is not a readable PDF"),
    /** The input ends before its cross-reference data or trailer (e.g. an interrupted upload). */
    PDF_TRUNCATED("PDF_TRUNCATED", "the PDF is truncated"),
    /** The PDF is encrypted; we neither decrypt nor sign encrypted documents. */
    PDF_ENCRYPTED("PDF_ENCRYPTED", "the PDF is encrypted"),
    /** The file is larger than the configured cap. */
    PDF_TOO_LARGE("PDF_TOO_LARGE", "the PDF exceeds the size limit"),
    /** The PDF carries JavaScript, launch, or other actions that run on opening or interaction. */
    PDF_ACTIVE_CONTENT("PDF_ACTIVE_CONTENT", "the PDF contains JavaScript or launch actions"),
    /** A compressed stream expands far beyond any legitimate size (a "zip bomb"). */
    PDF_DECOMPRESSION_BOMB("PDF_DECOMPRESSION_BOMB", "a compressed stream expands beyond the limit"),
    /** Parsing needed more memory than allowed. */
    PDF_RESOURCE_LIMIT("PDF_RESOURCE_LIMIT", "processing the PDF exceeded its memory or time budget"),
    /**
     * The PDF's object graph is nested deeper than the parser or the verifier follows (a chain of
     * tens of thousands of objects, each referring to the next).
     */
    PDF_NESTING_LIMIT("PDF_NESTING_LIMIT", "the PDF's objects are nested deeper than the limit"),
    /** An attached material is not an accepted type (PNG, JPEG, PDF) or lies about its type. */
    MATERIAL_UNSUPPORTED("MATERIAL_UNSUPPORTED", "the material is not a PNG, JPEG or PDF"),
    /** An attached image is malformed or has absurd dimensions. */
    MATERIAL_INVALID_IMAGE("MATERIAL_INVALID_IMAGE", "the image material is invalid or too large"),
    /** A required form field has no value. */
    FORM_FIELD_MISSING("FORM_FIELD_MISSING", "a required form field has no value"),
    /** The CJK font could not be found or read. */
    FONT_UNAVAILABLE("FONT_UNAVAILABLE", "the CJK font could not be loaded"),
    /** Key store could not be created, read, or the password is wrong. */
    PKI_KEYSTORE("PKI_KEYSTORE", "the PKI key store could not be read or written"),
    /**
     * An externally issued credential or trust anchor (see {@code ExternalCredentials}) is
     * unreadable, does not chain to a configured trust anchor, is expired, or has the wrong purpose.
     */
    PKI_EXTERNAL_INVALID("PKI_EXTERNAL_INVALID", "an externally issued credential or trust anchor is unusable"),
    /** A certificate could not be issued or a PKI request is malformed. */
    PKI_REQUEST_INVALID("PKI_REQUEST_INVALID", "the PKI request is malformed"),
    /** The time-stamp authority did not grant a token. */
    TSA_FAILED("TSA_FAILED", "the time-stamp authority did not grant a token"),
    /** Revocation data (OCSP/CRL) could not be obtained. */
    REVOCATION_UNAVAILABLE("REVOCATION_UNAVAILABLE", "revocation data could not be obtained"),
    /** The document's DocMDP permissions forbid adding this signature. */
    SIGN_NOT_PERMITTED("SIGN_NOT_PERMITTED", "the document's certification forbids further signatures"),
    /** The externally produced signature is malformed or does not verify. */
    SIGN_EXTERNAL_INVALID("SIGN_EXTERNAL_INVALID", "the returned signature does not verify"),
    /**
     * An encoded prepared signature ({@code PreparedSignature.decode}) is truncated, altered, too large, of
     * an unknown version, or inconsistent (its byte range or signed attributes do not fit its document).
     */
    PREPARED_SIGNATURE_INVALID(
            "PREPARED_SIGNATURE_INVALID", "the stored prepared signature is corrupt or not a prepared signature"),
    /** The signer's certificate is expired or not yet valid at the signing time. */
    SIGN_CREDENTIAL_EXPIRED("SIGN_CREDENTIAL_EXPIRED", "the signer's certificate is not valid at the signing time"),
    /** The signer's certificate is revoked, or its CA does not know it (OCSP {@code unknown}). */
    SIGN_CREDENTIAL_REVOKED("SIGN_CREDENTIAL_REVOKED", "the signer's certificate is revoked or unknown to its CA"),
    /**
     * The signer's certificate is not one the field accepts: it does not carry the role of the field
     * (an applicant certificate in the clerk's field, a clerk certificate in the seal's field, no role
     * at all), or the field's seed value names another subject (a clerk of another hall).
     */
    SIGN_ROLE_MISMATCH("SIGN_ROLE_MISMATCH", "the signer's certificate is not accepted for this field (role or hall)"),
    /** Signing failed for a reason not listed above. */
    SIGN_FAILED("SIGN_FAILED", "signing failed"),
    /**
     * An unexpected failure inside docsign while processing untrusted input (a bug, or a hostile
     * file reaching a corner no check anticipated): reported instead of a stack trace.
     */
    INTERNAL("INTERNAL", "an unexpected failure while processing the document"),
    /** An unexpected I/O failure. */
    IO("IO", "I/O error");

    private final String code;
    private final String description;

    DocsignError(String code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The stable machine-readable code. */
    public String code() {
        return code;
    }

    /** A short English description. */
    public String description() {
        return description;
    }
}
