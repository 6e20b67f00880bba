package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.ServerOptions;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.cluster.ClusterCa;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes: a session's media lives on the bridge of the node where its clerk took the
 * ticket, and participants connected to the other node reach it over the event bus (answers, joins) and
 * get its offers (with that node's UDP port).
 */
@ExtendWith(VertxExtension.class)
class BridgeClusterTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TongbanServer nodeA;
    private static TongbanServer nodeB;

    @BeforeAll
    static void start(@TempDir Path dirA, @TempDir Path dirB, @TempDir Path dbDir) throws Exception {
        String cluster = "bridge-cluster-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        ClusterCa ca = ClusterCa.create("bridge-it", Duration.ofDays(1));
        String db = Database.defaultUrl(dbDir);
        Path[] dirs = {dirA, dirB};
        int[] ports = {freePort(), freePort()};
        TongbanServer[] nodes = new TongbanServer[2];
        for (int i = 0; i < 2; i++) {
            ca.issue("node-" + i, List.of("127.0.0.1"), Duration.ofDays(1))
                    .save(dirs[i].resolve("bus.p12"), "pw".toCharArray());
            nodes[i] = TongbanServer.start(ServerOptions.builder()
                    .port(0)
                    .host("127.0.0.1")
                    .dataDir(dirs[i])
                    .nodeName("node-" + i)
                    .clusterName(cluster)
                    .clusterMember("127.0.0.1:" + ports[0])
                    .clusterMember("127.0.0.1:" + ports[1])
                    // Both nodes share one database, as a cluster does.
                    .database(db, null, null)
                    .cluster(ServerOptions.Cluster.DEFAULT
                            .withTls(dirs[i].resolve("bus.p12"), "pw")
                            .withQuorum(1)
                            .withHazelcast(ports[i], null))
                    .build());
        }
        nodeA = nodes[0];
        nodeB = nodes[1];
        long deadline = System.currentTimeMillis() + 60_000;
        while (nodeB.hazelcast().getCluster().getMembers().size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertThat(nodeB.hazelcast().getCluster().getMembers()).hasSize(2);
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @AfterAll
    static void stop() {
        if (nodeB != null) {
            nodeB.close();
        }
        if (nodeA != null) {
            nodeA.close();
        }
    }

    private static WsTestClient clerk(Vertx vertx, TongbanServer node, String user, boolean available)
            throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/login"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + user + "\",\"password\":\"tongban2026\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        WsTestClient c = WsTestClient.connect(vertx, node.port());
        c.send("{\"type\":\"auth\",\"token\":\"" + new JsonObject(r.body()).getString("token") + "\"}");
        c.expect(ServerMessage.Clerk.class);
        if (available) {
            c.send("{\"type\":\"status\",\"status\":\"available\"}");
            c.expect(ServerMessage.Clerk.class, m -> m.status() == ServerMessage.ClerkStatus.AVAILABLE);
        }
        return c;
    }

    private static String answer(ServerMessage.Offer o) {
        StringBuilder sb = new StringBuilder("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
        sb.append("a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 ")
                .append(String.join(":", java.util.Collections.nCopies(32, "CD")))
                .append("\r\na=setup:active\r\n");
        String kind = null;
        for (String line : o.sdp().split("\r\n")) {
            if (line.startsWith("m=")) {
                kind = line.substring(2, line.indexOf(' '));
            } else if (line.startsWith("a=mid:")) {
                String mid = line.substring(6);
                sb.append("m=")
                        .append(kind)
                        .append(" 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:")
                        .append(mid)
                        .append("\r\n");
                if (mid.equals(o.uploads().get("camera"))) {
                    sb.append("a=sendonly\r\na=ssrc:4242 cname:x\r\n");
                } else {
                    sb.append(o.uploads().containsValue(mid) ? "a=inactive\r\n" : "a=recvonly\r\n");
                }
            }
        }
        return new JsonObject()
                .put("type", "answer")
                .put("sessionId", o.sessionId())
                .put("version", o.version())
                .put("sdp", sb.toString())
                .encode();
    }

    @Test
    void participantsOnAnotherNodeUseTheBridgeOfTheClerksNode(Vertx vertx) throws Exception {
        int bridgeA = nodeA.media().bridge().port();
        try (WsTestClient clerk = clerk(vertx, nodeA, "wujin01", true);
                WsTestClient supervisor = clerk(vertx, nodeB, "supervisor01", false);
                WsTestClient app = WsTestClient.connect(vertx, nodeB.port())) {
            app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                    + "\"name\":\"张秀英\",\"mobile\":\"13812345678\"}");
            app.expect(ServerMessage.Ticket.class);
            clerk.expect(ServerMessage.Queue.class, q -> q.total() == 1);
            clerk.send("{\"type\":\"take\",\"id\":\"t\"}");
            String sid = clerk.expect(ServerMessage.Paired.class).sessionId();

            // The applicant (node B) is offered node A's bridge.
            ServerMessage.Offer appOffer = app.expect(ServerMessage.Offer.class);
            assertThat(appOffer.sdp()).contains(" " + bridgeA + " typ host");
            ServerMessage.Offer clerkOffer = clerk.expect(ServerMessage.Offer.class);

            // Its answer, sent to node B, reaches node A's bridge: the clerk is offered its camera.
            app.send(answer(appOffer));
            assertThat(clerk.expect(ServerMessage.Offer.class, o -> o.version() > clerkOffer.version())
                            .sdp())
                    .contains("a=ssrc:4242 msid:applicant-1 applicant-1-camera");

            // A supervisor on node B sees the session and joins it on node A's bridge.
            supervisor.send("{\"type\":\"list_sessions\",\"id\":\"l\"}");
            assertThat(supervisor.expect(ServerMessage.Sessions.class).sessions())
                    .extracting(ServerMessage.SessionSummary::sessionId)
                    .contains(sid);
            supervisor.send(
                    "{\"type\":\"join_session\",\"id\":\"j\",\"sessionId\":\"" + sid + "\",\"role\":\"supervisor\"}");
            assertThat(supervisor.expect(ServerMessage.Paired.class).role()).isEqualTo("supervisor");
            ServerMessage.Offer so = supervisor.expect(ServerMessage.Offer.class);
            assertThat(so.sdp())
                    .contains(" " + bridgeA + " typ host")
                    .contains("a=ssrc:4242 msid:applicant-1 applicant-1-camera");
            assertThat(nodeA.media().bridge().metrics().snapshot()).isNotEmpty();

            clerk.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
            assertThat(supervisor.expect(ServerMessage.Ended.class).sessionId()).isEqualTo(sid);
        }
    }
}
