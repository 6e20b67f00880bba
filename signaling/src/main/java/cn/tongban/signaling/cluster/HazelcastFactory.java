package cn.tongban.signaling.cluster;

import cn.tongban.signaling.ServerOptions;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.UUID;

/**
 * Creates the embedded Hazelcast member. Discovery is explicit: no multicast, no auto-detection, no
 * phone-home; with no members configured the node is a cluster of one and joins nobody, so two servers
 * started on one machine never merge by accident.
 */
public final class HazelcastFactory {
    private HazelcastFactory() {}

    public static HazelcastInstance create(ServerOptions options) {
        Config config = new Config();
        config.setClusterName(options.clusterName());
        config.setInstanceName("tongban-" + options.nodeName() + "-" + Long.toHexString(System.nanoTime()));
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        // The Vert.x cluster manager finds its node id in this attribute when handed an existing member.
        config.getMemberAttributeConfig()
                .setAttribute("__vertx.nodeId", UUID.randomUUID().toString());
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(options.cluster().hazelcastPort())
                .setPortAutoIncrement(true)
                .setPortCount(100);
        if (options.cluster().publicAddress() != null) {
            network.setPublicAddress(options.cluster().publicAddress());
        }
        network.getInterfaces().setEnabled(true).addInterface(options.clusterHost());
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(!options.clusterMembers().isEmpty());
        options.clusterMembers().forEach(m -> join.getTcpIpConfig().addMember(m));
        return Hazelcast.newHazelcastInstance(config);
    }
}
