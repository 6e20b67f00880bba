package cn.tongban.signaling.bench;

import cn.tongban.signaling.NodeJvm;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Chat relay at load, end to end (docs/benchmarks.md, "Chat relay"): a program, not a test. Starts a real
 * server in its own JVM ({@code Main serve}, embedded H2, applicants not verified, no per-address connection
 * limit in the way), pairs {@code sessions} clerks with applicants over real WebSockets on loopback, opens
 * {@code idle} more connections that only keep alive as {@code signaling.js} does (a ping every 20 s), then
 * lets both ends of every session send {@code rate} chat lines a second. Each line carries its send time;
 * the latency is from the sender's write to the peer's receipt (the sender's own echo is not counted), over
 * the measured window after a warm-up. Prints p50/p99/p99.9/max, lines lost, the server's CPU and the load
 * average before and after.
 *
 * <pre>
 * ChatRelayBenchmark [sessions 50] [rate 20] [idle 10000] [warm-up s 10] [measured s 30] [media bridge|p2p]
 * </pre>
 *
 * Run with the test class path (docs/benchmarks.md); the server JVM gets the same class path.
 */
public final class ChatRelayBenchmark {
    private static final String PASSWORD = "bench-password-2026";
    private static final int PING_EVERY_MS = 20_000;

    private final int sessions;
    private final int rate;
    private final int idle;
    private final int warmupSeconds;
    private final int seconds;
    private final String media;
    private final Vertx vertx = Vertx.vertx();
    private final WebSocketClient client;
    private final HttpClient http = HttpClient.newHttpClient();
    private int port;

    private volatile boolean measuring;
    private final AtomicLongArray latencies;
    private final AtomicInteger recorded = new AtomicInteger();
    private final AtomicLong sentMeasured = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong idleClosed = new AtomicLong();
    /** The worst latency of the lines sent in each second of the measured window. */
    private final AtomicLongArray worstPerSecond;

    private volatile long measureStart = Long.MAX_VALUE;

    private ChatRelayBenchmark(String[] args) {
        sessions = arg(args, 0, 50);
        rate = arg(args, 1, 20);
        idle = arg(args, 2, 10_000);
        warmupSeconds = arg(args, 3, 10);
        seconds = arg(args, 4, 30);
        media = args.length > 5 ? args[5] : "bridge";
        latencies = new AtomicLongArray(sessions * 2 * rate * (seconds + 5));
        worstPerSecond = new AtomicLongArray(seconds + 1);
        client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxConnections(idle + 4 * sessions + 100)
                .setConnectTimeout(30_000));
    }

    public static void main(String[] args) throws Exception {
        new ChatRelayBenchmark(args).run();
    }

    private void run() throws Exception {
        Path dir = Files.createTempDirectory("tongban-chat-bench-");
        Files.writeString(dir.resolve("refdata.yaml"), refdata());
        port = freePort();
        Process server = startServer(dir);
        try {
            waitForHealth(server);
            System.out.printf(
                    Locale.ROOT,
                    "server pid %d on port %d, %s mode; %d sessions x 2 ends x %d lines/s, %d idle connections%n",
                    server.pid(),
                    port,
                    media,
                    sessions,
                    rate,
                    idle);
            List<End[]> pairs = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                pairs.add(pair(i));
            }
            System.out.println("paired " + pairs.size() + " sessions");
            openIdle();
            System.out.println("opened " + idle + " idle connections");

            for (End[] p : pairs) {
                p[0].startSending();
                p[1].startSending();
            }
            Thread.sleep(warmupSeconds * 1000L);
            String loadBefore = loadAverage();
            Duration cpuBefore = cpu(server);
            Duration clientCpuBefore = cpu(ProcessHandle.current());
            long t0 = System.nanoTime();
            measureStart = t0;
            measuring = true;
            Thread.sleep(seconds * 1000L);
            measuring = false;
            long wall = System.nanoTime() - t0;
            Duration cpuAfter = cpu(server);
            Duration clientCpuAfter = cpu(ProcessHandle.current());
            String loadAfter = loadAverage();
            for (End[] p : pairs) {
                p[0].stopSending();
                p[1].stopSending();
            }
            Thread.sleep(3000);
            report(wall, cpuAfter.minus(cpuBefore), clientCpuAfter.minus(clientCpuBefore), loadBefore, loadAfter);
        } finally {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
            vertx.close().await(20, TimeUnit.SECONDS);
            Path log = Path.of(System.getProperty("java.io.tmpdir"), "tongban-chat-bench-" + server.pid() + ".log");
            Files.copy(dir.resolve("server.log"), log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.println("server log kept: " + log);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private void report(long wallNanos, Duration serverCpu, Duration clientCpu, String loadBefore, String loadAfter) {
        int n = Math.min(recorded.get(), latencies.length());
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = latencies.get(i);
        }
        Arrays.sort(l);
        double wallSeconds = wallNanos / 1e9;
        long sent = sentMeasured.get();
        System.out.printf(
                Locale.ROOT,
                "measured %.1f s: %d lines sent (%.0f/s), %d received by the peer (%d lost), %d errors, %d idle closed%n",
                wallSeconds,
                sent,
                sent / wallSeconds,
                n,
                sent - n,
                errors.get(),
                idleClosed.get());
        System.out.printf(
                Locale.ROOT,
                "latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n",
                pct(l, 0.50),
                pct(l, 0.99),
                pct(l, 0.999),
                n == 0 ? Double.NaN : l[n - 1] / 1e6);
        StringBuilder worst = new StringBuilder();
        for (int i = 0; i < worstPerSecond.length(); i++) {
            worst.append(String.format(Locale.ROOT, " %.0f", worstPerSecond.get(i) / 1e6));
        }
        System.out.println("worst ms per second sent:" + worst);
        System.out.printf(
                Locale.ROOT,
                "server CPU %.0f %% of one core, client CPU %.0f %%; load average before %s, after %s%n",
                100.0 * serverCpu.toNanos() / wallNanos,
                100.0 * clientCpu.toNanos() / wallNanos,
                loadBefore,
                loadAfter);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    // ---------------------------------------------------------------- the server

    private Process startServer(Path dir) throws IOException {
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
        // Options for the server's JVM, space-separated: by default the garbage collector the deploy files
        // give a node (deploy/tongban.env); e.g. -Dbench.serverJvm="-XX:+UseG1GC -Xlog:gc:file=gc.log" to compare.
        String extra = System.getProperty("bench.serverJvm", "-XX:+UseZGC").trim();
        if (!extra.isEmpty()) {
            jvm.addAll(List.of(extra.split("\\s+")));
        }
        List<String> cmd = NodeJvm.command(jvm);
        cmd.addAll(List.of(
                "serve",
                "--demo",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--media-mode",
                media,
                "--data-dir",
                dir.toString(),
                "--node-name",
                "bench",
                "--cluster-name",
                "chat-bench-" + ProcessHandle.current().pid(),
                "--cluster-port",
                String.valueOf(freePort()),
                // Every simulated browser comes from 127.0.0.1.
                "--max-connections-per-address",
                String.valueOf(idle + 4 * sessions + 100),
                "--applicant-verification",
                "off"));
        if ("bridge".equals(media)) {
            cmd.addAll(List.of("--media-port", String.valueOf(freePort())));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("TONGBAN_LOG_LEVEL", "WARN");
        pb.redirectErrorStream(true);
        pb.redirectOutput(
                ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()));
        return pb.start();
    }

    private void waitForHealth(Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the server exited with " + server.exitValue());
            }
            try {
                if (get("/health").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the server did not come up");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String login(String user) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/login"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                                .put("username", user)
                                .put("password", PASSWORD)
                                .encode()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("login of " + user + ": " + r.statusCode() + " " + r.body());
        }
        return new JsonObject(r.body()).getString("token");
    }

    private String refdata() {
        StringBuilder y = new StringBuilder(
                """
                halls:
                  - {id: bench-hall, name: 基准测试大厅}
                matters:
                  - {id: bench-matter, name: 基准事项, ticketPrefix: B, serviceMinutes: 10, owningHalls: [bench-hall], materials: []}
                clerks:
                  initialPassword: %s
                  list:
                """
                        .formatted(PASSWORD));
        for (int i = 0; i < sessions; i++) {
            y.append("    - {id: clerk")
                    .append(i)
                    .append(", name: 办事员")
                    .append(i)
                    .append(", hallId: bench-hall, matters: [bench-matter]}\n");
        }
        return y.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    // ---------------------------------------------------------------- clients

    /** Clerk and applicant of session {@code i}, paired. */
    private End[] pair(int i) throws Exception {
        End applicant = new End("applicant");
        applicant.connect();
        applicant.send(new JsonObject()
                .put("type", "join")
                .put("id", "j")
                .put("matterId", "bench-matter")
                .put("hallId", "bench-hall")
                .put("name", "申请人" + i)
                .put("mobile", "138" + String.format(Locale.ROOT, "%08d", i)));
        String ticketId = applicant
                .expect(m -> "ticket".equals(m.getString("type")) && "j".equals(m.getString("re")))
                .getString("ticketId");
        End clerk = new End("clerk");
        clerk.connect();
        clerk.send(new JsonObject().put("type", "auth").put("id", "a").put("token", login("clerk" + i)));
        clerk.expect(m -> "clerk".equals(m.getString("type")) && "a".equals(m.getString("re")));
        clerk.send(new JsonObject().put("type", "status").put("id", "s").put("status", "available"));
        clerk.expect(m -> "clerk".equals(m.getString("type")) && "s".equals(m.getString("re")));
        clerk.send(new JsonObject().put("type", "take").put("id", "t").put("ticketId", ticketId));
        String sid = clerk.expect(m -> "paired".equals(m.getString("type"))).getString("sessionId");
        applicant.expect(m -> "paired".equals(m.getString("type")) && sid.equals(m.getString("sessionId")));
        clerk.sessionId = sid;
        applicant.sessionId = sid;
        return new End[] {clerk, applicant};
    }

    private void openIdle() throws Exception {
        AtomicInteger open = new AtomicInteger();
        int inFlight = 100;
        List<Future<?>> pending = new ArrayList<>();
        for (int i = 0; i < idle; i++) {
            if (pending.size() >= inFlight) {
                for (Future<?> f : pending) {
                    f.await(60, TimeUnit.SECONDS);
                }
                pending.clear();
            }
            pending.add(client.connect(options()).onSuccess(ws -> {
                open.incrementAndGet();
                ws.closeHandler(v -> idleClosed.incrementAndGet());
                ws.textMessageHandler(t -> {});
                long first = ThreadLocalRandom.current().nextLong(1, PING_EVERY_MS);
                vertx.setTimer(first, x -> {
                    ws.writeTextMessage("{\"type\":\"ping\"}");
                    vertx.setPeriodic(PING_EVERY_MS, y -> {
                        if (!ws.isClosed()) {
                            ws.writeTextMessage("{\"type\":\"ping\"}");
                        }
                    });
                });
            }));
        }
        for (Future<?> f : pending) {
            f.await(60, TimeUnit.SECONDS);
        }
        if (open.get() != idle) {
            throw new IllegalStateException("only " + open.get() + " of " + idle + " idle connections opened");
        }
    }

    private WebSocketConnectOptions options() {
        return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws?v=1");
    }

    /** One end of a session: sends chat lines on a timer, times the peer's. */
    private final class End {
        final String role;
        final BlockingQueue<JsonObject> setup = new ArrayBlockingQueue<>(1000);
        volatile String sessionId;
        WebSocket ws;
        long timer = -1;
        long n;

        End(String role) {
            this.role = role;
        }

        void connect() throws Exception {
            ws = client.connect(options()).await(30, TimeUnit.SECONDS);
            ws.textMessageHandler(this::received);
        }

        void received(String text) {
            long now = System.nanoTime();
            if (text.startsWith("{\"type\":\"chat\"")) {
                JsonObject m = new JsonObject(text);
                String t = m.getString("text");
                // Lines sent in the measured window are marked: each is counted once it arrives, however late.
                if (!role.equals(m.getString("from")) && t.contains(" m ")) {
                    long sentAt = Long.parseLong(t.substring(0, t.indexOf(' ')));
                    int i = recorded.getAndIncrement();
                    if (i < latencies.length()) {
                        latencies.set(i, now - sentAt);
                    }
                    int second = (int) ((sentAt - measureStart) / 1_000_000_000L);
                    if (second >= 0 && second < worstPerSecond.length()) {
                        worstPerSecond.accumulateAndGet(second, now - sentAt, Math::max);
                    }
                }
                return;
            }
            JsonObject m = new JsonObject(text);
            if ("error".equals(m.getString("type"))) {
                errors.incrementAndGet();
                if (errors.get() <= 5) {
                    System.out.println("error: " + text);
                }
            }
            if (sessionId == null || timer < 0) {
                setup.offer(m);
            }
        }

        void send(JsonObject m) {
            ws.writeTextMessage(m.encode());
        }

        JsonObject expect(Predicate<JsonObject> what) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                JsonObject m = setup.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (m == null) {
                    throw new IllegalStateException("timed out waiting on the " + role);
                }
                if (what.test(m)) {
                    return m;
                }
            }
        }

        void startSending() {
            long every = 1000 / rate;
            vertx.setTimer(ThreadLocalRandom.current().nextLong(1, every + 1), x -> {
                timer = vertx.setPeriodic(every, y -> {
                    boolean measured = measuring;
                    String text = System.nanoTime() + (measured ? " m " : " w ") + role + " line " + n++;
                    ws.writeTextMessage(new JsonObject()
                            .put("type", "chat")
                            .put("sessionId", sessionId)
                            .put("text", text)
                            .encode());
                    if (measured) {
                        sentMeasured.incrementAndGet();
                    }
                });
            });
        }

        void stopSending() {
            vertx.cancelTimer(timer);
        }
    }

    // ---------------------------------------------------------------- measuring

    private static Duration cpu(Process p) {
        return cpu(p.toHandle());
    }

    private static Duration cpu(ProcessHandle p) {
        return p.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static int arg(String[] args, int i, int absent) {
        return args.length > i ? Integer.parseInt(args[i]) : absent;
    }
}
