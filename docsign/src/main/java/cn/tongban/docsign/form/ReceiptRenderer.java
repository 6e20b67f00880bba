package cn.tongban.docsign.form;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pdf.PdfA3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceDictionary;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceStream;
import org.apache.pdfbox.pdmodel.interactive.form.PDAcroForm;
import org.apache.pdfbox.pdmodel.interactive.form.PDSignatureField;

/**
 * Renders the receipt (接收回执) an owning hall issues when it accepts a signed application handed over
 * by another hall: one A4 page, PDF/A-3b, with the receipt number, the application, the package's
 * SHA-256, the verification verdict per signature, and one empty signature field ({@link
 * SignerRole#HALL_SEAL}'s name) for the receiving hall's e-seal.
 *
 * <p>Thread-safe; the font is shared.
 */
public final class ReceiptRenderer {
    private static final float MARGIN = 56;
    private static final float LINE = 15;
    private static final float SEAL_BOX = 150;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /**
     * What the receipt says.
     *
     * @param receiptNo the receipt number
     * @param applicationId the application's number (申请编号)
     * @param matterName the matter
     * @param matterCode the matter's catalogue code
     * @param applicant the applicant as printed (mask upstream: the receipt travels further than the form)
     * @param owningHall the receiving, owning hall (办理地)
     * @param fromHall the hall that accepted the application and handed it over (受理地)
     * @param receivedAt when the package was received
     * @param packageSha256 hex SHA-256 of the received application PDF
     * @param packageBytes its size
     * @param verdict the overall verification verdict, e.g. {@code VALID}
     * @param signatures one line per verified signature or time-stamp
     * @param attachments the embedded materials' names
     */
    public record ReceiptData(
            String receiptNo,
            String applicationId,
            String matterName,
            String matterCode,
            String applicant,
            String owningHall,
            String fromHall,
            Instant receivedAt,
            String packageSha256,
            long packageBytes,
            String verdict,
            List<SignatureLine> signatures,
            List<String> attachments) {
        public ReceiptData {
            Objects.requireNonNull(receiptNo, "receiptNo");
            Objects.requireNonNull(applicationId, "applicationId");
            Objects.requireNonNull(receivedAt, "receivedAt");
            Objects.requireNonNull(packageSha256, "packageSha256");
            signatures = List.copyOf(signatures);
            attachments = List.copyOf(attachments);
        }
    }

    /** One verified signature: its field, who signed, the time-stamp time, its verdict and level. */
    public record SignatureLine(String field, String signer, String time, String verdict, String level) {}

    private final CjkFont cjk;

    public ReceiptRenderer(CjkFont cjk) {
        this.cjk = cjk;
    }

