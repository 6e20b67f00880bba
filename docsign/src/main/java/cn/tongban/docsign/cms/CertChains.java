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

    private static boolean verifies(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
