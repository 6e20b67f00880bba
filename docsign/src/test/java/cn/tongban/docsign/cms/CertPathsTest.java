package cn.tongban.docsign.cms;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * RFC 5280 path validation: each rule the forged-CA attack and its variants rely on breaking, one
 * certificate at a time, with certificates minted here under the sample's root and hall CA.
 */
class CertPathsTest {
    private static final SignedSample S = SignedSample.get();
    private static final Credential ROOT = S.caCredential("root");
    private static final Credential HALL = S.caCredential("ca-wujin");
    private static final Date NOW = new Date();

    private final CertPaths paths = new CertPaths(List.of(S.pki.rootCertificate()));

    /** A certificate for a fresh key under {@code issuer}, shaped by {@code ext}. */
    private static Credential mint(Credential issuer, String cn, Consumer<JcaX509v3CertificateBuilder> ext) {
        try {
            KeyPair kp = EmbeddedPki.ecKeyPair();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    issuer.certificate(),
                    BigInteger.valueOf(System.nanoTime()),
                    Date.from(now.minusSeconds(600)),
                    Date.from(now.plus(Duration.ofDays(30))),
                    new X500Name("CN=" + cn + ",O=" + cn + " hall,C=CN"),
                    kp.getPublic());
            ext.accept(b);
            X509Certificate c = Crypto.certificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.privateKey()))
                            .getEncoded());
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(c);
            chain.addAll(issuer.chain());
            return new Credential(kp.getPrivate(), chain);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Consumer<JcaX509v3CertificateBuilder> endEntity(SignerRole role) {
        return b -> {
            try {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                if (role != null) {
                    b.addExtension(Extension.certificatePolicies, false, policies(role));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static Consumer<JcaX509v3CertificateBuilder> ca(int pathLen, SignerRole... roles) {
        return b -> {
            try {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(pathLen));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                if (roles.length > 0) {
                    b.addExtension(Extension.certificatePolicies, false, policies(roles));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static CertificatePolicies policies(SignerRole... roles) {
        PolicyInformation[] p = new PolicyInformation[roles.length];
        for (int i = 0; i < roles.length; i++) {
            p[i] = new PolicyInformation(new ASN1ObjectIdentifier(roles[i].policyOid()));
        }
        return new CertificatePolicies(p);
    }

    private CertPaths.Result validate(Credential c, CertPaths.Purpose purpose, Set<String> policies) {
        return paths.validate(c.certificate(), c.chain(), NOW, purpose, policies);
    }

    @Test
    void aGenuineClerkPathIsValidForItsRoleOnly() {
        Credential clerk = S.pki.clerk("wujin", "WJ0421", "李建国");
        assertThat(validate(clerk, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of(SignerRole.CLERK.policyOid()))
                        .valid())
                .isTrue();
        assertThat(validate(clerk, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of(SignerRole.HALL_SEAL.policyOid()))
                        .outcome())
                .isEqualTo(CertPaths.Outcome.POLICY_NOT_ASSERTED);
    }

    @Test
    void anEndEntityCannotIssue() {
        Credential applicant = S.pki.issueApplicantWithKey("wujin", "张晓梅", "1");
        Credential forged = mint(applicant, "forged", endEntity(SignerRole.CLERK));
        CertPaths.Result r = validate(forged, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of());
        assertThat(r.outcome()).isEqualTo(CertPaths.Outcome.INVALID);
        assertThat(r.problem()).contains("Not a CA certificate");
    }

    @Test
    void theHallCaMayNotHaveSubordinateCas() {
        // The hall CA has pathLenConstraint 0: a CA under it is a path too long.
        Credential sub = mint(HALL, "sub", ca(0, SignerRole.values()));
        Credential leaf = mint(sub, "leaf", endEntity(SignerRole.CLERK));
        CertPaths.Result r = validate(leaf, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of());
        assertThat(r.outcome()).isEqualTo(CertPaths.Outcome.INVALID);
        assertThat(r.problem()).contains("path length");
    }

    @Test
    void anIssuerWithoutKeyCertSignCannotIssue() {
        Credential noSign = mint(ROOT, "nosign", b -> {
            try {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Credential leaf = mint(noSign, "leaf", endEntity(null));
        CertPaths.Result r = validate(leaf, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of());
        assertThat(r.outcome()).isEqualTo(CertPaths.Outcome.INVALID);
        assertThat(r.problem()).contains("key signing");
    }

    @Test
    void aCaMayIssueOnlyTheRolesItLists() {
        Credential applicantsOnly = mint(ROOT, "applicants", ca(0, SignerRole.APPLICANT));
        Credential clerk = mint(applicantsOnly, "clerk", endEntity(SignerRole.CLERK));
        assertThat(validate(clerk, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of(SignerRole.CLERK.policyOid()))
                        .outcome())
                .isEqualTo(CertPaths.Outcome.POLICY_NOT_ASSERTED);
        assertThat(validate(clerk, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of()).valid())
                .isTrue();
    }

    @Test
    void nameConstraintsAreEnforced() {
        Credential constrained = mint(ROOT, "constrained", b -> {
            ca(0).accept(b);
            try {
                b.addExtension(
                        Extension.nameConstraints,
                        true,
                        new NameConstraints(
                                new GeneralSubtree[] {
                                    new GeneralSubtree(new GeneralName(new X500Name("C=CN,O=only this hall")))
                                },
                                null));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Credential outside = mint(constrained, "outside", endEntity(null));
        CertPaths.Result r = validate(outside, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of());
        assertThat(r.outcome()).isEqualTo(CertPaths.Outcome.INVALID);
        assertThat(r.problem()).contains("Subtree check");
    }

    @Test
    void unknownCriticalExtensionsAreRefused() {
        Credential odd = mint(HALL, "odd", b -> {
            endEntity(SignerRole.CLERK).accept(b);
            try {
                b.addExtension(new ASN1ObjectIdentifier("1.2.3.4.5.6.7"), true, new DERUTF8String("must understand"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        CertPaths.Result r = validate(odd, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of());
        assertThat(r.outcome()).isEqualTo(CertPaths.Outcome.INVALID);
        assertThat(r.problem()).contains("unsupported critical extension");
    }

    @Test
    void validityIsCheckedAtTheGivenTime() {
        Credential clerk = S.pki.clerk("wujin", "WJ0421", "李建国");
        Date later = Date.from(Instant.now().plus(Duration.ofDays(5000)));
        assertThat(paths.validate(
                                clerk.certificate(), clerk.chain(), later, CertPaths.Purpose.DOCUMENT_SIGNING, Set.of())
                        .outcome())
                .isEqualTo(CertPaths.Outcome.INVALID);
    }

    @Test
    void aTimeStampingCertificateNeedsTheOneCriticalTimeStampingUsage() {
        X509Certificate tsa = S.pki.timestampAuthorityCertificate();
        assertThat(paths.validate(tsa, List.of(), NOW, CertPaths.Purpose.TIME_STAMPING, Set.of())
                        .valid())
                .isTrue();
        Credential clerk = S.pki.clerk("wujin", "WJ0421", "李建国");
        assertThat(validate(clerk, CertPaths.Purpose.TIME_STAMPING, Set.of()).outcome())
                .isEqualTo(CertPaths.Outcome.INVALID);
        Credential nonCritical = mint(ROOT, "tsa", b -> {
            try {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(
                        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_timeStamping));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(validate(nonCritical, CertPaths.Purpose.TIME_STAMPING, Set.of())
                        .problem())
                .contains("RFC 3161");
    }

    @Test
    void aDelegatedOcspResponderNeedsOcspSigning() {
        Credential responder = mint(HALL, "responder", b -> {
            try {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(validate(responder, CertPaths.Purpose.OCSP_SIGNING, Set.of()).valid())
                .isTrue();
        Credential seal = S.pki.hallSeal("wujin");
        assertThat(validate(seal, CertPaths.Purpose.OCSP_SIGNING, Set.of()).problem())
                .contains("OCSP");
    }

    @Test
    void onlyCasWithCrlSignMaySignCrls() {
        assertThat(CertPaths.maySignCrls(HALL.certificate())).isTrue();
        assertThat(CertPaths.maySignCrls(S.pki.hallSeal("wujin").certificate())).isFalse();
        Credential noCrl = mint(ROOT, "nocrl", b -> {
            try {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(CertPaths.maySignCrls(noCrl.certificate())).isFalse();
    }
}
