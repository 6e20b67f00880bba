package cn.tongban.docsign.attack;

import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.RevocationSource;
import cn.tongban.docsign.pki.TimestampSource;
import cn.tongban.docsign.pki.TrustServices;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.BiFunction;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * What an attacker brings: certificates minted with whatever key they hold, OCSP responses signed
 * with it, and trust services that hand out real time-stamps (the TSA is a public service) but vouch
 * for any certificate. With them, our own {@code PadesSigner} produces the hostile documents — its
 * signing-side checks ask the attacker's trust services, exactly as an attacker running our code would
 * arrange it. Nothing here touches a key the attacker would not have, unless a method says so.
 */
public final class Attacker {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Attacker() {}

    /**
     * Mints an end-entity certificate for {@code key} under {@code issuer}'s certificate and private
     * key — for the forged-CA attack, the applicant's own credential acting as a CA — with a role
     * policy of the attacker's choice and an ordinary signer profile.
     */
    public static X509Certificate mint(Credential issuer, X500Name subject, PublicKey key, SignerRole role) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    issuer.certificate(),
                    new BigInteger(120, RANDOM),
                    Date.from(now.minusSeconds(120)),
                    Date.from(now.plus(Duration.ofDays(30))),
                    subject,
                    key);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
            b.addExtension(
                    Extension.certificatePolicies,
                    false,
                    new CertificatePolicies(new PolicyInformation(new ASN1ObjectIdentifier(role.policyOid()))));
            X509CertificateHolder h = b.build(signer(issuer.privateKey()));
            return Crypto.certificate(h.getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A subject like the embedded PKI gives a clerk of {@code hall}. */
    public static X500Name clerkName(String hall, String number, String name) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "CN")
                .addRDN(BCStyle.O, hall)
                .addRDN(BCStyle.OU, "窗口工作人员")
                .addRDN(BCStyle.SERIALNUMBER, number)
                .addRDN(BCStyle.CN, name)
                .build();
    }

    /** A subject like the embedded PKI gives the e-seal of {@code hall}. */
    public static X500Name sealName(String hall) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "CN")
                .addRDN(BCStyle.O, hall)
                .addRDN(BCStyle.OU, "电子印章")
                .addRDN(BCStyle.CN, hall + "电子印章")
                .build();
    }

    /**
     * A DER OCSP response about {@code cert} (issued by {@code issuer}) signed with {@code key} as if by
     * {@code issuer}: status {@code good}, or revoked at {@code revokedAt}; {@code thisUpdate} as given.
     */
    public static byte[] ocsp(
            X509Certificate cert, X509Certificate issuer, PrivateKey key, Instant thisUpdate, Instant revokedAt) {
        try {
            X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer);
            CertificateID id = new CertificateID(
                    new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                    issuerHolder,
                    cert.getSerialNumber());
            BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(new RespID(
                    issuerHolder.getSubjectPublicKeyInfo(),
                    new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1)));
            CertificateStatus status = revokedAt == null
                    ? CertificateStatus.GOOD
                    : new RevokedStatus(Date.from(revokedAt), CRLReason.keyCompromise);
            b.addResponse(id, status, Date.from(thisUpdate), Date.from(thisUpdate.plus(Duration.ofDays(1))), null);
            return new OCSPRespBuilder()
                    .build(
                            OCSPRespBuilder.SUCCESSFUL,
                            b.build(signer(key), new X509CertificateHolder[] {issuerHolder}, Date.from(thisUpdate)))
                    .getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A GOOD OCSP response about {@code cert} (issued by {@code issuer}) signed by {@code responder},
     * which ships its certificate in the response as a delegated responder would.
     */
    public static byte[] ocspBy(
            X509Certificate cert, X509Certificate issuer, Credential responder, Instant thisUpdate) {
        try {
            CertificateID id = new CertificateID(
                    new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                    new JcaX509CertificateHolder(issuer),
                    cert.getSerialNumber());
            X509CertificateHolder r = new JcaX509CertificateHolder(responder.certificate());
            BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(new RespID(r.getSubject()));
            b.addResponse(
                    id,
                    CertificateStatus.GOOD,
                    Date.from(thisUpdate),
                    Date.from(thisUpdate.plus(Duration.ofDays(1))),
                    null);
            return new OCSPRespBuilder()
                    .build(
                            OCSPRespBuilder.SUCCESSFUL,
                            b.build(
                                    signer(responder.privateKey()),
                                    new X509CertificateHolder[] {r},
                                    Date.from(thisUpdate)))
                    .getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Trust services with the real anchors and time-stamps of {@code real}, whose revocation answers
     * come from {@code ocsp} (null: ask {@code real}) — what a signer who wants to get past the
     * signing-side revocation check configures.
     */
    public static TrustServices trust(TrustServices real, BiFunction<X509Certificate, X509Certificate, byte[]> ocsp) {
        RevocationSource realRevocation = real.revocation();
        return new TrustServices() {
            @Override
            public List<X509Certificate> trustAnchors() {
                return real.trustAnchors();
            }

            @Override
            public TimestampSource timestamps() {
                return real.timestamps();
            }

            @Override
            public RevocationSource revocation() {
                return new RevocationSource() {
                    @Override
                    public byte[] ocsp(X509Certificate cert, X509Certificate issuer) {
                        byte[] mine = ocsp.apply(cert, issuer);
                        return mine != null ? mine : realRevocation.ocsp(cert, issuer);
                    }

                    @Override
                    public byte[] crl(X509Certificate cert, X509Certificate issuer) {
                        return realRevocation.crl(cert, issuer);
                    }
                };
            }
        };
    }

    /** Trust services that vouch "good" for every certificate with a response signed by a throwaway key. */
    public static TrustServices vouchingForAnything(TrustServices real) {
        KeyPair throwaway = EmbeddedPki.ecKeyPair();
        return trust(real, (cert, issuer) -> ocsp(cert, issuer, throwaway.getPrivate(), Instant.now(), null));
    }

    private static org.bouncycastle.operator.ContentSigner signer(PrivateKey key) throws Exception {
        return new JcaContentSignerBuilder("SHA256withECDSA")
                .setProvider(Crypto.BC)
                .build(key);
    }
}
