package cn.tongban.docsign.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.Fixtures;
import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.pki.Credential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The applicant's key lives outside the signing code, as a non-extractable WebCrypto key would:
 * the test plays the browser, signing the handed-out bytes and returning IEEE P1363 r||s.
 */
class ExternalSigningTest {
    @Test
    void browserStyleP1363SignatureIsEmbeddedAndVerifies() throws Exception {
        SignedSample s = SignedSample.get();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair browserKey = g.generateKeyPair(); // never given to PadesSigner
        Credential cert = s.pki.issueApplicant("wujin", "王小明", "310101199001010000", browserKey.getPublic());
        assertThat(cert.privateKey()).isNull();

        ApplicationSigningFlow flow = new ApplicationSigningFlow(s.signer);
        PreparedSignature prepared =
                flow.applicantPrepares(s.form, cert.chain(), Fixtures.handwrittenPng(), Instant.now());

        // "Browser": crypto.subtle.sign({name: "ECDSA", hash: "SHA-256"}, key, dataToBeSigned)
        Signature browser = Signature.getInstance("SHA256withECDSAinP1363Format");
        browser.initSign(browserKey.getPrivate());
        browser.update(prepared.dataToBeSigned());
        byte[] rs = browser.sign();
        assertThat(rs).hasSize(64);

        byte[] signed = s.signer.complete(prepared, rs);
        Path f = Files.createTempFile("external", ".pdf");
        Files.write(f, signed);
        String out = PdfsigTest.pdfsig(f);
        assertThat(out).contains("王小明", "Signature Validation: Signature is Valid.", "ETSI.CAdES.detached");
    }

    @Test
    void aSignatureFromAnotherKeyIsRefused() throws Exception {
        SignedSample s = SignedSample.get();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair real = g.generateKeyPair();
        KeyPair other = g.generateKeyPair();
        Credential cert = s.pki.issueApplicant("wujin", "王小明", "310101199001010000", real.getPublic());
        PreparedSignature prepared = new ApplicationSigningFlow(s.signer)
                .applicantPrepares(s.form, cert.chain(), Fixtures.handwrittenPng(), Instant.now());
        Signature sig = Signature.getInstance("SHA256withECDSAinP1363Format");
        sig.initSign(other.getPrivate());
        sig.update(prepared.dataToBeSigned());
        byte[] wrong = sig.sign();
        assertThatThrownBy(() -> s.signer.complete(prepared, wrong))
                .isInstanceOfSatisfying(DocsignException.class, e -> assertThat(e.error())
                        .isEqualTo(DocsignError.SIGN_EXTERNAL_INVALID));
        assertThatThrownBy(() -> s.signer.complete(prepared, new byte[] {1, 2, 3}))
                .isInstanceOfSatisfying(DocsignException.class, e -> assertThat(e.error())
                        .isEqualTo(DocsignError.SIGN_EXTERNAL_INVALID));
    }

    @Test
    void rsa2048SignerAtLevelBB() throws Exception {
        SignedSample s = SignedSample.get();
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair rsa = g.generateKeyPair();
        Credential cert = s.pki.issueApplicant("gulou", "赵六", "320102198001010000", rsa.getPublic());
        Credential withKey = new Credential(rsa.getPrivate(), cert.chain());
        byte[] signed = s.signer.sign(
                s.form,
                withKey,
                new SignRequest(
                        SignerRole.APPLICANT.fieldName(),
                        SignatureLevel.B_B,
                        true,
                        new SignatureAppearance.Handwritten(Fixtures.handwrittenPng()),
                        null,
                        null,
                        Instant.now()));
        Path f = Files.createTempFile("rsa", ".pdf");
        Files.write(f, signed);
        assertThat(PdfsigTest.pdfsig(f)).contains("Signature Validation: Signature is Valid.", "赵六");
    }

    @Test
    void certifyingAnAlreadySignedDocumentIsRefused() {
        SignedSample s = SignedSample.get();
        Credential c = s.pki.issueApplicantWithKey("wujin", "钱七", "1");
        assertThatThrownBy(() -> s.signer.sign(
                        s.afterApplicant,
                        c,
                        new SignRequest(
                                "extra",
                                SignatureLevel.B_B,
                                true,
                                new SignatureAppearance.Invisible(),
                                null,
                                null,
                                Instant.now())))
                .isInstanceOfSatisfying(
                        DocsignException.class, e -> assertThat(e.error()).isEqualTo(DocsignError.SIGN_NOT_PERMITTED));
    }
}
