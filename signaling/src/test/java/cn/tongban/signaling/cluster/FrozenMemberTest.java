package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that hangs instead of dying: three nodes as separate JVMs (each on its own embedded H2; live
 * state is in the cluster), live sessions whose ends sit on different nodes and waiting tickets. The Wujin
 * JVM is frozen with SIGSTOP: its sockets stay open and silent, and Hazelcast removes it only after 15 s
 * without heartbeats. Its clients do what {@code signaling.js} does — a keep-alive ping every 8 s (each
 * client at its own phase), a connection without a pong within 10 s given up at once, the next node first,
 * 5 s to say hello — and resume. Every one is back within 25 s of the freeze, no live session is lost
 * (clerks take theirs over; sessions whose ends were both elsewhere carry on), and waiting tickets keep
 * their numbers.
 */
class FrozenMemberTest {
    private static final String[] HALLS = {"cz-wujin-bdc", "nj-gulou-zwfw", "sh-qingpu-xzfw"};
    private static final String[] MATTERS = {"m-wujin", "m-gulou", "m-qingpu"};
    private static final int SESSIONS = 12;
    private static final int WAITING = 30;
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final Duration BACK_WITHIN = Duration.ofSeconds(25);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private record Session(
            int index, NodeClient applicant, NodeClient clerk, String token, String sessionId, String resume) {}

    private record Waiting(NodeClient client, String ticketId, String number, String resume) {}

