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

    /** An unsigned receipt of a handed-over application. */
    public static byte[] receipt() {
        return new cn.tongban.docsign.form.ReceiptRenderer(Fixtures.font())
                .render(new cn.tongban.docsign.form.ReceiptRenderer.ReceiptData(
                        "HZ320412-20261122-0B8C5E",
                        "TB20261122-3F9A2C",
                        "不动产登记—产权证办理",
                        "BDC-0101",
                        "张**",
                        "常州市武进区政务服务中心",
                        "南京市鼓楼区政务服务中心",
                        java.time.Instant.parse("2026-11-22T01:02:03Z"),
                        "5d1c9e0b7d1a3c5e8f6a2b4d0c9e7f1a3b5d7c9e1f0a2b4c6d8e0f1a3b5c7d9e",
                        323921,
                        "VALID",
                        java.util.List.of(
                                new cn.tongban.docsign.form.ReceiptRenderer.SignatureLine(
                                        "申请人（签名）", "张**（申请人个人证书）", "2026-11-22 09:01:00", "VALID", "B-LTA"),
                                new cn.tongban.docsign.form.ReceiptRenderer.SignatureLine(
                                        "受理窗口工作人员", "李建国", "2026-11-22 09:01:30", "VALID", "B-LTA")),
                        java.util.List.of("身份证.png", "购房合同.pdf")));
    }
}
