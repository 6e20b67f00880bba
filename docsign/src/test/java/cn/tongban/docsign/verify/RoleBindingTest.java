package cn.tongban.docsign.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.attack.Attacker;
import cn.tongban.docsign.attack.RawSigner;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.sign.ApplicationSigningFlow;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceDictionary;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceStream;
import org.junit.jupiter.api.Test;

/**
 * Who may sign which field: the role in the certificate (checked through the path, with the CAs
 * allowed to issue it), the hall the form names in its fields' seed values, and the names the visible
 * appearance shows. Signers here go around docsign's own signer ({@link RawSigner}) where it would
 * refuse.
 */
class RoleBindingTest {
    private final SignedSample s = SignedSample.get();
    private final PdfVerifier verifier = new PdfVerifier(List.of(s.pki.rootCertificate()));

    private static SignatureReport field(VerificationReport r, String name) {
        return r.signatures().stream()
                .filter(x -> name.equals(x.fieldName()))
                .findFirst()
                .orElseThrow();
    }

    private static List<Finding.Code> codes(SignatureReport s) {
        return s.findings().stream().map(Finding::code).toList();
    }

    @Test
    void theDemoApplicationNamesEachRoleAndHall() {
        VerificationReport r = verifier.verify(s.sealed);
        assertThat(r.signatures().subList(0, 3))
                .extracting(SignatureReport::role)
                .containsExactly("APPLICANT", "CLERK", "HALL_SEAL");
        assertThat(r.signatures().subList(0, 3))
                .extracting(SignatureReport::hall)
                .containsOnly(s.pki.hallName("wujin"));
        for (SignatureReport sig : r.signatures()) {
            assertThat(codes(sig)).doesNotContain(Finding.Code.APPEARANCE_MISMATCH, Finding.Code.APPEARANCE_UNVERIFIED);
        }
    }

    @Test
    void anApplicantCertificateInTheClerksFieldIsARoleMismatch() {
        Credential applicant = s.pki.issueApplicantWithKey("wujin", "张晓梅", "320106198807000000");
        byte[] signed = RawSigner.sign(s.afterApplicant, "clerk", applicant, "张晓梅", null);
        SignatureReport clerk = field(verifier.verify(signed), "clerk");
        assertThat(codes(clerk)).contains(Finding.Code.ROLE_MISMATCH);
        assertThat(clerk.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(clerk.role()).isNull();
    }

    @Test
    void aClerkOfAnotherHallCannotSignThisHallsForm() {
        // Gulou's clerk is a real clerk with a real clerk certificate: only the hall is wrong.
        Credential gulou = s.pki.clerk("gulou", "GL0007", "吴十");
        // docsign's signer refuses: the field's seed value names the Wujin hall.
        assertThatThrownBy(
                        () -> new ApplicationSigningFlow(s.signer).clerkSigns(s.afterApplicant, gulou, Instant.now()))
                .isInstanceOfSatisfying(cn.tongban.docsign.DocsignException.class, e -> assertThat(e.error())
                        .isEqualTo(cn.tongban.docsign.DocsignError.SIGN_ROLE_MISMATCH))
                .hasMessageContaining(s.pki.hallName("wujin"));
        byte[] signed = RawSigner.sign(s.afterApplicant, "clerk", gulou, "吴十", null);
        SignatureReport clerk = field(verifier.verify(signed), "clerk");
        assertThat(codes(clerk)).as(clerk.toString()).contains(Finding.Code.HALL_MISMATCH);
        assertThat(clerk.hall()).isEqualTo(s.pki.hallName("gulou"));
        assertThat(clerk.verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void aCertificateWithoutAnyRoleIsUnmarkedNotTrusted() {
        // As the hall CA of an installation older than role marking issued them.
        Credential ca = s.caCredential("ca-wujin");
        KeyPair key = EmbeddedPki.ecKeyPair();
        X509Certificate legacy = withoutRole(ca, key);
        Credential clerk = new Credential(key.getPrivate(), List.of(legacy, ca.certificate(), s.pki.rootCertificate()));
        byte[] signed = RawSigner.sign(s.afterApplicant, "clerk", clerk, "李建国", null);
        SignatureReport r = field(verifier.verify(signed), "clerk");
        assertThat(codes(r)).contains(Finding.Code.ROLE_UNMARKED);
        assertThat(r.verdict()).isNotEqualTo(Verdict.VALID);
    }

    @Test
    void anAppearanceNamingSomeoneElseIsAMismatch() {
        Credential clerk = s.pki.clerk("wujin", "WJ0421", "李建国");
        // The certificate says 李建国; the stamp the signer paints says 王丽.
        byte[] signed = RawSigner.sign(s.afterApplicant, "clerk", clerk, "李建国", stamp("王丽"));
        SignatureReport r = field(verifier.verify(signed), "clerk");
        assertThat(codes(r)).contains(Finding.Code.APPEARANCE_MISMATCH);
        assertThat(r.findings().toString()).contains("王丽", "李建国");
        // The same stamp with the certificate's name is fine.
        byte[] honest = RawSigner.sign(s.afterApplicant, "clerk", clerk, "李建国", stamp("李建国"));
        assertThat(codes(field(verifier.verify(honest), "clerk"))).doesNotContain(Finding.Code.APPEARANCE_MISMATCH);
        // And /Name must not claim someone else either.
        byte[] named = RawSigner.sign(s.afterApplicant, "clerk", clerk, "王丽", stamp("李建国"));
        assertThat(codes(field(verifier.verify(named), "clerk"))).contains(Finding.Code.APPEARANCE_MISMATCH);
    }

    /** An appearance that marks {@code shown} as the signer's name, as docsign's painter does. */
    private static BiConsumer<PDDocument, PDAnnotationWidget> stamp(String shown) {
        return (doc, widget) -> {
            try {
                PDAppearanceStream ap = new PDAppearanceStream(doc);
                PDRectangle r = widget.getRectangle();
                ap.setBBox(new PDRectangle(r.getWidth(), r.getHeight()));
                PDResources res = new PDResources();
                COSDictionary props = new COSDictionary();
                COSDictionary p0 = new COSDictionary();
                p0.setItem(COSName.ACTUAL_TEXT, new COSString(shown));
                props.setItem(COSName.getPDFName("P0"), p0);
                res.getCOSObject().setItem(COSName.PROPERTIES, props);
                ap.setResources(res);
                try (OutputStream os = ap.getCOSObject().createOutputStream()) {
                    os.write("/SignerName /P0 BDC 0 0 10 10 re f EMC".getBytes(StandardCharsets.US_ASCII));
                }
                PDAppearanceDictionary d = new PDAppearanceDictionary();
                d.setNormalAppearance(ap);
                widget.setAppearance(d);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private static X509Certificate withoutRole(Credential ca, KeyPair key) {
        try {
            Instant now = Instant.now();
            var b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
                    ca.certificate(),
                    java.math.BigInteger.valueOf(now.toEpochMilli()),
                    java.util.Date.from(now.minusSeconds(60)),
                    java.util.Date.from(now.plusSeconds(86_400)),
                    Attacker.clerkName(SignedSample.get().pki.hallName("wujin"), "WJ0421", "李建国"),
                    key.getPublic());
            b.addExtension(
                    org.bouncycastle.asn1.x509.Extension.basicConstraints,
                    true,
                    new org.bouncycastle.asn1.x509.BasicConstraints(false));
            return cn.tongban.docsign.cms.Crypto.certificate(
                    b.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                                    .build(ca.privateKey()))
                            .getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
