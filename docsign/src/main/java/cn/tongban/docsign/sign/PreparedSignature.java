package cn.tongban.docsign.sign;

import cn.tongban.docsign.pdf.PdfLimits;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A document with a reserved, still empty signature, waiting for an external signer (a browser's
 * WebCrypto key, an HSM). Hand {@link #dataToBeSigned()} to a signer that hashes itself (WebCrypto
 * {@code sign({name:"ECDSA",hash:"SHA-256"}, key, data)}), or {@link #digest()} to one that signs
 * a pre-computed SHA-256 digest; pass the result to {@link PadesSigner#complete}.
 *
 * <p>Holds no key and no document handle: it can be kept in memory between two requests, or {@linkplain
 * #encode() encoded} and stored elsewhere (a cluster map, a database) so that another process {@linkplain
 * #decode(byte[]) decodes} and completes it.
 */
public final class PreparedSignature {
    private final byte[] pdf;
    private final long[] byteRange;
    private final byte[] signedAttributes;
    private final List<X509Certificate> chain;
    private final SignRequest request;

    PreparedSignature(
            byte[] pdf, long[] byteRange, byte[] signedAttributes, List<X509Certificate> chain, SignRequest request) {
        this.pdf = pdf;
        this.byteRange = byteRange;
        this.signedAttributes = signedAttributes;
        this.chain = List.copyOf(chain);
        this.request = request;
    }

    /** The DER-encoded signed attributes: the exact bytes the signer signs. */
    public byte[] dataToBeSigned() {
        return signedAttributes.clone();
    }

    /**
     * SHA-256 of {@link #dataToBeSigned()}, for ECDSA/RSA signers that take a pre-computed digest.
     * SM2 signers must sign {@link #dataToBeSigned()} itself (SM2 hashes Z<sub>A</sub> || M, GM/T
     * 0003.2 §6.1).
     */
    public byte[] digest() {
        return Cms.sha256(signedAttributes);
    }

    /** The signer's certificate chain, leaf first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The request this preparation was made for. */
    public SignRequest request() {
        return request;
    }

    /**
     * A compact, versioned binary form holding everything {@link PadesSigner#complete} needs: the prepared
     * document, its byte range, the signed attributes, the chain (DER) and the request (level, appearance,
     * texts, time), with a SHA-256 checksum. The format is described in {@code PreparedSignatureCodec}.
     */
    public byte[] encode() {
        return PreparedSignatureCodec.encode(this);
    }

    /**
     * Reads {@link #encode()}'s output, within {@link PdfLimits#DEFAULT}'s file size.
     *
     * @throws cn.tongban.docsign.DocsignException {@code PREPARED_SIGNATURE_INVALID} when the bytes are
     *     truncated, altered, too large, of another version, or do not describe a consistent preparation
     */
    public static PreparedSignature decode(byte[] encoded) {
        return decode(encoded, PdfLimits.DEFAULT);
    }

    /** As {@link #decode(byte[])}, with the prepared document allowed up to {@code limits.maxFileBytes()}. */
    public static PreparedSignature decode(byte[] encoded, PdfLimits limits) {
        return PreparedSignatureCodec.decode(encoded, limits);
    }

    byte[] pdf() {
        return pdf;
    }

    long[] byteRange() {
        return byteRange;
    }

    byte[] signedAttributesRaw() {
        return signedAttributes;
    }
}
