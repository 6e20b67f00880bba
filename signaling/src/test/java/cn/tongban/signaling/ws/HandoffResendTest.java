package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.Main;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.testkit.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * A hand-off refused for a cause the owning hall then fixes, resent and accepted. Three nodes with their own
 * databases: the owning hall's (Wujin), a time-stamp authority of another PKI (a province's TSA, say), and the
 * accepting node, which shares the federation's PKI with Wujin but time-stamps with that TSA. Wujin's trust
 * list lacks the TSA's root, so it refuses the package ({@code SIGNATURE_UNTRUSTED}); the accepting node keeps
 * it ({@code REFUSED}). A resend from the clerk console before the fix is refused again; Wujin's operator adds
 * the TSA's root to its trust list (a restart with {@code --tsa-trust}); the operator of the accepting node
 * resends with {@code tongban.jar handoff resend} on its database, and the node's retry loop delivers it: the
 * receipt is verified, the resend is idempotent and audited, {@code handoff list} shows what is left.
 */
@ExtendWith(VertxExtension.class)
class HandoffResendTest {
    private static TongbanServer owning;
    private static TongbanServer tsa;
    private static TongbanServer accepting;
    private static Path owningDir;
    private static Path acceptingDir;
    private static Path tsaRoot;
    private static int owningPort;

