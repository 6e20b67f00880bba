package cn.tongban.docsign.pki;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The trust services of a deployment that mixes the embedded PKI with an external one: revocation
 * data for certificates issued by one of the embedded PKI's CAs (including an external issuing CA
 * delegated to a hall) comes from the embedded responder; for every other certificate it comes
 * from the issuer's own OCSP responder or CRL distribution point, as named in the certificate.
 * Time-stamps come from an external TSA when one is configured, else from the embedded one.
 */
public final class CompositeTrustServices implements TrustServices {
    private final EmbeddedPki local;
    private final HttpTrustServices remote;
    private final List<X509Certificate> anchors;
    private final boolean externalTsa;

    /**
     * @param local the embedded PKI (possibly holding external credentials)
     * @param extraAnchors trust anchors beyond the local ones (e.g. an external TSA's root)
     * @param tsa an external TSA's URL, or {@code null} to use the embedded TSA
     */
    public CompositeTrustServices(EmbeddedPki local, List<X509Certificate> extraAnchors, URI tsa) {
        this.local = local;
        LinkedHashSet<X509Certificate> all = new LinkedHashSet<>(local.trustAnchors());
        all.addAll(extraAnchors);
        this.anchors = List.copyOf(new ArrayList<>(all));
        this.remote = new HttpTrustServices(anchors, tsa);
        this.externalTsa = tsa != null;
    }

    @Override
    public List<X509Certificate> trustAnchors() {
        return anchors;
    }

    @Override
    public TimestampSource timestamps() {
        return externalTsa ? remote.timestamps() : local.timestamps();
    }

    @Override
    public RevocationSource revocation() {
        RevocationSource mine = local.revocation();
        RevocationSource theirs = remote.revocation();
        return new RevocationSource() {
            @Override
            public byte[] ocsp(X509Certificate cert, X509Certificate issuer) {
                return local.caIdOf(issuer) != null ? mine.ocsp(cert, issuer) : theirs.ocsp(cert, issuer);
            }

            @Override
            public byte[] crl(X509Certificate cert, X509Certificate issuer) {
                return local.caIdOf(issuer) != null ? mine.crl(cert, issuer) : theirs.crl(cert, issuer);
            }
        };
    }
}
