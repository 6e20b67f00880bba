package cn.tongban.docsign.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A prepared signature survives being encoded, stored and decoded elsewhere (as when the node that made it
 * dies): the decoded copy completes with a key held outside the signing code, and the clerk and seal follow
 * to a document our verifier accepts. Broken bytes give {@code PREPARED_SIGNATURE_INVALID}, never another
 * exception.
 */
class PreparedSignatureCodecTest {
    private static SignedSample s;
    private static KeyPair browserKey;
    private static PreparedSignature prepared;
    private static byte[] encoded;
    /** A signing time to the nanosecond, within the certificate's validity (signing refuses others). */
    private static final Instant SIGNING_TIME =
            Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusNanos(123456789);

    @BeforeAll
    static void prepare() throws Exception {
        s = SignedSample.get();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        browserKey = g.generateKeyPair(); // never given to PadesSigner
        Credential cert = s.pki.issueApplicant("wujin", "王小明", "310101199001010000", browserKey.getPublic());
        prepared = new ApplicationSigningFlow(s.signer)
                .applicantPrepares(s.form, cert.chain(), Fixtures.handwrittenPng(), SIGNING_TIME);
        encoded = prepared.encode();
    }

    @Test
    void aDecodedPreparationCompletesToAVerifiedApplication() throws Exception {
        assertThat(encoded.length).isLessThan(prepared.pdf().length + 16 * 1024);
        PreparedSignature decoded = PreparedSignature.decode(encoded.clone());

        assertThat(decoded.pdf()).isEqualTo(prepared.pdf());
        assertThat(decoded.byteRange()).isEqualTo(prepared.byteRange());
        assertThat(decoded.dataToBeSigned()).isEqualTo(prepared.dataToBeSigned());
        assertThat(decoded.digest()).isEqualTo(prepared.digest());
        assertThat(decoded.chain()).isEqualTo(prepared.chain());
        SignRequest r = decoded.request();
        assertThat(r.fieldName()).isEqualTo(SignerRole.APPLICANT.fieldName());
        assertThat(r.level()).isEqualTo(SignatureLevel.B_T);
        assertThat(r.certify()).isTrue();
        assertThat(r.reason()).isEqualTo(prepared.request().reason());
        assertThat(r.location()).isNull();
        assertThat(r.signingTime()).isEqualTo(SIGNING_TIME);
        SignatureAppearance.Handwritten h = (SignatureAppearance.Handwritten) r.appearance();
        assertThat(h.png()).isEqualTo(Fixtures.handwrittenPng());
        assertThat(decoded.encode()).isEqualTo(encoded);

        // "Browser": WebCrypto ECDSA P-256 over the decoded copy's bytes, P1363 r||s.
        Signature browser = Signature.getInstance("SHA256withECDSAinP1363Format");
        browser.initSign(browserKey.getPrivate());
        browser.update(decoded.dataToBeSigned());
        byte[] afterApplicant = s.signer.complete(decoded, browser.sign());

        ApplicationSigningFlow flow = new ApplicationSigningFlow(s.signer);
        byte[] afterClerk = flow.clerkSigns(afterApplicant, s.pki.clerk("wujin", "WJ0421", "李建国"), Instant.now());
        byte[] sealed = flow.hallSeals(afterClerk, s.pki.hallSeal("wujin"), Instant.now());
        VerificationReport report = new PdfVerifier(List.of(s.pki.rootCertificate())).verify(sealed);
        assertThat(report.verdict()).as(report.toJson()).isEqualTo(Verdict.VALID);
        assertThat(report.signatures())
                .extracting(SignatureReport::fieldName)
                .startsWith("applicant", "clerk", "hallSeal");
        assertThat(report.signatures().get(0).signerCommonName()).isEqualTo("王小明");
    }

    @Test
    void everyAppearanceAndLevelRoundTrips() {
        Credential clerk = s.pki.clerk("wujin", "WJ0421", "李建国");
        List<SignatureAppearance> looks = List.of(
                new SignatureAppearance.ClerkStamp(),
                new SignatureAppearance.OfficialSeal("电子印章"),
                new SignatureAppearance.Invisible());
        SignatureLevel[] levels = {SignatureLevel.B_B, SignatureLevel.B_LT, SignatureLevel.B_LTA};
        for (int i = 0; i < looks.size(); i++) {
            SignRequest request =
                    new SignRequest("extra" + i, levels[i], false, looks.get(i), null, "武进", Instant.now());
            PreparedSignature p = s.signer.prepare(s.afterApplicant, clerk.chain(), request);
            PreparedSignature back = PreparedSignature.decode(p.encode());
            assertThat(back.request()).usingRecursiveComparison().isEqualTo(request);
            assertThat(back.encode()).isEqualTo(p.encode());
        }
    }

    @Test
    void truncatedInputIsRefusedWithTheCode() {
        for (int length : new int[] {0, 3, 5, 36, 37, encoded.length / 2, encoded.length - 33, encoded.length - 1}) {
            assertInvalid(Arrays.copyOf(encoded, length));
        }
        assertInvalid(null);
    }

