package cn.tongban.docsign.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.SignedSample;
import cn.tongban.docsign.SignerRole;
import cn.tongban.docsign.pki.Credential;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The signer refuses credentials that may not make the signature asked for. */
class CredentialChecksTest {
    private final SignedSample s = SignedSample.get();

    private static void refused(Runnable r, DocsignError code, String detail) {
        assertThatThrownBy(r::run)
                .isInstanceOfSatisfying(
                        DocsignException.class, e -> assertThat(e.error()).isEqualTo(code))
                .hasMessageContaining(detail);
    }

    private SignRequest clerkField(Instant at) {
        return new SignRequest(
                SignerRole.CLERK.fieldName(),
                SignatureLevel.B_T,
                false,
                new SignatureAppearance.ClerkStamp(),
                null,
                null,
                at);
    }

    @Test
    void aRevokedCredentialCannotSign() {
        Credential clerk = s.pki.clerk("wujin", "WJ6" + System.nanoTime() % 100000, "郑十一");
        s.pki.revoke("wujin", clerk.certificate().getSerialNumber(), 1);
        refused(
                () -> s.signer.sign(s.afterApplicant, clerk, clerkField(Instant.now())),
                DocsignError.SIGN_CREDENTIAL_REVOKED,
                "郑十一");
    }

    @Test
    void aCredentialOutsideItsValidityCannotSign() {
        Credential clerk = s.pki.clerk("wujin", "WJ0421", "李建国");
        Instant after = clerk.certificate().getNotAfter().toInstant().plus(Duration.ofDays(1));
        refused(
                () -> s.signer.sign(s.afterApplicant, clerk, clerkField(after)),
                DocsignError.SIGN_CREDENTIAL_EXPIRED,
                "李建国");
        Instant before = clerk.certificate().getNotBefore().toInstant().minus(Duration.ofDays(1));
        refused(
                () -> s.signer.sign(s.afterApplicant, clerk, clerkField(before)),
                DocsignError.SIGN_CREDENTIAL_EXPIRED,
                "李建国");
    }

    @Test
    void aCredentialOfAnotherRoleCannotSignARolesField() {
        Credential applicant = s.pki.issueApplicantWithKey("wujin", "张晓梅", "320106198807000000");
        refused(
                () -> s.signer.sign(s.afterApplicant, applicant, clerkField(Instant.now())),
                DocsignError.SIGN_ROLE_MISMATCH,
                "CLERK");
        Credential seal = s.pki.hallSeal("wujin");
        refused(
                () -> s.signer.sign(s.afterApplicant, seal, clerkField(Instant.now())),
                DocsignError.SIGN_ROLE_MISMATCH,
                "CLERK");
    }

    @Test
    void theNamesOnTheStampComeFromTheCertificate() {
        // The credential was created for "李建国"; asking for it again with another name changes nothing:
        // the certificate is what the stamp and /Name show.
        Credential clerk = s.pki.clerk("wujin", "WJ0421", "王丽");
        byte[] signed = s.signer.sign(s.afterApplicant, clerk, clerkField(Instant.now()));
        var report =
                new cn.tongban.docsign.verify.PdfVerifier(java.util.List.of(s.pki.rootCertificate())).verify(signed);
        var sig = report.signatures().get(1);
        assertThat(sig.signerCommonName()).isEqualTo("李建国");
        assertThat(sig.findings())
                .extracting(f -> f.code().name())
                .doesNotContain("APPEARANCE_MISMATCH", "APPEARANCE_UNVERIFIED");
    }
}
