package cn.tongban.docsign.pdf;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * What a signature field's certificate seed value requires of the signer's certificate (ISO 32000-1
 * §12.7.4.5, Table 235): certificate policies ({@code /OID}) and subject name attributes ({@code
 * /SubjectDN}). Read from the COS objects directly, resolving indirect entries (PDFBox's {@code
 * PDSeedValueCertificate} skips those). Used by the signer to refuse and by the verifier to report.
 */
public final class SeedValues {
    private static final COSName SV = COSName.getPDFName("SV");
    private static final COSName CERT = COSName.getPDFName("Cert");

    private SeedValues() {}

    /** The certificate policy OIDs the field requires (one of them), empty when none. */
    public static List<String> policies(COSDictionary field) {
        List<String> out = new ArrayList<>();
        COSDictionary cert = cert(field);
        COSArray a = cert == null ? null : cert.getCOSArray(COSName.getPDFName("OID"));
        for (int i = 0; a != null && i < a.size() && i < 16; i++) {
            if (a.getObject(i) instanceof COSString s) {
                out.add(new String(s.getBytes(), StandardCharsets.US_ASCII).trim());
            }
        }
        return out;
    }

    /** The subject DNs the field accepts (a certificate must match one), empty when none. */
    public static List<Map<String, String>> subjectDns(COSDictionary field) {
        List<Map<String, String>> out = new ArrayList<>();
        COSDictionary cert = cert(field);
        COSArray a = cert == null ? null : cert.getCOSArray(COSName.getPDFName("SubjectDN"));
        for (int i = 0; a != null && i < a.size() && i < 16; i++) {
            if (a.getObject(i) instanceof COSDictionary d) {
                Map<String, String> dn = new LinkedHashMap<>();
                for (COSName k : d.keySet()) {
                    String v = d.getString(k);
                    if (v != null) {
                        dn.put(k.getName(), v);
                    }
                }
                out.add(dn);
            }
        }
        return out;
    }

    /** Why {@code cert} matches none of {@code dns}, or {@code null} when it matches one (or there are none). */
    public static String subjectMismatch(X509Certificate cert, List<Map<String, String>> dns) {
        if (dns.isEmpty()) {
            return null;
        }
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        for (Map<String, String> dn : dns) {
            boolean all = true;
            for (Map.Entry<String, String> e : dn.entrySet()) {
                ASN1ObjectIdentifier oid;
                try {
                    oid = BCStyle.INSTANCE.attrNameToOID(e.getKey());
                } catch (IllegalArgumentException ex) {
                    all = false;
                    break;
                }
                boolean found = false;
                for (RDN r : subject.getRDNs(oid)) {
                    if (r.getFirst().getValue() instanceof ASN1String v
                            && v.getString().equals(e.getValue())) {
                        found = true;
                    }
                }
                all &= found;
            }
            if (all) {
                return null;
            }
        }
        return "the certificate (" + cert.getSubjectX500Principal().getName() + ") is none of the required " + dns;
    }

    private static COSDictionary cert(COSDictionary field) {
        COSDictionary sv = field == null ? null : field.getCOSDictionary(SV);
        return sv == null ? null : sv.getCOSDictionary(CERT);
    }
}