    /** The unsigned receipt; sign its {@code hallSeal} field with the receiving hall's seal. */
    public byte[] render(ReceiptData r) {
        try (PDDocument doc = new PDDocument()) {
            PDType0Font font = cjk.embedSubset(doc);
            PDPage page = new PDPage(PDRectangle.A4);
            doc.addPage(page);
            float width = PDRectangle.A4.getWidth() - 2 * MARGIN;
            float y = PDRectangle.A4.getHeight() - MARGIN;
            PDRectangle sealRect;
            try (PDPageContentStream cs = new PDPageContentStream(doc, page)) {
                Pen pen = new Pen(cs, font);
                pen.text("长三角政务服务 · 跨省通办", MARGIN, y - 10, 9, 0.35f);
                String no = "回执编号：" + r.receiptNo();
                pen.text(no, MARGIN + width - pen.width(no, 9), y - 10, 9, 0.35f);
                y -= 20;
                pen.line(MARGIN, y, MARGIN + width, y, 1.2f);
                y -= 38;
                String title = "跨省通办申请材料接收回执";
                pen.bold(title, MARGIN + (width - pen.width(title, 20)) / 2, y, 20);
                y -= 30;

                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"申请编号", r.applicationId()});
                rows.add(new String[] {"办理事项", safe(r.matterName()) + "（" + safe(r.matterCode()) + "）"});
                rows.add(new String[] {"申请人", safe(r.applicant())});
                rows.add(new String[] {"受理地（移交方）", safe(r.fromHall())});
                rows.add(new String[] {"办理地（接收方）", safe(r.owningHall())});
                rows.add(
                        new String[] {"接收时间", r.receivedAt().atZone(PdfA3.CHINA).format(TIME) + "（北京时间）"});
                rows.add(new String[] {"申请材料摘要", "SHA-256 " + r.packageSha256() + "（" + r.packageBytes() + " 字节）"});
                rows.add(new String[] {
                    "附件",
                    r.attachments().isEmpty()
                            ? "—"
                            : String.join(
                                    "、",
                                    r.attachments().stream()
                                            .map(ReceiptRenderer::safe)
                                            .toList())
                });
                rows.add(new String[] {"核验结论", verdictText(r.verdict())});
                for (String[] row : rows) {
                    y = pen.row(row[0], row[1], MARGIN, y, width);
                }
                y -= 16;
                pen.bold("签名核验明细", MARGIN, y, 11);
                y -= 8;
                float[] cols = {0.16f, 0.40f, 0.24f, 0.10f, 0.10f};
                y = pen.tableRow(new String[] {"签名域", "签署者", "时间戳时间", "结论", "级别"}, cols, MARGIN, y, width, true);
                for (SignatureLine s : r.signatures()) {
                    y = pen.tableRow(
                            new String[] {
                                safe(s.field()), safe(s.signer()), safe(s.time()), safe(s.verdict()), safe(s.level())
                            },
                            cols,
                            MARGIN,
                            y,
                            width,
                            false);
                }
                y -= 18;
                String note =
                        "说明：办理地大厅已收到上述申请材料，并依据本大厅信任列表逐一核验了申请人、受理人员的电子签名和办理单位电子印章。" + "本回执经接收大厅电子印章签署后生效，可在任一合作大厅核验。";
                for (String l : pen.wrap(note, width, 9.5f)) {
                    y -= 14;
                    pen.text(l, MARGIN, y, 9.5f, 0.15f);
                }
                float top = y - 30;
                float x = MARGIN + width - SEAL_BOX - 10;
                pen.text("接收单位（电子印章）", x, top + 6, 9.5f, 0.15f);
                cs.setStrokingColor(0.55f, 0.55f, 0.55f);
                cs.setLineWidth(0.6f);
                cs.setLineDashPattern(new float[] {3, 2}, 0);
                cs.addRect(x, top - SEAL_BOX, SEAL_BOX + 10, SEAL_BOX);
                cs.stroke();
                cs.setLineDashPattern(new float[] {}, 0);
                sealRect = new PDRectangle(x + 2, top - SEAL_BOX + 2, SEAL_BOX + 6, SEAL_BOX - 4);
            }
            PDAcroForm acro = new PDAcroForm(doc);
            acro.setDefaultResources(new PDResources());
            doc.getDocumentCatalog().setAcroForm(acro);
            PDSignatureField field = new PDSignatureField(acro);
            field.setPartialName(SignerRole.HALL_SEAL.fieldName());
            SignatureSeeds.apply(field, SignerRole.HALL_SEAL, r.owningHall());
            PDAnnotationWidget widget = field.getWidgets().get(0);
            widget.setRectangle(sealRect);
            widget.setPage(page);
            widget.setPrinted(true);
            PDAppearanceStream empty = new PDAppearanceStream(doc);
            empty.setBBox(new PDRectangle(sealRect.getWidth(), sealRect.getHeight()));
            empty.setResources(new PDResources());
            PDAppearanceDictionary ap = new PDAppearanceDictionary();
            ap.setNormalAppearance(empty);
            widget.setAppearance(ap);
            page.getAnnotations().add(widget);
            acro.getFields().add(field);
            PdfA3.makeConformant(
                    doc,
                    "接收回执 " + r.receiptNo(),
                    "申请编号 " + r.applicationId(),
                    r.receivedAt().atZone(PdfA3.CHINA));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new DocsignException(DocsignError.IO, e.getMessage(), e);
        }
    }

    private static String verdictText(String verdict) {
        if ("VALID".equals(verdict)) {
            return "通过：全部电子签名、电子印章和时间戳完整有效，证书链可信，未被吊销";
        }
        return safe(verdict);
    }

    private static String safe(String s) {
        return s == null ? "" : s.replaceAll("\\p{Cntrl}", " ");
    }

    /** Drawing helpers on one content stream. */
    private final class Pen {
        private final PDPageContentStream cs;
        private final PDType0Font font;

        Pen(PDPageContentStream cs, PDType0Font font) {
            this.cs = cs;
            this.font = font;
        }

        float row(String label, String value, float x, float y, float width) throws IOException {
            float lw = width * 0.24f;
            List<String> lines = wrap(value, width - lw - 10, 10);
            float h = Math.max(1, lines.size()) * LINE + 10;
            cs.setNonStrokingColor(0.965f, 0.955f, 0.94f);
            cs.addRect(x, y - h, lw, h);
            cs.fill();
            box(x, y - h, lw, h);
            box(x + lw, y - h, width - lw, h);
            text(label, x + 5, y - 5 - 10, 10, 0.25f);
            float ty = y - 5 - 10;
            for (String l : lines) {
                text(l, x + lw + 5, ty, 10, 0f);
                ty -= LINE;
            }
            return y - h;
        }

        float tableRow(String[] cells, float[] fractions, float x, float y, float width, boolean head)
                throws IOException {
            List<List<String>> wrapped = new ArrayList<>();
            int lines = 1;
            for (int i = 0; i < cells.length; i++) {
                List<String> w = wrap(cells[i], width * fractions[i] - 8, 8.5f);
                wrapped.add(w);
                lines = Math.max(lines, w.size());
            }
            float h = lines * 12 + 8;
            float cx = x;
            for (int i = 0; i < cells.length; i++) {
                float w = width * fractions[i];
                if (head) {
                    cs.setNonStrokingColor(0.93f, 0.90f, 0.86f);
                    cs.addRect(cx, y - h, w, h);
                    cs.fill();
                }
                box(cx, y - h, w, h);
                float ty = y - 4 - 8.5f;
                for (String l : wrapped.get(i)) {
                    text(l, cx + 4, ty, 8.5f, head ? 0.25f : 0f);
                    ty -= 12;
                }
                cx += w;
            }
            return y - h;
        }

        void box(float x, float y, float w, float h) throws IOException {
            cs.setStrokingColor(0.35f, 0.35f, 0.35f);
            cs.setLineWidth(0.5f);
            cs.addRect(x, y, w, h);
            cs.stroke();
        }

        void line(float x1, float y1, float x2, float y2, float w) throws IOException {
            cs.setStrokingColor(0.55f, 0.1f, 0.1f);
            cs.setLineWidth(w);
            cs.moveTo(x1, y1);
            cs.lineTo(x2, y2);
            cs.stroke();
        }

        void text(String s, float x, float y, float size, float gray) throws IOException {
            cs.beginText();
            cs.setFont(font, size);
            cs.setNonStrokingColor(gray, gray, gray);
            cs.newLineAtOffset(x, y);
            cs.showText(displayable(s));
            cs.endText();
        }

        void bold(String s, float x, float y, float size) throws IOException {
            // The font has no bold face: fill and stroke the glyphs for a heavier weight.
            cs.beginText();
            cs.setFont(font, size);
            cs.setRenderingMode(org.apache.pdfbox.pdmodel.graphics.state.RenderingMode.FILL_STROKE);
            cs.setLineWidth(size / 30);
            cs.setNonStrokingColor(0.1f, 0.1f, 0.1f);
            cs.setStrokingColor(0.1f, 0.1f, 0.1f);
            cs.newLineAtOffset(x, y);
            cs.showText(displayable(s));
            cs.setRenderingMode(org.apache.pdfbox.pdmodel.graphics.state.RenderingMode.FILL);
            cs.endText();
        }

        float width(String s, float size) throws IOException {
            return font.getStringWidth(displayable(s)) / 1000 * size;
        }

        List<String> wrap(String s, float max, float size) throws IOException {
            List<String> out = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            float w = 0;
            String text = displayable(s);
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                String ch = new String(Character.toChars(cp));
                float cw = width(ch, size);
                if (w + cw > max && line.length() > 0) {
                    out.add(line.toString());
                    line.setLength(0);
                    w = 0;
                }
                line.append(ch);
                w += cw;
            }
            out.add(line.toString());
            return out;
        }

        private String displayable(String s) {
            StringBuilder b = new StringBuilder();
            safe(s).codePoints().forEach(cp -> b.appendCodePoint(cjk.canDisplay(cp) ? cp : '?'));
            return b.toString();
        }
    }
}
