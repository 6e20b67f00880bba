package cn.tongban.e2e;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.interactive.action.PDActionJavaScript;

/** Files an applicant uploads in the tests: a scan-like image, a one-page PDF, a PDF with JavaScript. */
final class Materials {
    private Materials() {}

    /** A PNG of {@code w} × {@code h} that looks like a scanned card (a photo block and text lines). */
    static byte[] png(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(214, 228, 240));
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(40, 60, 90));
        g.fillRect(w / 16, h / 6, w / 4, h / 2);
        g.fillRect(w / 2, h / 5, w / 3, h / 20);
        g.fillRect(w / 2, h / 3, w / 3, h / 20);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** A one-page PDF; with {@code hostile}, one that runs JavaScript when opened (the server refuses it). */
    static byte[] pdf(boolean hostile) throws Exception {
        try (PDDocument doc = new PDDocument()) {
            doc.addPage(new PDPage());
            if (hostile) {
                doc.getDocumentCatalog().setOpenAction(new PDActionJavaScript("app.alert(1)"));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        }
    }
}
