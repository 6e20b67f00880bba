package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.queue.TicketStatus;
import cn.tongban.signaling.store.TestPostgres;
import cn.tongban.testkit.Ports;
import com.hazelcast.config.MapConfig;
import com.hazelcast.spi.merge.DiscardMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real network split: three nodes (Hazelcast members with clustered Vert.x, in this JVM) on three
 * loopback addresses, each reached by the others only through a {@link PartitionableLink}. The Qingpu
 * node is cut off from the other two, then the split heals.
 *
 * <p>The policy under test (docs/cluster.md): live state needs a quorum of two. The isolated node loses
 * it — it can neither read nor change tickets, closes its clients with {@code NODE_UNAVAILABLE} and
 * reports 503 — and its clients resume on the majority, which keeps serving. When the split heals the
 * isolated node merges into the majority and its stale copies are discarded: a ticket served during the
 * split stays served, nothing is duplicated, and the healed node serves again, across the event bus.
 */
class SplitBrainTest {
    private static final String[] HOSTS = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
    private static final String[] NAMES = {"wujin", "gulou", "qingpu"};
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theMinorityStopsTheMajorityServesAndTheHealKeepsTheMajoritysState(@TempDir Path root) throws Exception {
        String previousDelay = System.getProperty(HazelcastFactory.MERGE_DELAY_PROPERTY);
        System.setProperty(HazelcastFactory.MERGE_DELAY_PROPERTY, "5");
        String db = TestPostgres.shared().newDatabase();
        String clusterName = "split-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        ClusterCa ca = ClusterCa.create("split-test", Duration.ofDays(1));
        List<PartitionableLink> links = new ArrayList<>();
        List<TongbanServer> servers = new ArrayList<>();
        List<NodeClient> clients = new ArrayList<>();
        Vertx vertx = Vertx.vertx();
        try {
            int[] ports = new int[3];
            for (int i = 0; i < 3; i++) {
                ports[i] = Ports.reserve();
                links.add(new PartitionableLink(HOSTS[i], ports[i]));
            }
            for (int i = 0; i < 3; i++) {
                Path dir = Files.createDirectories(root.resolve(NAMES[i]));
                ca.issue(NAMES[i], List.of(HOSTS[i]), Duration.ofDays(1))
                        .save(dir.resolve("bus.p12"), "pw".toCharArray());
                ServerOptions.Builder b = ServerOptions.builder()
                        .demo(true)
                        .port(0)
                        .host("127.0.0.1")
                        .dataDir(dir)
                        .nodeName(NAMES[i])
                        .clusterName(clusterName)
                        .clusterHost(HOSTS[i])
                        .database(db, TestPostgres.USER, TestPostgres.PASSWORD)
                        .secrets(root.resolve("secrets.p12"))
                        .cluster(ServerOptions.Cluster.DEFAULT
                                .withTls(dir.resolve("bus.p12"), "pw")
                                .withQuorum(2)
                                .withHazelcast(ports[i], links.get(i).address()));
                for (int j = 0; j < 3; j++) {
                    if (j != i) {
                        b.clusterMember(links.get(j).address());
                    }
                }
                servers.add(TongbanServer.start(b.build()));
            }
            TongbanServer wujin = servers.get(0);
            TongbanServer qingpu = servers.get(2);
            awaitHealth(qingpu, 200, 3);
            MapConfig tickets = qingpu.hazelcast().getConfig().getMapConfig("tongban.tickets");
            assertThat(tickets.getMergePolicyConfig().getPolicy()).isEqualTo(DiscardMergePolicy.class.getName());
            assertThat(tickets.getBackupCount()).isEqualTo(1);

            WebSocketClient ws = NodeClient.newClient(vertx);
            NodeClient clerk = NodeClient.connect(vertx, ws, wsUrl(wujin), "clerk");
            clients.add(clerk);
            clerk.send("{\"type\":\"auth\",\"token\":\"" + login(wujin, "wujin01") + "\"}");
            clerk.expect(ServerMessage.Clerk.class, WAIT);
            clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
            clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE, WAIT);

            // One after the other, so that each ticket's position at issue is still its position later
            // (joins racing on different nodes may be ordered differently from their replies).
            NodeClient a1 = applicant(vertx, ws, wujin, "a1", clients);
            String ta1 = a1.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()), WAIT)
                    .ticketId();
            NodeClient b1 = applicant(vertx, ws, servers.get(1), "b1", clients);
            String tb1 = b1.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()), WAIT)
                    .ticketId();
            NodeClient c1 = applicant(vertx, ws, qingpu, "c1", clients);
            ServerMessage.Ticket tc1 = c1.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()), WAIT);
            NodeClient c2 = applicant(vertx, ws, qingpu, "c2", clients);
            ServerMessage.Ticket tc2 = c2.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()), WAIT);
            assertThat(List.of(tc1.position(), tc2.position())).containsExactly(3, 4);
            assertThat(c1.servers).hasSize(3).first().isEqualTo(wsUrl(qingpu));

            // ---- cut Qingpu off from the other two
            links.get(0).block(HOSTS[2]);
            links.get(1).block(HOSTS[2]);
            links.get(2).block(HOSTS[0]);
            links.get(2).block(HOSTS[1]);

            // The minority closes its clients with NODE_UNAVAILABLE (1013) and reports 503.
            assertThat(c1.awaitClosed(WAIT)).isTrue();
            assertThat(c2.awaitClosed(WAIT)).isTrue();
            assertThat(c1.closeCode).isEqualTo((short) 1013);
            awaitHealth(qingpu, 503, 1);
            // It can neither change nor read live state.
            assertThatThrownBy(
                            () -> qingpu.hazelcast().getMap("tongban.tickets").get(tc1.ticketId()))
                    .isInstanceOf(SplitBrainProtectionException.class);
            // New clients are refused.
            NodeClient refused = NodeClient.connectRaw(vertx, ws, wsUrl(qingpu), "refused");
            clients.add(refused);
            assertThat(refused.expect(ServerMessage.Error.class, WAIT).code()).isEqualTo("NODE_UNAVAILABLE");
            assertThat(refused.awaitClosed(WAIT)).isTrue();
            assertThat(refused.closeCode).isEqualTo((short) 1013);
            awaitHealth(wujin, 200, 2);

            // Its clients resume on the majority with their place.
            for (NodeClient c : List.of(c1, c2)) {
                String to = c.failover(WAIT);
                assertThat(to).isNotEqualTo(wsUrl(qingpu));
            }
            c1.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + tc1.resumeToken() + "\"}");
            ServerMessage.Ticket rc1 = c1.expect(ServerMessage.Ticket.class, t -> "r".equals(t.re()), WAIT);
            assertThat(rc1.ticketId()).isEqualTo(tc1.ticketId());
            assertThat(rc1.position()).isEqualTo(tc1.position());
            c2.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + tc2.resumeToken() + "\"}");
            ServerMessage.Ticket rc2 = c2.expect(ServerMessage.Ticket.class, t -> "r".equals(t.re()), WAIT);
            assertThat(rc2.position()).isEqualTo(tc2.position());

            // The majority serves: c1's ticket is taken and finished, a new ticket is issued.
            clerk.send("{\"type\":\"take\",\"ticketId\":\"" + tc1.ticketId() + "\"}");
            String sid = clerk.expect(ServerMessage.Paired.class, WAIT).sessionId();
            c1.expect(ServerMessage.Paired.class, WAIT);
            c1.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"分区期间\"}");
            clerk.expect(ServerMessage.Chat.class, m -> m.text().equals("分区期间"), WAIT);
            clerk.send("{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
            clerk.expect(ServerMessage.Ended.class, e -> "h".equals(e.re()), WAIT);
            NodeClient a2 = applicant(vertx, ws, wujin, "a2", clients);
            String ta2 = a2.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()), WAIT)
                    .ticketId();

            // ---- heal
            for (PartitionableLink l : links) {
                for (String h : HOSTS) {
                    l.unblock(h);
                }
            }
            awaitHealth(qingpu, 200, 3);

            // The majority's state won: the served ticket stays done, nothing came back twice.
            TicketRecord served = awaitTicket(qingpu, tc1.ticketId());
            assertThat(served.status()).isEqualTo(TicketStatus.DONE);
            Set<String> waiting = Set.of(ta1, tb1, tc2.ticketId(), ta2);
            NodeClient clerk2 = NodeClient.connect(vertx, ws, wsUrl(qingpu), "clerk-on-qingpu");
            clients.add(clerk2);
            clerk2.send("{\"type\":\"auth\",\"token\":\"" + login(qingpu, "wujin02") + "\"}");
            ServerMessage.Queue q = clerk2.expect(
                    ServerMessage.Queue.class,
                    m -> m.tickets().stream()
                            .map(ServerMessage.QueueEntry::ticketId)
                            .collect(Collectors.toSet())
                            .equals(waiting),
                    WAIT);
            assertThat(q.total()).isEqualTo(waiting.size());

            // Its event-bus address is known to the cluster again (a merge may lose it; ClusterDuty re-announces).
            String qingpuNode = qingpu.hazelcast().getCluster().getLocalMember().getAttribute("__vertx.nodeId");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!wujin.hazelcast().getMap("__vertx.nodeInfo").containsKey(qingpuNode)
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(wujin.hazelcast().getMap("__vertx.nodeInfo").containsKey(qingpuNode))
                    .isTrue();

            // The healed node serves again, and the event bus reaches it: a clerk on Wujin pairs with an
            // applicant on Qingpu.
            NodeClient c3 = applicant(vertx, ws, qingpu, "c3", clients);
            String tc3 = c3.expect(ServerMessage.Ticket.class, t -> "j".equals(t.re()), WAIT)
                    .ticketId();
            clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
            clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE, WAIT);
            clerk.send("{\"type\":\"take\",\"ticketId\":\"" + tc3 + "\"}");
            String sid3 = clerk.expect(ServerMessage.Paired.class, WAIT).sessionId();
            assertThat(c3.expect(ServerMessage.Paired.class, WAIT).sessionId()).isEqualTo(sid3);
            clerk.send("{\"type\":\"chat\",\"sessionId\":\"" + sid3 + "\",\"text\":\"合并以后\"}");
            c3.expect(ServerMessage.Chat.class, m -> m.text().equals("合并以后"), WAIT);
        } finally {
            clients.forEach(NodeClient::close);
            vertx.close().await(20, TimeUnit.SECONDS);
            for (TongbanServer s : servers) {
                s.close();
            }
            links.forEach(PartitionableLink::close);
            if (previousDelay == null) {
                System.clearProperty(HazelcastFactory.MERGE_DELAY_PROPERTY);
            } else {
                System.setProperty(HazelcastFactory.MERGE_DELAY_PROPERTY, previousDelay);
            }
        }
    }

    private static NodeClient applicant(
            Vertx vertx, WebSocketClient ws, TongbanServer s, String name, List<NodeClient> clients) throws Exception {
        NodeClient c = NodeClient.connect(vertx, ws, wsUrl(s), name);
        clients.add(c);
        c.send("{\"type\":\"join\",\"id\":\"j\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                + "\"name\":\"申请人" + name + "\",\"mobile\":\"13812345678\"}");
        return c;
    }

    private static TicketRecord awaitTicket(TongbanServer s, String ticketId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                Object t = s.hazelcast().getMap("tongban.tickets").get(ticketId);
                if (t instanceof TicketRecord r) {
                    return r;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("ticket " + ticketId + " not readable", last);
    }

    private static String wsUrl(TongbanServer s) {
        return "ws://127.0.0.1:" + s.port() + "/ws?v=1";
    }

    private static void awaitHealth(TongbanServer s, int status, int members) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/health"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            last = r.statusCode() + " " + r.body();
            JsonObject cluster = new JsonObject(r.body()).getJsonObject("cluster");
            // Serving with all members: every node's address has reached this one too (hello lists all).
            if (r.statusCode() == status
                    && cluster.getInteger("members") == members
                    && (status != 200 || cluster.getJsonArray("servers").size() == members)) {
                if (status == 200) {
                    Settled.cluster(members, List.of(s.hazelcast()));
                }
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(
                s.options().nodeName() + ": expected " + status + " with " + members + " members, last " + last);
    }

    private static String login(TongbanServer s, String clerkId) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/api/login"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + clerkId + "\",\"password\":\"tongban2026\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("token");
    }
}
