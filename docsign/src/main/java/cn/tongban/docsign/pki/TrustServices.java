package cn.tongban.docsign.pki;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The trust services signing depends on. {@link EmbeddedPki} provides them in-process for the
 * one-machine default; {@link HttpTrustServices} points a deployment at external TSA and OCSP/CRL
 * services instead.
 */
public interface TrustServices {
    /** The trust anchors (federation root or external roots) verification starts from. */
    List<X509Certificate> trustAnchors();

    /** The time-stamp authority used for signature and document time-stamps. */
    TimestampSource timestamps();

    /** Fresh revocation data for the long-term validation material (PAdES B-LT). */
    RevocationSource revocation();
}
