package cn.tongban.signaling.cluster;

import cn.tongban.signaling.config.ServerOptions;
import io.vertx.core.VertxOptions;
import java.io.IOException;

/** Configures the clustered event bus of a node: bind address, port and mutual TLS (see docs/cluster.md). */
public final class ClusterSecurity {
    private ClusterSecurity() {}

    /**
     * The node's event-bus credentials: the configured keystore, or — for a node without cluster members,
     * whose bus nobody else can join — a throwaway certificate. A node with members and no keystore is
     * refused: its bus would carry signaling (SDP, chat) in the clear or trust anyone.
     */
    public static NodeCredentials credentials(ServerOptions options) throws IOException {
        ServerOptions.Cluster c = options.cluster();
        if (c.tlsKeystore() != null) {
            return NodeCredentials.load(
                    c.tlsKeystore(),
                    c.tlsPassword() == null ? new char[0] : c.tlsPassword().toCharArray());
        }
        if (!options.clusterMembers().isEmpty() || c.kubernetesDiscovery()) {
            throw new IllegalArgumentException(
                    "a node with --cluster-member or --kubernetes-service-dns needs event-bus TLS credentials"
                            + " (--cluster-tls FILE): create a cluster CA once with `tongban cluster-ca init` and a file per"
                            + " node with `tongban cluster-ca issue` (deploy/README.md, docs/cluster.md)");
        }
        return NodeCredentials.ephemeral(options.nodeName());
    }

    /** Sets the event bus's address, port and TLS on {@code vertx}. */
    public static VertxOptions configure(VertxOptions vertx, ServerOptions options, NodeCredentials credentials) {
        credentials.applyTo(vertx.getEventBusOptions()
                .setHost(options.clusterHost())
                .setPort(options.cluster().eventBusPort()));
        return vertx;
    }
}
