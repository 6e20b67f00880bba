package cn.tongban.docsign.pki;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.X509ObjectIdentifiers;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;

/**
 * Trust services of an external PKI: a TSA at a fixed URL (RFC 3161 §3.4 over HTTP), OCSP at the
 * URL in each certificate's AIA extension (RFC 6960 Appendix A), CRLs from its CRL distribution
 * points. Timeouts are 10 s per request. Without a TSA URL, {@link #timestamps()} refuses with
 * {@code TSA_FAILED} (for deployments that take only revocation data from here).
 */
public final class HttpTrustServices implements TrustServices {
    private final List<X509Certificate> anchors;
    private final URI tsa;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    private final SecureRandom random = new SecureRandom();

    /** @param tsa the TSA's URL, or {@code null} for none */
    public HttpTrustServices(List<X509Certificate> anchors, URI tsa) {
        this.anchors = List.copyOf(anchors);
        this.tsa = tsa;
    }

    @Override
    public List<X509Certificate> trustAnchors() {
        return anchors;
    }

    @Override
    public TimestampSource timestamps() {
        return imprint -> {
            if (tsa == null) {
                throw new DocsignException(DocsignError.TSA_FAILED, "no external TSA configured");
            }
            TimeStampRequestGenerator g = new TimeStampRequestGenerator();
            g.setCertReq(true);
            TimeStampRequest req = g.generate(TSPAlgorithms.SHA256, imprint, new BigInteger(64, random));
            try {
                TimeStampResponse resp =
                        new TimeStampResponse(post(tsa, "application/timestamp-query", req.getEncoded()));
                resp.validate(req);
                if (resp.getTimeStampToken() == null) {
                    throw new DocsignException(DocsignError.TSA_FAILED, resp.getStatusString());
                }
                return resp.getTimeStampToken().getEncoded();
            } catch (IOException | TSPException e) {
                throw new DocsignException(DocsignError.TSA_FAILED, tsa.toString(), e);
            }
        };
    }

    @Override
    public RevocationSource revocation() {
        return new RevocationSource() {
            @Override
            public byte[] ocsp(X509Certificate cert, X509Certificate issuer) {
                String url = accessLocation(cert, X509ObjectIdentifiers.ocspAccessMethod);
                if (url == null) {
                    return null;
                }
                try {
                    CertificateID id = new CertificateID(
                            new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                            new JcaX509CertificateHolder(issuer),
                            cert.getSerialNumber());
                    byte[] req = new OCSPReqBuilder().addRequest(id).build().getEncoded();
                    return post(URI.create(url), "application/ocsp-request", req);
                } catch (IOException | OCSPException | OperatorCreationException | CertificateEncodingException e) {
                    throw new DocsignException(DocsignError.REVOCATION_UNAVAILABLE, url, e);
                }
            }

            @Override
            public byte[] crl(X509Certificate cert, X509Certificate issuer) {
                return crlFor(cert);
            }
        };
    }

    /** Downloads the CRL named in {@code cert}'s first HTTP CRL distribution point, or {@code null}. */
    public byte[] crlFor(X509Certificate cert) {
        byte[] ext = cert.getExtensionValue(Extension.cRLDistributionPoints.getId());
        if (ext == null) {
            return null;
        }
        CRLDistPoint dp = CRLDistPoint.getInstance(
                org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets());
        for (DistributionPoint p : dp.getDistributionPoints()) {
            DistributionPointName n = p.getDistributionPoint();
            if (n != null && n.getType() == DistributionPointName.FULL_NAME) {
                for (GeneralName g : GeneralNames.getInstance(n.getName()).getNames()) {
                    String url = ASN1IA5String.getInstance(g.getName()).getString();
                    if (g.getTagNo() == GeneralName.uniformResourceIdentifier && url.startsWith("http")) {
                        return get(URI.create(url));
                    }
                }
            }
        }
        return null;
    }

    static String accessLocation(X509Certificate cert, org.bouncycastle.asn1.ASN1ObjectIdentifier method) {
        byte[] ext = cert.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (ext == null) {
            return null;
        }
        AuthorityInformationAccess aia = AuthorityInformationAccess.getInstance(
                org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets());
        for (AccessDescription d : aia.getAccessDescriptions()) {
            if (d.getAccessMethod().equals(method)
                    && d.getAccessLocation().getTagNo() == GeneralName.uniformResourceIdentifier) {
                return ASN1IA5String.getInstance(d.getAccessLocation().getName())
                        .getString();
            }
        }
        return null;
    }

    private byte[] post(URI uri, String type, byte[] body) {
        return send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());
    }

    private byte[] get(URI uri) {
        return send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build());
    }

    private byte[] send(HttpRequest req) {
        try {
            HttpResponse<byte[]> r;
            try {
                r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            } catch (java.net.http.HttpTimeoutException e) {
                throw e;
            } catch (IOException e) {
                // Many OCSP responders and TSAs (openssl's among them) answer HTTP/1.0 and close the
                // connection; the client may try to reuse it and fail before any byte arrives. The
                // requests are idempotent, so one retry on a fresh connection is safe.
                r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            }
            if (r.statusCode() != 200) {
                throw new DocsignException(
                        DocsignError.REVOCATION_UNAVAILABLE, req.uri() + " -> HTTP " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new DocsignException(
                    DocsignError.REVOCATION_UNAVAILABLE, req.uri().toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DocsignException(DocsignError.REVOCATION_UNAVAILABLE, "interrupted", e);
        }
    }
}
