package cn.tongban.docsign.sign;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.cms.CertChains;
import cn.tongban.docsign.cms.Der;
import cn.tongban.docsign.cms.SignatureParts;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pdf.PdfSafety;
import cn.tongban.docsign.pki.TrustServices;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;

/**
 * Gathers the long-term validation material of every signature and time-stamp in a document and
 * writes it as the DSS dictionary (ETSI EN 319 142-1 §5.4.2, ISO 32000-2 §12.8.4.3): all
 * certificates of each chain, an OCSP response for every end-entity certificate whose issuer runs
 * a responder, a CRL for every other non-root certificate, and one VRI entry per signature.
 */
final class ValidationDataCollector {
    private static final COSName DSS = COSName.getPDFName("DSS");
    private static final COSName VRI = COSName.getPDFName("VRI");
    private static final COSName CERTS = COSName.getPDFName("Certs");
    private static final COSName OCSPS = COSName.getPDFName("OCSPs");
    private static final COSName CRLS = COSName.getPDFName("CRLs");
    private static final COSName CERT = COSName.getPDFName("Cert");
    private static final COSName OCSP = COSName.getPDFName("OCSP");
    private static final COSName CRL = COSName.getPDFName("CRL");

    private final TrustServices trust;
    private final PdfLimits limits;

    ValidationDataCollector(TrustServices trust, PdfLimits limits) {
        this.trust = trust;
        this.limits = limits;
    }

    byte[] addValidationData(byte[] pdf) {
        try (PDDocument doc = PdfSafety.load(pdf, limits, false)) {
            COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
            COSDictionary dss = catalog.getCOSDictionary(DSS);
            if (dss == null) {
                dss = new COSDictionary();
                catalog.setItem(DSS, dss);
            }
            Pool certs = new Pool(doc, dss, CERTS);
            Pool ocsps = new Pool(doc, dss, OCSPS);
            Pool crls = new Pool(doc, dss, CRLS);
            COSDictionary vri = dss.getCOSDictionary(VRI);
            if (vri == null) {
                vri = new COSDictionary();
                dss.setItem(VRI, vri);
            }
            List<X509Certificate> known = new ArrayList<>(trust.trustAnchors());
            for (byte[] c : certs.contents()) {
                known.add(certificate(c));
            }
            for (PDSignature sig : doc.getSignatureDictionaries()) {
                byte[] cms = Der.trim(sig.getContents());
                SignatureParts parts = SignatureParts.parse(
                        cms,
                        COSName.DOC_TIME_STAMP
                                .getName()
                                .equals(sig.getCOSObject().getNameAsString(COSName.TYPE)));
                known.addAll(parts.certificates());
                COSArray vCerts = new COSArray();
                COSArray vOcsp = new COSArray();
                COSArray vCrl = new COSArray();
                Set<X509Certificate> chainCerts = new LinkedHashSet<>();
                for (X509Certificate leaf : parts.leaves()) {
                    chainCerts.addAll(CertChains.build(leaf, known));
                }
                for (X509Certificate c : chainCerts) {
                    vCerts.add(certs.add(c.getEncoded()));
                    if (CertChains.selfSigned(c)) {
                        continue;
                    }
                    X509Certificate issuer = CertChains.issuerOf(c, known);
                    if (issuer == null) {
                        continue;
                    }
                    byte[] ocsp = trust.revocation().ocsp(c, issuer);
                    if (ocsp != null) {
                        vOcsp.add(ocsps.add(ocsp));
                    } else {
                        byte[] crl = trust.revocation().crl(c, issuer);
                        if (crl == null) {
                            throw new DocsignException(
                                    DocsignError.REVOCATION_UNAVAILABLE,
                                    c.getSubjectX500Principal().getName());
                        }
                        vCrl.add(crls.add(crl));
                    }
                }
                COSDictionary entry = new COSDictionary();
                entry.setItem(CERT, vCerts);
                if (vOcsp.size() > 0) {
                    entry.setItem(OCSP, vOcsp);
                }
                if (vCrl.size() > 0) {
                    entry.setItem(CRL, vCrl);
                }
                // VRI key: upper-case hex SHA-1 of the signature's /Contents value as stored, zero
                // padding included (EN 319 142-1 §5.4.2.2; the convention EU DSS and the ETSI plugtests use).
                vri.setItem(
                        COSName.getPDFName(HexFormat.of().withUpperCase().formatHex(sha1(sig.getContents()))), entry);
            }
            certs.flush();
            ocsps.flush();
            crls.flush();
            dss.setNeedToBeUpdated(true);
            vri.setNeedToBeUpdated(true);
            catalog.setNeedToBeUpdated(true);
            ByteArrayOutputStream out = new ByteArrayOutputStream(pdf.length + 64 * 1024);
            doc.saveIncremental(out);
            return out.toByteArray();
        } catch (IOException | CertificateException e) {
            throw new DocsignException(DocsignError.SIGN_FAILED, "validation data: " + e.getMessage(), e);
        }
    }

    /** The streams of one DSS array, deduplicated by content. */
    private static final class Pool {
        private final PDDocument doc;
        private final COSDictionary dss;
        private final COSName key;
        private final Map<String, COSStream> byHash = new LinkedHashMap<>();
        private final COSArray array;

        Pool(PDDocument doc, COSDictionary dss, COSName key) throws IOException {
            this.doc = doc;
            this.dss = dss;
            this.key = key;
            COSArray existing = dss.getCOSArray(key);
            array = existing == null ? new COSArray() : existing;
            for (int i = 0; i < array.size(); i++) {
                if (array.getObject(i) instanceof COSStream s) {
                    byHash.put(HexFormat.of().formatHex(sha1(read(s))), s);
                }
            }
        }

        List<byte[]> contents() throws IOException {
            List<byte[]> l = new ArrayList<>();
            for (COSStream s : byHash.values()) {
                l.add(read(s));
            }
            return l;
        }

        COSStream add(byte[] data) throws IOException {
            String h = HexFormat.of().formatHex(sha1(data));
            COSStream s = byHash.get(h);
            if (s == null) {
                s = doc.getDocument().createCOSStream();
                try (OutputStream os = s.createOutputStream(COSName.FLATE_DECODE)) {
                    os.write(data);
                }
                byHash.put(h, s);
                array.add(s);
            }
            return s;
        }

        void flush() {
            if (array.size() > 0) {
                dss.setItem(key, array);
                array.setNeedToBeUpdated(true);
            }
        }

        private static byte[] read(COSStream s) throws IOException {
            try (InputStream in = s.createInputStream()) {
                return in.readNBytes(1 << 20);
            }
        }
    }

    static X509Certificate certificate(byte[] der) throws CertificateException {
        return cn.tongban.docsign.cms.Crypto.certificate(der);
    }

    static byte[] sha1(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
