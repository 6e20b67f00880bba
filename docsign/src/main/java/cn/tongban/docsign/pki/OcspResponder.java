package cn.tongban.docsign.pki;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.CertificateEncodingException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * The OCSP responder of the hall CAs (RFC 6960). Each hall CA signs its own responses (§4.2.2.2:
 * the CA that issued the certificate), so no delegated responder certificate needs validating.
 * Plain request→response: the server mounts {@link #respond(byte[])} at {@code POST
 * {base}/ocsp/{hallId}}.
 */
public final class OcspResponder {
    private final EmbeddedPki pki;
    private final DigestCalculatorProvider digests;

    OcspResponder(EmbeddedPki pki) {
        this.pki = pki;
        try {
            this.digests = new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Answers a DER {@code OCSPRequest}. Malformed requests get {@code malformedRequest}, requests
     * about unknown issuers {@code unauthorized} (RFC 6960 §2.3); never throws.
     */
    public byte[] respond(byte[] request) {
        try {
            OCSPReq req;
            try {
                req = new OCSPReq(request);
            } catch (IOException | RuntimeException e) {
                return new OCSPRespBuilder()
                        .build(OCSPRespBuilder.MALFORMED_REQUEST, null)
                        .getEncoded();
            }
            Req[] list = req.getRequestList();
            if (list.length == 0) {
                return new OCSPRespBuilder()
                        .build(OCSPRespBuilder.MALFORMED_REQUEST, null)
                        .getEncoded();
            }
            String caId = null;
            for (Req r : list) {
                String id = issuerOf(r.getCertID());
                if (id == null || (caId != null && !caId.equals(id))) {
                    return new OCSPRespBuilder()
                            .build(OCSPRespBuilder.UNAUTHORIZED, null)
                            .getEncoded();
                }
                caId = id;
            }
            Extension nonce = req.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
            return build(caId, list, nonce);
        } catch (IOException | OCSPException e) {
            throw new DocsignException(DocsignError.REVOCATION_UNAVAILABLE, "OCSP", e);
        }
    }

    /** A response for one serial of CA {@code caId}, as the signer fetches for PAdES B-LT. */
    byte[] respondFor(String caId, BigInteger serial) {
        try {
            X509CertificateHolder issuer =
                    new JcaX509CertificateHolder(pki.caCredential(caId).certificate());
            CertificateID id = new CertificateID(digests.get(CertificateID.HASH_SHA1), issuer, serial);
            return build(caId, null, id);
        } catch (CertificateEncodingException | OCSPException | OperatorCreationException | IOException e) {
            throw new DocsignException(DocsignError.REVOCATION_UNAVAILABLE, "OCSP", e);
        }
    }

    private byte[] build(String caId, Req[] list, Extension nonce) throws OCSPException, IOException {
        CertificateID[] ids = new CertificateID[list.length];
        for (int i = 0; i < list.length; i++) {
            ids[i] = list[i].getCertID();
        }
        return build(caId, nonce, ids);
    }

    private byte[] build(String caId, Extension nonce, CertificateID... ids) throws OCSPException, IOException {
        try {
            Credential ca = pki.caCredential(caId);
            X509CertificateHolder caHolder = new JcaX509CertificateHolder(ca.certificate());
            BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(
                    new RespID(caHolder.getSubjectPublicKeyInfo(), digests.get(CertificateID.HASH_SHA1)));
            Instant now = Instant.now();
            Date next = Date.from(now.plus(Duration.ofDays(1)));
            for (CertificateID id : ids) {
                BigInteger serial = id.getSerialNumber();
                EmbeddedPki.Revocation r = pki.revocationOf(caId, serial);
                CertificateStatus status;
                if (r != null) {
                    status = new RevokedStatus(
                            Date.from(r.time()), r.reason() == 0 ? CRLReason.unspecified : r.reason());
                } else if (pki.wasIssued(caId, serial)) {
                    status = CertificateStatus.GOOD;
                } else {
                    status = new UnknownStatus();
                }
                b.addResponse(id, status, Date.from(now), next, null);
            }
            if (nonce != null) {
                b.setResponseExtensions(new Extensions(nonce));
            }
            BasicOCSPResp basic = b.build(
                    EmbeddedPki.signer(ca.privateKey()), new X509CertificateHolder[] {caHolder}, Date.from(now));
            OCSPResp resp = new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic);
            return resp.getEncoded();
        } catch (CertificateEncodingException | OperatorCreationException e) {
            throw new OCSPException("cannot sign OCSP response", e);
        }
    }

    private String issuerOf(CertificateID id) throws OCSPException {
        return pki.caIdMatching(id, digests);
    }
}
