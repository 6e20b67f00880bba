package cn.tongban.signaling.application;

import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.pki.Credential;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.Selector;

/**
 * How one hall's node authenticates a hand-off to another: a detached CMS signature (RFC 5652, Bouncy
 * Castle) over the request's manifest, made with the sending hall's e-seal and carrying its chain; the
 * receiving node checks the signature and builds a PKIX path from the seal to one of its own trust
 * anchors. No secret is shared between halls or provinces: a node trusts exactly the PKI it trusts for the
 * signed applications themselves.
 */
public final class HallSignature {
    private HallSignature() {}

    /** Thrown when a request's signature is missing, broken or not from a trusted e-seal. */
    static final class Untrusted extends Exception {
        private static final long serialVersionUID = 1L;

        Untrusted(String message) {
            super(message);
        }
    }

    /** The detached CMS SignedData over {@code content} (also the base of audit checkpoints' seals). */
    public static byte[] sign(byte[] content, Credential seal) {
        try {
            String alg = seal.privateKey().getAlgorithm().startsWith("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder()
                            .setProvider(Crypto.BC)
                            .build())
                    .build(
                            new JcaContentSignerBuilder(alg)
                                    .setProvider(Crypto.BC)
                                    .build(seal.privateKey()),
                            seal.certificate()));
            gen.addCertificates(new JcaCertStore(seal.chain()));
            return gen.generate(new CMSProcessableByteArray(content), false).getEncoded();
        } catch (GeneralSecurityException | OperatorCreationException | CMSException | java.io.IOException e) {
            throw new IllegalStateException("cannot sign the hand-off request", e);
        }
    }

    /** Verifies the signature and the signer's chain; returns the signer's certificate. */
    static X509Certificate verify(byte[] content, byte[] cms, Collection<X509Certificate> anchors) throws Untrusted {
        try {
            CMSSignedData sd = new CMSSignedData(new CMSProcessableByteArray(content), cms);
            Collection<SignerInformation> signers = sd.getSignerInfos().getSigners();
            if (signers.size() != 1) {
                throw new Untrusted("expected one signer, found " + signers.size());
            }
            SignerInformation si = signers.iterator().next();
            @SuppressWarnings("unchecked")
            Selector<X509CertificateHolder> sid = (Selector<X509CertificateHolder>) (Selector<?>) si.getSID();
            Collection<X509CertificateHolder> matches = sd.getCertificates().getMatches(sid);
            if (matches.isEmpty()) {
                throw new Untrusted("the signer's certificate is not included");
            }
            X509CertificateHolder holder = matches.iterator().next();
            if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder()
                    .setProvider(Crypto.BC)
                    .build(holder))) {
                throw new Untrusted("the signature does not verify");
            }
            JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
            X509Certificate leaf = conv.getCertificate(holder);
            List<X509Certificate> pool = new ArrayList<>();
            for (X509CertificateHolder h : sd.getCertificates().getMatches(null)) {
                pool.add(conv.getCertificate(h));
            }
            chain(leaf, pool, anchors);
            return leaf;
        } catch (CMSException | OperatorCreationException | GeneralSecurityException e) {
            throw new Untrusted("unreadable or invalid signature: " + e.getMessage());
        }
    }

    private static void chain(X509Certificate leaf, List<X509Certificate> pool, Collection<X509Certificate> anchors)
            throws Untrusted {
        try {
            Set<TrustAnchor> trust = new HashSet<>();
            for (X509Certificate a : anchors) {
                trust.add(new TrustAnchor(a, null));
            }
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters params = new PKIXBuilderParameters(trust, target);
            // Revocation of the seal is checked with the application's own signatures (OCSP/CRL in the DSS);
            // the request signature only says which trusted node is talking.
            params.setRevocationEnabled(false);
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(pool)));
            CertPathBuilder.getInstance("PKIX").build(params);
        } catch (GeneralSecurityException e) {
            throw new Untrusted("the signer's certificate does not chain to a trust anchor: " + e.getMessage());
        }
    }

    /** The first value of an attribute of the certificate's subject (e.g. {@link BCStyle#O}), or null. */
    static String subject(X509Certificate cert, org.bouncycastle.asn1.ASN1ObjectIdentifier attribute) {
        X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        RDN[] rdns = name.getRDNs(attribute);
        if (rdns.length == 0) {
            return null;
        }
        return rdns[0].getFirst().getValue() instanceof org.bouncycastle.asn1.ASN1String str
                ? str.getString()
                : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }
}
