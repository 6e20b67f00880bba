package cn.tongban.docsign.demo;

import cn.tongban.docsign.form.ApplicationData;
import cn.tongban.docsign.form.ApplicationFormRenderer;
import cn.tongban.docsign.form.FormDefinition;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pki.CertificateIssuer;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.TrustServices;
import cn.tongban.docsign.sign.ApplicationSigningFlow;
import cn.tongban.docsign.sign.PadesSigner;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType0Font;

/**
 * A complete example application (a property-certificate replacement in Wujin, accepted in Gulou):
 * the form, its materials, and the three signatures, produced with the embedded PKI. Used by the
 * {@code demo-application} command and by tests.
 */
public final class DemoApplication {
    private DemoApplication() {}

    /** Renders and signs the demo application with {@code pki}; returns the PAdES B-LTA PDF. */
    public static byte[] createSigned(EmbeddedPki pki, CjkFont font) {
        return createSigned(pki, pki, "wujin", "WJ0421", pki.hallName("wujin"), font);
    }

    /**
     * Renders and signs the demo application with credentials from {@code issuer} (which may hold
     * externally issued ones) for hall {@code hallId} and its clerk {@code clerkId}, with
     * time-stamps and revocation data from {@code trust}.
     */
    public static byte[] createSigned(
            CertificateIssuer issuer, TrustServices trust, String hallId, String clerkId, String hall, CjkFont font) {
        byte[] form = new ApplicationFormRenderer(font, PdfLimits.DEFAULT).render(form(), data(font, hall));
        ApplicationSigningFlow flow = new ApplicationSigningFlow(new PadesSigner(trust, font));
        Credential applicant = issuer.issueApplicantWithKey(hallId, "张晓梅", "320106198807000000");
        Credential clerk = issuer.clerk(hallId, clerkId, "李建国");
        Credential seal = issuer.hallSeal(hallId);
        byte[] a = flow.applicantSigns(form, applicant, handwrittenPng(), Instant.now());
        byte[] c = flow.clerkSigns(a, clerk, Instant.now());
        return flow.hallSeals(c, seal, Instant.now());
    }

    /** The matter's form definition. */
    public static FormDefinition form() {
        return new FormDefinition(
                "320412-BDC-017",
                "不动产权证书补换证",
                List.of(
                        new FormDefinition.FieldDefinition("location", "不动产坐落", true),
                        new FormDefinition.FieldDefinition("certNo", "原不动产权证书号", true),
                        new FormDefinition.FieldDefinition("area", "建筑面积（平方米）", true),
                        new FormDefinition.FieldDefinition("reason", "补换证原因", true),
                        new FormDefinition.FieldDefinition("delivery", "证书领取方式", false),
                        new FormDefinition.FieldDefinition("remark", "备注", false)),
                List.of(
                        new FormDefinition.MaterialRequirement("idcard", "申请人身份证明", true),
                        new FormDefinition.MaterialRequirement("statement", "不动产权证书遗失声明", true),
                        new FormDefinition.MaterialRequirement("other", "其他补充材料", false)));
    }

    /** The filled-in application with two materials (a PNG and a PDF), owned by the Wujin hall. */
    public static ApplicationData data(CjkFont font) {
        return data(font, "常州市武进区政务服务中心");
    }

    /** The filled-in application with two materials, owned by the hall named {@code owningHall}. */
    public static ApplicationData data(CjkFont font, String owningHall) {
        Instant start = Instant.parse("2026-11-21T02:10:05Z");
        return new ApplicationData(
                "WJ-2026-11-000173",
                new ApplicationData.Applicant("张晓梅", "居民身份证", "320106198807******", "139****5678"),
                owningHall,
                "南京市鼓楼区政务服务中心（合作大厅）",
                Map.of(
                        "location", "江苏省常州市武进区湖塘镇花园街 88 号 3 幢 2 单元 1502 室",
                        "certNo", "苏(2019)常州市不动产权第 0123456 号",
                        "area", "118.62",
                        "reason", "原证书于搬家过程中遗失，已在《常州日报》刊登遗失声明。",
                        "delivery", "邮寄送达：南京市鼓楼区中山北路 30 号"),
                List.of(
                        new ApplicationData.Material("idcard", "身份证正反面.png", idCardPng()),
                        new ApplicationData.Material("statement", "遗失声明.pdf", statementPdf(font))),
                new ApplicationData.SessionEvidence(
                        "S-7f3a9c21",
                        "李建国",
                        "WJ0421",
                        start,
                        start.plusSeconds(1127),
                        "9f2c7e4b1a0d53e6c8b7a4f1e2d3c4b5a69788796a5b4c3d2e1f00112233aabb"),
                start.plusSeconds(1100));
    }

    /** A handwriting-like stroke on a transparent background, like a browser canvas export. */
    public static byte[] handwrittenPng() {
        BufferedImage img = new BufferedImage(360, 140, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(20, 30, 90));
        g.setStroke(new BasicStroke(6, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D p = new Path2D.Double();
        p.moveTo(20, 90);
        p.curveTo(60, 10, 90, 130, 120, 60);
        p.curveTo(140, 20, 170, 120, 200, 70);
        p.curveTo(230, 30, 260, 110, 300, 50);
        p.moveTo(60, 110);
        p.lineTo(320, 100);
        g.draw(p);
        g.dispose();
        return png(img);
    }

    static byte[] idCardPng() {
        BufferedImage img = new BufferedImage(320, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(230, 240, 250));
        g.fillRect(0, 0, 320, 200);
        g.setColor(Color.DARK_GRAY);
        g.drawRect(10, 10, 300, 180);
        g.dispose();
        return png(img);
    }

    static byte[] statementPdf(CjkFont font) {
        try (PDDocument doc = new PDDocument()) {
            PDPage page = new PDPage();
            doc.addPage(page);
            PDType0Font f = font.embedSubset(doc);
            try (PDPageContentStream cs = new PDPageContentStream(doc, page)) {
                cs.beginText();
                cs.setFont(f, 16);
                cs.newLineAtOffset(72, 700);
                cs.showText("不动产权证书遗失声明");
                cs.endText();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
