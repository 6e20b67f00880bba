package cn.tongban.docsign.form;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pdf.PdfA3;
import cn.tongban.docsign.pdf.PdfLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.pdfbox.cos.COSName;
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
 * Renders an application (申请表) as an A4 PDF/A-3b document: header, applicant block, matter and
 * halls, the field table, the materials list, the session evidence, and one empty signature field
 * per {@link SignerRole} on the last page. Materials are embedded as associated files.
 *
 * <p>Thread-safe; the font is shared.
 */
public final class ApplicationFormRenderer {
    private static final float MARGIN = 48;
    private static final float ROW_PAD = 5;
    private static final float FONT_SIZE = 10;
    private static final float LINE = 14;
    private static final float SIG_BOX_HEIGHT = 118;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy年MM月dd日");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final CjkFont cjk;
    private final PdfLimits limits;

    public ApplicationFormRenderer(CjkFont cjk, PdfLimits limits) {
        this.cjk = cjk;
        this.limits = limits;
    }

    /** Renders the form; throws {@link DocsignException} for missing required values or bad materials. */
    public byte[] render(FormDefinition form, ApplicationData data) {
        for (FormDefinition.FieldDefinition f : form.fields()) {
            String v = data.values().get(f.key());
            if (f.required() && (v == null || v.isBlank())) {
                throw new DocsignException(DocsignError.FORM_FIELD_MISSING, f.key() + " (" + f.label() + ")");
            }
        }
        List<PdfA3.Attachment> attachments = new ArrayList<>();
        List<String[]> materialRows = new ArrayList<>();
        int n = 1;
        for (FormDefinition.MaterialRequirement req : form.materials()) {
            List<ApplicationData.Material> given = data.materials().stream()
                    .filter(m -> m.requirementKey().equals(req.key()))
                    .toList();
            if (given.isEmpty()) {
                materialRows.add(
                        new String[] {String.valueOf(n++), req.label(), req.required() ? "必需" : "可选", "未提交", ""});
            }
            for (ApplicationData.Material m : given) {
                String mime = MaterialInspector.inspect(m.content(), limits);
                attachments.add(new PdfA3.Attachment(m.fileName(), mime, req.label(), m.content(), "Source"));
                materialRows.add(new String[] {
                    String.valueOf(n++),
                    req.label(),
                    req.required() ? "必需" : "可选",
                    m.fileName(),
                    HexFormat.of().formatHex(sha256(m.content())).substring(0, 16)
                });
            }
        }
        try (PDDocument doc = new PDDocument()) {
            PDType0Font font = cjk.embedSubset(doc);
            Page page = new Page(doc, font);
            ZonedDateTime created = data.createdAt().atZone(PdfA3.CHINA);

            page.header(form, data, created);
            page.section("一、申请人信息");
            ApplicationData.Applicant a = data.applicant();
            page.row4("申请人姓名", a.name(), "联系电话", a.phone());
            page.row4("证件类型", a.idType(), "证件号码", a.idNumber());

            page.section("二、办理事项");
            page.row2("事项名称", form.matterName());
            page.row4("事项编码", form.matterCode(), "申请编号", data.applicationId());
            page.row4("办理地（属地大厅）", data.owningHall(), "受理地（合作大厅）", data.acceptingHall());

            page.section("三、申请内容");
            for (FormDefinition.FieldDefinition f : form.fields()) {
                String v = data.values().getOrDefault(f.key(), "");
                page.row2(f.label() + (f.required() ? " *" : ""), v.isBlank() ? "—" : v);
            }

            page.section("四、申请材料");
            page.table(
                    new String[] {"序号", "材料名称", "要求", "提交文件（附件）", "SHA-256（前16位）"},
                    new float[] {0.07f, 0.33f, 0.08f, 0.30f, 0.22f},
                    materialRows);

            page.section("五、远程办理过程记录");
            ApplicationData.SessionEvidence e = data.evidence();
            page.row4("会话编号", e.sessionId(), "窗口工作人员", e.clerkName() + "（工号 " + e.clerkId() + "）");
            page.row4("开始时间", time(e.start()), "记录截至", time(e.end()));
            page.row2("音视频录像摘要", recordingLine(e));

            page.declaration();
            page.signatureBoxes(data.owningHall());
            page.finish();

            PdfA3.makeConformant(doc, form.matterName() + "申请表", "申请编号 " + data.applicationId(), created);
            PdfA3.attach(doc, attachments, created);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        } catch (IOException ex) {
            throw new DocsignException(DocsignError.IO, ex.getMessage(), ex);
        }
    }

