package cn.tongban.docsign.pdf;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentCatalog;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDDocumentNameDictionary;
import org.apache.pdfbox.pdmodel.PDEmbeddedFilesNameTreeNode;
import org.apache.pdfbox.pdmodel.common.PDMetadata;
import org.apache.pdfbox.pdmodel.common.filespecification.PDComplexFileSpecification;
import org.apache.pdfbox.pdmodel.common.filespecification.PDEmbeddedFile;
import org.apache.pdfbox.pdmodel.graphics.color.PDOutputIntent;

/**
 * What makes a document PDF/A-3b (ISO 19005-3): XMP metadata that agrees with the Info dictionary
 * (§6.6.2.3), an sRGB output intent (§6.2.3), a document ID, and embedded files as associated
 * files with MIME subtype, F/UF names and an AFRelationship (§6.8).
 */
public final class PdfA3 {
    private PdfA3() {}

    /** Writes Info + XMP metadata, the output intent and the trailer ID. */
    public static void makeConformant(PDDocument doc, String title, String subject, ZonedDateTime created)
            throws IOException {
        Calendar cal = GregorianCalendar.from(created.withNano(0));
        PDDocumentInformation info = doc.getDocumentInformation();
        info.setTitle(title);
        info.setSubject(subject);
        info.setProducer("Tongban docsign");
        info.setCreator("Tongban 通办窗口");
        info.setCreationDate(cal);
        info.setModificationDate(cal);

        String date = created.withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String xmp = "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                + "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                + "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                + "<rdf:Description rdf:about=\"\""
                + " xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\""
                + " xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
                + " xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\""
                + " xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n"
                + "<pdfaid:part>3</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n"
                + "<dc:format>application/pdf</dc:format>\n"
                + "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xml(title) + "</rdf:li></rdf:Alt></dc:title>\n"
                + "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xml(subject)
                + "</rdf:li></rdf:Alt></dc:description>\n"
                + "<xmp:CreateDate>" + date + "</xmp:CreateDate>\n"
                + "<xmp:ModifyDate>" + date + "</xmp:ModifyDate>\n"
                + "<xmp:CreatorTool>Tongban 通办窗口</xmp:CreatorTool>\n"
                + "<pdf:Producer>Tongban docsign</pdf:Producer>\n"
                + "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
        PDMetadata metadata = new PDMetadata(doc);
        try (OutputStream out = metadata.getCOSObject().createOutputStream()) {
            out.write(xmp.getBytes(StandardCharsets.UTF_8));
        }
        metadata.getCOSObject().setName(COSName.TYPE, "Metadata");
        metadata.getCOSObject().setName(COSName.SUBTYPE, "XML");
        PDDocumentCatalog catalog = doc.getDocumentCatalog();
        catalog.setMetadata(metadata);

        byte[] icc = ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData();
        PDOutputIntent intent = new PDOutputIntent(doc, new ByteArrayInputStream(icc));
        intent.setInfo("sRGB IEC61966-2.1");
        intent.setOutputCondition("sRGB IEC61966-2.1");
        intent.setOutputConditionIdentifier("sRGB IEC61966-2.1");
        intent.setRegistryName("http://www.color.org");
        catalog.addOutputIntent(intent);

        byte[] id = sha256((title + date + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
        byte[] id16 = java.util.Arrays.copyOf(id, 16);
        COSArray ids = new COSArray();
        ids.add(new COSString(id16));
        ids.add(new COSString(id16));
        doc.getDocument().getTrailer().setItem(COSName.ID, ids);
    }

    /** One file to attach. */
    public record Attachment(
            String fileName, String mimeType, String description, byte[] content, String relationship) {}

    /** Embeds the files and lists them in the catalog's /AF array (PDF/A-3 associated files). */
    public static void attach(PDDocument doc, List<Attachment> files, ZonedDateTime modified) throws IOException {
        if (files.isEmpty()) {
            return;
        }
        Map<String, PDComplexFileSpecification> names = new HashMap<>();
        COSArray af = new COSArray();
        List<String> used = new ArrayList<>();
        for (Attachment a : files) {
            String name = a.fileName();
            for (int n = 2; used.contains(name); n++) {
                name = n + "-" + a.fileName();
            }
            used.add(name);
            PDEmbeddedFile ef = new PDEmbeddedFile(doc, new ByteArrayInputStream(a.content()), COSName.FLATE_DECODE);
            ef.setSubtype(a.mimeType());
            ef.setSize(a.content().length);
            ef.setModDate(GregorianCalendar.from(modified));
            ef.setCreationDate(GregorianCalendar.from(modified));
            PDComplexFileSpecification spec = new PDComplexFileSpecification();
            spec.setFile(name);
            spec.setFileUnicode(name);
            spec.setFileDescription(a.description());
            spec.setEmbeddedFile(ef);
            spec.setEmbeddedFileUnicode(ef);
            spec.getCOSObject().setName(COSName.getPDFName("AFRelationship"), a.relationship());
            names.put(name, spec);
            af.add(spec);
        }
        PDEmbeddedFilesNameTreeNode tree = new PDEmbeddedFilesNameTreeNode();
        tree.setNames(names);
        PDDocumentNameDictionary nameDict = new PDDocumentNameDictionary(doc.getDocumentCatalog());
        nameDict.setEmbeddedFiles(tree);
        doc.getDocumentCatalog().setNames(nameDict);
        doc.getDocumentCatalog().getCOSObject().setItem(COSName.getPDFName("AF"), af);
        COSDictionary cat = doc.getDocumentCatalog().getCOSObject();
        cat.setNeedToBeUpdated(true);
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Shanghai time, used for every printed time. */
    public static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
}
