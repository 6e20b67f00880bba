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

    /** Returns the MIME type of an acceptable material or throws a {@link DocsignException}. */
    public static String inspect(byte[] content, PdfLimits limits) {
        if (content.length > limits.maxFileBytes()) {
            throw new DocsignException(DocsignError.PDF_TOO_LARGE, "material of " + content.length + " bytes");
        }
        if (startsWith(content, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})) {
            checkImage(content, "png");
            return "image/png";
        }
        if (startsWith(content, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff})) {
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
