package cn.tongban.signaling.cluster;

import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.schema.Generation;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.merge.DiscardMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Creates the embedded Hazelcast member. Discovery is explicit: no multicast, no auto-detection, no
 * phone-home; the members are a list ({@code --cluster-member}) or, on Kubernetes, a headless Service's DNS
 * name ({@code --kubernetes-service-dns}); with neither the node is a cluster of one and joins nobody, so two
 * servers started on one machine never merge by accident.
 *
 * <p>Live state ({@code tongban.*} maps: tickets, sessions, clerks, resume index, counters, service
 * times) has one synchronous backup on another member, so losing one member loses no ticket. With a
 * quorum above one, those maps are guarded by split-brain protection: a member cut off from the
 * majority can neither read nor change them, and when the split heals the minority's copies are
 * discarded ({@link DiscardMergePolicy}) — the majority, the only side that could change anything,
 * wins every entry. Values, entry processors and their results are Compact-serialized with the explicit
 * schema of {@link ClusterSchema}, so members of two adjacent builds share the cluster (a rolling upgrade).
 * See docs/cluster.md.
 */
public final class HazelcastFactory {
    /** Member attribute: the node tag that prefixes this node's connection ids. */
    public static final String NODE_ATTRIBUTE = "tongban.node";
    /** The split-brain protection guarding live state. */
    public static final String QUORUM = "tongban-quorum";
    /** Seconds between a heal and the merge, and between merge checks (Hazelcast's are 300/120). */
    static final String MERGE_DELAY_PROPERTY = "tongban.cluster.merge-delay-seconds";

    private static final SecureRandom RANDOM = new SecureRandom();

    private HazelcastFactory() {}

    public static HazelcastInstance create(ServerOptions options) {
        return create(options, ClusterSchema.current());
    }

    /** A member that keeps its state in {@code schema} (a test's member of another build). */
    static HazelcastInstance create(ServerOptions options, ClusterSchema schema) {
        return Hazelcast.newHazelcastInstance(config(options, schema));
    }

    /** The member's configuration, without starting it. */
    static Config config(ServerOptions options, ClusterSchema schema) {
        ServerOptions.Cluster cluster = options.cluster();
        if (cluster.kubernetesDiscovery() && cluster.quorum() < 1) {
            // Without a member list there is nothing to derive a majority from: a pod started alone would
            // count as a whole cluster and change live state on its own.
            throw new IllegalArgumentException("--kubernetes-service-dns needs --cluster-quorum: a majority of the"
                    + " StatefulSet's replicas (2 of 3)");
        }
        if (cluster.kubernetesDiscovery() && !options.clusterMembers().isEmpty()) {
            throw new IllegalArgumentException("--kubernetes-service-dns and --cluster-member exclude each other");
        }
        Config config = new Config();
        config.setClusterName(options.clusterName());
        config.setInstanceName("tongban-" + options.nodeName() + "-" + Long.toHexString(System.nanoTime()));
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.socket.bind.any", "false");
        // Connections to other members leave from the member's own address (firewall rules can name it).
        config.setProperty("hazelcast.socket.client.bind.any", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        // A member that stops answering is dropped after 10 s (Hazelcast's default is 60), so that the clients
        // of a hung node are served elsewhere within 25 s (FrozenMemberTest); a killed process is noticed
        // sooner, when connecting to it fails. Five missed heartbeats: a GC pause does not drop a member.
        config.setProperty("hazelcast.heartbeat.interval.seconds", "2");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        String mergeDelay = System.getProperty(MERGE_DELAY_PROPERTY, "20");
        config.setProperty("hazelcast.merge.first.run.delay.seconds", mergeDelay);
        config.setProperty("hazelcast.merge.next.run.delay.seconds", mergeDelay);
        // Everything kept in the cluster has an explicit, versioned Compact schema (ClusterSchema).
        schema.applyTo(config.getSerializationConfig());
        // The Vert.x cluster manager finds its node id in this attribute when handed an existing member.
        config.getMemberAttributeConfig()
                .setAttribute("__vertx.nodeId", UUID.randomUUID().toString())
                .setAttribute(NODE_ATTRIBUTE, newTag())
                // Which processors this member can run (and whether it acknowledges messages to its
                // connections): the others send newer ones only when all can.
                .setAttribute(Generation.ATTRIBUTE, Integer.toString(schema.generation()));

        MapConfig live = new MapConfig("tongban.*")
                .setBackupCount(1)
                .setAsyncBackupCount(0)
                .setReadBackupData(false)
                .setMergePolicyConfig(new MergePolicyConfig(DiscardMergePolicy.class.getName(), 100));
        int quorum = options.effectiveQuorum();
        if (quorum > 1) {
            config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(QUORUM, true, quorum)
                    .setProtectOn(SplitBrainProtectionOn.READ_WRITE));
            live.setSplitBrainProtectionName(QUORUM);
        }
        config.addMapConfig(live);
        // Chat of live sessions (ChatHistory): each session's sequence (and the lines members of the previous
        // build append) and each line, dropped at the end of a session and in any case twelve hours after the
        // session's last line (every write restarts the session's clock) or after the line was written.
        config.addMapConfig(new MapConfig(live).setName("tongban.chat").setTimeToLiveSeconds(12 * 3600));
        config.addMapConfig(new MapConfig(live).setName("tongban.chat-lines").setTimeToLiveSeconds(12 * 3600));

        NetworkConfig network = config.getNetworkConfig();
        // A member of a configured cluster takes exactly its port (the others list it; a silent move to the
        // next free port would confuse them and the firewall), and takes it again at once after a restart.
        // A node of its own counts up from the port, so several can run on one machine.
        boolean configured = !options.clusterMembers().isEmpty() || cluster.kubernetesDiscovery();
        network.setPort(cluster.hazelcastPort())
                .setPortAutoIncrement(!configured)
                .setPortCount(100)
                .setReuseAddress(true);
        if (options.cluster().publicAddress() != null) {
            network.setPublicAddress(options.cluster().publicAddress());
        }
        // Bind exactly this address (an interface match would refuse loopback aliases like 127.0.0.2).
        config.setProperty("hazelcast.local.localAddress", options.clusterHost());
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (cluster.kubernetesDiscovery()) {
            // Kubernetes (deploy/kubernetes): the members are the addresses the headless Service's DNS name
            // resolves to, its ready and not-yet-ready pods alike (publishNotReadyAddresses), at the Hazelcast
            // port. DNS lookup mode needs no access to the Kubernetes API (no service account token, no RBAC).
            join.getTcpIpConfig().setEnabled(false);
            join.getKubernetesConfig()
                    .setEnabled(true)
                    .setProperty("service-dns", cluster.kubernetesServiceDns())
                    .setProperty("service-port", Integer.toString(cluster.hazelcastPort()));
        } else {
            join.getTcpIpConfig().setEnabled(!options.clusterMembers().isEmpty());
            options.clusterMembers().forEach(m -> join.getTcpIpConfig().addMember(m));
        }
        return config;
    }

    /** A short random tag naming one run of one node (connection ids carry it). */
    private static String newTag() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
