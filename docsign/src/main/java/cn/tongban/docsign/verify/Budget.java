package cn.tongban.docsign.verify;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.pdf.PdfLimits;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.InflaterInputStream;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;

/**
 * What one verification may spend: the CPU-time budget of {@link PdfLimits#maxMillis()} and, for
 * everything the verifier decodes itself (validation data, appearance streams), {@link
 * PdfLimits#maxTotalDecodedBytes()} in all. Single-threaded, like the verification it belongs to.
 */
final class Budget {
    private final PdfLimits limits;
    private final PdfLimits.Deadline deadline;
    private long decoded;
    private int ticks;

    Budget(PdfLimits limits) {
        this.limits = limits;
        this.deadline = limits.deadline();
    }

    PdfLimits limits() {
        return limits;
    }

    PdfLimits.Deadline deadline() {
        return deadline;
    }

    /** Checks the CPU budget (now). */
    void check() {
        deadline.check();
    }

    /** Checks the CPU budget every 256th call: cheap enough for inner loops. */
    void tick() {
        if ((++ticks & 0xff) == 0) {
            deadline.check();
        }
    }

    /**
     * The decoded bytes of {@code s}, which must be unfiltered or Flate-compressed, at most {@code max}
     * of them; {@code null} for any other filter. Decoded here with hard caps instead of through
     * PDFBox's filters, which would inflate a hostile stream completely before anything could stop it.
     */
    byte[] decode(COSStream s, int max) throws IOException {
        COSBase filter = s.getDictionaryObject(COSName.FILTER);
        boolean flate = COSName.FLATE_DECODE.equals(filter)
                || (filter instanceof COSArray fa && fa.size() == 1 && COSName.FLATE_DECODE.equals(fa.getObject(0)));
        if (filter != null && !flate) {
            return null;
        }
        if (flate && s.getDictionaryObject(COSName.DECODE_PARMS) != null) {
            return null; // predictors: not something validation data or our appearances use
        }
        try (InputStream raw = s.createRawInputStream();
                InputStream in = flate ? new InflaterInputStream(raw) : raw) {
            byte[] b = in.readNBytes(max);
            charge(b.length);
            return b;
        }
    }

    /** Counts {@code n} decoded bytes against the document's total. */
    void charge(long n) {
        decoded += n;
        if (decoded > limits.maxTotalDecodedBytes()) {
            throw new DocsignException(
                    DocsignError.PDF_RESOURCE_LIMIT,
                    "decoded more than " + limits.maxTotalDecodedBytes() + " bytes of validation data and appearances");
        }
        tick();
    }
}
