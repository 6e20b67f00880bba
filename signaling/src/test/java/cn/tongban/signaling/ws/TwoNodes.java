package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.cluster.ClusterCa;
import cn.tongban.signaling.cluster.Settled;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.Database;
import cn.tongban.testkit.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Two clustered nodes in this JVM, as a cluster runs them: Hazelcast members on loopback, event-bus TLS
 * from a test cluster CA, one shared database (H2 in {@code dbDir} with {@code AUTO_SERVER}), quorum 1.
 */
final class TwoNodes implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final TongbanServer a;
    final TongbanServer b;

    private TwoNodes(TongbanServer a, TongbanServer b) {
        this.a = a;
        this.b = b;
    }

    static TwoNodes start(String name, Path dirA, Path dirB, Path dbDir) throws Exception {
        return start(name, dirA, dirB, dbDir, false);
    }

    /**
     * As {@link #start(String, Path, Path, Path)}; with {@code samePki}, node B starts with a copy of node
     * A's PKI directory (the same root and hall CAs, as nodes sharing an external CA hold them).
     */
    static TwoNodes start(String name, Path dirA, Path dirB, Path dbDir, boolean samePki) throws Exception {
        return start(name, dirA, dirB, dbDir, samePki, Database.defaultUrl(dbDir), null, null);
    }

    /**
     * As {@link #start(String, Path, Path, Path)} on the database of {@code dbUrl} (a PostgreSQL one); the
     * installation's secrets keystore is in {@code secretsDir}.
     */
    static TwoNodes start(
            String name, Path dirA, Path dirB, Path secretsDir, String dbUrl, String dbUser, String dbPassword)
            throws Exception {
        return start(name, dirA, dirB, secretsDir, false, dbUrl, dbUser, dbPassword);
    }

    private static TwoNodes start(
            String name, Path dirA, Path dirB, Path dbDir, boolean samePki, String db, String dbUser, String dbPassword)
            throws Exception {
        String cluster = name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        ClusterCa ca = ClusterCa.create(name + "-it", Duration.ofDays(1));
        Path[] dirs = {dirA, dirB};
        int[] ports = {Ports.reserve(), Ports.reserve()};
        TongbanServer[] nodes = new TongbanServer[2];
        for (int i = 0; i < 2; i++) {
            if (i == 1 && samePki) {
                copy(dirA.resolve("pki"), dirB.resolve("pki"));
                Files.copy(dirA.resolve("pki.password"), dirB.resolve("pki.password"));
            }
            ca.issue("node-" + i, List.of("127.0.0.1"), Duration.ofDays(1))
                    .save(dirs[i].resolve("bus.p12"), "pw".toCharArray());
            nodes[i] = TongbanServer.start(ServerOptions.builder()
                    .demo(true)
                    .port(0)
                    .host("127.0.0.1")
                    .dataDir(dirs[i])
                    .nodeName("node-" + i)
                    .clusterName(cluster)
                    .clusterMember("127.0.0.1:" + ports[0])
                    .clusterMember("127.0.0.1:" + ports[1])
                    .database(db, dbUser, dbPassword)
                    .secrets(dbDir.resolve("secrets.p12"))
                    .cluster(ServerOptions.Cluster.DEFAULT
                            .withTls(dirs[i].resolve("bus.p12"), "pw")
                            .withQuorum(1)
                            .withHazelcast(ports[i], null))
                    .build());
        }
        TwoNodes two = new TwoNodes(nodes[0], nodes[1]);
        Settled.cluster(2, List.of(two.a.hazelcast(), two.b.hazelcast()));
        return two;
    }

    /** A clerk signed in on {@code node} (password of the embedded default), optionally available. */
    static WsTestClient clerk(Vertx vertx, TongbanServer node, String user, boolean available) throws Exception {
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

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private boolean bStopped;

    /** Stops node B (a node going away); the cluster goes on with A. */
    synchronized void stopB() {
        if (!bStopped) {
            bStopped = true;
            b.close();
        }
    }

    @Override
    public void close() {
        stopB();
        a.close();
    }
}