    private static String time(Instant t) {
        return t == null ? "—" : t.atZone(PdfA3.CHINA).format(TIME);
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The layout cursor: draws rows top-down and starts a new page when one is full. */
    private final class Page {
        private final PDDocument doc;
        private final PDType0Font font;
        private final List<PDPage> pages = new ArrayList<>();
        private PDPageContentStream cs;
        private float y;
        private final float width = PDRectangle.A4.getWidth() - 2 * MARGIN;

        Page(PDDocument doc, PDType0Font font) throws IOException {
            this.doc = doc;
            this.font = font;
            newPage();
        }

        void newPage() throws IOException {
            if (cs != null) {
                cs.close();
            }
            PDPage p = new PDPage(PDRectangle.A4);
            doc.addPage(p);
            pages.add(p);
            cs = new PDPageContentStream(doc, p);
            y = PDRectangle.A4.getHeight() - MARGIN;
        }

        void ensure(float h) throws IOException {
            if (y - h < MARGIN + 24) {
                newPage();
            }
        }

        void header(FormDefinition form, ApplicationData data, ZonedDateTime created) throws IOException {
            text("长三角政务服务 · 跨省通办远程虚拟窗口", MARGIN, y - 10, 9, 0.35f);
            String no = "申请编号：" + data.applicationId();
            text(no, MARGIN + width - textWidth(no, 9), y - 10, 9, 0.35f);
            y -= 20;
            line(MARGIN, y, MARGIN + width, y, 1.2f, 0.55f, 0.1f, 0.1f);
            y -= 34;
            String title = safe(form.matterName()) + "申请表";
            float size = Math.min(22, width / Math.max(1, title.length()) * 0.95f);
            boldText(title, MARGIN + (width - textWidth(title, size)) / 2, y, size);
            y -= 20;
            String sub = "申请日期：" + created.format(DAY) + "    办理方式：远程视频受理";
            text(sub, MARGIN + (width - textWidth(sub, 9.5f)) / 2, y, 9.5f, 0.2f);
            y -= 16;
        }

        void section(String title) throws IOException {
            ensure(60);
            y -= 8;
            cs.setNonStrokingColor(0.93f, 0.90f, 0.86f);
            cs.addRect(MARGIN, y - 20, width, 20);
            cs.fill();
            cs.setNonStrokingColor(0.60f, 0.10f, 0.10f);
            cs.addRect(MARGIN, y - 20, 3, 20);
            cs.fill();
            boldText(title, MARGIN + 10, y - 14.5f, 11);
            y -= 20;
        }

        void row2(String label, String value) throws IOException {
            float lw = width * 0.22f;
            List<String> lines = wrap(safe(value), width - lw - 2 * ROW_PAD, FONT_SIZE);
            List<String> labelLines = wrap(label, lw - 2 * ROW_PAD, FONT_SIZE);
            float h = Math.max(lines.size(), labelLines.size()) * LINE + 2 * ROW_PAD;
            ensure(h);
            cell(MARGIN, lw, h, labelLines, true);
            cell(MARGIN + lw, width - lw, h, lines, false);
            y -= h;
        }

        void row4(String l1, String v1, String l2, String v2) throws IOException {
            float lw = width * 0.16f;
            float vw = width / 2 - lw;
            List<String> a = wrap(safe(v1), vw - 2 * ROW_PAD, FONT_SIZE);
            List<String> b = wrap(safe(v2), vw - 2 * ROW_PAD, FONT_SIZE);
            List<String> la = wrap(l1, lw - 2 * ROW_PAD, FONT_SIZE);
            List<String> lb = wrap(l2, lw - 2 * ROW_PAD, FONT_SIZE);
            int lines = Math.max(Math.max(a.size(), b.size()), Math.max(la.size(), lb.size()));
            float h = lines * LINE + 2 * ROW_PAD;
            ensure(h);
            cell(MARGIN, lw, h, la, true);
            cell(MARGIN + lw, vw, h, a, false);
            cell(MARGIN + lw + vw, lw, h, lb, true);
            cell(MARGIN + 2 * lw + vw, vw, h, b, false);
            y -= h;
        }

        void table(String[] head, float[] fractions, List<String[]> rows) throws IOException {
            tableRow(head, fractions, true);
            for (String[] r : rows) {
                tableRow(r, fractions, false);
            }
        }

        private void tableRow(String[] cells, float[] fractions, boolean head) throws IOException {
            List<List<String>> wrapped = new ArrayList<>();
            int lines = 1;
            for (int i = 0; i < cells.length; i++) {
                List<String> w = wrap(safe(cells[i]), width * fractions[i] - 2 * ROW_PAD, FONT_SIZE - 1);
                wrapped.add(w);
                lines = Math.max(lines, w.size());
            }
            float h = lines * (LINE - 1) + 2 * ROW_PAD;
            ensure(h);
            float x = MARGIN;
            for (int i = 0; i < cells.length; i++) {
                float w = width * fractions[i];
                cell(x, w, h, wrapped.get(i), head, FONT_SIZE - 1, LINE - 1);
                x += w;
            }
            y -= h;
        }

        void declaration() throws IOException {
            String text = "申请人声明：本人已通过远程视频方式核实身份，知悉并同意以电子方式办理本事项；"
                    + "所填信息及提交材料真实、准确、完整，如有虚假，愿承担相应法律责任。"
                    + "本表经申请人、受理人员电子签名及办理单位电子印章后生效，依据《中华人民共和国电子签名法》与手写签名或盖章具有同等法律效力。";
            List<String> lines = wrap(text, width, 9);
            ensure(lines.size() * 13 + 12);
            y -= 12;
            for (String l : lines) {
                y -= 13;
                text(l, MARGIN, y, 9, 0.15f);
            }
        }

        void signatureBoxes(String owningHall) throws IOException {
            ensure(SIG_BOX_HEIGHT + 30);
            y -= 14;
            float gap = 12;
            float w = (width - 2 * gap) / 3;
            PDAcroForm acro = new PDAcroForm(doc);
            acro.setSignaturesExist(false);
            doc.getDocumentCatalog().setAcroForm(acro);
            acro.setDefaultResources(new PDResources());
            PDPage page = pages.get(pages.size() - 1);
            float x = MARGIN;
            for (SignerRole role : SignerRole.values()) {
                text(role.caption(), x, y - 10, 9.5f, 0.15f);
                float top = y - 16;
                cs.setStrokingColor(0.55f, 0.55f, 0.55f);
                cs.setLineWidth(0.6f);
                cs.setLineDashPattern(new float[] {3, 2}, 0);
                cs.addRect(x, top - SIG_BOX_HEIGHT, w, SIG_BOX_HEIGHT);
                cs.stroke();
                cs.setLineDashPattern(new float[] {}, 0);
                PDRectangle rect = new PDRectangle(x + 2, top - SIG_BOX_HEIGHT + 2, w - 4, SIG_BOX_HEIGHT - 4);
                addSignatureField(acro, page, role, rect, owningHall);
                x += w + gap;
            }
            y -= SIG_BOX_HEIGHT + 20;
        }

        private void addSignatureField(
                PDAcroForm acro, PDPage page, SignerRole role, PDRectangle rect, String owningHall) throws IOException {
            PDSignatureField field = new PDSignatureField(acro);
            field.setPartialName(role.fieldName());
            SignatureSeeds.apply(field, role, owningHall);
            PDAnnotationWidget widget = field.getWidgets().get(0);
            widget.setRectangle(rect);
            widget.setPage(page);
            widget.setPrinted(true);
            // PDF/A requires an appearance for every widget; an empty form XObject until signed.
            PDAppearanceStream empty = new PDAppearanceStream(doc);
            empty.setBBox(new PDRectangle(rect.getWidth(), rect.getHeight()));
            empty.setResources(new PDResources());
            PDAppearanceDictionary ap = new PDAppearanceDictionary();
            ap.setNormalAppearance(empty);
            widget.setAppearance(ap);
            page.getAnnotations().add(widget);
            acro.getFields().add(field);
        }

        void finish() throws IOException {
            cs.close();
            int total = pages.size();
            for (int i = 0; i < total; i++) {
                try (PDPageContentStream f =
                        new PDPageContentStream(doc, pages.get(i), PDPageContentStream.AppendMode.APPEND, true, true)) {
                    cs = f;
                    String foot = "第 " + (i + 1) + " 页  共 " + total + " 页";
                    line(MARGIN, MARGIN, MARGIN + width, MARGIN, 0.5f, 0.6f, 0.6f, 0.6f);
                    text(foot, MARGIN + (width - textWidth(foot, 8.5f)) / 2, MARGIN - 14, 8.5f, 0.4f);
                }
            }
            pages.get(0).getCOSObject().setItem(COSName.getPDFName("Tabs"), COSName.getPDFName("S"));
        }

        private void cell(float x, float w, float h, List<String> lines, boolean label) throws IOException {
            cell(x, w, h, lines, label, FONT_SIZE, LINE);
        }

        private void cell(float x, float w, float h, List<String> lines, boolean label, float size, float lead)
                throws IOException {
            if (label) {
                cs.setNonStrokingColor(0.965f, 0.955f, 0.94f);
                cs.addRect(x, y - h, w, h);
                cs.fill();
            }
            cs.setStrokingColor(0.35f, 0.35f, 0.35f);
            cs.setLineWidth(0.5f);
            cs.addRect(x, y - h, w, h);
            cs.stroke();
            float ty = y - ROW_PAD - size;
            for (String l : lines) {
                text(l, x + ROW_PAD, ty, size, label ? 0.25f : 0f);
                ty -= lead;
            }
        }

        private void line(float x1, float y1, float x2, float y2, float w, float r, float g, float b)
                throws IOException {
            cs.setStrokingColor(r, g, b);
            cs.setLineWidth(w);
            cs.moveTo(x1, y1);
            cs.lineTo(x2, y2);
            cs.stroke();
        }

        private void text(String s, float x, float ty, float size, float gray) throws IOException {
            cs.beginText();
            cs.setFont(font, size);
            cs.setNonStrokingColor(gray, gray, gray);
            cs.newLineAtOffset(x, ty);
            cs.showText(s);
            cs.endText();
        }

        private void boldText(String s, float x, float ty, float size) throws IOException {
            // The font has no bold face: fill and stroke the glyphs for a heavier weight.
            cs.beginText();
            cs.setFont(font, size);
            cs.setRenderingMode(org.apache.pdfbox.pdmodel.graphics.state.RenderingMode.FILL_STROKE);
            cs.setLineWidth(size / 30);
            cs.setNonStrokingColor(0.1f, 0.1f, 0.1f);
            cs.setStrokingColor(0.1f, 0.1f, 0.1f);
            cs.newLineAtOffset(x, ty);
            cs.showText(s);
            cs.setRenderingMode(org.apache.pdfbox.pdmodel.graphics.state.RenderingMode.FILL);
            cs.endText();
        }

        private float textWidth(String s, float size) throws IOException {
            return font.getStringWidth(s) / 1000 * size;
        }

        private List<String> wrap(String s, float maxWidth, float size) throws IOException {
            List<String> out = new ArrayList<>();
            for (String para : safe(s).split("\n", -1)) {
                StringBuilder line = new StringBuilder();
                float w = 0;
                for (int i = 0; i < para.length(); ) {
                    int cp = para.codePointAt(i);
                    i += Character.charCount(cp);
                    String ch = new String(Character.toChars(cp));
                    float cw = textWidth(ch, size);
                    // Line-start prohibition (禁则): closing punctuation stays on the line it ends.
                    boolean closing = "，。、；：？！）》」』”’".indexOf(cp) >= 0;
                    if (w + cw > maxWidth && line.length() > 0 && !(closing && w + cw <= maxWidth + cw)) {
                        out.add(line.toString());
                        line.setLength(0);
                        w = 0;
                    }
                    line.append(ch);
                    w += cw;
                }
                out.add(line.toString());
            }
            return out;
        }

        /** Replaces characters the font cannot show (and control characters) so rendering never fails. */
        private String safe(String s) {
            if (s == null) {
                return "";
            }
            StringBuilder b = new StringBuilder();
            s.codePoints().forEach(cp -> {
                if (cp == '\n') {
                    b.append('\n');
                } else if (Character.isISOControl(cp)) {
                    b.append(' ');
                } else {
                    b.appendCodePoint(cjk.canDisplay(cp) ? cp : '?');
                }
            });
            return b.toString();
        }
    }

    private static String recordingLine(ApplicationData.SessionEvidence e) {
        if (e.recordingSha256() != null) {
            return "SHA-256 " + e.recordingSha256();
        }
        // The recording outlives the signing: its hash goes to the hall's audit journal at session end.
        return e.recordingInProgress() ? "全程录像中，会话结束时各录像文件的 SHA-256 记入审计日志（按会话编号查询）" : "本次办理未录像";
    }
}
