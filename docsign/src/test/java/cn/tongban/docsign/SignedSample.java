package cn.tongban.docsign;

import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.PkiConfig;
import cn.tongban.docsign.sign.ApplicationSigningFlow;
import cn.tongban.docsign.sign.PadesSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** One fully signed application shared by the (slow) validator tests, built once per JVM. */
public final class SignedSample {
    private static SignedSample instance;

    public final EmbeddedPki pki;
    public final PadesSigner signer;
    public final byte[] form;
    public final byte[] afterApplicant;
    public final byte[] afterClerk;
    public final byte[] sealed;
    public final Path file;

    private static final char[] PASSWORD = "sample".toCharArray();
    private final Path dir;

    private SignedSample(Path dir) {
        this.dir = dir;
        pki = EmbeddedPki.open(new PkiConfig(
                dir.resolve("pki"), PASSWORD, "http://127.0.0.1:8080/pki", PkiConfig.demoHalls(), Duration.ofDays(7)));
        signer = new PadesSigner(pki, Fixtures.font());
        ApplicationSigningFlow flow = new ApplicationSigningFlow(signer);
        form = Fixtures.renderedForm();
        Credential applicant = pki.issueApplicantWithKey("wujin", "张晓梅", "320106198807000000");
        Credential clerk = pki.clerk("wujin", "WJ0421", "李建国");
        Credential seal = pki.hallSeal("wujin");
        String hall = pki.hallName("wujin");
        afterApplicant = flow.applicantSigns(form, applicant, Fixtures.handwrittenPng(), Instant.now());
        afterClerk = flow.clerkSigns(afterApplicant, clerk, Instant.now());
        sealed = flow.hallSeals(afterClerk, seal, Instant.now());
        file = dir.resolve("signed-application.pdf");
        try {
            Files.write(file, sealed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A CA's credential read from this sample's key store ({@code root}, {@code ca-wujin}, ...): for
     * tests that need a CA to say something no honest flow makes it say (a backdated revocation, a
     * response saved long ago). No attacker has these keys.
     */
    public Credential caCredential(String alias) {
        try (java.io.InputStream in = Files.newInputStream(dir.resolve("pki").resolve("pki.p12"))) {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD);
            java.util.List<java.security.cert.X509Certificate> chain = new java.util.ArrayList<>();
            for (java.security.cert.Certificate c : ks.getCertificateChain(alias)) {
                chain.add((java.security.cert.X509Certificate) c);
            }
            return new Credential((java.security.PrivateKey) ks.getKey(alias, PASSWORD), chain);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static synchronized SignedSample get() {
        if (instance == null) {
            try {
                Path dir = Files.createDirectories(Path.of("target", "signed-sample"));
                instance = new SignedSample(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }
}
