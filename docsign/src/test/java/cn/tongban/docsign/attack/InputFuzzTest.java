package cn.tongban.docsign.attack;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.form.MaterialInspector;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.VerificationReport;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.asn1.cmp.PKIStatus;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;

/**
 * Fuzzing docsign's entry points for hostile bytes (jqwik, a bounded number of tries in every build): the
 * PDF verifier and the material inspector answer a report or a {@link DocsignException} with a stable
 * code for any mutation of a real signed application — never another exception — and the time-stamp
 * authority answers any request body with a time-stamp response (a rejection for garbage), never an
 * exception (a five-byte body once made {@code /pki/tsa} answer 500). Inputs that once broke a rule are
 * kept below as examples.
 */
class InputFuzzTest {
    private static final PdfVerifier VERIFIER = new PdfVerifier(List.of());

    @Property(tries = 60)
    void aMutatedSignedApplicationIsVerifiedOrRefusedWithACode(@ForAll("mutatedPdfs") byte[] pdf) {
        try {
            VerificationReport r = VERIFIER.verify(pdf);
            assertThat(r).isNotNull();
        } catch (DocsignException e) {
            assertThat(e.error()).isNotNull();
        }
    }

    @Property(tries = 120)
    void aMutatedMaterialIsAcceptedOrRefusedWithACode(@ForAll("mutatedPdfs") byte[] content) {
        try {
            assertThat(MaterialInspector.inspect(content, PdfLimits.DEFAULT)).isNotBlank();
        } catch (DocsignException e) {
            assertThat(e.error()).isNotNull();
        }
    }

    @Property(tries = 1000)
    void anyTimestampRequestIsAnsweredNeverThrown(@ForAll("timestampRequests") byte[] request) throws Exception {
        TimeStampResponse resp = new TimeStampResponse(
                SignedSample.get().pki.timestampAuthority().respond(request));
        assertThat(resp.getStatus()).isIn(PKIStatus.GRANTED, PKIStatus.REJECTION);
    }

    @Property(tries = 300)
    void shortGarbageIsAnsweredNeverThrown(@ForAll @Size(max = 64) byte[] request) throws Exception {
        TimeStampResponse resp = new TimeStampResponse(
                SignedSample.get().pki.timestampAuthority().respond(request));
        assertThat(resp.getStatus()).isIn(PKIStatus.GRANTED, PKIStatus.REJECTION);
    }

    @Property(tries = 300)
    void anyOcspRequestIsAnsweredNeverThrown(@ForAll @Size(max = 256) byte[] request) throws Exception {
        org.bouncycastle.cert.ocsp.OCSPResp resp = new org.bouncycastle.cert.ocsp.OCSPResp(
                SignedSample.get().pki.ocspResponder().respond(request));
        assertThat(resp.getStatus()).isNotNegative();
    }

    @Provide
    Arbitrary<byte[]> mutatedPdfs() {
        byte[] sealed = SignedSample.get().sealed;
        return Combinators.combine(
                        Arbitraries.integers().between(0, 5),
                        Arbitraries.integers().between(0, sealed.length - 1),
                        Arbitraries.integers().between(1, 4096),
                        Arbitraries.bytes())
                .as((op, at, n, b) -> mutate(sealed, op, at, n, b));
    }

    @Provide
    Arbitrary<byte[]> timestampRequests() {
        TimeStampRequestGenerator g = new TimeStampRequestGenerator();
        g.setCertReq(true);
        byte[] valid;
        try {
            valid = g.generate(
                            org.bouncycastle.asn1.nist.NISTObjectIdentifiers.id_sha256,
                            new byte[32],
                            java.math.BigInteger.ONE)
                    .getEncoded();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Combinators.combine(
                        Arbitraries.integers().between(0, 5),
                        Arbitraries.integers().between(0, valid.length - 1),
                        Arbitraries.integers().between(1, 16),
                        Arbitraries.bytes())
                .as((op, at, n, b) -> mutate(valid, op, at, n, b));
    }

    /** One hostile edit: flipped bytes, a cut, a truncation, a repeated stretch, zeros, or a length byte changed. */
    static byte[] mutate(byte[] base, int op, int at, int n, byte b) {
        switch (op) {
            case 0: {
                byte[] out = base.clone();
                for (int i = 0; i < Math.min(n, 16); i++) {
                    out[(at + i * 7919) % out.length] ^= (byte) (b | 1);
                }
                return out;
            }
            case 1: {
                int end = Math.min(base.length, at + n);
                byte[] out = new byte[base.length - (end - at)];
                System.arraycopy(base, 0, out, 0, at);
                System.arraycopy(base, end, out, at, base.length - end);
                return out;
            }
            case 2:
                return Arrays.copyOf(base, at);
            case 3: {
                int end = Math.min(base.length, at + n);
                byte[] out = new byte[base.length + (end - at)];
                System.arraycopy(base, 0, out, 0, end);
                System.arraycopy(base, at, out, end, base.length - at);
                return out;
            }
            case 4: {
                byte[] out = base.clone();
                Arrays.fill(out, at, Math.min(out.length, at + n), (byte) 0);
                return out;
            }
            default: {
                byte[] out = base.clone();
                out[at] = (byte) (0x80 | (b & 0x7f)); // an ASN.1 length or a PDF byte turned into a long form
                return out;
            }
        }
    }

    // ---------------------------------------------------------------- regression cases kept

    @Example
    void theFiveByteTimestampRequestIsRejectedNotAnError() throws Exception {
        for (byte[] body : List.of(
                new byte[] {0x30, (byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff},
                new byte[] {0x30, 0x03, 0x02, 0x01, 0x05},
                new byte[] {0x30, 0x00},
                new byte[0],
                "hello".getBytes(StandardCharsets.US_ASCII))) {
            TimeStampResponse resp = new TimeStampResponse(
                    SignedSample.get().pki.timestampAuthority().respond(body));
            assertThat(resp.getStatus()).as(Arrays.toString(body)).isEqualTo(PKIStatus.REJECTION);
        }
    }
}
