package cn.tongban.docsign.cms;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Builds certificate paths from a pool by issuer name and signature (no policy processing). */
public final class CertChains {
    private static final int MAX_DEPTH = 8;

    private CertChains() {}

    /** {@code leaf} followed by its issuers found in {@code pool}, up to a self-signed one or a gap. */
    public static List<X509Certificate> build(X509Certificate leaf, Collection<X509Certificate> pool) {
        List<X509Certificate> chain = new ArrayList<>();
        X509Certificate c = leaf;
        while (c != null && chain.size() < MAX_DEPTH && !chain.contains(c)) {
            chain.add(c);
            if (selfSigned(c)) {
                break;
            }
            c = issuerOf(c, pool);
        }
        return chain;
    }

    /** The certificate in {@code pool} whose key verifies {@code cert}'s signature, or {@code null}. */
    public static X509Certificate issuerOf(X509Certificate cert, Collection<X509Certificate> pool) {
        for (X509Certificate candidate : pool) {
            if (candidate.getSubjectX500Principal().equals(cert.getIssuerX500Principal())
                    && verifies(cert, candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Whether {@code cert} is self-issued and self-signed. */
    public static boolean selfSigned(X509Certificate cert) {
        return cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal()) && verifies(cert, cert);
    }

    // Verification results per (certificate, issuer) pair: the verifier checks the same links many
    // times (signer chains, TSA chains, OCSP and CRL issuers) and an ECDSA verify costs ~0.2 ms.
    private static final java.util.Map<String, Boolean> VERIFIED =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(256, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> e) {
                    return size() > 4096;
                }
            });

    private static boolean verifies(X509Certificate cert, X509Certificate issuer) {
        String key;
        try {
            // The whole encoding (to-be-signed part and signature) and the issuer key, so a forged
            // certificate reusing a genuine signature value never hits a cached "true".
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(cert.getEncoded());
            md.update(issuer.getPublicKey().getEncoded());
            key = java.util.HexFormat.of().formatHex(md.digest());
        } catch (GeneralSecurityException e) {
            return false;
        }
        Boolean cached = VERIFIED.get(key);
        if (cached != null) {
            return cached;
        }
        boolean ok;
        try {
            cert.verify(issuer.getPublicKey(), Crypto.BC);
            ok = true;
        } catch (GeneralSecurityException e) {
            ok = false;
        }
        VERIFIED.put(key, ok);
        return ok;
    }
}
