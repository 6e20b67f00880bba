package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.Main;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * deploy/README.md's "A partner hall joins", step by step, between two separate installations — each its own
 * data directory, database and embedded root: the Gulou hall's installation sends a sealed application to the
 * Qingpu hall's. Before the operators exchange roots, Qingpu refuses the package (the request's seal does not
 * chain to an anchor it trusts) and {@code verify --installation} there calls the application untrusted; after
 * each side's {@code trust add} of the other's root (the file from {@code trust export}, the fingerprint as
 * read out), the waiting package is delivered on the next retry with a receipt Gulou accepts, without a
 * restart; after Qingpu's {@code trust remove} the next package is refused again.
 */
@ExtendWith(VertxExtension.class)
class PartnerJoinTest {
    private static final Pattern FINGERPRINT = Pattern.compile("SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})");

    private static TongbanServer gulou;
    private static TongbanServer qingpu;
    private static Path gulouDir;
    private static Path qingpuDir;

    @BeforeAll
    static void start() throws Exception {
        gulouDir = Files.createTempDirectory("tongban-gulou");
        qingpuDir = Files.createTempDirectory("tongban-qingpu");
        long pid = ProcessHandle.current().pid();
        qingpu = start(qingpuDir, "qingpu-" + pid);
        String yaml;
        try (var in = ReferenceDataStore.class.getResourceAsStream("/tongban/refdata.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // Gulou's installation knows where the owning halls' node is (the address exchanged with the root):
        // the Qingpu and Wujin halls are both served by the other installation here.
        String node = "\n    nodeUrl: http://127.0.0.1:" + qingpu.port() + "\n";
        Files.writeString(
                gulouDir.resolve("refdata.yaml"),
                yaml.replace("    districtCode: \"310118\"\n", "    districtCode: \"310118\"" + node)
                        .replace("    districtCode: \"320412\"\n", "    districtCode: \"320412\"" + node));
        gulou = start(gulouDir, "gulou-" + pid);
    }

    private static TongbanServer start(Path dir, String cluster) throws Exception {
        return TongbanServer.start(ServerOptions.builder()
                .demo(true)
                .port(0)
                .host("127.0.0.1")
                .dataDir(dir)
                .nodeName(cluster)
                .clusterName(cluster)
                .build());
    }

    @AfterAll
    static void stop() {
        for (TongbanServer s : new TongbanServer[] {gulou, qingpu}) {
            if (s != null) {
                s.close();
            }
        }
    }

    record Run(int exit, String out, String err) {}

    /** {@code tongban.jar ARGS} as an operator runs it beside the running node (same data directory). */
    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new Main())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String exportRoot(Path dataDir, Path file) {
        Run r = cli("trust", "export", "--out", file.toString(), "--data-dir", dataDir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Matcher m = FINGERPRINT.matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        return m.group(1);
    }

    @Test
    void aPartnersPackageIsRefusedBeforeTrustAddDeliveredAfterItAndRefusedAgainAfterTrustRemove(Vertx vertx)
            throws Exception {
        Path exchange = Files.createTempDirectory("tongban-exchange");
        Path gulouRoot = exchange.resolve("gulou-root.pem");
        Path qingpuRoot = exchange.resolve("qingpu-root.pem");
        String gulouFingerprint = exportRoot(gulouDir, gulouRoot);
        String qingpuFingerprint = exportRoot(qingpuDir, qingpuRoot);
        assertThat(gulouFingerprint).isNotEqualTo(qingpuFingerprint);

        SigningSteps s = new SigningSteps(gulou, gulouDir);
        SigningSteps atQingpu = new SigningSteps(qingpu, qingpuDir);
        Path pdfFile = exchange.resolve("application.pdf");
        String applicationId;
        try (SigningSteps.Pair p = s.pair(vertx, "qingpu01", "sh-qingpu-xzfw", "nj-gulou-zwfw", "李蕾")) {
            signed(s, p);
            ServerMessage.Application pending = p.app()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null
                                    && a.handoff().status().equals("pending")
                                    && a.handoff().attempts() > 0);
            applicationId = pending.applicationId();
            assertThat(pending.handoff().reason()).contains("401", "HANDOFF_UNAUTHENTICATED");
            Files.write(pdfFile, s.get(pending.pdfUrl()).body());
        }
        assertThat(verifyAtQingpu(pdfFile).exit()).isEqualTo(1);
        assertThat(atQingpu.rows("SELECT application_id FROM received_application"))
                .isEmpty();

        // The operators exchanged the files and read the fingerprints out; a wrong one is refused first.
        Run typo = cli(
                "trust",
                "add",
                gulouRoot.toString(),
                "--name",
                "gulou",
                "--halls",
                "nj-gulou-zwfw",
                "--fingerprint",
                qingpuFingerprint,
                "--by",
                "zhou",
                "--data-dir",
                qingpuDir.toString());
        assertThat(typo.exit()).isEqualTo(1);
        assertThat(typo.err()).contains("FINGERPRINT_MISMATCH");
        Run atGulou = cli(
                "trust",
                "add",
                qingpuRoot.toString(),
                "--name",
                "qingpu",
                "--halls",
                "sh-qingpu-xzfw",
                "--fingerprint",
                qingpuFingerprint,
                "--by",
                "wang",
                "--data-dir",
                gulouDir.toString());
        assertThat(atGulou.exit()).as(atGulou.err()).isZero();
        Run added = cli(
                "trust",
                "add",
                gulouRoot.toString(),
                "--name",
                "gulou",
                "--halls",
                "nj-gulou-zwfw",
                "--fingerprint",
                gulouFingerprint,
                "--by",
                "zhou",
                "--data-dir",
                qingpuDir.toString());
        assertThat(added.exit()).as(added.err()).isZero();

        Run trusted = verifyAtQingpu(pdfFile);
        assertThat(trusted.exit()).as(trusted.out()).isZero();
        assertThat(trusted.out()).contains("\"VALID\"");
        // The waiting package goes on the next retry (5 s after the refusal): no restart on either side.
        Await.until("the package delivered after trust add", Duration.ofSeconds(60), () -> s.rows(
                        "SELECT handoff_status FROM application WHERE application_id = '" + applicationId + "'")
                .equals(List.of("DELIVERED")));
        assertThat(atQingpu.rows("SELECT application_id FROM received_application"))
                .containsExactly(applicationId);
        assertThat(qingpu.records().journal().read(0, 100_000))
                .extracting(e -> e.action())
                .contains("trust.added", "handoff.received");

        Run removed = cli("trust", "remove", "gulou", "--by", "zhou", "--data-dir", qingpuDir.toString());
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(verifyAtQingpu(pdfFile).exit()).isEqualTo(1);
        // (Another clerk: qingpu01's session of before may still be winding down.)
        try (SigningSteps.Pair p = s.pair(vertx, "wujin01", "cz-wujin-bdc", "nj-gulou-zwfw", "王芳")) {
            signed(s, p);
            ServerMessage.Application refused = p.app()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null
                                    && a.handoff().status().equals("pending")
                                    && a.handoff().attempts() > 0);
            assertThat(refused.handoff().reason()).contains("401", "HANDOFF_UNAUTHENTICATED");
        }
        assertThat(atQingpu.rows("SELECT application_id FROM received_application"))
                .containsExactly(applicationId);
    }

    private static Run verifyAtQingpu(Path pdf) {
        return cli("verify", pdf.toString(), "--installation", "--data-dir", qingpuDir.toString());
    }

    private static void signed(SigningSteps s, SigningSteps.Pair p) throws Exception {
        s.submitDeclaration(p);
        s.receive(p, s.upload(p, "contract", s.pdf()));
        s.receive(p, s.upload(p, "deedTax", s.png(600, 400)));
        s.verifyIdentity(p);
        s.signAll(p);
    }
}
