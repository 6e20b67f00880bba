package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.Main;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.TestPostgres;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Fault tolerance with real parts: three Tongban nodes as separate JVMs (Changzhou Wujin, Nanjing Gulou,
 * Shanghai Qingpu) clustered on loopback with event-bus TLS, on a shared PostgreSQL and again each on its
 * own H2, 300 waiting tickets and 50 live sessions whose two ends sit on different nodes, driven by
 * protocol clients. Media goes through each node's own bridge (a session's on the bridge of the node where
 * its clerk took the ticket).
 *
 * <ol>
 *   <li>The Wujin node is killed with SIGKILL. Its clients fail over to the nodes of {@code
 *       hello.servers} and resume (applicants with their resume token, clerks by signing in again with
 *       their session token, which every node accepts). No waiting ticket is lost or duplicated (ids and
 *       counts in every queue, as the clerks' queue lists show them); every applicant keeps their
 *       position and wait estimate; every live session relays chat both ways afterwards.
 *   <li>The sessions are completed (on H2: every case is in one of the nodes' databases; the test ends
 *       there), then the two other nodes are killed too and all three restarted:
 *       every completed case and every audit event is still there, {@code audit verify} passes, and the
 *       restarted cluster serves a new consultation end to end.
 * </ol>
 */
class ClusterFaultToleranceTest {
    private static final String[] HALLS = {"cz-wujin-bdc", "nj-gulou-zwfw", "sh-qingpu-xzfw"};
    private static final String[] MATTERS = {"m-wujin", "m-gulou", "m-qingpu"};
    private static final int SESSIONS = 50;
    private static final int WAITING = 300;
    private static final String INITIAL_PASSWORD = "ft-password-2026";
    private static final Duration SHORT = Duration.ofSeconds(20);
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Both ends of one live session. */
    private static final class Pair {
        final int index;
        final NodeClient applicant;
        final NodeClient clerk;
        final String clerkToken;
        final String sessionId;
        volatile String resumeToken;

        Pair(int index, NodeClient applicant, NodeClient clerk, String clerkToken, String sessionId, String resume) {
            this.index = index;
            this.applicant = applicant;
            this.clerk = clerk;
            this.clerkToken = clerkToken;
            this.sessionId = sessionId;
            this.resumeToken = resume;
        }
    }

    /** One waiting applicant and what it last heard. */
    private static final class Waiter {
        final NodeClient client;
        final int queue;
        final String ticketId;
        final String number;
        volatile String resumeToken;
        volatile Integer position;
        volatile Integer eta;

        Waiter(NodeClient client, int queue, ServerMessage.Ticket t) {
            this.client = client;
            this.queue = queue;
            this.ticketId = t.ticketId();
            this.number = t.number();
            this.resumeToken = t.resumeToken();
            this.position = t.position();
            this.eta = t.etaSeconds();
        }

        void refresh() {
            ServerMessage.Ticket t = client.latest(ServerMessage.Ticket.class);
            if (t != null && t.position() != null) {
                position = t.position();
                eta = t.etaSeconds();
            }
        }
    }

    /**
     * On one shared PostgreSQL (the production setup: cases and audit checked, then the whole cluster
     * restarted), and on each node's own embedded H2 (live state is the cluster's either way: the kill must
     * lose nothing there too; cases are found in the union of the nodes' databases).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgresql", "h2"})
    void killANodeUnderLoadThenRestartTheWholeCluster(String database, @TempDir Path root) throws Exception {
        boolean postgres = database.equals("postgresql");
        String dbUrl = postgres ? TestPostgres.shared().newDatabase() : null;
        List<String> dbArgs = postgres
                ? List.of("--db-url", dbUrl, "--db-user", TestPostgres.USER, "--db-password", TestPostgres.PASSWORD)
                : List.of();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Vertx vertx = Vertx.vertx();
        List<NodeClient> clients = new ArrayList<>();
        try (NodeProcesses cluster = new NodeProcesses(List.of("wujin", "gulou", "qingpu"), root, dbArgs)) {
            cluster.writeToEach("refdata.yaml", refdata());
            cluster.bridged();
            List<NodeProcesses.Node> nodes = cluster.all();
            long t0 = System.nanoTime();
            startAll(cluster);
            phase("cluster of three started", t0);
            WebSocketClient ws = NodeClient.newClient(vertx);

            // ---- 50 live sessions, each applicant and clerk on different nodes
            List<Pair> pairs = all(pool, IntStream.range(0, SESSIONS).mapToObj(i -> (Callable<Pair>) () -> {
                int q = i % 3;
                NodeProcesses.Node an = nodes.get(i % 3);
                NodeProcesses.Node cn = nodes.get((i + 1) % 3);
                NodeClient app = NodeClient.connect(vertx, ws, an.wsUrl(), "session-applicant-" + i);
                app.send(join(q, "会话申请人" + i, "s" + i));
                ServerMessage.Ticket t = app.expect(ServerMessage.Ticket.class, x -> ("s" + i).equals(x.re()), LONG);
                String token = login(cn, clerkId(i));
                NodeClient clerk = NodeClient.connect(vertx, ws, cn.wsUrl(), "clerk-" + i);
                clerk.send("{\"type\":\"auth\",\"id\":\"a\",\"token\":\"" + token + "\"}");
                clerk.expect(ServerMessage.Clerk.class, LONG);
                clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
                clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE, LONG);
                clerk.send("{\"type\":\"take\",\"id\":\"t\",\"ticketId\":\"" + t.ticketId() + "\"}");
                String sid = clerk.expect(ServerMessage.Paired.class, LONG).sessionId();
                assertThat(app.expect(ServerMessage.Paired.class, LONG).sessionId())
                        .isEqualTo(sid);
                return new Pair(i, app, clerk, token, sid, t.resumeToken());
            }));
            pairs.forEach(p -> {
                clients.add(p.applicant);
                clients.add(p.clerk);
            });

            // ---- 300 waiting tickets, 100 per queue, each queue's applicants spread over all nodes
            List<NodeClient> waitingClients = new ArrayList<>();
            for (int j = 0; j < WAITING; j++) {
                NodeClient c =
                        NodeClient.connect(vertx, ws, nodes.get((j / 3) % 3).wsUrl(), "waiting-" + j);
                c.send(join(j % 3, "排队申请人" + j, "w" + j));
                waitingClients.add(c);
                clients.add(c);
            }
            List<Waiter> waiters = new ArrayList<>();
            for (int j = 0; j < WAITING; j++) {
                String re = "w" + j;
                ServerMessage.Ticket t =
                        waitingClients.get(j).expect(ServerMessage.Ticket.class, x -> re.equals(x.re()), LONG);
                assertThat(t.state()).isEqualTo(ServerMessage.TicketState.WAITING);
                waiters.add(new Waiter(waitingClients.get(j), j % 3, t));
            }
            phase("50 sessions and 300 waiting tickets", t0);
            Map<String, List<Integer>> before = settledPlaces(waiters);
            assertThat(before).hasSize(WAITING);
            Map<Integer, Set<String>> idsByQueue = waiters.stream()
                    .collect(Collectors.groupingBy(
                            w -> w.queue, Collectors.mapping(w -> w.ticketId, Collectors.toSet())));

            // ---- kill the Wujin node hard
            NodeProcesses.Node dead = nodes.get(0);
            List<NodeClient> orphans =
                    clients.stream().filter(c -> c.url.equals(dead.wsUrl())).toList();
            assertThat(orphans).hasSizeGreaterThan(100);
            assertThat(orphans.get(0).servers)
                    .as("the client knows the cluster's nodes")
                    .hasSize(3)
                    .first()
                    .isEqualTo(dead.wsUrl());
            // The sessions bridged on the dying node: their clerks took the ticket there.
            List<Pair> onDeadBridge =
                    pairs.stream().filter(p -> p.clerk.url.equals(dead.wsUrl())).toList();
            assertThat(onDeadBridge).hasSizeGreaterThan(10);
            cluster.kill(dead);
            long killedAt = System.nanoTime();
            phase("wujin killed", t0);
            // Their applicants (on surviving nodes) are offered a surviving bridge without doing anything.
            List<Future<Long>> mediaBack = onDeadBridge.stream()
                    .map(p -> pool.submit(() -> {
                        assertThat(p.applicant
                                        .expect(ServerMessage.Paired.class, x -> x.resumed(), LONG)
                                        .sessionId())
                                .isEqualTo(p.sessionId);
                        p.applicant.expect(ServerMessage.Offer.class, o -> onSurvivingBridge(o, nodes, dead), LONG);
                        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                    }))
                    .toList();
            for (NodeClient c : orphans) {
                assertThat(c.awaitClosed(SHORT))
                        .as(c.label + " sees its node go")
                        .isTrue();
            }

            // ---- the dead node's clients fail over and resume
            Map<NodeClient, Pair> pairOfApplicant = new HashMap<>();
            Map<NodeClient, Pair> pairOfClerk = new HashMap<>();
            pairs.forEach(p -> {
                pairOfApplicant.put(p.applicant, p);
                pairOfClerk.put(p.clerk, p);
            });
            Map<NodeClient, Waiter> waiterOf = new HashMap<>();
            waiters.forEach(w -> waiterOf.put(w.client, w));
            List<Long> backAfterMs = java.util.Collections.synchronizedList(new ArrayList<>());
            // Every browser fails over at once, each on its own: one thread per client, not the shared pool.
            ExecutorService browsers = Executors.newFixedThreadPool(orphans.size());
            all(browsers, orphans.stream().map(c -> (Callable<Void>) () -> {
                Thread.sleep(500); // the browser's first backoff
                String to = c.failover(LONG);
                assertThat(to).isNotEqualTo(dead.wsUrl());
                if (waiterOf.containsKey(c)) {
                    Waiter w = waiterOf.get(c);
                    c.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + w.resumeToken + "\"}");
                    ServerMessage.Ticket t = c.expect(ServerMessage.Ticket.class, x -> "r".equals(x.re()), LONG);
                    assertThat(t.ticketId()).isEqualTo(w.ticketId);
                    assertThat(t.number()).isEqualTo(w.number);
                    assertThat(t.state()).isEqualTo(ServerMessage.TicketState.WAITING);
                    w.resumeToken = t.resumeToken();
                } else if (pairOfApplicant.containsKey(c)) {
                    Pair p = pairOfApplicant.get(c);
                    c.send("{\"type\":\"resume\",\"id\":\"r\",\"resumeToken\":\"" + p.resumeToken + "\"}");
                    ServerMessage.Ticket t = c.expect(ServerMessage.Ticket.class, x -> "r".equals(x.re()), LONG);
                    assertThat(t.state()).isEqualTo(ServerMessage.TicketState.IN_SESSION);
                    p.resumeToken = t.resumeToken();
                    ServerMessage.Paired again = c.expect(ServerMessage.Paired.class, x -> x.resumed(), LONG);
                    assertThat(again.sessionId()).isEqualTo(p.sessionId);
                    c.expect(ServerMessage.Offer.class, o -> onSurvivingBridge(o, nodes, dead), LONG);
                } else {
                    Pair p = pairOfClerk.get(c);
                    c.send("{\"type\":\"auth\",\"id\":\"a\",\"token\":\"" + p.clerkToken + "\"}");
                    assertThat(c.expect(ServerMessage.Clerk.class, x -> "a".equals(x.re()), LONG)
                                    .status())
                            .as(c.label + " takes its live session over")
                            .isEqualTo(ServerMessage.ClerkStatus.BUSY);
                    ServerMessage.Paired again = c.expect(ServerMessage.Paired.class, x -> x.resumed(), LONG);
                    assertThat(again.sessionId()).isEqualTo(p.sessionId);
                    // Bridge mode: the server offers, from a bridge that is alive.
                    assertThat(again.offerer()).isFalse();
                    c.expect(ServerMessage.Offer.class, o -> onSurvivingBridge(o, nodes, dead), LONG);
                }
                backAfterMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
                return null;
            }));
            browsers.shutdown();
            List<Long> sorted = backAfterMs.stream().sorted().toList();
            System.out.printf(
                    "[fault test] %d clients of the killed node back in their sessions or places after: p50 %d ms,"
                            + " p99 %d ms, max %d ms%n",
                    sorted.size(),
                    sorted.get(sorted.size() / 2),
                    sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1),
                    sorted.get(sorted.size() - 1));
            // The target is 5 s (p99), met on a quiet machine and at load 12 (docs/cluster.md); the bound here
            // leaves room for a loaded CI machine but still fails a client that waits on a dead node.
            assertThat(sorted.get(sorted.size() - 1))
                    .as("slowest client back (ms)")
                    .isLessThan(15_000L);

            phase("its " + orphans.size() + " clients failed over and resumed", t0);
            List<Long> media = new ArrayList<>();
            for (Future<Long> f : mediaBack) {
                media.add(f.get(LONG.toSeconds(), TimeUnit.SECONDS));
            }
            media.sort(null);
            System.out.printf(
                    "[fault test] %d sessions of the dead bridge offered a surviving bridge after: p50 %d ms, max %d ms%n",
                    media.size(), media.get(media.size() / 2), media.get(media.size() - 1));
            assertThat(media.get(media.size() - 1))
                    .as("media of the dead bridge's sessions back on a surviving bridge (ms)")
                    .isLessThan(5_000L);
            // ---- no ticket lost or duplicated, everyone keeps their place and wait estimate
            Map<String, List<Integer>> after = settledPlaces(waiters);
            assertThat(after).isEqualTo(before);
            for (int q = 0; q < 3; q++) {
                int queue = q;
                NodeClient observer = pairs.stream()
                        .filter(p -> p.index % 3 == queue && !p.clerk.url.equals(dead.wsUrl()))
                        .findFirst()
                        .orElseThrow()
                        .clerk;
                Set<String> expected = idsByQueue.get(q);
                ServerMessage.Queue seen = observer.expect(
                        ServerMessage.Queue.class,
                        m -> m.total() == expected.size()
                                && m.tickets().stream().allMatch(ServerMessage.QueueEntry::connected)
                                && m.tickets().stream()
                                        .map(ServerMessage.QueueEntry::ticketId)
                                        .collect(Collectors.toSet())
                                        .equals(expected),
                        LONG);
                assertThat(seen.tickets()).hasSize(expected.size());
            }

            // ---- every live session relays both ways
            all(pool, pairs.stream().map(p -> (Callable<Void>) () -> {
                String toApplicant = "clerk-to-applicant-" + p.index;
                p.clerk.send(chat(p.sessionId, toApplicant));
                p.applicant.expect(ServerMessage.Chat.class, m -> m.text().equals(toApplicant), LONG);
                String toClerk = "applicant-to-clerk-" + p.index;
                p.applicant.send(chat(p.sessionId, toClerk));
                p.clerk.expect(ServerMessage.Chat.class, m -> m.text().equals(toClerk), LONG);
                return null;
            }));

            // ---- complete every session
            all(pool, pairs.stream().map(p -> (Callable<Void>) () -> {
                p.clerk.send("{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + p.sessionId
                        + "\",\"outcome\":\"completed\",\"note\":\"故障演练\"}");
                p.clerk.expect(ServerMessage.Ended.class, m -> "h".equals(m.re()), LONG);
                p.applicant.expect(ServerMessage.Ended.class, LONG);
                return null;
            }));
            Set<String> sessionIds = pairs.stream().map(p -> p.sessionId).collect(Collectors.toSet());
            if (!postgres) {
                // Each node recorded the cases it closed in its own database: together they hold every one.
                clients.forEach(NodeClient::close);
                clients.clear();
                cluster.kill(nodes.get(1));
                cluster.kill(nodes.get(2));
                Set<String> stored = new HashSet<>();
                for (NodeProcesses.Node n : nodes) {
                    stored.addAll(embeddedCaseIds(n.dataDir));
                }
                assertThat(stored).containsAll(sessionIds);
                phase("done (cases in the nodes' own databases)", t0);
                return;
            }
            assertThat(caseIds(dbUrl)).containsAll(sessionIds);
            long[] headBefore = auditHead(dbUrl);
            String hashBefore = auditHash(dbUrl, headBefore[0]);
            assertThat(auditCount(dbUrl, "session.closed")).isEqualTo(SESSIONS);

            // ---- restart all nodes: kill the survivors hard, start all three again
            clients.forEach(NodeClient::close);
            clients.clear();
            cluster.kill(nodes.get(1));
            cluster.kill(nodes.get(2));
            phase("sessions completed; restarting all nodes", t0);
            startAll(cluster);
            phase("cluster restarted", t0);
            assertThat(caseIds(dbUrl)).containsAll(sessionIds);
            assertThat(auditHash(dbUrl, headBefore[0])).isEqualTo(hashBefore);
            assertThat(auditCount(dbUrl, "session.closed")).isEqualTo(SESSIONS);
            cluster.writeRoots(root.resolve("trust"));
            assertThat(auditVerify(dbUrl, root)).startsWith("0 {\"intact\":true");

            // ---- and the restarted cluster serves a consultation across nodes
            NodeClient app = NodeClient.connect(vertx, ws, nodes.get(2).wsUrl(), "after-restart-applicant");
            clients.add(app);
            app.send(join(0, "重启后申请人", "n"));
            String ticketId = app.expect(ServerMessage.Ticket.class, x -> "n".equals(x.re()), LONG)
                    .ticketId();
            NodeClient clerk = NodeClient.connect(vertx, ws, nodes.get(0).wsUrl(), "after-restart-clerk");
            clients.add(clerk);
            clerk.send("{\"type\":\"auth\",\"token\":\"" + login(nodes.get(0), clerkId(0)) + "\"}");
            clerk.expect(ServerMessage.Clerk.class, LONG);
            clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
            clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE, LONG);
            clerk.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
            String sid = clerk.expect(ServerMessage.Paired.class, LONG).sessionId();
            app.expect(ServerMessage.Paired.class, LONG);
            app.send(chat(sid, "重启以后还能办"));
            clerk.expect(ServerMessage.Chat.class, m -> m.text().equals("重启以后还能办"), LONG);
            clerk.send("{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
            clerk.expect(ServerMessage.Ended.class, m -> "h".equals(m.re()), LONG);
            assertThat(caseIds(dbUrl)).contains(sid).hasSize(SESSIONS + 1);
            cluster.writeRoots(root.resolve("trust"));
            assertThat(auditVerify(dbUrl, root)).startsWith("0 {\"intact\":true");
            phase("done", t0);
        } finally {
            clients.forEach(NodeClient::close);
            pool.shutdownNow();
            vertx.close().await(20, TimeUnit.SECONDS);
        }
    }

    /** Whether the offer's candidates name the media port of a node other than {@code dead}. */
    private static boolean onSurvivingBridge(
            ServerMessage.Offer o, List<NodeProcesses.Node> nodes, NodeProcesses.Node dead) {
        return nodes.stream().filter(n -> n != dead).anyMatch(n -> o.sdp().contains(" " + n.mediaPort + " typ host"));
    }

    private static void phase(String what, long t0) {
        System.out.printf("[fault test] %5.1f s  %s%n", (System.nanoTime() - t0) / 1e9, what);
    }

    /**
     * Starts the first node, then — once it leads — the others together (members started at the same
     * instant race to lead), and waits for a full cluster.
     */
    static void startAll(NodeProcesses cluster) throws Exception {
        List<NodeProcesses.Node> nodes = cluster.all();
        cluster.start(nodes.get(0));
        cluster.awaitListening(nodes.get(0), Duration.ofSeconds(90));
        for (NodeProcesses.Node n : nodes.subList(1, nodes.size())) {
            cluster.start(n);
        }
        for (NodeProcesses.Node n : nodes) {
            cluster.awaitHealthy(n, nodes.size(), Duration.ofSeconds(90));
        }
    }

    /**
     * Each waiter's position and wait estimate once every queue's positions are exactly 1..n (pushes
     * settled): ticket id → [position, eta].
     */
    private static Map<String, List<Integer>> settledPlaces(List<Waiter> waiters) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        String problem = "";
        while (System.nanoTime() < deadline) {
            waiters.forEach(Waiter::refresh);
            problem = "";
            for (int q = 0; q < 3; q++) {
                int queue = q;
                List<Integer> positions = waiters.stream()
                        .filter(w -> w.queue == queue)
                        .map(w -> w.position)
                        .sorted()
                        .toList();
                List<Integer> expected =
                        IntStream.rangeClosed(1, positions.size()).boxed().toList();
                if (!positions.equals(expected)) {
                    problem = "queue " + q + " positions " + positions;
                }
                List<Waiter> ordered = waiters.stream()
                        .filter(w -> w.queue == queue && w.eta != null)
                        .sorted((a, b) -> Integer.compare(a.position, b.position))
                        .toList();
                for (int i = 1; i < ordered.size(); i++) {
                    if (ordered.get(i).eta < ordered.get(i - 1).eta) {
                        problem = "queue " + q + " wait estimates decrease along the queue";
                    }
                }
            }
            if (problem.isEmpty()) {
                Map<String, List<Integer>> out = new HashMap<>();
                waiters.forEach(w -> out.put(w.ticketId, java.util.Arrays.asList(w.position, w.eta)));
                return out;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("positions did not settle: " + problem);
    }

    private static <T> List<T> all(ExecutorService pool, java.util.stream.Stream<Callable<T>> tasks) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        tasks.forEach(t -> futures.add(pool.submit(t)));
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(f.get(3, TimeUnit.MINUTES));
        }
        return out;
    }

    static String login(NodeProcesses.Node n, String clerkId) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(n.baseUrl() + "/api/login"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + clerkId + "\",\"password\":\"" + INITIAL_PASSWORD + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode())
                .as("login of " + clerkId + " on " + n + ": " + r.body())
                .isEqualTo(200);
        return new JsonObject(r.body()).getString("token");
    }

    static String clerkId(int i) {
        return String.format("c%02d", i);
    }

    static String join(int queue, String name, String id) {
        return "{\"type\":\"join\",\"id\":\"" + id + "\",\"matterId\":\"" + MATTERS[queue] + "\",\"hallId\":\""
                + HALLS[queue] + "\",\"name\":\"" + name + "\",\"mobile\":\"13812345678\"}";
    }

    static String chat(String sessionId, String text) {
        return "{\"type\":\"chat\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + text + "\"}";
    }

    static String refdata() {
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
                  initialPassword: ft-password-2026
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

    private static Set<String> caseIds(String url) throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection c = DriverManager.getConnection(url, TestPostgres.USER, TestPostgres.PASSWORD);
                PreparedStatement ps = c.prepareStatement("SELECT session_id FROM case_record");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static Set<String> embeddedCaseIds(Path dataDir) throws Exception {
        Set<String> ids = new HashSet<>();
        try (cn.tongban.signaling.store.Database db = cn.tongban.signaling.store.Database.open(
                        cn.tongban.signaling.store.Database.defaultUrl(dataDir), null, null);
                Connection c = db.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT session_id FROM case_record");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static long[] auditHead(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, TestPostgres.USER, TestPostgres.PASSWORD);
                PreparedStatement ps = c.prepareStatement("SELECT seq FROM audit_head WHERE id = 1");
                ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            return new long[] {rs.getLong(1)};
        }
    }

    private static String auditHash(String url, long seq) throws Exception {
        try (Connection c = DriverManager.getConnection(url, TestPostgres.USER, TestPostgres.PASSWORD);
                PreparedStatement ps = c.prepareStatement("SELECT hash FROM audit_event WHERE seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("audit event " + seq).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static int auditCount(String url, String action) throws Exception {
        try (Connection c = DriverManager.getConnection(url, TestPostgres.USER, TestPostgres.PASSWORD);
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM audit_event WHERE action = ?")) {
            ps.setString(1, action);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** {@code audit verify} against the shared database; "exit-code stdout". */
    private static String auditVerify(String url, Path dir) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new Main())
                    .execute(
                            "audit",
                            "verify",
                            "--data-dir",
                            dir.toString(),
                            "--secrets",
                            dir.resolve("secrets.p12").toString(),
                            "--trust",
                            dir.resolve("trust").toString(),
                            "--db-url",
                            url,
                            "--db-user",
                            TestPostgres.USER,
                            "--db-password",
                            TestPostgres.PASSWORD);
            return code + " " + out.toString(StandardCharsets.UTF_8).strip();
        } finally {
            System.setOut(old);
        }
    }
}
