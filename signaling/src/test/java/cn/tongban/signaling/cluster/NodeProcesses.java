package cn.tongban.signaling.cluster;

import cn.tongban.signaling.NodeJvm;
import cn.tongban.testkit.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Tongban nodes as separate JVMs ({@code java -cp <test class path> cn.tongban.signaling.Main serve}),
 * each with its own data directory, HTTP port, Hazelcast port and event-bus credentials, joined into one
 * cluster on loopback and sharing one database. Their logs go to {@code target/cluster-logs/}.
 */
final class NodeProcesses implements AutoCloseable {
    /** One node: fixed ports and directory, so that a restart brings back the same node. */
    static final class Node {
        final String name;
        final int httpPort;
        final int hazelcastPort;
        /** The bridge's UDP port, when the nodes run in bridge mode ({@link #bridged()}). */
        final int mediaPort;

        final Path dataDir;
        Process process;

        Node(String name, int httpPort, int hazelcastPort, int mediaPort, Path dataDir) {
            this.name = name;
            this.httpPort = httpPort;
            this.hazelcastPort = hazelcastPort;
            this.mediaPort = mediaPort;
            this.dataDir = dataDir;
        }

        String baseUrl() {
            return "http://127.0.0.1:" + httpPort;
        }

        String wsUrl() {
            return "ws://127.0.0.1:" + httpPort + "/ws?v=1";
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final String clusterName;
    private final List<String> databaseArgs;
    private final String tlsPassword;
    private final Path logDir;
    private final Path secrets;
    private final List<String> extraArgs = new ArrayList<>();
    private boolean bridged;

    /**
     * @param names the node names, in start order
     * @param root a directory for the nodes' data directories and the cluster CA material
     * @param databaseArgs {@code --db-url …} options naming the shared database (empty: each node's H2)
     */
    NodeProcesses(List<String> names, Path root, List<String> databaseArgs) throws Exception {
        this.clusterName = "ft-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        this.databaseArgs = List.copyOf(databaseArgs);
        this.tlsPassword = "node-secret";
        this.logDir = Path.of("target", "cluster-logs");
        // One installation: every node holds the same secrets keystore.
        this.secrets = root.resolve("secrets.p12");
        Files.createDirectories(logDir);
        ClusterCa ca = ClusterCa.create("fault-test", Duration.ofDays(1));
        for (String name : names) {
            Path dir = Files.createDirectories(root.resolve(name));
            Node n = new Node(name, Ports.reserve(), Ports.reserve(), Ports.reserve(), dir);
            ca.issue(name, List.of("127.0.0.1"), Duration.ofDays(1))
                    .save(dir.resolve("cluster-tls.p12"), tlsPassword.toCharArray());
            nodes.put(name, n);
        }
    }

    /** The secrets keystore all nodes share. */
    Path secrets() {
        return secrets;
    }

    /** Writes each node's embedded PKI root into {@code dir} (PEM), as trust anchors for offline tools. */
    void writeRoots(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (Node n : nodes.values()) {
            for (java.security.cert.X509Certificate c : cn.tongban.signaling.pki.PkiSupport.storedRoot(n.dataDir)) {
                Files.writeString(
                        dir.resolve(n.name + ".pem"),
                        "-----BEGIN CERTIFICATE-----\n"
                                + java.util.Base64.getMimeEncoder(
                                                64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                                        .encodeToString(c.getEncoded())
                                + "\n-----END CERTIFICATE-----\n");
            }
        }
    }

    Node node(String name) {
        return nodes.get(name);
    }

    List<Node> all() {
        return List.copyOf(nodes.values());
    }

    /** Writes the same file into every node's data directory (e.g. refdata.yaml). */
    void writeToEach(String fileName, String content) throws IOException {
        for (Node n : nodes.values()) {
            Files.writeString(n.dataDir.resolve(fileName), content);
        }
    }

    /** Starts the node's JVM (not waiting for it). */
    void start(Node n) throws IOException {
        List<String> cmd = NodeJvm.command(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(List.of(
                "serve",
                "--demo",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(n.httpPort),
                "--public-url",
                n.baseUrl(),
                "--data-dir",
                n.dataDir.toString(),
                "--secrets",
                secrets.toString(),
                "--node-name",
                n.name,
                "--cluster-port",
                String.valueOf(n.hazelcastPort),
                "--cluster-tls",
                n.dataDir.resolve("cluster-tls.p12").toString(),
                "--cluster-tls-password",
                tlsPassword,
                // Hundreds of simulated citizens connect from this one address, and join without SMS codes
                // (verification itself: ApplicantVerificationTest).
                "--max-connections-per-address",
                "2000",
                "--applicant-verification",
                "off"));
        if (bridged) {
            cmd.addAll(List.of(
                    "--media-mode",
                    "bridge",
                    "--media-port",
                    String.valueOf(n.mediaPort),
                    "--media-address",
                    "127.0.0.1"));
        } else {
            // Most of these tests are about the queue and the peer-to-peer relay across JVMs; p2p also keeps
            // several nodes on one machine off one UDP port.
            cmd.addAll(List.of("--media-mode", "p2p"));
        }
        for (Node other : nodes.values()) {
            cmd.add("--cluster-member");
            cmd.add("127.0.0.1:" + other.hazelcastPort);
        }
        cmd.addAll(databaseArgs);
        cmd.addAll(extraArgs);
        cmd.addAll(List.of("--cluster-name", clusterName));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("TONGBAN_LOG_LEVEL", "INFO");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(
                logDir.resolve(clusterName + "-" + n.name + ".log").toFile()));
        n.process = pb.start();
    }

    /** Runs the nodes started from now on in bridge mode, each bridge on its own loopback UDP port. */
    void bridged() {
        bridged = true;
    }

    /** Adds options to every node started from now on. */
    void addArgs(String... args) {
        extraArgs.addAll(List.of(args));
    }

    String clusterName() {
        return clusterName;
    }

    /**
     * Waits until {@code /health} answers 200 and reports {@code members} members and as many servers (each
     * node's address has reached this one, so a client connecting now is told of every node).
     */
    void awaitHealthy(Node n, int members, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (n.process != null && !n.process.isAlive()) {
                throw new AssertionError(n + " exited with " + n.process.exitValue() + "; see " + logDir);
            }
            try {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create(n.baseUrl() + "/health"))
                                .timeout(Duration.ofSeconds(3))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200) {
                    io.vertx.core.json.JsonObject cluster =
                            new io.vertx.core.json.JsonObject(r.body()).getJsonObject("cluster");
                    if (cluster != null
                            && cluster.getInteger("members") == members
                            && cluster.getJsonArray("servers").size() == members) {
                        return;
                    }
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError(n + " not healthy with " + members + " members within " + timeout + ": " + last);
    }

    /** Answers to {@code /health} at all (200 or 503): the HTTP server is up. */
    void awaitListening(Node n, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!n.process.isAlive()) {
                throw new AssertionError(n + " exited with " + n.process.exitValue() + "; see " + logDir);
            }
            try {
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(n.baseUrl() + "/health"))
                                .timeout(Duration.ofSeconds(3))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                Thread.sleep(250);
            }
        }
        throw new AssertionError(n + " did not listen within " + timeout);
    }

