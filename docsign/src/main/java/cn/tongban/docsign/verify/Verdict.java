package cn.tongban.docsign.verify;

/** Outcome of verifying one signature or a whole document (ETSI EN 319 102-1 §5.1.3 terms). */
public enum Verdict {
    /** Cryptographically intact, unmodified, trusted, not revoked at signing time. */
    VALID,
    /** Proven bad: modified, wrong signature, revoked, malformed. */
    INVALID,
    /** Not provably bad but not provably good: untrusted chain or unknown revocation status. */
    INDETERMINATE,
    /** The document has no signatures. */
    NO_SIGNATURES
}
