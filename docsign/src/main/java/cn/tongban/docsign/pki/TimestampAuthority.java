package cn.tongban.docsign.pki;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.util.Date;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampResponseGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;

/**
 * The embedded RFC 3161 time-stamp authority. {@link #respond(byte[])} takes a DER {@code
 * TimeStampReq} and returns a DER {@code TimeStampResp} (§2.4), for the server to mount at {@code
 * POST {base}/tsa}; {@link #timestamp(byte[])} is the in-process shortcut used when signing.
 *
 * <p>Tokens carry ESSCertIDv2 (RFC 5816), millisecond resolution and always the TSA certificate.
 */
public final class TimestampAuthority implements TimestampSource {
    /** Policy OID under the UUID arc 2.25 (ITU-T X.667), so it needs no registration. */
    public static final ASN1ObjectIdentifier POLICY =
            new ASN1ObjectIdentifier("2.25.203398770124857946731164838571650264173");

    private static final Set<ASN1ObjectIdentifier> ACCEPTED =
            Set.of(TSPAlgorithms.SHA256, TSPAlgorithms.SHA384, TSPAlgorithms.SHA512);
    private final SecureRandom random = new SecureRandom();
    private final TimeStampTokenGenerator generator;

    TimestampAuthority(Credential tsa) {
        try {
            DigestCalculator sha256 = new JcaDigestCalculatorProviderBuilder()
                    .build()
                    .get(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256));
            generator = new TimeStampTokenGenerator(
                    new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                            .build(EmbeddedPki.signer(tsa.privateKey()), tsa.certificate()),
                    sha256,
                    POLICY);
            generator.setResolution(TimeStampTokenGenerator.R_MILLISECONDS);
            generator.addCertificates(new JcaCertStore(java.util.List.of(tsa.certificate())));
        } catch (OperatorCreationException | CertificateEncodingException | TSPException e) {
            throw new DocsignException(DocsignError.PKI_KEYSTORE, "TSA", e);
        }
    }

    /** Answers a DER {@code TimeStampReq}; malformed requests get a rejection status, never an exception. */
    public byte[] respond(byte[] request) {
        try {
            TimeStampResponseGenerator g = new TimeStampResponseGenerator(generator, ACCEPTED);
            TimeStampResponse resp;
            try {
                TimeStampRequest req = new TimeStampRequest(request);
                synchronized (this) {
                    resp = g.generateGrantedResponse(req, new BigInteger(64, random), new Date());
                }
            } catch (IOException | RuntimeException | TSPException e) {
                // Whatever a malformed body provokes in the ASN.1 parser (it also throws unchecked kinds, e.g.
                // for a length past the end) is a rejection, not a server error.
                resp = g.generateFailResponse(
                        org.bouncycastle.asn1.cmp.PKIStatus.REJECTION,
                        org.bouncycastle.asn1.cmp.PKIFailureInfo.badDataFormat,
                        "malformed request");
            }
            return resp.getEncoded();
        } catch (IOException | TSPException e) {
            throw new DocsignException(DocsignError.TSA_FAILED, e.getMessage(), e);
        }
    }

    @Override
    public byte[] timestamp(byte[] sha256Imprint) {
        TimeStampRequestGenerator rg = new TimeStampRequestGenerator();
        rg.setCertReq(true);
        TimeStampRequest req = rg.generate(TSPAlgorithms.SHA256, sha256Imprint, new BigInteger(64, random));
        try {
            // In-process: the same generator as respond(), without encoding and re-parsing the
            // request/response envelope.
            synchronized (this) {
                return generator
                        .generate(req, new BigInteger(64, random), new Date())
                        .getEncoded();
            }
        } catch (IOException | TSPException e) {
            throw new DocsignException(DocsignError.TSA_FAILED, e.getMessage(), e);
        }
    }

    static JcaX509CertificateHolder holder(java.security.cert.X509Certificate c) throws CertificateEncodingException {
        return new JcaX509CertificateHolder(c);
    }
}
