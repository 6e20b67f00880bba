package cn.tongban.docsign.verify;

import java.util.List;

/**
 * What the verifier found about one signature or document time-stamp. Times are ISO-8601 UTC.
 *
 * @param index position in signing order (1-based)
 * @param fieldName the signature field's name
 * @param kind {@code SIGNATURE} or {@code DOCUMENT_TIMESTAMP}
 * @param subFilter e.g. {@code ETSI.CAdES.detached}
 * @param signer the signer certificate's subject (or the TSA's for a document time-stamp)
 * @param signerCommonName its common name
 * @param role the role the signer's certificate carries ({@code APPLICANT}, {@code CLERK}, {@code
 *     HALL_SEAL}) as far as its field requires one and the path proves it, else {@code null}
 * @param hall the hall the signer belongs to (a clerk's or seal's organisation, the hall whose CA
 *     issued an applicant's certificate), or {@code null}
 * @param claimedSigningTime /M of the signature dictionary (claimed by the signer, unproven)
 * @param timestampTime genTime of the signature time-stamp (or of the document time-stamp)
 * @param integrity the digest and signature verify over the signed bytes
 * @param coversWholeRevision the byte range covers the whole revision it belongs to except /Contents
 * @param coversWholeDocument the byte range reaches the end of the file
 * @param byteRange the /ByteRange
 * @param certification whether this is a certification (DocMDP) signature, with {@code docMdpPermissions}
 * @param chain subjects from the signer to the anchor
 * @param trusted the chain is a valid RFC 5280 path to a configured trust anchor
 * @param revocation GOOD, REVOKED, REVOKED_AFTER_SIGNING or UNKNOWN (at the signing time), for the
 *     worst certificate of the path
 * @param revocationSource where the signer certificate's status came from (OCSP/CRL from the DSS), or NONE
 * @param revocationEvidence every piece of revocation data considered for the path, and its use
 * @param padesLevel B-B, B-T, B-LT, B-LTA, or {@code null} when not PAdES baseline
 * @param verdict the signature's verdict
 * @param findings what is wrong (or notable), each with a stable code
 */
public record SignatureReport(
        int index,
        String fieldName,
        String kind,
        String subFilter,
        String signer,
        String signerCommonName,
        String role,
        String hall,
        String claimedSigningTime,
        String timestampTime,
        boolean integrity,
        boolean coversWholeRevision,
        boolean coversWholeDocument,
        long[] byteRange,
        boolean certification,
        Integer docMdpPermissions,
        List<String> chain,
        boolean trusted,
        String revocation,
        String revocationSource,
        List<RevocationEvidence> revocationEvidence,
        String padesLevel,
        Verdict verdict,
        List<Finding> findings) {}
