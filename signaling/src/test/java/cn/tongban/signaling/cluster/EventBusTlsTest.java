package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.Main;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.testkit.Ports;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The event bus between nodes is TLS with client authentication against the cluster CA: real Hazelcast
 * members and clustered Vert.x instances in this JVM, on loopback. Hazelcast membership itself is open
 * (OSS has no member TLS), so the rogue nodes here do join the Hazelcast cluster — and still cannot send
 * or receive one event-bus message.
 */
class EventBusTlsTest {

    /** A Hazelcast member with a clustered Vert.x on it. */
    private record Node(HazelcastInstance hz, Vertx vertx) implements AutoCloseable {
        @Override
        public void close() {
            try {
                vertx.close().await(20, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Best effort in tests.
            }
            hz.shutdown();
        }
    }

    @Test
    void onlyNodesCertifiedByTheClusterCaExchangeMessages() throws Exception {
        ClusterCa ca = ClusterCa.create("test cluster", Duration.ofDays(1));
        ClusterCa rogueCa = ClusterCa.create("test cluster", Duration.ofDays(1));
        String cluster = "bus-tls-" + ProcessHandle.current().pid();
        List<Integer> ports = List.of(Ports.reserve(), Ports.reserve(), Ports.reserve(), Ports.reserve());
        List<Node> nodes = new ArrayList<>();
        try {
            Node a = start(cluster, "a", ports, 0, ca.issue("a", List.of("127.0.0.1"), Duration.ofDays(1)));
            nodes.add(a);
            Node b = start(cluster, "b", ports, 1, ca.issue("b", List.of("127.0.0.1"), Duration.ofDays(1)));
            nodes.add(b);
            // Same names, same cluster name, a certificate from another CA.
            Node rogue = start(cluster, "b", ports, 2, rogueCa.issue("b", List.of("127.0.0.1"), Duration.ofDays(1)));
            nodes.add(rogue);
            // No TLS at all.
            Node plain = start(cluster, "p", ports, 3, null);
            nodes.add(plain);
            assertThat(a.hz().getCluster().getMembers()).hasSize(4);

            List<String> receivedByA = new CopyOnWriteArrayList<>();
            MessageConsumer<String> probeA = a.vertx().eventBus().consumer("probe.a", (Message<String> m) -> {
                receivedByA.add(m.body());
                m.reply("pong from a");
            });
            probeA.completion().await(20, TimeUnit.SECONDS);
            List<String> receivedByRogue = new CopyOnWriteArrayList<>();
            rogue.vertx()
                    .eventBus()
                    .consumer("probe.rogue", (Message<String> m) -> {
                        receivedByRogue.add(m.body());
                        m.reply("pong from rogue");
                    })
                    .completion()
                    .await(20, TimeUnit.SECONDS);

            // A certified peer: request and reply cross the bus both ways.
            assertThat(request(b, "probe.a", "hi from b", 30)).isEqualTo("pong from a");

            // Neither the rogue nor the plaintext node gets a message through, nor receives one.
            assertThat(requestFails(rogue, "probe.a", "hi from rogue")).isTrue();
            assertThat(requestFails(plain, "probe.a", "hi from plain")).isTrue();
            assertThat(requestFails(a, "probe.rogue", "hi rogue, from a")).isTrue();
            assertThat(receivedByA).containsExactly("hi from b");
            assertThat(receivedByRogue).isEmpty();
            // And the certified pair still talks afterwards.
            assertThat(request(b, "probe.a", "again from b", 30)).isEqualTo("pong from a");
        } finally {
            for (Node n : nodes) {
                n.close();
            }
        }
    }