    @Test
    void everyClientOfAFrozenNodeIsBackInItsSessionOrPlaceWithinTwentyFiveSeconds(@TempDir Path root) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        Vertx vertx = Vertx.vertx();
        List<NodeClient> clients = Collections.synchronizedList(new ArrayList<>());
        try (NodeProcesses cluster = new NodeProcesses(List.of("wujin", "gulou", "qingpu"), root, List.of())) {
            cluster.writeToEach("refdata.yaml", refdata());
            List<NodeProcesses.Node> nodes = cluster.all();
            ClusterFaultToleranceTest.startAll(cluster);
            WebSocketClient ws = NodeClient.newClient(vertx);

            List<Session> sessions = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                int q = i % 3;
                NodeProcesses.Node an = nodes.get(i % 3);
                NodeProcesses.Node cn = nodes.get((i + 1) % 3);
                NodeClient app = NodeClient.connect(vertx, ws, an.wsUrl(), "applicant-" + i);
                clients.add(app);
                app.send(join(q, "会话申请人" + i, "s" + i));
                String re = "s" + i;
                ServerMessage.Ticket t = app.expect(ServerMessage.Ticket.class, x -> re.equals(x.re()), LONG);
                String token = login(cn, clerkId(i));
                NodeClient clerk = NodeClient.connect(vertx, ws, cn.wsUrl(), "clerk-" + i);
                clients.add(clerk);
                clerk.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
                clerk.expect(ServerMessage.Clerk.class, LONG);
                clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
                clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE, LONG);
                clerk.send("{\"type\":\"take\",\"ticketId\":\"" + t.ticketId() + "\"}");
                String sid = clerk.expect(ServerMessage.Paired.class, LONG).sessionId();
                app.expect(ServerMessage.Paired.class, LONG);
                sessions.add(new Session(i, app, clerk, token, sid, t.resumeToken()));
            }
            List<Waiting> waiting = new ArrayList<>();
            for (int j = 0; j < WAITING; j++) {
                NodeClient c = NodeClient.connect(vertx, ws, nodes.get(j % 3).wsUrl(), "waiting-" + j);
                clients.add(c);
                String re = "w" + j;
                c.send(join(j % 3, "排队申请人" + j, re));
                ServerMessage.Ticket t = c.expect(ServerMessage.Ticket.class, x -> re.equals(x.re()), LONG);
                waiting.add(new Waiting(c, t.ticketId(), t.number(), t.resumeToken()));
            }

            NodeProcesses.Node frozen = nodes.get(0);
            cluster.freeze(frozen);
            long frozenAt = System.nanoTime();
            Random phase = new Random(7);
            List<Future<Long>> backAfter = new ArrayList<>();
            for (Session s : sessions) {
                for (NodeClient c : List.of(s.applicant(), s.clerk())) {
                    if (c.url.equals(frozen.wsUrl())) {
                        long at = phase.nextInt(8_000);
                        backAfter.add(pool.submit(() -> {
                            keepAliveUntilGivenUp(c, at, frozenAt);
                            failover(c, frozen);
                            if (c == s.applicant()) {
                                c.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + s.resume() + "\"}");
                                ServerMessage.Ticket t =
                                        c.expect(ServerMessage.Ticket.class, x -> "r".equals(x.re()), LONG);
                                assertThat(t.state()).isEqualTo(ServerMessage.TicketState.IN_SESSION);
                            } else {
                                c.send("{\"type\":\"auth\",\"id\":\"a\",\"token\":\"" + s.token() + "\"}");
                                assertThat(c.expect(ServerMessage.Clerk.class, x -> "a".equals(x.re()), LONG)
                                                .status())
                                        .as(c.label + " takes its live session over")
                                        .isEqualTo(ServerMessage.ClerkStatus.BUSY);
                            }
                            assertThat(c.expect(ServerMessage.Paired.class, x -> x.resumed(), LONG)
                                            .sessionId())
                                    .isEqualTo(s.sessionId());
                            return System.nanoTime() - frozenAt;
                        }));
                    }
                }
            }
            for (Waiting w : waiting) {
                if (w.client().url.equals(frozen.wsUrl())) {
                    long at = phase.nextInt(8_000);
                    backAfter.add(pool.submit(() -> {
                        keepAliveUntilGivenUp(w.client(), at, frozenAt);
                        failover(w.client(), frozen);
                        w.client().send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + w.resume() + "\"}");
                        ServerMessage.Ticket t =
                                w.client().expect(ServerMessage.Ticket.class, x -> "r".equals(x.re()), LONG);
                        assertThat(t.ticketId()).isEqualTo(w.ticketId());
                        assertThat(t.number()).isEqualTo(w.number());
                        assertThat(t.state()).isEqualTo(ServerMessage.TicketState.WAITING);
                        return System.nanoTime() - frozenAt;
                    }));
                }
            }
            List<Long> millis = new ArrayList<>();
            for (Future<Long> f : backAfter) {
                millis.add(TimeUnit.NANOSECONDS.toMillis(f.get(2, TimeUnit.MINUTES)));
            }
            Collections.sort(millis);
            System.out.printf(
                    "[frozen member] %d clients back after %d..%d ms (median %d)%n",
                    millis.size(), millis.get(0), millis.get(millis.size() - 1), millis.get(millis.size() / 2));
            assertThat(millis).hasSizeGreaterThanOrEqualTo(SESSIONS * 2 / 3 + WAITING / 3);
            assertThat(millis.get(millis.size() - 1))
                    .as("every client of the frozen node back within %s", BACK_WITHIN)
                    .isLessThan(BACK_WITHIN.toMillis());

            // No session was lost: each relays chat both ways, and none has ended.
            for (Session s : sessions) {
                String down = "clerk-to-applicant-" + s.index();
                s.clerk().send(chat(s.sessionId(), down));
                s.applicant().expect(ServerMessage.Chat.class, m -> m.text().equals(down), LONG);
                String up = "applicant-to-clerk-" + s.index();
                s.applicant().send(chat(s.sessionId(), up));
                s.clerk().expect(ServerMessage.Chat.class, m -> m.text().equals(up), LONG);
            }
            for (Session s : sessions) {
                assertThat(s.applicant().poll(ServerMessage.Ended.class, m -> true, Duration.ZERO))
                        .as("session %d still live", s.index())
                        .isNull();
            }
        } finally {
            clients.forEach(NodeClient::close);
            pool.shutdownNow();
            vertx.close().await(20, TimeUnit.SECONDS);
        }
    }

    /**
     * Pings as the browser does, every 8 s from the client's own phase ({@code firstPingMs} after the freeze,
     * as a ping was due then), until a ping gets no pong within 10 s.
     */
    private static void keepAliveUntilGivenUp(NodeClient c, long firstPingMs, long frozenAt) throws Exception {
        long next = frozenAt + TimeUnit.MILLISECONDS.toNanos(firstPingMs);
        while (true) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
            }
            if (!c.alive(Duration.ofSeconds(10))) {
                return;
            }
            next += TimeUnit.SECONDS.toNanos(8);
        }
    }

    private static void failover(NodeClient c, NodeProcesses.Node frozen) throws InterruptedException {
        Thread.sleep(500); // the browser's first backoff
        assertThat(c.failover(LONG)).isNotEqualTo(frozen.wsUrl());
    }

    private static String login(NodeProcesses.Node n, String clerkId) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(n.baseUrl() + "/api/login"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + clerkId + "\",\"password\":\"frozen-password-2026\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("login of " + clerkId + ": " + r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("token");
    }

    private static String clerkId(int i) {
        return String.format("f%02d", i);
    }

    private static String join(int queue, String name, String id) {
        return "{\"type\":\"join\",\"id\":\"" + id + "\",\"matterId\":\"" + MATTERS[queue] + "\",\"hallId\":\""
                + HALLS[queue] + "\",\"name\":\"" + name + "\",\"mobile\":\"13812345678\"}";
    }

    private static String chat(String sessionId, String text) {
        return "{\"type\":\"chat\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + text + "\"}";
    }

    private static String refdata() {
        StringBuilder y = new StringBuilder(
                """
                halls:
                  - {id: cz-wujin-bdc, name: 常州市武进区不动产登记交易中心}
                  - {id: nj-gulou-zwfw, name: 南京市鼓楼区政务服务中心}
                  - {id: sh-qingpu-xzfw, name: 上海市青浦区行政服务中心}
                matters:
                  - {id: m-wujin, name: 武进事项, ticketPrefix: W, serviceMinutes: 10, owningHalls: [cz-wujin-bdc], materials: []}
                  - {id: m-gulou, name: 鼓楼事项, ticketPrefix: G, serviceMinutes: 10, owningHalls: [nj-gulou-zwfw], materials: []}
                  - {id: m-qingpu, name: 青浦事项, ticketPrefix: Q, serviceMinutes: 10, owningHalls: [sh-qingpu-xzfw], materials: []}
                clerks:
                  initialPassword: frozen-password-2026
                  list:
                """);
        for (int i = 0; i < SESSIONS; i++) {
            y.append("    - {id: ")
                    .append(clerkId(i))
                    .append(", name: 办事员")
                    .append(i)
                    .append(", hallId: ")
                    .append(HALLS[i % 3])
                    .append(", matters: [")
                    .append(MATTERS[i % 3])
                    .append("]}\n");
        }
        return y.toString();
    }
}
