package cn.tongban.docsign.cms;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * RFC 5280 certification path validation for everything a verifier relies on, done by Bouncy
 * Castle's PKIX {@code CertPathValidator} and {@code CertPathBuilder} — never by matching names alone:
 * basicConstraints (cA, pathLenConstraint), keyUsage (keyCertSign on every issuer), unknown critical
 * extensions, validity of every certificate at the given time, name constraints and certificate
 * policies (with {@code explicitPolicyRequired} when a role is required). Revocation is not checked
 * here: the caller checks it against the document's own validation data.
 *
 * <p>On top of RFC 5280, {@link Purpose} checks what the end certificate is for: a time-stamping
 * authority needs the one critical {@code id-kp-timeStamping} extended key usage (RFC 3161 §2.3), a
 * delegated OCSP responder {@code id-kp-OCSPSigning} (RFC 6960 §4.2.2.2), a document signer a key
 * usage for signatures and, if it has an extended key usage at all, one that allows signing
 * documents.
 *
 * <p>Not thread-safe (it caches parsed certificates); one instance per verification.
 */
public final class CertPaths {
    /** What the end certificate of a path is used for. */
    public enum Purpose {
        /** Signs documents (CAdES signatures). */
        DOCUMENT_SIGNING,
        /** Signs RFC 3161 time-stamp tokens. */
        TIME_STAMPING,
        /** Signs OCSP responses on behalf of a CA (a delegated responder). */
        OCSP_SIGNING
    }

    /** How a validation ended. */
    public enum Outcome {
        /** A path to a trust anchor exists and passes every check. */
        VALID,
        /** No chain of issuers leads to a trust anchor. */
        NO_PATH_TO_ANCHOR,
        /**
         * Issuers lead to a trust anchor, but the path breaks a rule (an issuer that is no CA, a
         * certificate outside its validity, an unknown critical extension, a wrong purpose...).
         */
        INVALID,
        /** The path is valid except that it does not assert the required certificate policy. */
        POLICY_NOT_ASSERTED
    }

    /**
     * The result of one validation.
     *
     * @param outcome how it ended
     * @param path the certificates from the end certificate up to and including the trust anchor
     *     (valid or not); when there is no path, the chain of issuers that was found
     * @param problem why it is not {@link Outcome#VALID}, for people; {@code null} when valid
     */
    public record Result(Outcome outcome, List<X509Certificate> path, String problem) {
        /** Whether the path is valid. */
        public boolean valid() {
            return outcome == Outcome.VALID;
        }

        /** The trust anchor the path ends at, or {@code null} when it reaches none. */
        public X509Certificate anchor() {
            return outcome == Outcome.NO_PATH_TO_ANCHOR || path.isEmpty() ? null : path.get(path.size() - 1);
        }
    }

    private static final String EKU = Extension.extendedKeyUsage.getId();
    private static final String ANY_EKU = KeyPurposeId.anyExtendedKeyUsage.getId();

    /** Extended key usages that allow signing documents, when a signer's certificate names any. */
    private static final Set<String> DOCUMENT_SIGNING_EKUS = Set.of(
            ANY_EKU,
            KeyPurposeId.id_kp_emailProtection.getId(),
            "1.3.6.1.5.5.7.3.36", // id-kp-documentSigning (RFC 9336)
            "1.2.840.113583.1.1.5", // Adobe Authentic Documents Trust
            "1.3.6.1.4.1.311.10.3.12"); // Microsoft document signing

    private final List<X509Certificate> anchors;
    private final Set<TrustAnchor> trust;
    private final CertificateFactory bcFactory;
    private final Map<X509Certificate, X509Certificate> parsed = new HashMap<>();

