package cn.tongban.docsign.cms;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampToken;

/**
 * The parsed pieces of a PDF signature's CMS: the signer information, the certificates it
 * carries, and its time-stamp tokens (for a CAdES signature its signature time-stamps; a document
 * time-stamp is itself a token).
 *
 * @param signed the CMS SignedData
 * @param signer the (single) signer information
 * @param signerCertificate the signer's certificate, or {@code null} if the CMS does not carry it
 * @param certificates every certificate in the CMS and its tokens
 * @param timestamps signature time-stamps (CAdES) or the token itself (document time-stamp)
 */
public record SignatureParts(
        CMSSignedData signed,
        SignerInformation signer,
        X509Certificate signerCertificate,
        List<X509Certificate> certificates,
        List<TimeStampToken> timestamps) {

    /** Parses {@code cms}; throws {@link IllegalArgumentException} when it is not a usable CMS. */
    public static SignatureParts parse(byte[] cms, boolean documentTimestamp) {
        try {
            CMSSignedData sd = new CMSSignedData(cms);
            Collection<SignerInformation> signers = sd.getSignerInfos().getSigners();
            if (signers.size() != 1) {
                throw new IllegalArgumentException("expected one SignerInfo, found " + signers.size());
            }
            SignerInformation si = signers.iterator().next();
            List<X509Certificate> certs =
                    new ArrayList<>(convert(sd.getCertificates().getMatches(null)));
            X509Certificate signerCert = null;
            for (X509CertificateHolder h : sd.getCertificates().getMatches(null)) {
                if (si.getSID().match(h)) {
                    signerCert = convert(List.of(h)).get(0);
                }
            }
            List<TimeStampToken> tokens = new ArrayList<>();
            if (documentTimestamp) {
                tokens.add(new TimeStampToken(sd));
            } else {
                AttributeTable unsigned = si.getUnsignedAttributes();
                if (unsigned != null) {
                    for (Attribute a : unsigned.toASN1Structure().getAttributes()) {
                        if (a.getAttrType().equals(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken)) {
                            for (ASN1Encodable v : a.getAttrValues()) {
                                TimeStampToken t = new TimeStampToken(
                                        new CMSSignedData(v.toASN1Primitive().getEncoded()));
                                tokens.add(t);
                                certs.addAll(convert(t.getCertificates().getMatches(null)));
                            }
                        }
                    }
                }
            }
            return new SignatureParts(sd, si, signerCert, certs, tokens);
        } catch (CMSException | TSPException | java.io.IOException | CertificateException | RuntimeException e) {
            throw new IllegalArgumentException("not a valid CMS signature: " + e.getMessage(), e);
        }
    }

    /** The certificates validation starts from: the signer's and each TSA's. */
    public List<X509Certificate> leaves() {
        List<X509Certificate> l = new ArrayList<>();
        if (signerCertificate != null) {
            l.add(signerCertificate);
        }
        for (TimeStampToken t : timestamps) {
            X509Certificate tsa = tsaCertificate(t);
            if (tsa != null && !l.contains(tsa)) {
                l.add(tsa);
            }
        }
        return l;
    }

    /** The certificate that signed {@code token}, if the token carries it. */
    public static X509Certificate tsaCertificate(TimeStampToken token) {
        try {
            for (X509CertificateHolder h : token.getCertificates().getMatches(null)) {
                if (token.getSID().match(h)) {
                    return convert(List.of(h)).get(0);
                }
            }
            return null;
        } catch (CertificateException e) {
            return null;
        }
    }

    private static List<X509Certificate> convert(Collection<X509CertificateHolder> holders)
            throws CertificateException {
        List<X509Certificate> l = new ArrayList<>();
        for (X509CertificateHolder h : holders) {
            try {
                l.add(Crypto.certificate(h.getEncoded()));
            } catch (java.io.IOException e) {
                throw new CertificateException(e);
            }
        }
        return l;
    }
}
