package cn.tongban.docsign.verify;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * The validation material of a document's DSS (ISO 32000-2 §12.8.4.3): certificates, OCSP
 * responses and CRLs, and the revocation status they prove for a certificate at a given time.
 */
final class ValidationData {
    final List<X509Certificate> certificates = new ArrayList<>();
    final List<BasicOCSPResp> ocsps = new ArrayList<>();
    final List<X509CRL> crls = new ArrayList<>();
    private final DigestCalculatorProvider digests;
    private final Map<BasicOCSPResp, Map<X509Certificate, Boolean>> ocspVerified = new IdentityHashMap<>();
    private final Map<X509CRL, Map<X509Certificate, Boolean>> crlVerified = new IdentityHashMap<>();

    /** Revocation status of one certificate at a time. */
    record Status(String status, String source) {}

    private static final int MAX_ENTRY = 4 << 20;

    ValidationData(PDDocument doc) throws IOException {
        try {
            digests = new JcaDigestCalculatorProviderBuilder().build();
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
        COSDictionary dss = doc.getDocumentCatalog().getCOSObject().getCOSDictionary(COSName.getPDFName("DSS"));
        if (dss == null) {
            return;
        }
        CertificateFactory cf;
        try {
            cf = CertificateFactory.getInstance("X.509");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        for (byte[] b : streams(dss, "Certs")) {
            try {
                certificates.add(cn.tongban.docsign.cms.Crypto.certificate(b));
            } catch (GeneralSecurityException | RuntimeException e) {
                // An unreadable entry proves nothing; skip it.
            }
        }
        for (byte[] b : streams(dss, "OCSPs")) {
            try {
                OCSPResp r = new OCSPResp(b);
                if (r.getStatus() == OCSPResp.SUCCESSFUL && r.getResponseObject() instanceof BasicOCSPResp basic) {
                    ocsps.add(basic);
                }
            } catch (IOException | org.bouncycastle.cert.ocsp.OCSPException | RuntimeException e) {
                // skip
            }
        }
        for (byte[] b : streams(dss, "CRLs")) {
            try {
                crls.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(b)));
            } catch (GeneralSecurityException | RuntimeException e) {
                // skip
            }
        }
    }

    private static List<byte[]> streams(COSDictionary dss, String key) throws IOException {
        List<byte[]> out = new ArrayList<>();
        COSArray a = dss.getCOSArray(COSName.getPDFName(key));
        if (a == null) {
            return out;
        }
        for (int i = 0; i < a.size() && i < 10_000; i++) {
            if (a.getObject(i) instanceof COSStream s) {
                // Decoded here with a hard cap instead of through PDFBox's filters, which would
                // inflate a hostile stream completely before we could stop it.
                COSBase filter = s.getDictionaryObject(COSName.FILTER);
                try (InputStream raw = s.createRawInputStream()) {
                    if (filter == null) {
                        out.add(raw.readNBytes(MAX_ENTRY));
                    } else if (COSName.FLATE_DECODE.equals(filter)
                            || (filter instanceof COSArray fa
                                    && fa.size() == 1
                                    && COSName.FLATE_DECODE.equals(fa.getObject(0)))) {
                        out.add(new java.util.zip.InflaterInputStream(raw).readNBytes(MAX_ENTRY));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Status of {@code cert} (issued by {@code issuer}) at {@code time}: an OCSP response signed by
     * the issuer (RFC 6960 §4.2.2.2, CA-signed) or by a delegated responder it certified, else a
     * CRL signed by the issuer (RFC 5280 §6.3).
     */
    Status statusAt(X509Certificate cert, X509Certificate issuer, Date time) {
        try {
            X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer);
            for (BasicOCSPResp r : ocsps) {
                for (SingleResp single : r.getResponses()) {
                    CertificateID id = single.getCertID();
                    if (!id.getSerialNumber().equals(cert.getSerialNumber())
                            || !id.matchesIssuer(issuerHolder, digests)) {
                        continue;
                    }
                    if (!ocspVerified
                            .computeIfAbsent(r, x -> new java.util.HashMap<>())
                            .computeIfAbsent(issuer, x -> ocspSignedBy(r, issuer))) {
                        continue;
                    }
                    Object st = single.getCertStatus();
                    if (st == null) {
                        return new Status("GOOD", "OCSP");
                    }
                    if (st instanceof RevokedStatus rs) {
                        return new Status(
                                rs.getRevocationTime().after(time) ? "REVOKED_AFTER_SIGNING" : "REVOKED", "OCSP");
                    }
                    return new Status("UNKNOWN", "OCSP");
                }
            }
            for (X509CRL crl : crls) {
                if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                    continue;
                }
                if (!crlVerified
                        .computeIfAbsent(crl, x -> new java.util.HashMap<>())
                        .computeIfAbsent(issuer, x -> {
                            try {
                                crl.verify(issuer.getPublicKey(), cn.tongban.docsign.cms.Crypto.BC);
                                return true;
                            } catch (GeneralSecurityException e) {
                                return false;
                            }
                        })) {
                    continue;
                }
                X509CRLEntry entry = crl.getRevokedCertificate(cert);
                if (entry == null) {
                    return new Status("GOOD", "CRL");
                }
                return new Status(entry.getRevocationDate().after(time) ? "REVOKED_AFTER_SIGNING" : "REVOKED", "CRL");
            }
        } catch (GeneralSecurityException | org.bouncycastle.cert.ocsp.OCSPException e) {
            return new Status("UNKNOWN", "NONE");
        }
        return new Status("UNKNOWN", "NONE");
    }

    private boolean ocspSignedBy(BasicOCSPResp r, X509Certificate issuer) {
        try {
            if (r.isSignatureValid(new JcaContentVerifierProviderBuilder()
                    .setProvider(cn.tongban.docsign.cms.Crypto.BC)
                    .build(issuer.getPublicKey()))) {
                return true;
            }
            // Delegated responder: a certificate in the response, issued by the CA, with id-kp-OCSPSigning.
            for (X509CertificateHolder h : r.getCerts()) {
                X509Certificate c = cn.tongban.docsign.cms.Crypto.certificate(h.getEncoded());
                if (c.getExtendedKeyUsage() != null && c.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.9")) {
                    c.verify(issuer.getPublicKey(), cn.tongban.docsign.cms.Crypto.BC);
                    if (r.isSignatureValid(new JcaContentVerifierProviderBuilder()
                            .setProvider(cn.tongban.docsign.cms.Crypto.BC)
                            .build(c.getPublicKey()))) {
                        return true;
                    }
                }
            }
        } catch (GeneralSecurityException
                | IOException
                | org.bouncycastle.operator.OperatorCreationException
                | org.bouncycastle.cert.ocsp.OCSPException e) {
            return false;
        }
        return false;
    }
}
