package cn.tongban.docsign.pki;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * The embedded CAs' CRLs (RFC 5280 §5), from the CA's revocations: valid for a day, issued anew at most
 * once a minute or after a revocation, so that validation data collected for several signatures holds one
 * CRL per CA instead of one per certificate. Thread-safe.
 */
final class CrlIssuer {
    private record Issued(byte[] der, Instant at, int revocations) {}

    private final Function<String, Credential> cas;
    private final Function<String, Map<BigInteger, EmbeddedPki.Revocation>> revocations;
    private final Map<String, Issued> cache = new ConcurrentHashMap<>();

    /**
     * @param cas the credential of a CA by id ({@code root} or a hall id)
     * @param revocations the certificates a CA revoked, by serial number
     */
    CrlIssuer(Function<String, Credential> cas, Function<String, Map<BigInteger, EmbeddedPki.Revocation>> revocations) {
        this.cas = cas;
        this.revocations = revocations;
    }

    /** The current DER CRL of a known CA. */
    byte[] crl(String caId) {
        Instant now = Instant.now();
        int count = revocations.apply(caId).size();
        Issued cached = cache.get(caId);
        if (cached != null && cached.at().isAfter(now.minusSeconds(60)) && cached.revocations() == count) {
            return cached.der();
        }
        byte[] der = issue(caId, now);
        cache.put(caId, new Issued(der, now, count));
        return der;
    }

    private byte[] issue(String caId, Instant now) {
        try {
            Credential ca = cas.apply(caId);
            // The issuer's encoded name verbatim, so name comparison is byte-exact.
            X509v2CRLBuilder b = new X509v2CRLBuilder(
                    X500Name.getInstance(
                            ca.certificate().getSubjectX500Principal().getEncoded()),
                    Date.from(now));
            b.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
            for (Map.Entry<BigInteger, EmbeddedPki.Revocation> r :
                    revocations.apply(caId).entrySet()) {
                b.addCRLEntry(
                        r.getKey(), Date.from(r.getValue().time()), r.getValue().reason());
            }
            JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
            b.addExtension(Extension.authorityKeyIdentifier, false, u.createAuthorityKeyIdentifier(ca.certificate()));
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(now.toEpochMilli())));
            return b.build(EmbeddedPki.signer(ca.privateKey())).getEncoded();
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new DocsignException(DocsignError.REVOCATION_UNAVAILABLE, caId, e);
        }
    }
}
