package cn.tongban.docsign.sign;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.cms.Crypto;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.cms.SignerIdentifier;
import org.bouncycastle.asn1.cms.SignerInfo;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuerSerial;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Builds the CMS SignedData of a PAdES baseline signature by hand (RFC 5652 §5), so the signed
 * attributes can be handed to an external signer and the returned value embedded later.
 *
 * <p>Signed attributes per ETSI EN 319 142-1 §6.3 / EN 319 122-1 §5.2: content-type (id-data),
 * message-digest, ESS signing-certificate-v2 (RFC 5035); no signing-time (PAdES uses /M).
 */
final class Cms {
    static final AlgorithmIdentifier SHA256 = new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256);
    static final ASN1ObjectIdentifier SIGNATURE_TIMESTAMP = PKCSObjectIdentifiers.id_aa_signatureTimeStampToken;

    private Cms() {}

    /** The DER {@code SET OF Attribute} that is signed (RFC 5652 §5.4: the explicit SET OF tag). */
    static byte[] signedAttributes(byte[] contentDigest, X509Certificate signer) {
        try {
            ASN1EncodableVector v = new ASN1EncodableVector();
            v.add(new Attribute(PKCSObjectIdentifiers.pkcs_9_at_contentType, new DERSet(CMSObjectIdentifiers.data)));
            v.add(new Attribute(
                    PKCSObjectIdentifiers.pkcs_9_at_messageDigest, new DERSet(new DEROctetString(contentDigest))));
            IssuerSerial issuerSerial = new IssuerSerial(
                    new GeneralNames(new GeneralName(
                            X500Name.getInstance(signer.getIssuerX500Principal().getEncoded()))),
                    signer.getSerialNumber());
            // ESSCertIDv2 with the default hash algorithm (SHA-256) omitted, RFC 5035 §4.
            ESSCertIDv2 certId = new ESSCertIDv2(sha256(signer.getEncoded()), issuerSerial);
            v.add(new Attribute(
                    PKCSObjectIdentifiers.id_aa_signingCertificateV2,
                    new DERSet(new SigningCertificateV2(new ESSCertIDv2[] {certId}))));
            return new DERSet(v).getEncoded(ASN1Encoding.DER);
        } catch (IOException | CertificateEncodingException e) {
            throw new DocsignException(DocsignError.SIGN_FAILED, "signed attributes", e);
        }
    }

    /** The signature algorithm identifier for a signer key (ECDSA, RSA, or SM2 in the 国密 profile). */
    static AlgorithmIdentifier signatureAlgorithm(PublicKey key) {
        if (Crypto.isSm2(key)) {
            return new AlgorithmIdentifier(Crypto.SM2_WITH_SM3);
        }
        return switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
            case "RSA" -> new AlgorithmIdentifier(PKCSObjectIdentifiers.sha256WithRSAEncryption, DERNull.INSTANCE);
            default -> throw new DocsignException(
                    DocsignError.SIGN_FAILED, "unsupported key algorithm " + key.getAlgorithm());
        };
    }

    /** The JCA signature name for a signer key. */
    static String jcaAlgorithm(PublicKey key) {
        if (Crypto.isSm2(key)) {
            return "SM3withSM2";
        }
        return key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    }

    /** The content digest algorithm for a signer key: SM3 with SM2, SHA-256 otherwise. */
    static AlgorithmIdentifier digestAlgorithm(PublicKey key) {
        return new AlgorithmIdentifier(Crypto.digestFor(key));
    }

    /**
     * Assembles the DER ContentInfo(SignedData) with a detached id-data content, the chain as
     * certificates, one SignerInfo identified by issuer and serial, and the optional unsigned
     * signature time-stamp (RFC 3161 Appendix A).
     */
    static byte[] signedData(
            byte[] signedAttributes, byte[] signatureValue, List<X509Certificate> chain, byte[] timestampToken) {
        try {
            X509Certificate signer = chain.get(0);
            ASN1Set attrs = ASN1Set.getInstance(signedAttributes);
            ASN1Set unsigned = null;
            if (timestampToken != null) {
                unsigned = new DERSet(
                        new Attribute(SIGNATURE_TIMESTAMP, new DERSet(ASN1Primitive.fromByteArray(timestampToken))));
            }
            SignerInfo si = new SignerInfo(
                    new SignerIdentifier(new IssuerAndSerialNumber(
                            X500Name.getInstance(signer.getIssuerX500Principal().getEncoded()),
                            signer.getSerialNumber())),
                    digestAlgorithm(signer.getPublicKey()),
                    attrs,
                    signatureAlgorithm(signer.getPublicKey()),
                    new DEROctetString(signatureValue),
                    unsigned);
            ASN1EncodableVector certs = new ASN1EncodableVector();
            for (X509Certificate c : chain) {
                certs.add(Certificate.getInstance(c.getEncoded()));
            }
            SignedData sd = new SignedData(
                    new DERSet(digestAlgorithm(signer.getPublicKey())),
                    new ContentInfo(CMSObjectIdentifiers.data, null),
                    new DERSet(certs),
                    null,
                    new DERSet(si));
            return new ContentInfo(CMSObjectIdentifiers.signedData, sd).getEncoded(ASN1Encoding.DER);
        } catch (IOException | CertificateEncodingException e) {
            throw new DocsignException(DocsignError.SIGN_FAILED, "CMS assembly", e);
        }
    }

    /**
     * Normalises an externally produced signature to the DER form CMS needs. WebCrypto returns
     * ECDSA signatures as IEEE P1363 {@code r||s} (fixed-length halves); CMS wants {@code
     * ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }} (RFC 5753 §7.2, RFC 3279 §2.2.3).
     */
    static byte[] toDer(byte[] signature, String keyAlgorithm) {
        if (!keyAlgorithm.equals("EC")) {
            return signature;
        }
        if (signature.length > 8 && signature[0] == 0x30) {
            try {
                ASN1Sequence seq = ASN1Sequence.getInstance(signature);
                if (seq.size() == 2 && seq.getEncoded(ASN1Encoding.DER).length == signature.length) {
                    return signature;
                }
            } catch (IllegalArgumentException e) {
                // Not DER: fall through to P1363.
            } catch (IOException e) {
                throw new DocsignException(DocsignError.SIGN_EXTERNAL_INVALID, "signature encoding", e);
            }
        }
        if (signature.length == 0 || signature.length % 2 != 0 || signature.length > 132) {
            throw new DocsignException(
                    DocsignError.SIGN_EXTERNAL_INVALID, "not DER and not P1363 (length " + signature.length + ")");
        }
        int half = signature.length / 2;
        BigInteger r = new BigInteger(1, java.util.Arrays.copyOfRange(signature, 0, half));
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(signature, half, signature.length));
        try {
            return new DERSequence(new ASN1Integer[] {new ASN1Integer(r), new ASN1Integer(s)})
                    .getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new DocsignException(DocsignError.SIGN_EXTERNAL_INVALID, "signature encoding", e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
