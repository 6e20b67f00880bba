package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.config.ServerOptions;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The member's configuration for each way of finding the others, built without starting a member: a list
 * (TCP/IP join), a Kubernetes headless Service (Hazelcast's Kubernetes discovery in DNS lookup mode, TCP/IP
 * off), or nobody. deploy/kubernetes starts its pods with the Kubernetes options.
 */
class HazelcastConfigTest {
    private static final String DNS = "tongban-cluster.tongban.svc.cluster.local";

    @TempDir
    Path dir;

    private ServerOptions.Builder options() {
        return ServerOptions.builder()
                .demo(true)
                .dataDir(dir)
                .nodeName("tongban-0")
                .clusterHost("10.42.0.7");
    }

    @Test
    void kubernetesDiscoveryFindsTheMembersThroughTheHeadlessService() {
        Config config = HazelcastFactory.config(
                options()
                        .cluster(ServerOptions.Cluster.DEFAULT.withQuorum(2).withKubernetesServiceDns(DNS))
                        .build(),
                ClusterSchema.current());
        JoinConfig join = config.getNetworkConfig().getJoin();
        KubernetesConfig k8s = join.getKubernetesConfig();
        assertThat(k8s.isEnabled()).isTrue();
        assertThat(k8s.getProperty("service-dns")).isEqualTo(DNS);
        assertThat(k8s.getProperty("service-port")).isEqualTo("5701");
        // DNS lookup mode: no API access, so no namespace or service name is set that would switch to it.
        assertThat(k8s.getProperty("service-name")).isNull();
        assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
        assertThat(join.getMulticastConfig().isEnabled()).isFalse();
        assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
        // Every pod listens on exactly the port the others look for.
        assertThat(config.getNetworkConfig().getPort()).isEqualTo(5701);
        assertThat(config.getNetworkConfig().isPortAutoIncrement()).isFalse();
        assertThat(config.getProperty("hazelcast.local.localAddress")).isEqualTo("10.42.0.7");
        assertThat(config.getSplitBrainProtectionConfig(HazelcastFactory.QUORUM).getMinimumClusterSize())
                .isEqualTo(2);
    }

    @Test
    void aMemberListJoinsByTcpIpWithKubernetesOff() {
        Config config = HazelcastFactory.config(
                options()
                        .clusterMember("10.42.0.8:5701")
                        .clusterMember("10.42.0.9:5701")
                        .build(),
                ClusterSchema.current());
        JoinConfig join = config.getNetworkConfig().getJoin();
        assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
        assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
        assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.42.0.8:5701", "10.42.0.9:5701");
        assertThat(config.getNetworkConfig().isPortAutoIncrement()).isFalse();
    }

    @Test
    void aNodeOfItsOwnJoinsNobody() {
        Config config = HazelcastFactory.config(options().build(), ClusterSchema.current());
        JoinConfig join = config.getNetworkConfig().getJoin();
        assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
        assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
        assertThat(config.getNetworkConfig().isPortAutoIncrement()).isTrue();
    }

    @Test
    void kubernetesDiscoveryNeedsAQuorumAndNoMemberList() {
        assertThatThrownBy(() -> HazelcastFactory.config(
                        options()
                                .cluster(ServerOptions.Cluster.DEFAULT.withKubernetesServiceDns(DNS))
                                .build(),
                        ClusterSchema.current()))
                .hasMessageContaining("--cluster-quorum");
        assertThatThrownBy(() -> HazelcastFactory.config(
                        options()
                                .clusterMember("10.42.0.8:5701")
                                .cluster(ServerOptions.Cluster.DEFAULT
                                        .withQuorum(2)
                                        .withKubernetesServiceDns(DNS))
                                .build(),
                        ClusterSchema.current()))
                .hasMessageContaining("exclude each other");
    }

    @Test
    void kubernetesDiscoveryNeedsEventBusCredentials() {
        ServerOptions o = options()
                .cluster(ServerOptions.Cluster.DEFAULT.withQuorum(2).withKubernetesServiceDns(DNS))
                .build();
        assertThatThrownBy(() -> ClusterSecurity.credentials(o)).hasMessageContaining("--kubernetes-service-dns");
    }
}
