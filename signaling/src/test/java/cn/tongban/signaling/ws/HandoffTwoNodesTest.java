package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The hand-off between separate nodes, each with its own database, files and cluster: the accepting node
 * (where the session runs, for a Gulou terminal) sends the sealed application to the owning hall's node,
 * which shares the federation's PKI (the same root), verifies it against its own trust list and returns the
 * receipt; a node outside the federation (its own root) does not accept the sending hall's signature, and
 * the package stays in the sender's outbox.
 */
@ExtendWith(VertxExtension.class)
class HandoffTwoNodesTest {
    private static TongbanServer owning;
    private static TongbanServer stranger;
    private static TongbanServer accepting;
    private static Path owningDir;
    private static Path acceptingDir;

    @BeforeAll
    static void start() throws Exception {
        owningDir = Files.createTempDirectory("tongban-owning");
        Path strangerDir = Files.createTempDirectory("tongban-stranger");
        acceptingDir = Files.createTempDirectory("tongban-accepting");
        long pid = ProcessHandle.current().pid();
        owning = start(owningDir, "owning-" + pid);
        stranger = start(strangerDir, "stranger-" + pid);
        // The accepting node holds the same federation PKI as the owning hall's node (one root for all halls).
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
                                "    districtCode: \"320412\"\n    nodeUrl: http://127.0.0.1:" + owning.port() + "\n")
                        .replace(
                                "    districtCode: \"310118\"\n",
                                "    districtCode: \"310118\"\n    nodeUrl: http://127.0.0.1:" + stranger.port()
                                        + "\n"));
        accepting = start(acceptingDir, "accepting-" + pid);
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
        for (TongbanServer s : new TongbanServer[] {accepting, stranger, owning}) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void theOwningHallsNodeVerifiesAndReturnsTheReceipt(Vertx vertx) throws Exception {
        SigningSteps s = new SigningSteps(accepting, acceptingDir);
        try (SigningSteps.Pair p = s.pair(vertx, "wujin01", "cz-wujin-bdc", "nj-gulou-zwfw", "张秀英")) {
            signed(s, p);
            ServerMessage.Application delivered = p.app()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null && a.handoff().status().equals("delivered"));
            assertThat(delivered.handoff().receiptNo()).startsWith("HZ320412-");
            byte[] receipt = s.get(delivered.handoff().receiptUrl()).body();
            assertThat(new PdfVerifier(List.of(s.root())).verify(receipt).verdict())
                    .isEqualTo(Verdict.VALID);
            // The package is now at the owning hall's node, and only there.
            SigningSteps atOwning = new SigningSteps(owning, owningDir);
            assertThat(atOwning.rows("SELECT receipt_no FROM received_application WHERE application_id = '"
                            + delivered.applicationId() + "'"))
                    .containsExactly(delivered.handoff().receiptNo());
            assertThat(atOwning.rows("SELECT pdf_sha256 FROM received_application WHERE application_id = '"
                            + delivered.applicationId() + "'"))
                    .containsExactly(delivered.pdfSha256());
            assertThat(s.rows("SELECT application_id FROM received_application"))
                    .isEmpty();
            assertThat(owning.records().journal().forSession(p.sid()))
                    .extracting(e -> e.action())
                    .containsExactly("handoff.received");
        }
    }

    @Test
    void aNodeOutsideTheFederationDoesNotTakeThePackageAndTheSenderKeepsIt(Vertx vertx) throws Exception {
        SigningSteps s = new SigningSteps(accepting, acceptingDir);
        try (SigningSteps.Pair p = s.pair(vertx, "qingpu01", "sh-qingpu-xzfw", "nj-gulou-zwfw", "李蕾")) {
            signed(s, p);
            ServerMessage.Application pending = p.app()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null
                                    && a.handoff().status().equals("pending")
                                    && a.handoff().attempts() > 0);
            assertThat(pending.handoff().reason()).contains("401", "HANDOFF_UNAUTHENTICATED");
            assertThat(pending.handoff().attempts()).isEqualTo(1);
            assertThat(s.rows("SELECT handoff_status FROM application WHERE application_id = '"
                            + pending.applicationId() + "'"))
                    .containsExactly("PENDING");
            assertThat(new SigningSteps(stranger, null).get("/health").statusCode())
                    .isEqualTo(200);
        }
    }

    private static void signed(SigningSteps s, SigningSteps.Pair p) throws Exception {
        s.submitDeclaration(p);
        s.receive(p, s.upload(p, "contract", s.pdf()));
        s.receive(p, s.upload(p, "deedTax", s.png(600, 400)));
        s.verifyIdentity(p);
        s.signAll(p);
    }
}
