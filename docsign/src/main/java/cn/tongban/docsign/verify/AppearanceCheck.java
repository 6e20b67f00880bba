package cn.tongban.docsign.verify;

import cn.tongban.docsign.cms.Identity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.form.PDSignatureField;

/**
 * Compares what a signature's visible appearance says about its signer with the signer's
 * certificate. docsign's appearances draw text as glyph outlines, which cannot be read back, so each
 * text that names the signer is a marked-content sequence tagged {@code /SignerName}, {@code
 * /SignerNumber} or {@code /SignerOrganization} whose {@code /ActualText} is the value drawn (ISO
 * 32000-1 §14.9.4); the signature dictionary's {@code /Name} is compared too. The appearance lies in
 * the signature's own signed revision, so what it claims is the signer's own statement: this check
 * catches a stamp drawn from names that do not belong to the certificate, it does not read glyphs.
 */
final class AppearanceCheck {
    private static final Pattern MARKED =
            Pattern.compile("/(SignerName|SignerNumber|SignerOrganization)\\s*/([^\\s/<>\\[\\]()]+)\\s*BDC");
    private static final int MAX_APPEARANCE = 4 << 20;

    private AppearanceCheck() {}

    /** The findings for {@code sig} in {@code field}, signed with a certificate that names {@code who}. */
    static List<Finding> check(PDSignatureField field, PDSignature sig, Identity who, Budget budget) {
        List<Finding> out = new ArrayList<>();
        String name = sig.getName();
        if (name != null && !name.equals(who.name())) {
            out.add(new Finding(
                    Finding.Code.APPEARANCE_MISMATCH,
                    "the signature names " + name + " (/Name); the certificate names " + who.name()));
        }
        if (field == null) {
            return out;
        }
        int marked = 0;
        boolean drawn = false;
        for (PDAnnotationWidget w : field.getWidgets()) {
            COSDictionary ap = w.getCOSObject().getCOSDictionary(COSName.AP);
            if (ap == null || !(ap.getDictionaryObject(COSName.N) instanceof COSStream n)) {
                continue;
            }
            byte[] content;
            try {
                content = budget.decode(n, MAX_APPEARANCE);
            } catch (IOException e) {
                content = null;
            }
            if (content == null) {
                out.add(new Finding(Finding.Code.APPEARANCE_UNVERIFIED, "the appearance stream could not be read"));
                continue;
            }
            drawn |= content.length > 0;
            COSDictionary properties = properties(n);
            Matcher m = MARKED.matcher(new String(content, StandardCharsets.ISO_8859_1));
            while (m.find() && marked < 64) {
                marked++;
                COSDictionary p =
                        properties == null ? null : properties.getCOSDictionary(COSName.getPDFName(m.group(2)));
                String shown = p == null ? null : p.getString(COSName.ACTUAL_TEXT);
                String expected =
                        switch (m.group(1)) {
                            case "SignerName" -> who.name();
                            case "SignerNumber" -> who.number() == null ? "" : who.number();
                            default -> who.organization();
                        };
                if (!Objects.equals(shown, expected)) {
                    out.add(new Finding(
                            Finding.Code.APPEARANCE_MISMATCH,
                            "the appearance shows " + label(m.group(1)) + " " + (shown == null ? "(unreadable)" : shown)
                                    + "; the certificate says " + expected));
                }
            }
        }
        if (drawn && marked == 0) {
            out.add(new Finding(
                    Finding.Code.APPEARANCE_UNVERIFIED,
                    "the appearance states no signer name in machine-readable form; it cannot be compared"
                            + " with the certificate"));
        }
        return out;
    }

    private static COSDictionary properties(COSStream appearance) {
        COSDictionary res = appearance.getCOSDictionary(COSName.RESOURCES);
        return res == null ? null : res.getCOSDictionary(COSName.PROPERTIES);
    }

    private static String label(String tag) {
        return switch (tag) {
            case "SignerName" -> "the name";
            case "SignerNumber" -> "the number";
            default -> "the organisation";
        };
    }
}
