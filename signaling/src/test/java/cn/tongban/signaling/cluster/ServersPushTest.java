package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.Database;
import cn.tongban.testkit.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client learns of every node of the cluster, not only of those its node knew when it connected: a
 * node that joins later, and one that leaves, reach it as a {@code servers} message.
 */
class ServersPushTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aClientConnectedBeforeANodeJoinedIsToldOfItAndOfItsDeparture(@TempDir Path root) throws Exception {
        String cluster = "servers-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        ClusterCa ca = ClusterCa.create("servers-it", Duration.ofDays(1));
        int[] ports = Ports.reserve(2);
        String db = Database.defaultUrl(root.resolve("db"));
        Vertx vertx = Vertx.vertx();
        TongbanServer a = null;
        TongbanServer b = null;
        try {
            a = start(root, ca, cluster, db, ports, 0);
            WebSocketClient ws = NodeClient.newClient(vertx);
            NodeClient client = NodeClient.connect(vertx, ws, url(a), "early");
            // A cluster of one: hello names no other node.
            assertThat(client.hello.servers()).isNull();

            b = start(root, ca, cluster, db, ports, 1);
            ServerMessage.Servers joined =
                    client.expect(ServerMessage.Servers.class, m -> m.servers().size() == 2, WAIT);
            assertThat(joined.servers()).containsExactly(url(a), url(b));
            assertThat(client.servers).isEqualTo(joined.servers());

            b.close();
            b = null;
            ServerMessage.Servers left =
                    client.expect(ServerMessage.Servers.class, m -> m.servers().size() == 1, WAIT);
            assertThat(left.servers()).containsExactly(url(a));
            client.close();
        } finally {
            if (b != null) {
                b.close();
            }
            if (a != null) {
                a.close();
            }
            vertx.close().await(20, TimeUnit.SECONDS);
        }
    }

    private static TongbanServer start(Path root, ClusterCa ca, String cluster, String db, int[] ports, int i)
            throws Exception {
        Path dir = Files.createDirectories(root.resolve("node-" + i));
        ca.issue("node-" + i, List.of("127.0.0.1"), Duration.ofDays(1))
                .save(dir.resolve("bus.p12"), "pw".toCharArray());
        return TongbanServer.start(ServerOptions.builder()
                .demo(true)
                .port(0)
                .host("127.0.0.1")
                .dataDir(dir)
                .nodeName("node-" + i)
                .clusterName(cluster)
                .clusterMember("127.0.0.1:" + ports[0])
                .clusterMember("127.0.0.1:" + ports[1])
                .database(db, null, null)
                .secrets(root.resolve("secrets.p12"))
                .cluster(ServerOptions.Cluster.DEFAULT
                        .withTls(dir.resolve("bus.p12"), "pw")
                        .withQuorum(1)
                        .withHazelcast(ports[i], null))
                .build());
    }

    private static String url(TongbanServer s) {
        return "ws://127.0.0.1:" + s.port() + "/ws?v=1";
    }
}