    public CertPaths(Collection<X509Certificate> trustAnchors) {
        try {
            bcFactory = CertificateFactory.getInstance("X.509", Crypto.BC);
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
        anchors = new ArrayList<>();
        trust = new HashSet<>();
        for (X509Certificate a : new LinkedHashSet<>(trustAnchors)) {
            X509Certificate bc = bc(a);
            anchors.add(bc);
            trust.add(new TrustAnchor(bc, null));
        }
    }

    /** Whether {@code cert} is one of the trust anchors. */
    public boolean isAnchor(X509Certificate cert) {
        return anchors.contains(cert);
    }

    /**
     * Validates a path from {@code end} to a trust anchor, with issuers taken from {@code pool}, as
     * of {@code at}.
     *
     * @param requiredPolicies certificate policy OIDs of which the path must assert at least one
     *     (RFC 5280 §6.1.1 user-initial-policy-set with explicit policy required), or empty for none
     */
    public Result validate(
            X509Certificate end,
            Collection<X509Certificate> pool,
            Date at,
            Purpose purpose,
            Set<String> requiredPolicies) {
        X509Certificate leaf = bc(end);
        if (anchors.contains(leaf)) {
            return new Result(Outcome.VALID, List.of(leaf), null);
        }
        List<X509Certificate> candidates = new ArrayList<>(anchors);
        for (X509Certificate c : pool) {
            candidates.add(bc(c));
        }
        // The obvious chain first (issuer by name and signature): one validation in the common case.
        List<X509Certificate> chain = CertChains.build(leaf, candidates);
        int anchorAt = -1;
        for (int i = 1; i < chain.size(); i++) {
            if (anchors.contains(chain.get(i))) {
                anchorAt = i;
                break;
            }
        }
        if (anchorAt < 0) {
            // Maybe a path exists that the obvious chain missed (several issuers with one name).
            Result built = build(leaf, candidates, at, purpose, requiredPolicies);
            if (built != null && built.valid()) {
                return built;
            }
            return new Result(
                    Outcome.NO_PATH_TO_ANCHOR,
                    chain,
                    "no chain to a trust anchor (it ends at "
                            + chain.get(chain.size() - 1)
                                    .getSubjectX500Principal()
                                    .getName() + ")");
        }
        List<X509Certificate> path = List.copyOf(chain.subList(0, anchorAt + 1));
        String problem = check(path, at, purpose, requiredPolicies);
        if (problem == null) {
            return new Result(Outcome.VALID, path, null);
        }
        Result built = build(leaf, candidates, at, purpose, requiredPolicies);
        if (built != null && built.valid()) {
            return built;
        }
        if (!requiredPolicies.isEmpty() && check(path, at, purpose, Set.of()) == null) {
            return new Result(Outcome.POLICY_NOT_ASSERTED, path, problem);
        }
        return new Result(Outcome.INVALID, path, problem);
    }

    /** Whether a CA certificate may sign CRLs (RFC 5280 §4.2.1.3: cRLSign, or no keyUsage at all). */
    public static boolean maySignCrls(X509Certificate ca) {
        boolean[] ku = ca.getKeyUsage();
        return ca.getBasicConstraints() >= 0 && (ku == null || (ku.length > 6 && ku[6]));
    }

    /**
     * The same certificate parsed by the Bouncy Castle provider, whose {@code verify} uses its fast
     * ECDSA implementation without being installed as a JCA provider (the JDK's SunEC took ~2 ms per
     * verification).
     */
    X509Certificate bc(X509Certificate c) {
        return parsed.computeIfAbsent(c, x -> {
            try {
                return (X509Certificate) bcFactory.generateCertificate(new ByteArrayInputStream(x.getEncoded()));
            } catch (CertificateException e) {
                return x;
            }
        });
    }

    /** Runs the validator over {@code path} (end first, anchor last); the problem, or null when valid. */
    private String check(List<X509Certificate> path, Date at, Purpose purpose, Set<String> policies) {
        try {
            PKIXParameters params = new PKIXParameters(trust);
            configure(params, path.get(0), at, purpose, policies);
            List<Certificate> certs = new ArrayList<>(path.subList(0, path.size() - 1));
            CertPath cp = bcFactory.generateCertPath(certs);
            CertPathValidator.getInstance("PKIX", Crypto.BC).validate(cp, params);
            return null;
        } catch (CertPathValidatorException e) {
            int index = e.getIndex();
            String who = index >= 0 && index < path.size()
                    ? " (" + path.get(index).getSubjectX500Principal().getName() + ")"
                    : "";
            return e.getMessage() + who;
        } catch (GeneralSecurityException | RuntimeException e) {
            return "path could not be validated: " + e;
        }
    }

    private Result build(
            X509Certificate leaf, List<X509Certificate> candidates, Date at, Purpose purpose, Set<String> policies) {
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters params = new PKIXBuilderParameters(trust, target);
            configure(params, leaf, at, purpose, policies);
            params.addCertStore(
                    CertStore.getInstance("Collection", new CollectionCertStoreParameters(candidates), Crypto.BC));
            params.setMaxPathLength(8);
            PKIXCertPathBuilderResult r = (PKIXCertPathBuilderResult)
                    CertPathBuilder.getInstance("PKIX", Crypto.BC).build(params);
            List<X509Certificate> path = new ArrayList<>();
            for (Certificate c : r.getCertPath().getCertificates()) {
                path.add((X509Certificate) c);
            }
            path.add(r.getTrustAnchor().getTrustedCert());
            return new Result(Outcome.VALID, List.copyOf(path), null);
        } catch (CertPathBuilderException e) {
            return null;
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    private static void configure(
            PKIXParameters params, X509Certificate leaf, Date at, Purpose purpose, Set<String> policies) {
        params.setRevocationEnabled(false);
        params.setDate(at);
        if (!policies.isEmpty()) {
            params.setInitialPolicies(policies);
            params.setExplicitPolicyRequired(true);
        }
        params.addCertPathChecker(new PurposeChecker(leaf, purpose));
    }

    /**
     * Checks the end certificate's purpose and takes responsibility for its extended key usage
     * extension, which RFC 5280 path processing leaves to the application (§4.2.1.12).
     */
    private static final class PurposeChecker extends PKIXCertPathChecker {
        private final X509Certificate leaf;
        private final Purpose purpose;

        PurposeChecker(X509Certificate leaf, Purpose purpose) {
            this.leaf = leaf;
            this.purpose = purpose;
        }

        @Override
        public void init(boolean forward) {
            // stateless
        }

        @Override
        public boolean isForwardCheckingSupported() {
            return true;
        }

        @Override
        public Set<String> getSupportedExtensions() {
            return Set.of(EKU);
        }

        @Override
        public void check(Certificate cert, Collection<String> unresolvedCritExts) throws CertPathValidatorException {
            if (!(cert instanceof X509Certificate x) || !x.equals(leaf)) {
                return;
            }
            List<String> eku;
            try {
                eku = x.getExtendedKeyUsage();
            } catch (CertificateException e) {
                throw new CertPathValidatorException("unreadable extended key usage");
            }
            boolean critical = x.getCriticalExtensionOIDs() != null
                    && x.getCriticalExtensionOIDs().contains(EKU);
            boolean[] ku = x.getKeyUsage();
            switch (purpose) {
                case TIME_STAMPING -> {
                    // RFC 3161 §2.3: exactly one key purpose, id-kp-timeStamping, in a critical extension.
                    if (eku == null
                            || !critical
                            || eku.size() != 1
                            || !eku.get(0).equals(KeyPurposeId.id_kp_timeStamping.getId())) {
                        throw new CertPathValidatorException(
                                "not a time-stamping certificate (RFC 3161 requires the one critical"
                                        + " extended key usage id-kp-timeStamping)");
                    }
                }
                case OCSP_SIGNING -> {
                    if (eku == null || !eku.contains(KeyPurposeId.id_kp_OCSPSigning.getId())) {
                        throw new CertPathValidatorException(
                                "not an OCSP responder certificate (no id-kp-OCSPSigning)");
                    }
                }
                case DOCUMENT_SIGNING -> {
                    if (eku != null && eku.stream().noneMatch(DOCUMENT_SIGNING_EKUS::contains)) {
                        throw new CertPathValidatorException(
                                "the extended key usage " + eku + " does not allow signing documents");
                    }
                }
            }
            if (purpose != Purpose.OCSP_SIGNING && ku != null && !ku[0] && !(ku.length > 1 && ku[1])) {
                throw new CertPathValidatorException(
                        "the key usage allows neither digitalSignature nor nonRepudiation");
            }
            if (purpose == Purpose.OCSP_SIGNING && ku != null && !ku[0]) {
                throw new CertPathValidatorException("the key usage does not allow digitalSignature");
            }
            unresolvedCritExts.remove(EKU);
        }
    }
}
