package cn.tongban.signaling.audit;

import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.cms.CertPaths;
import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.cms.Identity;
import cn.tongban.docsign.cms.SignatureParts;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.TimestampSource;
import cn.tongban.signaling.application.HallSignature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationStore;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.tsp.TimeStampToken;

/**
 * How an audit checkpoint is sealed: a detached CMS signature (RFC 5652) by a hall's e-seal over the
 * checkpoint's statement, with an RFC 3161 signature time-stamp (CAdES-T: the token's imprint is the
 * SHA-256 of the signature value). Moving a checkpoint so that it vouches for rewritten history needs the
 * seal's private key, and the time-stamp shows when the checkpoint existed.
 */
public final class AuditSeal {
    private AuditSeal() {}

    /** The statement a checkpoint signs: what the chain was at entry {@code seq}. */
    public static byte[] statement(long seq, String hash) {
        return ("tongban audit checkpoint v1\nseq=" + seq + "\nhash=" + hash + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Signs {@code content} with {@code seal} (the hall's detached CMS, as for hand-offs) and time-stamps the
     * signature; returns the DER CMS.
     */
    public static byte[] sign(byte[] content, Credential seal, TimestampSource tsa) {
        try {
            CMSSignedData sd = new CMSSignedData(HallSignature.sign(content, seal));
            SignerInformation si = sd.getSignerInfos().getSigners().iterator().next();
            byte[] token = tsa.timestamp(sha256(si.getSignature()));
            Attribute ts = new Attribute(
                    PKCSObjectIdentifiers.id_aa_signatureTimeStampToken,
                    new DERSet(ASN1Primitive.fromByteArray(token)));
            si = SignerInformation.replaceUnsignedAttributes(si, new AttributeTable(ts));
            return CMSSignedData.replaceSigners(sd, new SignerInformationStore(si))
                    .getEncoded();
        } catch (CMSException | IOException e) {
            throw new IllegalStateException("cannot seal the audit checkpoint", e);
        }
    }

    /**
     * What a valid seal says.
     *
     * @param signer the seal certificate's subject
     * @param organization the hall named in it
     * @param time when the TSA saw the signature
     * @param tsa the TSA certificate's subject
     */
    public record Sealed(String signer, String organization, Instant time, String tsa) {}

    /** Thrown when a seal does not verify; the message says why. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /**
     * Checks that {@code cms} is a valid seal over {@code content}: the signature verifies, the signer's
     * certificate leads to one of {@code anchors} and is a hall seal's (its role policy), and a signature
     * time-stamp from a TSA that leads to an anchor covers the signature.
     */
    public static Sealed verify(byte[] content, byte[] cms, Collection<X509Certificate> anchors) throws Invalid {
        return verify(content, cms, new CertPaths(anchors));
    }

    /** As {@link #verify(byte[], byte[], Collection)}, with the anchors' validator built once for many seals. */
    public static Sealed verify(byte[] content, byte[] cms, CertPaths paths) throws Invalid {
        SignatureParts parts;
        try {
            parts = SignatureParts.parse(cms, false);
        } catch (IllegalArgumentException e) {
            throw new Invalid("not a CMS signature: " + e.getMessage());
        }
        X509Certificate cert = parts.signerCertificate();
        if (cert == null) {
            throw new Invalid("the signature carries no signer certificate");
        }
        try {
            CMSSignedData sd = new CMSSignedData(new CMSProcessableByteArray(content), cms);
            SignerInformation si = sd.getSignerInfos().getSigners().iterator().next();
            if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder()
                    .setProvider(Crypto.BC)
                    .build(cert))) {
                throw new Invalid("the signature does not match the checkpoint");
            }
        } catch (CMSException | OperatorCreationException | RuntimeException e) {
            throw new Invalid("the signature does not match the checkpoint: " + e.getMessage());
        }
        if (parts.timestamps().size() != 1) {
            throw new Invalid("expected one signature time-stamp, found "
                    + parts.timestamps().size());
        }
        TimeStampToken token = parts.timestamps().get(0);
        X509Certificate tsaCert = SignatureParts.tsaCertificate(token);
        if (tsaCert == null) {
            throw new Invalid("the time-stamp carries no TSA certificate");
        }
        try {
            token.validate(new JcaSimpleSignerInfoVerifierBuilder()
                    .setProvider(Crypto.BC)
                    .build(tsaCert));
        } catch (Exception e) { // NOPMD: BC throws several checked and unchecked kinds for one meaning
            throw new Invalid("the time-stamp does not verify: " + e.getMessage());
        }
        if (!MessageDigest.isEqual(
                token.getTimeStampInfo().getMessageImprintDigest(),
                sha256(parts.signer().getSignature()))) {
            throw new Invalid("the time-stamp is not over this signature");
        }
        java.util.Date time = token.getTimeStampInfo().getGenTime();
        List<X509Certificate> pool = new ArrayList<>(parts.certificates());
        try {
            for (X509CertificateHolder h : token.getCertificates().getMatches(null)) {
                pool.add(Crypto.certificate(h.getEncoded()));
            }
        } catch (GeneralSecurityException | IOException e) {
            // The token's certificates are a convenience; the pool may hold them anyway.
        }
        CertPaths.Result tsaPath = paths.validate(tsaCert, pool, time, CertPaths.Purpose.TIME_STAMPING, Set.of());
        if (!tsaPath.valid()) {
            throw new Invalid("the TSA is not trusted: " + tsaPath.problem());
        }
        CertPaths.Result sealPath = paths.validate(
                cert, pool, time, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of(SignerRole.HALL_SEAL.policyOid()));
        if (!sealPath.valid()) {
            throw new Invalid("the signer is not a trusted hall seal: " + sealPath.problem());
        }
        Identity who = Identity.of(cert);
        return new Sealed(
                cert.getSubjectX500Principal().getName(),
                who.organization(),
                time.toInstant(),
                tsaCert.getSubjectX500Principal().getName());
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
