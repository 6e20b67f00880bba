package cn.tongban.docsign.cms;

import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.gm.GMObjectIdentifiers;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECNamedCurveSpec;

/**
 * The JCA provider for signature creation and verification, and the algorithm profiles.
 *
 * <p>Bouncy Castle is used as an instance and never registered globally: its P-256 ECDSA
 * (precomputed fixed-point tables) verifies about 5× faster than the JDK 17 SunEC implementation,
 * which dominated verification time. It also provides the optional 国密 profile (SM2 signatures
 * with SM3, GM/T 0003/0004, OIDs from GM/T 0006), which the JDK cannot even parse certificates of.
 */
public final class Crypto {
    /** Shared Bouncy Castle provider instance (not installed in {@code java.security.Security}). */
    public static final Provider BC = new BouncyCastleProvider();

    /** SM3 digest, GM/T 0006 {@code 1.2.156.10197.1.401}. */
    public static final ASN1ObjectIdentifier SM3 = GMObjectIdentifiers.sm3;

    /** SM2 signature with SM3, GM/T 0006 {@code 1.2.156.10197.1.501}. */
    public static final ASN1ObjectIdentifier SM2_WITH_SM3 = GMObjectIdentifiers.sm2sign_with_sm3;

    private Crypto() {}

    /** Whether {@code key} is an SM2 key (EC on curve sm2p256v1). */
    public static boolean isSm2(PublicKey key) {
        return key instanceof java.security.interfaces.ECPublicKey ec
                && ec.getParams() instanceof ECNamedCurveSpec spec
                && "sm2p256v1".equals(spec.getName());
    }

    /** The content digest algorithm of a signer: SM3 for SM2 keys, SHA-256 otherwise. */
    public static ASN1ObjectIdentifier digestFor(PublicKey key) {
        return isSm2(key) ? SM3 : NISTObjectIdentifiers.id_sha256;
    }

    /** A message digest for an OID we support (SHA-1/256/384/512, SM3). */
    public static MessageDigest digest(ASN1ObjectIdentifier oid) {
        try {
            if (oid.equals(SM3)) {
                return MessageDigest.getInstance("SM3", BC);
            }
            // The JDK's SHA-2 uses CPU intrinsics and is several times faster than a Java one.
            return MessageDigest.getInstance(oid.getId());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unsupported digest " + oid, e);
        }
    }

    /** A fresh SM2 key pair. */
    public static KeyPair sm2KeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC", BC);
            g.initialize(new ECGenParameterSpec("sm2p256v1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses a DER certificate with the JDK, falling back to Bouncy Castle for keys the JDK does
     * not know (SM2).
     */
    public static X509Certificate certificate(byte[] der) throws CertificateException {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509", BC).generateCertificate(new ByteArrayInputStream(der));
        }
    }
}
