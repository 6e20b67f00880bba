package cn.tongban.signaling.cli;

import cn.tongban.signaling.cluster.ClusterCa;
import cn.tongban.signaling.cluster.NodeCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cluster-ca}: the CA of the event bus between nodes. {@code init} creates it once (keep its file
 * off the nodes); {@code issue} writes one PKCS#12 per node (its key, its certificate, the CA certificate),
 * given to that node with {@code --cluster-tls}.
 */
@Command(
        name = "cluster-ca",
        mixinStandardHelpOptions = true,
        description = "The cluster CA for the TLS-protected event bus between nodes (docs/cluster.md).",
        subcommands = {ClusterCaCommand.Init.class, ClusterCaCommand.Issue.class})
public final class ClusterCaCommand {

    @Command(name = "init", mixinStandardHelpOptions = true, description = "Create a cluster CA.")
    static final class Init implements Callable<Integer> {
        @Option(names = "--ca", required = true, description = "Where to write the CA (PKCS#12, private key included).")
        Path ca;

        @Option(
                names = "--ca-password",
                defaultValue = "${env:TONGBAN_CLUSTER_CA_PASSWORD}",
                description = "Password of the CA file (env TONGBAN_CLUSTER_CA_PASSWORD).")
        String password;

        @Option(names = "--name", defaultValue = "tongban", description = "Name in the CA certificate.")
        String name;

        @Option(names = "--days", defaultValue = "3650", description = "Validity in days (default ${DEFAULT-VALUE}).")
        int days;

        @Override
        public Integer call() throws Exception {
            if (password == null || password.isEmpty()) {
                System.err.println("set --ca-password or TONGBAN_CLUSTER_CA_PASSWORD");
                return 2;
            }
            if (Files.exists(ca)) {
                System.err.println(ca + " exists; a second CA would split the cluster in two. Remove it first.");
                return 1;
            }
            ClusterCa.create(name, Duration.ofDays(days)).save(ca, password.toCharArray());
            System.out.println("cluster CA written to " + ca);
            return 0;
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true, description = "Issue a node's event-bus credentials.")
    static final class Issue implements Callable<Integer> {
        @Option(names = "--ca", required = true, description = "The CA file from `cluster-ca init`.")
        Path ca;

        @Option(
                names = "--ca-password",
                defaultValue = "${env:TONGBAN_CLUSTER_CA_PASSWORD}",
                description = "Password of the CA file (env TONGBAN_CLUSTER_CA_PASSWORD).")
        String caPassword;

        @Option(names = "--node", required = true, description = "The node's name (--node-name).")
        String node;

        @Option(names = "--host", description = "An address or DNS name of the node (repeatable), for the record.")
        List<String> hosts = new ArrayList<>();

        @Option(names = "--out", required = true, description = "Where to write the node's PKCS#12 file.")
        Path out;

        @Option(
                names = "--password",
                defaultValue = "${env:TONGBAN_CLUSTER_TLS_PASSWORD}",
                description = "Password of the node file (env TONGBAN_CLUSTER_TLS_PASSWORD).")
        String password;

        @Option(names = "--days", defaultValue = "825", description = "Validity in days (default ${DEFAULT-VALUE}).")
        int days;

        @Override
        public Integer call() throws Exception {
            if (caPassword == null || password == null || password.isEmpty()) {
                System.err.println("set --ca-password (TONGBAN_CLUSTER_CA_PASSWORD) and --password"
                        + " (TONGBAN_CLUSTER_TLS_PASSWORD)");
                return 2;
            }
            NodeCredentials creds =
                    ClusterCa.load(ca, caPassword.toCharArray()).issue(node, hosts, Duration.ofDays(days));
            creds.save(out, password.toCharArray());
            System.out.println("credentials of node " + node + " written to " + out + " (valid until "
                    + creds.certificate().getNotAfter().toInstant() + ")");
            return 0;
        }
    }
}
