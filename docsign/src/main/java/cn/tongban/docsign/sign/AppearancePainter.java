package cn.tongban.docsign.sign;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.cms.Identity;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pdf.PdfA3;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import javax.imageio.ImageIO;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.documentinterchange.markedcontent.PDPropertyList;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceStream;

/**
 * Draws signature appearances as form XObjects. All text is drawn as glyph outlines, so the
 * appearances carry no font and stay PDF/A-conformant whatever characters they contain. Every text
 * that names the signer comes from the certificate ({@link Identity}) and is drawn inside a marked
 * content sequence tagged {@link #NAME}, {@link #NUMBER} or {@link #ORGANIZATION} whose {@code
 * /ActualText} is the value drawn — glyph outlines cannot be read back, the marked values can.
 */
final class AppearancePainter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final float[] SEAL_RED = {0.86f, 0.08f, 0.10f};

    /** Marked-content tag of the signer's name (the certificate's common name). */
    static final COSName NAME = COSName.getPDFName("SignerName");
    /** Marked-content tag of the signer's number (the certificate's subject serial number). */
    static final COSName NUMBER = COSName.getPDFName("SignerNumber");
    /** Marked-content tag of the signer's organisation (the certificate's {@code O}, a hall). */
    static final COSName ORGANIZATION = COSName.getPDFName("SignerOrganization");

    private final CjkFont font;

    AppearancePainter(CjkFont font) {
        this.font = font;
    }

    PDAppearanceStream paint(PDDocument doc, SignatureAppearance a, Identity who, float w, float h, Instant time)
            throws IOException {
        PDAppearanceStream ap = new PDAppearanceStream(doc);
        ap.setBBox(new PDRectangle(w, h));
        ap.setResources(new PDResources());
        try (PDPageContentStream cs = new PDPageContentStream(doc, ap)) {
            String when = time.atZone(PdfA3.CHINA).format(TIME);
            if (a instanceof SignatureAppearance.Handwritten hw) {
                handwritten(doc, cs, hw, who, w, h, when);
            } else if (a instanceof SignatureAppearance.ClerkStamp) {
                clerk(cs, who, w, h, when);
            } else if (a instanceof SignatureAppearance.OfficialSeal s) {
                seal(cs, organization(who), s.bottomText(), w / 2, h / 2, Math.min(w, h) / 2 - 2);
            }
        }
        return ap;
    }

    private void handwritten(
            PDDocument doc,
            PDPageContentStream cs,
            SignatureAppearance.Handwritten hw,
            Identity who,
            float w,
            float h,
            String when)
            throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(hw.png()));
        } catch (IOException e) {
            img = null;
        }
        if (img == null || (long) img.getWidth() * img.getHeight() > 16_000_000L) {
            throw new DocsignException(
                    DocsignError.MATERIAL_INVALID_IMAGE, "handwritten signature is not a usable PNG");
        }
        PDImageXObject x = LosslessFactory.createFromImage(doc, img);
        float textBand = 30;
        float availW = w - 8;
        float availH = h - textBand - 6;
        float scale = Math.min(availW / img.getWidth(), availH / img.getHeight());
        float iw = img.getWidth() * scale;
        float ih = img.getHeight() * scale;
        cs.drawImage(x, (w - iw) / 2, textBand + (availH - ih) / 2 + 2, iw, ih);
        cs.setNonStrokingColor(0.2f, 0.2f, 0.2f);
        labelled(cs, "签名人：", NAME, who.name(), 4, 17, 8.5f);
        text(cs, "签名时间：" + when, 4, 5, 8.5f);
    }

    private void clerk(PDPageContentStream cs, Identity who, float w, float h, String when) throws IOException {
        String hall = organization(who);
        cs.setNonStrokingColor(0.92f, 0.95f, 1f);
        cs.addRect(0, 0, w, h);
        cs.fill();
        cs.setStrokingColor(0.15f, 0.3f, 0.6f);
        cs.setLineWidth(1);
        cs.addRect(1.5f, 1.5f, w - 3, h - 3);
        cs.stroke();
        cs.setNonStrokingColor(0.1f, 0.2f, 0.45f);
        float size = Math.min(18, (w - 12) / Math.max(2, who.name().length() + 4));
        labelled(cs, "受理人 ", NAME, who.name(), 8, h - 12 - size, size);
        cs.setNonStrokingColor(0.2f, 0.2f, 0.2f);
        float small = Math.min(8.5f, (w - 12) / Math.max(1, hall.length()));
        labelled(cs, "工号：", NUMBER, who.number() == null ? "" : who.number(), 8, h - 2 * size - 22, 8.5f);
        labelled(cs, "", ORGANIZATION, hall, 8, 30, small);
        text(cs, "已远程核验身份 · 数字签名", 8, 18, 8);
        text(cs, when, 8, 6, 8);
    }

    /** The official seal (公章) centred at (cx, cy) with outer radius r. */
    void seal(PDPageContentStream cs, String hallName, String bottomText, float cx, float cy, float r)
            throws IOException {
        cs.setStrokingColor(SEAL_RED[0], SEAL_RED[1], SEAL_RED[2]);
        cs.setNonStrokingColor(SEAL_RED[0], SEAL_RED[1], SEAL_RED[2]);
        float ring = r * 0.055f;
        cs.setLineWidth(ring);
        circle(cs, cx, cy, r - ring / 2);
        cs.stroke();

        // Five-pointed star: 10 vertices alternating outer/inner radius (inner = outer × sin18°/sin54°).
        float so = r * 0.34f;
        float si = so * 0.381966f;
        for (int k = 0; k < 10; k++) {
            double ang = Math.toRadians(90 + k * 36);
            float rr = k % 2 == 0 ? so : si;
            float px = cx + (float) (rr * Math.cos(ang));
            float py = cy + (float) (rr * Math.sin(ang));
            if (k == 0) {
                cs.moveTo(px, py);
            } else {
                cs.lineTo(px, py);
            }
        }
        cs.closePath();
        cs.fill();

        // Hall name along the upper arc, clockwise from lower-left to lower-right, glyph tops outward.
        cs.beginMarkedContent(ORGANIZATION, actualText(hallName));
        int[] cps = hallName.codePoints().toArray();
        int n = cps.length;
        double span = Math.toRadians(Math.min(236, 40 + n * 16.0));
        float inner = r - ring * 1.8f;
        float size = (float) Math.min(r * 0.24, span * inner * 0.72 / Math.max(1, n));
        float baseline = inner - size * 0.95f;
        for (int i = 0; i < n; i++) {
            double theta = Math.PI / 2 + span / 2 - (n == 1 ? span / 2 : i * span / (n - 1));
            AffineTransform at = new AffineTransform();
            at.translate(cx + baseline * Math.cos(theta), cy + baseline * Math.sin(theta));
            at.rotate(theta - Math.PI / 2);
            font.fillGlyphCentered(cs, cps[i], size, at);
        }
        cs.fill();
        cs.endMarkedContent();

        if (bottomText != null && !bottomText.isEmpty()) {
            float bs = r * 0.17f;
            float bw = font.width(bottomText, bs);
            AffineTransform at = AffineTransform.getTranslateInstance(cx - bw / 2, cy - r * 0.55f);
            font.fillText(cs, bottomText, bs, at);
        }
    }

    private static void circle(PDPageContentStream cs, float cx, float cy, float r) throws IOException {
        // Four cubic Béziers; k = 4/3·(√2−1) approximates a quarter circle.
        float k = 0.5522848f * r;
        cs.moveTo(cx + r, cy);
        cs.curveTo(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
        cs.curveTo(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
        cs.curveTo(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
        cs.curveTo(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
        cs.closePath();
    }

    private void text(PDPageContentStream cs, String s, float x, float y, float size) throws IOException {
        font.fillText(cs, s, size, AffineTransform.getTranslateInstance(x, y));
    }

    /** {@code label} as plain text, then {@code value} marked with {@code tag} and its ActualText. */
    private void labelled(PDPageContentStream cs, String label, COSName tag, String value, float x, float y, float size)
            throws IOException {
        if (!label.isEmpty()) {
            text(cs, label, x, y, size);
        }
        cs.beginMarkedContent(tag, actualText(value));
        text(cs, value, x + font.width(label, size), y, size);
        cs.endMarkedContent();
    }

    private static PDPropertyList actualText(String value) {
        COSDictionary d = new COSDictionary();
        d.setItem(COSName.ACTUAL_TEXT, new COSString(value));
        return PDPropertyList.create(d);
    }

    /** The hall a clerk or seal certificate names; a certificate without {@code O} cannot be drawn as one. */
    private static String organization(Identity who) {
        if (who.organization() == null) {
            throw new DocsignException(
                    DocsignError.SIGN_FAILED, "the certificate names no organisation (O) for the appearance");
        }
        return who.organization();
    }
}
