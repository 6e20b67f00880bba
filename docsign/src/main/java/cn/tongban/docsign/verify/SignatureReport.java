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
 * @param claimedSigningTime /M of the signature dictionary (claimed by the signer, unproven)
 * @param timestampTime genTime of the signature time-stamp (or of the document time-stamp)
 * @param integrity the digest and signature verify over the signed bytes
 * @param coversWholeRevision the byte range covers the whole revision it belongs to except /Contents
 * @param coversWholeDocument the byte range reaches the end of the file
 * @param byteRange the /ByteRange
 * @param certification whether this is a certification (DocMDP) signature, with {@code docMdpPermissions}
 * @param chain subjects from the signer to the anchor
 * @param trusted the chain ends at a configured trust anchor
 * @param revocation GOOD, REVOKED, REVOKED_AFTER_SIGNING or UNKNOWN (at the signing time)
 * @param revocationSource where the status came from (OCSP/CRL from the DSS), or NONE
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
        String padesLevel,
        Verdict verdict,
        List<Finding> findings) {}
