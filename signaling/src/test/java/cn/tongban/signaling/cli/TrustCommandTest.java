package cn.tongban.signaling.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.PkiConfig;
import cn.tongban.signaling.Main;
import cn.tongban.signaling.pki.TrustAnchors;
import cn.tongban.signaling.store.Database;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tongban.jar trust add|list|remove|export} on a real embedded H2 database and real certificates: a
 * partner's embedded root (another data directory's PKI), its seal certificate (not a CA), a CA certificate
 * that has expired. Every refusal has its code and exit status and leaves the table and the journal as they
 * were.
 */
class TrustCommandTest {
    @TempDir
    Path dir;

    @TempDir
    Path partnerDir;

    private EmbeddedPki partner;
    private Path root;

    @BeforeEach
    void partner() throws Exception {
        partner = EmbeddedPki.open(new PkiConfig(
                partnerDir.resolve("pki"),
                "partner-only".toCharArray(),
                "https://zj-hz.example.gov.cn/pki",
                List.of(new PkiConfig.Hall("zj-hz", "杭州市民中心")),
                Duration.ofDays(7)));
        root = pem("partner-root.pem", partner.rootCertificate());
    }

    record Run(int exit, String out, String err) {}

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--data-dir");
        all.add(dir.toString());
        int exit = new CommandLine(new Main())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private Path pem(String name, X509Certificate cert) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(
                p,
                "-----BEGIN CERTIFICATE-----\n"
                        + java.util.Base64.getMimeEncoder().encodeToString(cert.getEncoded())
                        + "\n-----END CERTIFICATE-----\n");
        return p;
    }

    private List<String> rows(String sql) throws Exception {
        try (Database db = Database.open(Database.defaultUrl(dir), null, null);
                Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    private List<String> trustEvents() throws Exception {
        return rows("SELECT action || ' ' || actor || ' ' || details FROM audit_event WHERE action LIKE 'trust.%'"
                + " ORDER BY seq");
    }

    @Test
    void anAnchorIsAddedWithTheFingerprintThePartnerReadOutListedAndRemovedAndEachStepIsAudited() throws Exception {
        String sha = TrustAnchors.fingerprint(partner.rootCertificate());
        // As people read it out: upper case, in pairs with colons.
        Run added = run(
                "trust",
                "add",
                root.toString(),
                "--name",
                "zj-hz-root",
                "--fingerprint",
                TrustAnchors.readable(sha),
                "--by",
                "wang",
                "--halls",
                "zj-hz");
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.out()).contains("trusted zj-hz-root").contains(TrustAnchors.readable(sha));

        Run listed = run("trust", "list");
        assertThat(listed.exit()).isZero();
        assertThat(listed.out())
                .contains("zj-hz-root")
                .contains(partner.rootCertificate().getSubjectX500Principal().getName())
                .contains("added by wang");
        try (Database db = Database.open(Database.defaultUrl(dir), null, null)) {
            assertThat(new TrustAnchors(db.dataSource(), Clock.systemUTC()).certificates())
                    .containsExactly(partner.rootCertificate());
        }

        Run removed = run("trust", "remove", "zj-hz-root", "--by", "li");
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(run("trust", "list").out()).contains("no partner trust anchors");
        assertThat(trustEvents())
                .hasSize(2)
                .satisfiesExactly(
                        e -> assertThat(e)
                                .startsWith("trust.added operator:wang")
                                .contains(sha, "zj-hz-root"),
                        e -> assertThat(e)
                                .startsWith("trust.removed operator:li")
                                .contains(sha));

        Run again = run("trust", "remove", "zj-hz-root", "--by", "li");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("NO_SUCH_ANCHOR");
    }

    @Test
    void aWrongFingerprintANonCaAnExpiredCaAndDuplicatesAreRefusedAndNothingIsStored() throws Exception {
        String sha = TrustAnchors.fingerprint(partner.rootCertificate());
        String otherSha = sha.substring(0, 63) + (sha.endsWith("0") ? "1" : "0");

        Run mismatch = run(
                "trust",
                "add",
                root.toString(),
                "--name",
                "zj-hz-root",
                "--fingerprint",
                otherSha,
                "--by",
                "wang",
                "--halls",
                "zj-hz");
        assertThat(mismatch.exit()).isEqualTo(1);
        assertThat(mismatch.err())
                .contains("FINGERPRINT_MISMATCH")
                .contains(TrustAnchors.readable(sha))
                .contains("nothing stored");

        X509Certificate seal = partner.hallSeal("zj-hz").certificate();
        Run leaf = run(
                "trust",
                "add",
                pem("seal.pem", seal).toString(),
                "--name",
                "zj-hz-seal",
                "--fingerprint",
                TrustAnchors.fingerprint(seal),
                "--by",
                "wang",
                "--halls",
                "zj-hz");
        assertThat(leaf.exit()).isEqualTo(1);
        assertThat(leaf.err()).contains("NOT_A_CA");

        X509Certificate expired = expiredCa();
        Run old = run(
                "trust",
                "add",
                pem("old.pem", expired).toString(),
                "--name",
                "old-root",
                "--fingerprint",
                TrustAnchors.fingerprint(expired),
                "--by",
                "wang",
                "--halls",
                "zj-hz");
        assertThat(old.exit()).isEqualTo(1);
        assertThat(old.err()).contains("EXPIRED");

        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "not a certificate");
        Run unreadable = run(
                "trust",
                "add",
                garbage.toString(),
                "--name",
                "x",
                "--fingerprint",
                sha,
                "--by",
                "wang",
                "--halls",
                "zj-hz");
        assertThat(unreadable.exit()).isEqualTo(2);
        assertThat(unreadable.err()).contains("CERTIFICATE_UNREADABLE");

        Run badName = run(
                "trust",
                "add",
                root.toString(),
                "--name",
                "ZJ root",
                "--fingerprint",
                sha,
                "--by",
                "w",
                "--halls",
                "zj-hz");
        assertThat(badName.exit()).isEqualTo(1);
        assertThat(badName.err()).contains("INVALID_NAME");

        assertThat(rows("SELECT name FROM trust_anchor")).isEmpty();
        assertThat(trustEvents()).isEmpty();

        assertThat(run(
                                "trust",
                                "add",
                                root.toString(),
                                "--name",
                                "zj-hz-root",
                                "--fingerprint",
                                sha,
                                "--by",
                                "wang",
                                "--halls",
                                "zj-hz")
                        .exit())
                .isZero();
        Run sameName = run(
                "trust",
                "add",
                pem("own.pem", anotherCa()).toString(),
                "--name",
                "zj-hz-root",
                "--fingerprint",
                TrustAnchors.fingerprint(lastCa),
                "--by",
                "wang",
                "--halls",
                "zj-hz");
        assertThat(sameName.exit()).isEqualTo(1);
        assertThat(sameName.err()).contains("DUPLICATE_NAME");
        Run sameCert = run(
                "trust",
                "add",
                root.toString(),
                "--name",
                "zj-hz-root-2",
                "--fingerprint",
                sha,
                "--by",
                "wang",
                "--halls",
                "zj-hz");
        assertThat(sameCert.exit()).isEqualTo(1);
        assertThat(sameCert.err()).contains("DUPLICATE_CERTIFICATE").contains("zj-hz-root");
        assertThat(rows("SELECT name FROM trust_anchor")).containsExactly("zj-hz-root");
        assertThat(trustEvents()).hasSize(1);

        // No unaudited trust: with a keystore that is not this installation's the journal cannot be written,
        // and the anchor is not kept.
        X509Certificate third = anotherCa();
        Run unaudited = run(
                "trust",
                "add",
                pem("third.pem", third).toString(),
                "--name",
                "third",
                "--fingerprint",
                TrustAnchors.fingerprint(third),
                "--by",
                "wang",
                "--halls",
                "zj-hz",
                "--secrets",
                dir.resolve("other.p12").toString());
        assertThat(unaudited.exit()).as(unaudited.err()).isEqualTo(2);
        assertThat(unaudited.err()).contains("nothing stored");
        assertThat(rows("SELECT name FROM trust_anchor")).containsExactly("zj-hz-root");

        // A fingerprint is required: picocli's usage error, exit 2.
        assertThat(run("trust", "add", root.toString(), "--name", "y", "--by", "wang", "--halls", "zj-hz")
                        .exit())
                .isEqualTo(2);
    }

    @Test
    void exportWritesThisInstallationsRootAndItsFingerprintForThePartner() throws Exception {
        Run none = run("trust", "export", "--out", dir.resolve("none.pem").toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("no embedded PKI");

        // This installation's PKI as PkiSupport makes it (pki.password in the data directory).
        cn.tongban.signaling.pki.PkiSupport.open(
                dir, "http://127.0.0.1:8080", cn.tongban.signaling.refdata.ReferenceDataStore.builtIn(), List.of());
        X509Certificate own =
                cn.tongban.signaling.pki.PkiSupport.storedRoot(dir).get(0);
        Path out = dir.resolve("our-root.pem");
        Run exported = run("trust", "export", "--out", out.toString());
        assertThat(exported.exit()).as(exported.err()).isZero();
        assertThat(exported.out()).contains("SHA-256 " + TrustAnchors.readable(TrustAnchors.fingerprint(own)));
        assertThat(TrustAnchors.parse(Files.readAllBytes(out))).isEqualTo(own);
    }

    private X509Certificate lastCa;

    /** A CA certificate valid now (another one than the partner's root). */
    private X509Certificate anotherCa() throws Exception {
        lastCa = ca(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)));
        return lastCa;
    }

    private static X509Certificate expiredCa() throws Exception {
        return ca(Instant.now().minus(Duration.ofDays(400)), Instant.now().minus(Duration.ofDays(35)));
    }

    private static X509Certificate ca(Instant from, Instant to) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair k = g.generateKeyPair();
        X500Name name = new X500Name("CN=Old Province Root,O=Test");
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                name, BigInteger.valueOf(System.nanoTime()), Date.from(from), Date.from(to), name, k.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(k.getPrivate())));
    }
}
