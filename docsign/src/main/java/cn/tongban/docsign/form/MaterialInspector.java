package cn.tongban.docsign.form;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pdf.PdfSafety;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.apache.pdfbox.pdmodel.PDDocument;

/**
 * Decides whether an uploaded material may be embedded: the type is sniffed from the bytes (never
 * taken from the file name), image dimensions are read from headers without decoding pixels, and
 * PDFs go through {@link PdfSafety#loadPassive}.
 */
public final class MaterialInspector {
    /** Largest accepted image, in pixels (about a 12000 × 8000 scan). */
    public static final long MAX_IMAGE_PIXELS = 100_000_000L;

    private MaterialInspector() {}

    /**
     * Returns the MIME type of an acceptable material or throws a {@link DocsignException}: whatever
     * the content provokes (deep nesting, exhausted memory, a parser's runtime exception) ends as one
     * of {@link DocsignError}'s codes, never as another exception.
     */
    public static String inspect(byte[] content, PdfLimits limits) {
        try {
            return inspectUnguarded(content, limits);
        } catch (DocsignException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            throw PdfSafety.failure(e);
        }
    }

    private static String inspectUnguarded(byte[] content, PdfLimits limits) {
        if (content.length > limits.maxFileBytes()) {
            throw new DocsignException(DocsignError.PDF_TOO_LARGE, "material of " + content.length + " bytes");
        }
        if (startsWith(content, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})) {
            checkPngChunks(content);
            checkImage(content, "png");
            return "image/png";
        }
        if (startsWith(content, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff})) {
            if (!endsWithEoi(content)) {
                throw new DocsignException(
                        DocsignError.MATERIAL_INVALID_IMAGE, "JPEG without end-of-image marker (truncated)");
            }
            checkImage(content, "jpeg");
            return "image/jpeg";
        }
        if (startsWith(content, "%PDF-".getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
            try (PDDocument doc = PdfSafety.loadPassive(content, limits)) {
                if (doc.getNumberOfPages() == 0) {
                    throw new DocsignException(DocsignError.PDF_CORRUPT, "material PDF has no pages");
                }
            } catch (IOException e) {
                throw new DocsignException(DocsignError.PDF_CORRUPT, e.getMessage(), e);
            }
            return "application/pdf";
        }
        throw new DocsignException(DocsignError.MATERIAL_UNSUPPORTED, null);
    }

    private static void checkImage(byte[] content, String format) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(content))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
            if (!readers.hasNext()) {
                throw new DocsignException(DocsignError.MATERIAL_UNSUPPORTED, "no " + format + " reader");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0 || w * h > MAX_IMAGE_PIXELS) {
                    throw new DocsignException(DocsignError.MATERIAL_INVALID_IMAGE, w + "x" + h + " pixels");
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DocsignException d) {
                throw d;
            }
            throw new DocsignException(DocsignError.MATERIAL_INVALID_IMAGE, String.valueOf(e.getMessage()), e);
        }
    }

    /**
     * Walks the PNG chunk list (PNG spec §5.3: length, type, data, CRC-32 over type and data) up to
     * IEND, so truncated or tampered files are refused without decoding any pixels.
     */
    private static void checkPngChunks(byte[] b) {
        int i = 8;
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        while (i + 12 <= b.length) {
            long len =
                    ((b[i] & 0xffL) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (len > b.length - i - 12) {
                break;
            }
            int n = (int) len;
            crc.reset();
            crc.update(b, i + 4, 4 + n);
            int at = i + 8 + n;
            long stored = ((b[at] & 0xffL) << 24)
                    | ((b[at + 1] & 0xff) << 16)
                    | ((b[at + 2] & 0xff) << 8)
                    | (b[at + 3] & 0xff);
            if (crc.getValue() != stored) {
                throw new DocsignException(
                        DocsignError.MATERIAL_INVALID_IMAGE, "PNG chunk CRC mismatch at offset " + i);
            }
            if (b[i + 4] == 'I' && b[i + 5] == 'E' && b[i + 6] == 'N' && b[i + 7] == 'D') {
                return;
            }
            i = at + 4;
        }
        throw new DocsignException(DocsignError.MATERIAL_INVALID_IMAGE, "PNG truncated (no IEND chunk)");
    }

    private static boolean endsWithEoi(byte[] b) {
        for (int i = b.length - 1; i >= Math.max(1, b.length - 64); i--) {
            if (b[i - 1] == (byte) 0xff && b[i] == (byte) 0xd9) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
