package cn.tongban.docsign.sign;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.cms.Identity;
import cn.tongban.docsign.pki.RevocationSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;

/**
 * The signer's own revocation check before signing: what the CA says now, from the trust services the
 * signature's validation data will come from anyway. The answer comes from a configured service, not
 * from a document, so it is read, not verified; the verifier checks everything again.
 */
final class RevocationCheck {
    private RevocationCheck() {}

    /** Throws unless {@code cert}'s CA reports it good (OCSP) or does not list it (CRL). */
    static void requireGood(RevocationSource source, X509Certificate cert, X509Certificate issuer) {
        String who =
                Identity.of(cert).name() + " (serial " + cert.getSerialNumber().toString(16) + ")";
        byte[] ocsp = source.ocsp(cert, issuer);
        if (ocsp != null) {
            try {
                OCSPResp resp = new OCSPResp(ocsp);
                if (resp.getStatus() == OCSPResp.SUCCESSFUL && resp.getResponseObject() instanceof BasicOCSPResp b) {
                    for (SingleResp r : b.getResponses()) {
                        if (!r.getCertID().getSerialNumber().equals(cert.getSerialNumber())) {
                            continue;
                        }
                        Object status = r.getCertStatus();
                        if (status == null) {
                            return;
                        }
                        throw new DocsignException(
                                DocsignError.SIGN_CREDENTIAL_REVOKED,
                                who
                                        + (status instanceof RevokedStatus rs
                                                ? " revoked at "
                                                        + rs.getRevocationTime().toInstant()
                                                : " unknown to its CA's OCSP responder"));
                    }
                }
            } catch (IOException | OCSPException | RuntimeException e) {
                if (e instanceof DocsignException d) {
                    throw d;
                }
                // An unreadable answer is no answer: try the CRL.
            }
        }
        byte[] crl = source.crl(cert, issuer);
        if (crl == null) {
            throw new DocsignException(DocsignError.REVOCATION_UNAVAILABLE, "no OCSP answer and no CRL for " + who);
        }
        try {
            X509CRL x = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(crl));
            if (x.getRevokedCertificate(cert) != null) {
                throw new DocsignException(
                        DocsignError.SIGN_CREDENTIAL_REVOKED,
                        who + " revoked at "
                                + x.getRevokedCertificate(cert)
                                        .getRevocationDate()
                                        .toInstant());
            }
        } catch (GeneralSecurityException e) {
            throw new DocsignException(DocsignError.REVOCATION_UNAVAILABLE, "unreadable CRL for " + who, e);
        }
    }
}
