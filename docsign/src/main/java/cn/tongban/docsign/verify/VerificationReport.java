package cn.tongban.docsign.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;

/**
 * The verification report of one document.
 *
 * @param verdict overall verdict: VALID only if every signature and time-stamp is VALID
 * @param fileLength bytes in the file
 * @param revisions number of revisions (incremental updates + 1)
 * @param signatures per-signature reports in signing order
 * @param findings document-level findings (e.g. unsigned trailing data)
 */
public record VerificationReport(
        Verdict verdict, long fileLength, int revisions, List<SignatureReport> signatures, List<Finding> findings) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The report as pretty-printed JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