    @Test
    void alteredInputIsRefusedWithTheCode() {
        Random random = new Random(20260302);
        for (int i = 0; i < 40; i++) {
            byte[] b = encoded.clone();
            int at = random.nextInt(b.length);
            b[at] ^= (byte) (1 + random.nextInt(255));
            assertInvalid(b);
        }
        byte[] wrongMagic = encoded.clone();
        wrongMagic[0] = 'X';
        assertInvalid(wrongMagic);
        byte[] appended = Arrays.copyOf(encoded, encoded.length + 1);
        assertInvalid(appended);
        assertInvalid("this is not a prepared signature at all, just text".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anotherVersionIsRefused() {
        byte[] v3 = encoded.clone();
        v3[4] = 3;
        assertThatThrownBy(() -> PreparedSignature.decode(withChecksum(v3)))
                .isInstanceOfSatisfying(DocsignException.class, e -> {
                    assertThat(e.error()).isEqualTo(DocsignError.PREPARED_SIGNATURE_INVALID);
                    assertThat(e.getMessage()).contains("version 3");
                });
    }

    /**
     * Version 1 (before the names came from the certificate) carried the handwriting's signer name after
     * the PNG; a node that was upgraded in between still completes what an older node prepared.
     */
    @Test
    void versionOneIsStillRead() {
        byte[] body = java.util.Arrays.copyOf(encoded, encoded.length - 32);
        byte[] name = "王小明".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream v1 = new java.io.ByteArrayOutputStream();
        v1.writeBytes(body);
        v1.write(1); // the name is present
        v1.write(name.length >> 8);
        v1.write(name.length);
        v1.writeBytes(name);
        v1.writeBytes(new byte[32]);
        byte[] old = v1.toByteArray();
        old[4] = 1;
        PreparedSignature back = PreparedSignature.decode(withChecksum(old));
        assertThat(back.request().appearance()).isInstanceOf(SignatureAppearance.Handwritten.class);
        assertThat(back.pdf()).isEqualTo(prepared.pdf());
    }

    @Test
    void oversizedInputIsRefusedBeforeItIsRead() {
        PdfLimits small = new PdfLimits(1024, 1024, 1024, 1024);
        assertInvalid(new byte[32 << 20], small);
        // A length field that claims more than the cap allows, with a valid checksum.
        byte[] b = encoded.clone();
        ByteBuffer.wrap(b).putInt(5, Integer.MAX_VALUE);
        assertInvalid(withChecksum(b));
    }

    /** Hostile input with a correct checksum: each field broken on its own is still caught. */
    @Test
    void inconsistentFieldsWithAValidChecksumAreRefused() {
        int pdfLength = ByteBuffer.wrap(encoded).getInt(5);
        int byteRangeAt = 9 + pdfLength;
        // A byte range that does not end at the end of the document.
        byte[] range = encoded.clone();
        ByteBuffer.wrap(range).putLong(byteRangeAt + 24, prepared.byteRange()[3] - 1);
        assertInvalid(withChecksum(range));
        // A byte range pointing beyond the document, and a negative one.
        byte[] far = encoded.clone();
        ByteBuffer.wrap(far).putLong(byteRangeAt + 8, Long.MAX_VALUE);
        assertInvalid(withChecksum(far));
        byte[] negative = encoded.clone();
        ByteBuffer.wrap(negative).putLong(byteRangeAt + 16, -5);
        assertInvalid(withChecksum(negative));
        // A changed byte of the signed part of the document: the signed attributes no longer match it.
        byte[] doc = encoded.clone();
        doc[9 + 100] ^= 1;
        assertInvalid(withChecksum(doc));
        // A changed byte in the signed attributes: their length, and the signing certificate's serial at the end.
        int attributesAt = byteRangeAt + 32;
        byte[] attrs = encoded.clone();
        attrs[attributesAt + 4 + 2] ^= 0x7f;
        assertInvalid(withChecksum(attrs));
        byte[] attrsTail = encoded.clone();
        attrsTail[attributesAt + 4 + prepared.dataToBeSigned().length - 3] ^= 1;
        assertInvalid(withChecksum(attrsTail));
        // A certificate that does not parse.
        int chainAt = attributesAt + 4 + prepared.dataToBeSigned().length;
        byte[] cert = encoded.clone();
        cert[chainAt + 1 + 4] = 0x05;
        assertInvalid(withChecksum(cert));
        // No certificate at all.
        byte[] none = encoded.clone();
        none[chainAt] = 0;
        assertInvalid(withChecksum(none));
        // An unknown appearance tag (the last byte before the handwriting's PNG cannot be set blindly, so use
        // the level byte instead: right after the field name).
        int chainEnd = chainAt + 1;
        for (int i = 0; i < prepared.chain().size(); i++) {
            chainEnd += 4 + ByteBuffer.wrap(encoded).getInt(chainEnd);
        }
        int levelAt = chainEnd + 2 + (encoded[chainEnd] << 8 | encoded[chainEnd + 1] & 0xff);
        byte[] level = encoded.clone();
        level[levelAt] = 9;
        assertInvalid(withChecksum(level));
        byte[] certify = encoded.clone();
        certify[levelAt + 1] = 2;
        assertInvalid(withChecksum(certify));
        // Text that is not UTF-8 (the field name's first byte).
        byte[] text = encoded.clone();
        text[chainEnd + 2] = (byte) 0xff;
        assertInvalid(withChecksum(text));
    }

    private static byte[] withChecksum(byte[] b) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(b, 0, b.length - 32);
            byte[] out = b.clone();
            System.arraycopy(sha.digest(), 0, out, b.length - 32, 32);
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertInvalid(byte[] b) {
        assertInvalid(b, PdfLimits.DEFAULT);
    }

    private static void assertInvalid(byte[] b, PdfLimits limits) {
        assertThatThrownBy(() -> PreparedSignature.decode(b, limits))
                .isInstanceOfSatisfying(DocsignException.class, e -> assertThat(e.error())
                        .isEqualTo(DocsignError.PREPARED_SIGNATURE_INVALID));
    }
}