    /** Stops the node as systemd does (SIGTERM): its shutdown hook drains and closes it; waits for the exit. */
    void stop(Node n) throws InterruptedException {
        n.process.destroy();
        if (!n.process.waitFor(150, TimeUnit.SECONDS)) {
            throw new AssertionError(n + " did not stop within 150 s of SIGTERM; see " + logDir);
        }
    }

    /** Kills the node's JVM at once (SIGKILL): no shutdown hook, no goodbye to the cluster. */
    void kill(Node n) throws InterruptedException {
        n.process.destroyForcibly();
        n.process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Kills the node's JVM and every process it started at once (SIGKILL), as when its machine dies: the
     * children (ffmpeg writing recordings) are killed first, so none of them finishes its file when the JVM's
     * end closes its input.
     */
    void killWithChildren(Node n) throws Exception {
        List<ProcessHandle> children = n.process.descendants().toList();
        for (ProcessHandle c : children) {
            c.destroyForcibly();
        }
        for (ProcessHandle c : children) {
            c.onExit().get(30, TimeUnit.SECONDS);
        }
        kill(n);
    }

    /** Freezes the node's JVM (SIGSTOP): its sockets stay open and say nothing, as with a hung process. */
    void freeze(Node n) throws Exception {
        signal(n, "-STOP");
    }

    /** Lets a frozen node run again (SIGCONT). */
    void thaw(Node n) throws Exception {
        signal(n, "-CONT");
    }

    private static void signal(Node n, String signal) throws Exception {
        // The shell's own kill: no procps package needed on a minimal machine.
        Process kill = new ProcessBuilder("sh", "-c", "kill " + signal + " " + n.process.pid())
                .inheritIO()
                .start();
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill " + signal + " " + n + " failed");
        }
    }

    @Override
    public void close() {
        for (Node n : nodes.values()) {
            if (n.process != null && n.process.isAlive()) {
                n.process.destroyForcibly();
            }
        }
        for (Node n : nodes.values()) {
            if (n.process != null) {
                try {
                    n.process.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
