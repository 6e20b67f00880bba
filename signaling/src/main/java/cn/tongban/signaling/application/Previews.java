package cn.tongban.signaling.application;

import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pdf.PdfSafety;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.rendering.ImageType;
import org.apache.pdfbox.rendering.PDFRenderer;

/**
 * Page images of an application for both parties to read before and after signing: each page rendered by
 * PDFBox (with the signature appearances) to a PNG at {@value #DPI} dpi, cached under {@code
 * <data-dir>/cache/previews/<sha256>-<page>.png} (a cache: any node renders them again from the stored PDF). Images, not the PDF itself, so every browser shows
 * the same thing without a PDF viewer (headless ones included).
 */
final class Previews {
    static final int DPI = 110;

    private final Path dir;

    Previews(Path dir) {
        this.dir = dir;
    }

    /** The number of pages of a PDF. */
    static int pages(byte[] pdf) {
        try (PDDocument doc = PdfSafety.load(pdf, PdfLimits.DEFAULT, false)) {
            return doc.getNumberOfPages();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** PNG of page {@code page} (0-based) of the PDF whose SHA-256 is {@code sha256}. */
    byte[] page(String sha256, int page, byte[] pdf) throws DocsignException {
        Path file = dir.resolve(sha256 + "-" + page + ".png");
        try {
            if (Files.exists(file)) {
                return Files.readAllBytes(file);
            }
            byte[] png;
            try (PDDocument doc = PdfSafety.load(pdf, PdfLimits.DEFAULT, false)) {
                if (page < 0 || page >= doc.getNumberOfPages()) {
                    throw new IllegalArgumentException("no page " + page);
                }
                BufferedImage img = new PDFRenderer(doc).renderImageWithDPI(page, DPI, ImageType.RGB);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ImageIO.write(img, "png", out);
                png = out.toByteArray();
            }
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "page-", ".tmp");
            Files.write(tmp, png);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return png;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
