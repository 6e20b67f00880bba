package cn.tongban.docsign.pki;

import java.security.cert.X509Certificate;

/** Where fresh revocation data comes from: an OCSP responder and CRL distribution points. */
public interface RevocationSource {
    /**
     * A DER {@code OCSPResponse} (RFC 6960 §4.2.1) for {@code cert}, or {@code null} when the
     * issuer runs no OCSP responder.
     */
    byte[] ocsp(X509Certificate cert, X509Certificate issuer);

    /**
     * The current DER CRL (RFC 5280 §5) that covers {@code cert}, issued by {@code issuer}, or
     * {@code null} if none is published.
     */
    byte[] crl(X509Certificate cert, X509Certificate issuer);
}