    @BeforeAll
    static void start() throws Exception {
        long pid = ProcessHandle.current().pid();
        owningDir = Files.createTempDirectory("tongban-resend-owning");
        Path tsaDir = Files.createTempDirectory("tongban-resend-tsa");
        acceptingDir = Files.createTempDirectory("tongban-resend-accepting");
        owningPort = Ports.reserve();
        owning = start(owningDir, "owning-" + pid, owningPort, null);
        // The TSA's certificates name its own URLs (revocation data is fetched from them): a fixed port.
        int tsaPort = Ports.reserve();
        tsa = start(tsaDir, "tsa-" + pid, tsaPort, null);
        tsaRoot = tsaDir.resolve("tsa-root.cer");
        Files.write(
                tsaRoot, new SigningSteps(tsa, tsaDir).get("/pki/ca/root.cer").body());

        copy(owningDir.resolve("pki"), acceptingDir.resolve("pki"));
        Files.copy(owningDir.resolve("pki.password"), acceptingDir.resolve("pki.password"));
        String yaml;
        try (var in = ReferenceDataStore.class.getResourceAsStream("/tongban/refdata.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Files.writeString(
                acceptingDir.resolve("refdata.yaml"),
                yaml.replace(
                        "    districtCode: \"320412\"\n",
                        "    districtCode: \"320412\"\n    nodeUrl: http://127.0.0.1:" + owningPort + "\n"));
        accepting = start(
                acceptingDir,
                "accepting-" + pid,
                0,
                new ServerOptions.Pki(null, URI.create("http://127.0.0.1:" + tsaPort + "/pki/tsa"), tsaRoot));
    }

    private static TongbanServer start(Path dir, String cluster, int port, ServerOptions.Pki pki) throws Exception {
        ServerOptions.Builder b = ServerOptions.builder()
                .demo(true)
                .port(port)
                // A fixed HTTP port would mean the default UDP port, which two nodes here cannot share.
                .mediaPort(0)
                .host("127.0.0.1")
                .dataDir(dir)
                .nodeName(cluster)
                .clusterName(cluster);
        if (port != 0) {
            b.publicUrl("http://127.0.0.1:" + port);
        }
        if (pki != null) {
            b.pki(pki);
        }
        return TongbanServer.start(b.build());
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    @AfterAll
    static void stop() {
        for (TongbanServer s : new TongbanServer[] {accepting, tsa, owning}) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void aRefusedHandoffIsResentOnceTheOwningHallTrustsTheTimeStampsAndAccepted(Vertx vertx) throws Exception {
        SigningSteps s = new SigningSteps(accepting, acceptingDir);
        try (SigningSteps.Pair p = s.pair(vertx, "wujin01", "cz-wujin-bdc", "nj-gulou-zwfw", "张秀英")) {
            s.readyToSign(p);
            s.signAll(p);
            ServerMessage.Application refused = p.clerk()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null && a.handoff().status().equals("refused"));
            String id = refused.applicationId();
            assertThat(refused.handoff().reason()).startsWith("SIGNATURE_UNTRUSTED");
            // The accepting node's own verdict: valid (it trusts the TSA it uses).
            assertThat(refused.verification().verdict()).isEqualTo("VALID");
            SigningSteps atOwning = new SigningSteps(owning, owningDir);
            assertThat(atOwning.rows("SELECT reason FROM handoff_refusal WHERE application_id = '" + id + "'"))
                    .containsExactly("SIGNATURE_UNTRUSTED");

            // The console lists it for a resend; the operator's tool too.
            p.clerk().send("{\"type\":\"list_applications\",\"id\":\"l\"}");
            ServerMessage.ApplicationSummary item =
                    p.clerk().expect(ServerMessage.Applications.class, a -> "l".equals(a.re())).applications().stream()
                            .filter(a -> a.applicationId().equals(id))
                            .findFirst()
                            .orElseThrow();
            assertThat(item.action()).isEqualTo("resend");
            assertThat(item.handoff().status()).isEqualTo("refused");
            Cli list = cli("handoff", "list", "--data-dir", acceptingDir.toString());
            assertThat(list.code()).isZero();
            assertThat(list.lines())
                    .anySatisfy(l -> assertThat(new JsonObject(l).getString("applicationId"))
                            .isEqualTo(id))
                    .allSatisfy(l -> {
                        JsonObject o = new JsonObject(l);
                        if (o.getString("applicationId").equals(id)) {
                            assertThat(o.getString("handoff")).isEqualTo("refused");
                            assertThat(o.getString("reason")).startsWith("SIGNATURE_UNTRUSTED");
                        }
                    });

            // Resent before the cause is fixed: tried at once, refused again, kept.
            p.clerk().send("{\"type\":\"handoff_resend\",\"id\":\"r1\",\"applicationId\":\"" + id + "\"}");
            ServerMessage.Application again =
                    p.clerk().expect(ServerMessage.Application.class, a -> "r1".equals(a.re()));
            assertThat(again.handoff().status()).isEqualTo("refused");
            assertThat(again.handoff().attempts()).isEqualTo(2);
            assertThat(s.rows("SELECT handoff_status FROM application WHERE application_id = '" + id + "'"))
                    .containsExactly("REFUSED");

            // Wujin's operator adds the TSA's root to the trust list: a restart with --tsa-trust.
            owning.close();
            owning = start(
                    owningDir,
                    "owning-" + ProcessHandle.current().pid(),
                    owningPort,
                    new ServerOptions.Pki(null, null, tsaRoot));

            // The accepting node's operator resends on the database; the node's retry loop delivers it.
            Cli resent = cli("handoff", "resend", id, "--data-dir", acceptingDir.toString(), "--by", "ops-gulou");
            assertThat(resent.code()).as(resent.out()).isZero();
            assertThat(new JsonObject(resent.lines().get(0)).getString("result"))
                    .isEqualTo("RESENT");
            ServerMessage.Application delivered = awaitDelivered(p);
            assertThat(delivered.handoff().receiptNo()).startsWith("HZ320412-");
            assertThat(new PdfVerifier(List.of(s.root()))
                            .verify(s.get(delivered.handoff().receiptUrl()).body())
                            .verdict())
                    .isEqualTo(Verdict.VALID);
            assertThat(new SigningSteps(owning, owningDir)
                            .rows("SELECT pdf_sha256 FROM received_application WHERE application_id = '" + id + "'"))
                    .containsExactly(delivered.pdfSha256());

            // Idempotent: nothing more to send, nothing more recorded; nothing left in the list.
            Cli twice = cli("handoff", "resend", id, "--data-dir", acceptingDir.toString(), "--by", "ops-gulou");
            assertThat(twice.code()).isZero();
            assertThat(new JsonObject(twice.lines().get(0)).getString("result")).isEqualTo("ALREADY_DELIVERED");
            p.clerk().send("{\"type\":\"handoff_resend\",\"id\":\"r2\",\"applicationId\":\"" + id + "\"}");
            assertThat(p.clerk()
                            .expect(ServerMessage.Application.class, a -> "r2".equals(a.re()))
                            .handoff()
                            .status())
                    .isEqualTo("delivered");
            assertThat(cli("handoff", "list", "--data-dir", acceptingDir.toString())
                            .lines())
                    .noneMatch(l -> l.contains(id));
            assertThat(accepting.records().journal().forSession(p.sid()))
                    .filteredOn(e -> e.action().equals("handoff.resent"))
                    .extracting(AuditEvent::actor)
                    .containsExactly("clerk:wujin01", "operator:ops-gulou");
            assertThat(accepting.records().journal().forSession(p.sid()))
                    .extracting(AuditEvent::action)
                    .containsSubsequence(
                            "handoff.refused",
                            "handoff.resent",
                            "handoff.refused",
                            "handoff.resent",
                            "handoff.delivered");

            // Bad input for the tool: an unknown number, a missing database.
            assertThat(cli("handoff", "resend", "TB20990101-000000", "--data-dir", acceptingDir.toString())
                            .code())
                    .isEqualTo(1);
            assertThat(cli(
                                    "handoff",
                                    "list",
                                    "--data-dir",
                                    acceptingDir.resolve("nowhere").toString())
                            .code())
                    .isEqualTo(2);
        }
    }

    private static ServerMessage.Application awaitDelivered(SigningSteps.Pair p) throws Exception {
        return p.clerk()
                .expect(
                        ServerMessage.Application.class,
                        a -> a.handoff() != null && a.handoff().status().equals("delivered"),
                        Duration.ofSeconds(90));
    }

    private record Cli(int code, String out) {
        /** The tool's JSON lines (the running nodes' log lines go to the same stream here). */
        List<String> lines() {
            return out.lines().filter(l -> l.startsWith("{")).toList();
        }
    }

    /** Runs {@code tongban.jar} in this JVM, as an operator would on the node's host. */
    private static synchronized Cli cli(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new Main()).execute(args);
            return new Cli(code, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }
}
