package cn.tongban.docsign.verify;

/**
 * One piece of revocation data the verifier considered for one certificate, and what became of it.
 * Times are ISO-8601 UTC.
 *
 * @param certificate the subject of the certificate it is about
 * @param source {@code OCSP} or {@code CRL}
 * @param status what it says at the time in question: GOOD, REVOKED, REVOKED_AFTER_SIGNING or UNKNOWN
 * @param revokedAt the revocation time it states, or {@code null}
 * @param thisUpdate when its information was current (OCSP {@code thisUpdate}, CRL {@code thisUpdate})
 * @param producedAt when an OCSP response was signed, or {@code null}
 * @param signedBy the responder or CRL issuer
 * @param revision the revision of the document in whose DSS it first appears (1-based)
 * @param timestampedAt the time of the first valid document time-stamp covering it (its proof of
 *     existence), or {@code null} when none does
 * @param use {@code USED}, or {@code IGNORED: } and why (stale, not covered by a time-stamp, signed by
 *     someone not entitled to, older than the one used)
 */
public record RevocationEvidence(
        String certificate,
        String source,
        String status,
        String revokedAt,
        String thisUpdate,
        String producedAt,
        String signedBy,
        int revision,
        String timestampedAt,
        String use) {}
