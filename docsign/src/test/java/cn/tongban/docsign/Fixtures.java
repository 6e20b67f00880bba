package cn.tongban.docsign;

import cn.tongban.docsign.demo.DemoApplication;
import cn.tongban.docsign.form.ApplicationData;
import cn.tongban.docsign.form.ApplicationFormRenderer;
import cn.tongban.docsign.form.FormDefinition;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pdf.PdfLimits;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/** Shared test data: a realistic property-certificate application. */
public final class Fixtures {
    private static CjkFont font;

    private Fixtures() {}

    public static synchronized CjkFont font() {
        if (font == null) {
            font = CjkFont.openConfigured();
        }
        return font;
    }

    public static FormDefinition form() {
        return DemoApplication.form();
    }

    public static ApplicationData data() {
        return DemoApplication.data(font());
    }

    public static byte[] renderedForm() {
        return new ApplicationFormRenderer(font(), PdfLimits.DEFAULT).render(form(), data());
    }

    public static byte[] handwrittenPng() {
        return DemoApplication.handwrittenPng();
    }

    public static byte[] samplePng() {
        BufferedImage img = new BufferedImage(320, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(230, 240, 250));
        g.fillRect(0, 0, 320, 200);
        g.setColor(Color.DARK_GRAY);
        g.drawRect(10, 10, 300, 180);
        g.dispose();
        return png(img);
    }

    public static byte[] samplePdf() {
        try (PDDocument doc = new PDDocument()) {
            PDPage page = new PDPage();
            doc.addPage(page);
            try (PDPageContentStream cs = new PDPageContentStream(doc, page)) {
                cs.beginText();
                cs.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 14);
                cs.newLineAtOffset(72, 700);
                cs.showText("Statement of loss");
                cs.endText();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
