package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.Main;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.CaseStore;
import cn.tongban.signaling.store.Database;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The embedded default (one node, H2 file database) killed with SIGKILL right after the last of several
 * consultations ended: every case and audit event the clients were told about is on disk, the chain
 * verifies, and the node starts again on the same data.
 */
class EmbeddedKillRestartTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void casesAndAuditEventsSurviveAKillRightAfterTheyWereAcknowledged(@TempDir Path root) throws Exception {
        Vertx vertx = Vertx.vertx();
        List<NodeClient> clients = new ArrayList<>();
        try (NodeProcesses nodes = new NodeProcesses(List.of("solo"), root, List.of())) {
            NodeProcesses.Node solo = nodes.node("solo");
            nodes.start(solo);
            nodes.awaitHealthy(solo, 1, Duration.ofSeconds(120));
            WebSocketClient ws = NodeClient.newClient(vertx);
            String token = login(solo, "wujin01");
            NodeClient clerk = NodeClient.connect(vertx, ws, solo.wsUrl(), "clerk");
            clients.add(clerk);
            clerk.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            clerk.expect(ServerMessage.Clerk.class, WAIT);
            List<String> sessions = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                NodeClient app = NodeClient.connect(vertx, ws, solo.wsUrl(), "applicant-" + i);
                clients.add(app);
                app.send(
                        "{\"type\":\"join\",\"id\":\"j\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                                + "\"name\":\"申请人" + i + "\",\"mobile\":\"13812345678\"}");
                String ticketId = app.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()), WAIT)
                        .ticketId();
                clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
                clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE, WAIT);
                clerk.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
                String sid = clerk.expect(ServerMessage.Paired.class, WAIT).sessionId();
                clerk.send(
                        "{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
                // The case and the audit events are written before this answer is sent.
                clerk.expect(ServerMessage.Ended.class, e -> "h".equals(e.re()), WAIT);
                sessions.add(sid);
            }
            nodes.kill(solo);

            String verified = auditVerify(solo.dataDir, nodes.secrets());
            assertThat(verified).startsWith("0 {\"intact\":true");
            try (Database db = Database.open(Database.defaultUrl(solo.dataDir), null, null)) {
                List<String> stored = new CaseStore(db.dataSource())
                        .recent("cz-wujin-bdc", 100).stream()
                                .map(CaseStore.Case::sessionId)
                                .toList();
                assertThat(stored).containsAll(sessions);
            }

            nodes.start(solo);
            nodes.awaitHealthy(solo, 1, Duration.ofSeconds(120));
            // The restarted node still signs clerks in from the same database.
            assertThat(login(solo, "wujin01")).isNotBlank();
        } finally {
            clients.forEach(NodeClient::close);
            vertx.close().await(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWaitingTicketOutlivesAStopOfTheEmbeddedDefault(@TempDir Path root) throws Exception {
        // SIGTERM, as systemd stops the node: the shutdown hook saves the queue into the embedded H2 database,
        // which must still be open then (H2's own exit hook would close it first without DB_CLOSE_ON_EXIT=FALSE).
        Vertx vertx = Vertx.vertx();
        List<NodeClient> clients = new ArrayList<>();
        try (NodeProcesses nodes = new NodeProcesses(List.of("solo"), root, List.of())) {
            NodeProcesses.Node solo = nodes.node("solo");
            nodes.start(solo);
            nodes.awaitHealthy(solo, 1, Duration.ofSeconds(120));
            WebSocketClient ws = NodeClient.newClient(vertx);
            NodeClient app = NodeClient.connect(vertx, ws, solo.wsUrl(), "applicant");
            clients.add(app);
            app.send("{\"type\":\"join\",\"id\":\"j\",\"matterId\":\"property-certificate\","
                    + "\"hallId\":\"cz-wujin-bdc\",\"name\":\"张秀英\",\"mobile\":\"13812345678\"}");
            ServerMessage.Ticket ticket = app.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()), WAIT);

            nodes.stop(solo);
            nodes.start(solo);
            nodes.awaitHealthy(solo, 1, Duration.ofSeconds(120));
            NodeClient back = NodeClient.connect(vertx, ws, solo.wsUrl(), "applicant-again");
            clients.add(back);
            back.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + ticket.resumeToken() + "\"}");
            ServerMessage.Ticket resumed = back.expect(ServerMessage.Ticket.class, t -> "r".equals(t.re()), WAIT);
            assertThat(resumed.number()).isEqualTo(ticket.number());
            assertThat(resumed.position()).isEqualTo(1);
        } finally {
            clients.forEach(NodeClient::close);
            vertx.close().await(20, TimeUnit.SECONDS);
        }
    }

    private static String login(NodeProcesses.Node n, String clerkId) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(n.baseUrl() + "/api/login"))
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"username\":\"" + clerkId + "\",\"password\":\"tongban2026\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("token");
    }

    private static String auditVerify(Path dataDir, Path secrets) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new Main())
                    .execute("audit", "verify", "--data-dir", dataDir.toString(), "--secrets", secrets.toString());
            return code + " " + out.toString(StandardCharsets.UTF_8).strip();
        } finally {
            System.setOut(old);
        }
    }
}