    @Test
    void credentialFilesAreCheckedAtLoad(@TempDir Path dir) throws Exception {
        ClusterCa ca = ClusterCa.create("test cluster", Duration.ofDays(1));
        ca.save(dir.resolve("ca.p12"), "ca-pw".toCharArray());
        assertThat(ClusterCa.load(dir.resolve("ca.p12"), "ca-pw".toCharArray()).certificate())
                .isEqualTo(ca.certificate());
        NodeCredentials good = ca.issue("wujin", List.of("127.0.0.1", "wujin.example.gov.cn"), Duration.ofDays(1));
        good.save(dir.resolve("wujin.p12"), "pw".toCharArray());
        NodeCredentials loaded = NodeCredentials.load(dir.resolve("wujin.p12"), "pw".toCharArray());
        assertThat(loaded.certificate()).isEqualTo(good.certificate());
        assertThat(loaded.trustAnchor()).isEqualTo(ca.certificate());
        assertThat(loaded.certificate().getSubjectAlternativeNames()).hasSize(2);

        assertThatThrownBy(() -> NodeCredentials.load(dir.resolve("wujin.p12"), "wrong".toCharArray()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("wrong password");

        // A node file whose trusted CA is not the one that issued its certificate.
        ClusterCa other = ClusterCa.create("other", Duration.ofDays(1));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", good.key(), "pw".toCharArray(), good.chain().toArray(Certificate[]::new));
        ks.setCertificateEntry("cluster-ca", other.certificate());
        try (var out = Files.newOutputStream(dir.resolve("mixed.p12"))) {
            ks.store(out, "pw".toCharArray());
        }
        assertThatThrownBy(() -> NodeCredentials.load(dir.resolve("mixed.p12"), "pw".toCharArray()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("was not issued by its cluster CA");

        // An expired node certificate.
        ca.issue("old", List.of(), Duration.ofMinutes(-1)).save(dir.resolve("old.p12"), "pw".toCharArray());
        assertThatThrownBy(() -> NodeCredentials.load(dir.resolve("old.p12"), "pw".toCharArray()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not valid now");

        // Members without credentials are refused before anything starts.
        ServerOptions clustered = ServerOptions.builder()
                .demo(true)
                .dataDir(dir)
                .clusterMember("127.0.0.1:5701")
                .build();
        assertThatThrownBy(() -> ClusterSecurity.credentials(clustered))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cluster-ca");
    }

    @Test
    void theCommandLineMakesACaAndNodeFiles(@TempDir Path dir) throws Exception {
        CommandLine cli = new CommandLine(new Main());
        Path caFile = dir.resolve("cluster-ca.p12");
        assertThat(cli.execute("cluster-ca", "init", "--ca", caFile.toString(), "--ca-password", "ca-secret"))
                .isZero();
        // A second init must not silently replace the CA every node trusts.
        assertThat(cli.execute("cluster-ca", "init", "--ca", caFile.toString(), "--ca-password", "ca-secret"))
                .isEqualTo(1);
        assertThat(cli.execute(
                        "cluster-ca",
                        "issue",
                        "--ca",
                        caFile.toString(),
                        "--ca-password",
                        "ca-secret",
                        "--node",
                        "gulou",
                        "--host",
                        "127.0.0.1",
                        "--out",
                        dir.resolve("gulou.p12").toString(),
                        "--password",
                        "node-secret"))
                .isZero();
        NodeCredentials gulou = NodeCredentials.load(dir.resolve("gulou.p12"), "node-secret".toCharArray());
        assertThat(gulou.certificate().getSubjectX500Principal().getName()).contains("CN=gulou");
        assertThat(gulou.trustAnchor())
                .isEqualTo(ClusterCa.load(caFile, "ca-secret".toCharArray()).certificate());
    }

    private static Node start(String cluster, String name, List<Integer> ports, int index, NodeCredentials creds)
            throws Exception {
        ServerOptions.Builder b = ServerOptions.builder()
                .demo(true)
                .nodeName(name)
                .clusterName(cluster)
                .cluster(ServerOptions.Cluster.DEFAULT.withQuorum(1).withHazelcast(ports.get(index), null));
        for (int p : ports) {
            b.clusterMember("127.0.0.1:" + p);
        }
        ServerOptions options = b.build();
        HazelcastInstance hz = HazelcastFactory.create(options);
        VertxOptions vo = new VertxOptions();
        if (creds != null) {
            ClusterSecurity.configure(vo, options, creds);
        } else {
            vo.getEventBusOptions().setHost("127.0.0.1").setPort(0);
        }
        try {
            Vertx vertx = Vertx.builder()
                    .with(vo)
                    .withClusterManager(new HazelcastClusterManager(hz))
                    .buildClustered()
                    .await(60, TimeUnit.SECONDS);
            return new Node(hz, vertx);
        } catch (Exception e) {
            hz.shutdown();
            throw e;
        }
    }

    private static String request(Node from, String address, String body, int seconds) throws Exception {
        return from.vertx()
                .eventBus()
                .<String>request(address, body, new DeliveryOptions().setSendTimeout(seconds * 1000L))
                .await(seconds + 5, TimeUnit.SECONDS)
                .body();
    }

    private static boolean requestFails(Node from, String address, String body) {
        try {
            request(from, address, body, 5);
            return false;
        } catch (Exception e) {
            return true;
        }
    }
}
