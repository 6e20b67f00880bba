package cn.tongban.docsign.sign;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.cms.Crypto;
import cn.tongban.docsign.pdf.PdfLimits;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The binary form of a {@link PreparedSignature}, so that one process can prepare a signature and another
 * complete it (a cluster node that dies between the two). Big-endian throughout:
 *
 * <pre>
 * magic        4  "TBPS"
 * version      1  2 (1 is still read: its appearance names are skipped, they come from the certificate)
 * pdf          u32 length + bytes       the document with the zero-filled /Contents
 * byteRange    4 x i64
 * attributes   u32 length + bytes       DER signed attributes (a SET)
 * chain        u8 count, then per certificate u32 length + DER (leaf first)
 * request      field name (str), level (u8: 0 B-B, 1 B-T, 2 B-LT, 3 B-LTA), certify (u8 0|1),
 *              reason (str?), location (str?), signing time (i64 epoch seconds, i32 nanos),
 *              appearance: u8 tag then its fields
 *                  1 handwritten  png (u32 length + bytes)          version 1: then signer name (str?)
 *                  2 clerk stamp  (nothing)                        version 1: clerk name, id, hall (str? each)
 *                  3 seal         bottom text (str?)               version 1: hall name (str?) before it
 *                  4 invisible
 * sha256       32 SHA-256 of every byte before it
 * str  = u16 length + UTF-8;  str? = u8 0 (absent) | u8 1 then str
 * </pre>
 *
 * Decoding trusts nothing: lengths are checked against what is left and against caps before anything is
 * allocated, the checksum is compared before parsing, the byte range must describe a {@code <…>} gap that
 * covers the rest of the document, the certificates must parse, and the signed attributes must be the ones
 * this document and signer give (message digest over the signed bytes, signing certificate). Any failure is {@link
 * DocsignError#PREPARED_SIGNATURE_INVALID}.
 */
final class PreparedSignatureCodec {
    static final int VERSION = 2;
    private static final byte[] MAGIC = {'T', 'B', 'P', 'S'};
    private static final int DIGEST_BYTES = 32;
    private static final int MAX_ATTRIBUTES = 64 * 1024;
    private static final int MAX_CERTIFICATE = 64 * 1024;
    private static final int MAX_CHAIN = 16;
    private static final int MAX_STRING = 4 * 1024;
    private static final int MAX_PNG = 8 << 20;
    /** What an incremental update (appearance, signature dictionary, the reserved /Contents) may add. */
    private static final long UPDATE_ALLOWANCE = 8L << 20;

    private static final SignatureLevel[] LEVELS = {
        SignatureLevel.B_B, SignatureLevel.B_T, SignatureLevel.B_LT, SignatureLevel.B_LTA
    };

    private PreparedSignatureCodec() {}

    static byte[] encode(PreparedSignature p) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(p.pdf().length + 8 * 1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeByte(VERSION);
            blob(out, p.pdf());
            for (long v : p.byteRange()) {
                out.writeLong(v);
            }
            blob(out, p.signedAttributesRaw());
            out.writeByte(p.chain().size());
            for (X509Certificate c : p.chain()) {
                blob(out, c.getEncoded());
            }
            SignRequest r = p.request();
            string(out, r.fieldName());
            out.writeByte(Arrays.asList(LEVELS).indexOf(r.level()));
            out.writeByte(r.certify() ? 1 : 0);
            optional(out, r.reason());
            optional(out, r.location());
            out.writeLong(r.signingTime().getEpochSecond());
            out.writeInt(r.signingTime().getNano());
            SignatureAppearance a = r.appearance();
            if (a instanceof SignatureAppearance.Handwritten h) {
                out.writeByte(1);
                blob(out, h.png());
            } else if (a instanceof SignatureAppearance.ClerkStamp) {
                out.writeByte(2);
            } else if (a instanceof SignatureAppearance.OfficialSeal s) {
                out.writeByte(3);
                optional(out, s.bottomText());
            } else {
                out.writeByte(4);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        } catch (CertificateEncodingException e) {
            throw new DocsignException(DocsignError.SIGN_FAILED, "cannot encode the certificate chain", e);
        }
        byte[] body = bytes.toByteArray();
        byte[] all = Arrays.copyOf(body, body.length + DIGEST_BYTES);
        System.arraycopy(sha256().digest(body), 0, all, body.length, DIGEST_BYTES);
        return all;
    }

    static PreparedSignature decode(byte[] data, PdfLimits limits) {
        if (data == null) {
            throw invalid("no data");
        }
        long maxPdf = limits.maxFileBytes() + UPDATE_ALLOWANCE;
        long maxTotal = maxPdf + MAX_PNG + MAX_CHAIN * (long) MAX_CERTIFICATE + 1024 * 1024;
        if (data.length > maxTotal) {
            throw invalid("larger than " + maxTotal + " bytes");
        }
        if (data.length < MAGIC.length + 1 + DIGEST_BYTES) {
            throw invalid("truncated: " + data.length + " bytes");
        }
        if (!Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw invalid("not an encoded prepared signature (magic)");
        }
        int version = data[MAGIC.length] & 0xff;
        if (version != VERSION && version != 1) {
            throw invalid("unsupported version " + version);
        }
        int bodyLength = data.length - DIGEST_BYTES;
        MessageDigest sha = sha256();
        sha.update(data, 0, bodyLength);
        byte[] expected = sha.digest();
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(data, bodyLength, data.length))) {
            throw invalid("checksum mismatch (truncated or altered)");
        }
        ByteBuffer in = ByteBuffer.wrap(data, MAGIC.length + 1, bodyLength - MAGIC.length - 1);
        try {
            byte[] pdf = blob(in, maxPdf, "pdf");
            long[] byteRange = {in.getLong(), in.getLong(), in.getLong(), in.getLong()};
            checkByteRange(pdf, byteRange);
            byte[] attributes = blob(in, MAX_ATTRIBUTES, "signed attributes");
            int count = in.get() & 0xff;
            if (count < 1 || count > MAX_CHAIN) {
                throw invalid("chain of " + count + " certificates");
            }
            List<X509Certificate> chain = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                chain.add(certificate(blob(in, MAX_CERTIFICATE, "certificate")));
            }
            checkAttributes(attributes, pdf, byteRange, chain.get(0));
            String fieldName = string(in);
            int level = in.get() & 0xff;
            if (level >= LEVELS.length) {
                throw invalid("unknown level " + level);
            }
            boolean certify = flag(in, "certify");
            String reason = optional(in);
            String location = optional(in);
            Instant signingTime = instant(in.getLong(), in.getInt());
            SignatureAppearance appearance = appearance(in, version);
            if (in.hasRemaining()) {
                throw invalid(in.remaining() + " bytes after the end");
            }
            return new PreparedSignature(
                    pdf,
                    byteRange,
                    attributes,
                    chain,
                    new SignRequest(fieldName, LEVELS[level], certify, appearance, reason, location, signingTime));
        } catch (BufferUnderflowException e) {
            throw invalid("truncated");
        }
    }

    // ---------------------------------------------------------------- checks

    /** The gap {@code [br1, br2)} is the hex string {@code <…>}; the two ranges cover the rest of the PDF. */
    private static void checkByteRange(byte[] pdf, long[] br) {
        boolean ok = true;
        for (long v : br) {
            ok &= v >= 0 && v <= pdf.length;
        }
        ok = ok
                && br[0] == 0
                && br[1] > 0
                && br[2] >= br[1] + 2
                && br[2] + br[3] == pdf.length
                && pdf[(int) br[1]] == '<'
                && pdf[(int) br[2] - 1] == '>';
        if (!ok) {
            throw invalid("byte range " + Arrays.toString(br) + " does not fit the document");
        }
    }

    /**
     * The signed attributes are exactly those {@link PadesSigner#prepare} makes for this document and signer
     * (they carry no time, so they can be made again): the digest of the signed bytes, the leaf's
     * signing-certificate-v2.
     */
    private static void checkAttributes(byte[] attributes, byte[] pdf, long[] br, X509Certificate signer) {
        byte[] expected;
        try {
            MessageDigest md = Crypto.digest(Crypto.digestFor(signer.getPublicKey()));
            md.update(pdf, 0, (int) br[1]);
            md.update(pdf, (int) br[2], (int) br[3]);
            expected = Cms.signedAttributes(md.digest(), signer);
        } catch (RuntimeException e) {
            throw invalid("cannot rebuild the signed attributes for the signer");
        }
        if (!MessageDigest.isEqual(expected, attributes)) {
            throw invalid("signed attributes do not match the document and the signer");
        }
    }

    private static X509Certificate certificate(byte[] der) {
        try {
            return Crypto.certificate(der);
        } catch (CertificateException | RuntimeException e) {
            throw invalid("a certificate does not parse");
        }
    }

    private static Instant instant(long seconds, int nanos) {
        if (nanos < 0 || nanos > 999_999_999) {
            throw invalid("signing time");
        }
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            throw invalid("signing time");
        }
    }

    private static SignatureAppearance appearance(ByteBuffer in, int version) {
        int tag = in.get() & 0xff;
        boolean v1 = version == 1;
        return switch (tag) {
            case 1 -> {
                byte[] png = blob(in, MAX_PNG, "handwriting");
                if (v1) {
                    optional(in); // the signer's name: drawn from the certificate now
                }
                yield new SignatureAppearance.Handwritten(png);
            }
            case 2 -> {
                if (v1) {
                    optional(in); // clerk name, clerk id, hall name: from the certificate now
                    optional(in);
                    optional(in);
                }
                yield new SignatureAppearance.ClerkStamp();
            }
            case 3 -> {
                if (v1) {
                    optional(in); // hall name: from the certificate now
                }
                yield new SignatureAppearance.OfficialSeal(optional(in));
            }
            case 4 -> new SignatureAppearance.Invisible();
            default -> throw invalid("unknown appearance " + tag);
        };
    }

    // ---------------------------------------------------------------- primitives

    private static void blob(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] blob(ByteBuffer in, long max, String what) {
        long length = in.getInt() & 0xffffffffL;
        if (length > max) {
            throw invalid(what + " of " + length + " bytes exceeds " + max);
        }
        if (length > in.remaining()) {
            throw invalid("truncated " + what);
        }
        byte[] b = new byte[(int) length];
        in.get(b);
        return b;
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_STRING) {
            throw new DocsignException(DocsignError.SIGN_FAILED, "a text of the request is too long to encode");
        }
        out.writeShort(b.length);
        out.write(b);
    }

    private static String string(ByteBuffer in) {
        int length = in.getShort() & 0xffff;
        if (length > MAX_STRING) {
            throw invalid("text of " + length + " bytes");
        }
        if (length > in.remaining()) {
            throw invalid("truncated text");
        }
        ByteBuffer slice = in.slice(in.position(), length);
        in.position(in.position() + length);
        try {
            CharBuffer chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw invalid("text is not UTF-8");
        }
    }

    private static void optional(DataOutputStream out, String s) throws IOException {
        out.writeByte(s == null ? 0 : 1);
        if (s != null) {
            string(out, s);
        }
    }

    private static String optional(ByteBuffer in) {
        return flag(in, "presence") ? string(in) : null;
    }

    private static boolean flag(ByteBuffer in, String what) {
        int b = in.get() & 0xff;
        if (b > 1) {
            throw invalid(what + " flag " + b);
        }
        return b == 1;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DocsignException invalid(String detail) {
        return new DocsignException(DocsignError.PREPARED_SIGNATURE_INVALID, detail);
    }
}
