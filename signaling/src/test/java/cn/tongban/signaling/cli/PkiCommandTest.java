package cn.tongban.signaling.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.signaling.Main;
import cn.tongban.signaling.pki.PkiSupport;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Database;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tongban.jar pki passwd} on a real embedded PKI: a wrong current password and a weak new one change
 * nothing; a change re-encrypts every key, the PKI opens with the new password (same root, same hall CA), no
 * backup or temporary file is left, and the change is audited.
 */
class PkiCommandTest {
    @TempDir
    Path dir;

    private X509Certificate root;
    private X509Certificate hallCa;

    @BeforeEach
    void pki() throws Exception {
        Assumptions.assumeTrue(
                System.getenv("TONGBAN_PKI_PASSWORD") == null, "the test uses pki.password, not the environment");
        EmbeddedPki pki = PkiSupport.open(dir, "http://127.0.0.1:8080", ReferenceDataStore.builtIn(), List.of());
        root = pki.rootCertificate();
        hallCa = pki.caCertificate("cz-wujin-bdc");
    }

    record Run(int exit, String out, String err) {}

    private Run run(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--data-dir");
        all.add(dir.toString());
        InputStream oldIn = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            int exit = new CommandLine(new Main())
                    .setOut(new PrintWriter(out, true))
                    .setErr(new PrintWriter(err, true))
                    .execute(all.toArray(String[]::new));
            return new Run(exit, out.toString(), err.toString());
        } finally {
            System.setIn(oldIn);
        }
    }

    private byte[] keystore() throws Exception {
        return Files.readAllBytes(dir.resolve("pki").resolve("pki.p12"));
    }

    @Test
    void aWrongCurrentPasswordOrAWeakNewOneChangesNothing() throws Exception {
        byte[] before = keystore();
        String password = Files.readString(dir.resolve("pki.password"));

        Files.writeString(dir.resolve("pki.password"), "not-the-password-of-this-pki");
        Run wrong = run("a-new-password-long-enough\n", "pki", "passwd", "--by", "wang");
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("the current password does not open").contains("nothing changed");
        assertThat(keystore()).isEqualTo(before);
        assertThat(Files.readString(dir.resolve("pki.password"))).isEqualTo("not-the-password-of-this-pki");
        Files.writeString(dir.resolve("pki.password"), password);

        Run weak = run("short\n", "pki", "passwd", "--by", "wang");
        assertThat(weak.exit()).isEqualTo(1);
        assertThat(weak.err()).contains("at least 16");
        Run empty = run("", "pki", "passwd", "--by", "wang");
        assertThat(empty.exit()).isEqualTo(1);
        Run same = run(password.strip() + "\n", "pki", "passwd", "--by", "wang");
        assertThat(same.exit()).isEqualTo(1);
        assertThat(same.err()).contains("is the current one");

        assertThat(keystore()).isEqualTo(before);
        assertThat(Files.readString(dir.resolve("pki.password"))).isEqualTo(password);
        try (var files = Files.list(dir.resolve("pki"))) {
            assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("pki.p12.bak", "pki.p12.new");
        }
    }

    @Test
    void theKeystoreIsReEncryptedAndThePkiOpensWithTheNewPassword() throws Exception {
        byte[] before = keystore();
        Run changed = run("a-new-pki-password-2026\n", "pki", "passwd", "--by", "wang");
        assertThat(changed.exit()).as(changed.err()).isZero();
        assertThat(changed.out()).contains("re-encrypted").doesNotContain("a-new-pki-password-2026");
        assertThat(keystore()).isNotEqualTo(before);
        assertThat(Files.readString(dir.resolve("pki.password"))).isEqualTo("a-new-pki-password-2026");
        try (var files = Files.list(dir.resolve("pki"))) {
            assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("pki.p12.bak", "pki.p12.new");
        }
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (InputStream in = new ByteArrayInputStream(keystore())) {
            ks.load(in, "a-new-pki-password-2026".toCharArray());
        }
        assertThat(ks.getKey("root", "a-new-pki-password-2026".toCharArray())).isNotNull();

        // The node's own way of opening it: the same root and hall CA, keys usable (a seal is issued).
        EmbeddedPki reopened = PkiSupport.open(dir, "http://127.0.0.1:8080", ReferenceDataStore.builtIn(), List.of());
        assertThat(reopened.rootCertificate()).isEqualTo(root);
        assertThat(reopened.caCertificate("cz-wujin-bdc")).isEqualTo(hallCa);
        assertThat(reopened.hallSeal("cz-wujin-bdc").certificate().getIssuerX500Principal())
                .isEqualTo(hallCa.getSubjectX500Principal());

        // From a file too.
        Path file = dir.resolve("next.txt");
        Files.writeString(file, "yet-another-pki-password\n");
        Run fromFile = run("", "pki", "passwd", "--new-password-file", file.toString(), "--by", "li");
        assertThat(fromFile.exit()).as(fromFile.err()).isZero();
        assertThat(PkiSupport.storedRoot(dir)).containsExactly(root);

        try (Database db = Database.open(Database.defaultUrl(dir), null, null);
                Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT actor FROM audit_event WHERE action = 'pki.password_changed' ORDER BY seq")) {
            List<String> actors = new ArrayList<>();
            while (rs.next()) {
                actors.add(rs.getString(1));
            }
            assertThat(actors).containsExactly("operator:wang", "operator:li");
        }
    }
}
