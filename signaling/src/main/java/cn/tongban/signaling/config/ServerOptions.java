package cn.tongban.signaling.config;

import cn.tongban.signaling.protocol.ServerMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to run a server: where it listens, where its data lives, the cluster it joins and the ICE
 * servers handed to browsers.
 *
 * @param port HTTP port; 0 picks a free one
 * @param host address to bind; {@code 0.0.0.0} for all interfaces
 * @param clusterMembers other Hazelcast members to join ({@code host[:port]}); empty runs a single member
 * @param clusterHost the address Hazelcast and the event bus bind to
 * @param ice STUN servers for everyone, TURN servers for connections that hold a ticket or an account
 * @param publicUrl the URL browsers and other halls reach this node at (written into PKI certificates)
 * @param dbUrl JDBC URL of the relational store; null for the embedded H2 under the data directory
 * @param pki external CA credentials and trust services, if any
 * @param media how media flows (bridge by default) and the bridge's UDP port, addresses and recordings
 * @param cluster event-bus TLS, split-brain protection and cluster ports
 * @param edge what the node accepts from the network: proxies, origins, connection limits
 * @param atRest where the secrets keystore is and how the audit journal is anchored
 * @param applicants what anonymous applicants must show before a ticket or a booking
 * @param health the thresholds of the readiness checks behind {@code /health}
 * @param demo whether a data directory that is not set up is seeded with the demo reference data (halls and
 *     clerk accounts with the published password); without it such a directory is refused
 */
public record ServerOptions(
        int port,
        String host,
        Path dataDir,
        String nodeName,
        String clusterName,
        String clusterHost,
        List<String> clusterMembers,
        IceOptions ice,
        String publicUrl,
        String dbUrl,
        String dbUser,
        String dbPassword,
        Pki pki,
        MediaOptions media,
        Cluster cluster,
        Edge edge,
        AtRest atRest,
        Applicants applicants,
        Health health,
        boolean demo) {

    public ServerOptions {
        clusterMembers = List.copyOf(clusterMembers);
        ice = ice != null ? ice : IceOptions.NONE;
        pki = pki != null ? pki : Pki.EMBEDDED;
        cluster = cluster != null ? cluster : Cluster.DEFAULT;
        edge = edge != null ? edge : Edge.DEFAULT;
        atRest = atRest != null ? atRest : AtRest.DEFAULT;
        applicants = applicants != null ? applicants : Applicants.OPEN;
        health = health != null ? health : Health.DEFAULT;
    }

    /**
     * Thresholds of the readiness checks ({@code health/}, deploy/README.md "Monitoring").
     *
     * @param diskMinFreeBytes free space below which the node answers {@code /health} with DOWN (and warns
     *     below four times that), on the data and recording directories' file systems
     * @param certificateWarning how long before one of the installation's certificates expires to warn
     * @param drain how long a stopping node waits for the sessions its clerks hold to end, taking no new one
     *     and answering {@code /health} with DRAINING (zero: stop at once, as tests do)
     * @param chronyc the {@code chronyc} executable the {@code clock} check asks for the host's synchronisation
     * @param clockMaxOffset the host clock's offset from NTP time beyond which the {@code clock} check says
     *     DEGRADED (time-stamps and OCSP answers would carry a wrong time)
     */
    public record Health(
            long diskMinFreeBytes,
            java.time.Duration certificateWarning,
            java.time.Duration drain,
            String chronyc,
            java.time.Duration clockMaxOffset) {
        public static final Health DEFAULT =
                new Health(256L * 1024 * 1024, java.time.Duration.ofDays(30), java.time.Duration.ZERO);

        public Health {
            if (diskMinFreeBytes < 0
                    || certificateWarning.isNegative()
                    || drain.isNegative()
                    || clockMaxOffset.isNegative()
                    || clockMaxOffset.isZero()) {
                throw new IllegalArgumentException("disk minimum, certificate warning and drain time must not be"
                        + " negative, the clock's maximum offset must be positive");
            }
            if (chronyc == null || chronyc.isBlank()) {
                throw new IllegalArgumentException("chronyc must name an executable");
            }
        }

        /** The thresholds with the default clock check ({@code chronyc} on the PATH, 1 s). */
        public Health(long diskMinFreeBytes, java.time.Duration certificateWarning, java.time.Duration drain) {
            this(diskMinFreeBytes, certificateWarning, drain, "chronyc", java.time.Duration.ofSeconds(1));
        }
    }

    /**
     * What anonymous applicants must show (docs/security.md, "Anonymous actions"). The builder's default is
     * {@link #OPEN}; {@code tongban.jar serve} verifies numbers unless told {@code --applicant-verification off}.
     *
     * @param verifyMobile whether tickets and bookings need a mobile number verified by SMS code (and one
     *     number then holds one live ticket and a few bookings)
     * @param smsGatewayUrl the HTTP SMS gateway, or null for the development gateway that prints codes in the log
     * @param smsGatewayToken the gateway's bearer token, or null
     * @param addressFree codes one client address may ask for in an hour without a proof-of-work challenge
     * @param addressMax codes one client address may ask for in an hour in all
     * @param challengeBits the challenge's difficulty: leading zero bits of the hash (about 2^bits hashes)
     */
    public record Applicants(
            boolean verifyMobile,
            java.net.URI smsGatewayUrl,
            String smsGatewayToken,
            int addressFree,
            int addressMax,
            int challengeBits) {
        /** No verification: anyone may take a ticket with any number. */
        public static final Applicants OPEN = new Applicants(false, null, null, 5, 60, 16);

        public Applicants {
            if (addressFree < 0 || addressMax < 1 || addressMax < addressFree) {
                throw new IllegalArgumentException("need 0 <= verify-address-free <= verify-address-max, max >= 1");
            }
            if (challengeBits < 1 || challengeBits > 30) {
                throw new IllegalArgumentException("challenge bits must be 1 to 30");
            }
        }

        /** Verified numbers through {@code smsGatewayUrl} (null: the development console gateway). */
        public static Applicants verified(java.net.URI smsGatewayUrl, String smsGatewayToken) {
            return new Applicants(true, smsGatewayUrl, smsGatewayToken, 5, 60, 16);
        }

        public Applicants withAddressLimits(int free, int max) {
            return new Applicants(verifyMobile, smsGatewayUrl, smsGatewayToken, free, max, challengeBits);
        }

        public Applicants withChallengeBits(int bits) {
            return new Applicants(verifyMobile, smsGatewayUrl, smsGatewayToken, addressFree, addressMax, bits);
        }

        /** Without the token: options may be logged. */
        @Override
        public String toString() {
            return "Applicants[verifyMobile=" + verifyMobile + ", smsGatewayUrl=" + smsGatewayUrl + ", smsGatewayToken="
                    + (smsGatewayToken == null ? "none" : "(set)") + ", addressFree=" + addressFree + ", addressMax="
                    + addressMax + ", challengeBits=" + challengeBits + "]";
        }
    }

    /**
     * What the node keeps and how (docs/security.md, "Data at rest" and "Audit").
     *
     * @param secretsFile the secrets keystore ({@code store/SecretStore}), or null for {@code
     *     <data-dir>/secrets.p12}; every node sharing a database needs the same one
     * @param secretsPasswordFile the file holding its password, or null for {@code secrets.password} beside
     *     it ({@code TONGBAN_SECRETS_PASSWORD} comes first)
     * @param auditSealHall the hall whose e-seal signs audit checkpoints, or null for the first hall of the
     *     reference data
     * @param checkpointEvery entries after which the audit journal is anchored
     * @param checkpointInterval the longest time between anchors while entries are appended
     */
    public record AtRest(
            Path secretsFile,
            Path secretsPasswordFile,
            String auditSealHall,
            long checkpointEvery,
            java.time.Duration checkpointInterval) {
        public static final AtRest DEFAULT = new AtRest(null, null, null, 1000, java.time.Duration.ofMinutes(10));

        /** The keystore path in effect for {@code dataDir}. */
        public Path secrets(Path dataDir) {
            return secretsFile != null ? secretsFile : dataDir.resolve("secrets.p12");
        }
    }

    /**
     * What the node accepts from the network (docs/security.md, "Edge").
     *
     * @param trustedProxies addresses or CIDR ranges of reverse proxies whose {@code X-Forwarded-For} names
     *     the client; from any other peer the header is ignored
     * @param allowedOrigins web origins (e.g. {@code https://window.example.gov.cn}) whose pages may open
     *     {@code /ws}, besides the node's own (its public URL, or the origin the request's Host names)
     * @param maxConnectionsPerAddress HTTP and WebSocket connections one client address may hold at once
     * @param requestHeadSeconds how long a connection may take to send a complete request head, and stay
     *     open between requests, before it is closed
     */
    public record Edge(
            List<String> trustedProxies,
            List<String> allowedOrigins,
            int maxConnectionsPerAddress,
            int requestHeadSeconds) {
        public static final Edge DEFAULT = new Edge(List.of(), List.of(), 256, 10);

        public Edge {
            trustedProxies = List.copyOf(trustedProxies);
            allowedOrigins = List.copyOf(allowedOrigins);
            if (maxConnectionsPerAddress < 1 || requestHeadSeconds < 1) {
                throw new IllegalArgumentException("connection limits must be positive");
            }
        }

        public Edge withMaxConnectionsPerAddress(int n) {
            return new Edge(trustedProxies, allowedOrigins, n, requestHeadSeconds);
        }

        public Edge withRequestHeadSeconds(int seconds) {
            return new Edge(trustedProxies, allowedOrigins, maxConnectionsPerAddress, seconds);
        }
    }

    /**
     * How the node takes part in a cluster (see docs/cluster.md).
     *
     * @param tlsKeystore the node's event-bus credentials (PKCS#12 from {@code tongban cluster-ca issue});
     *     null gives a node without cluster members a throwaway certificate, and is refused with members
     * @param tlsPassword the keystore's password
     * @param quorum members needed for changes to live state (Hazelcast split-brain protection); 0 derives
     *     it from the member list: a majority of the configured members plus this one, 1 without members
     * @param hazelcastPort the first port Hazelcast tries (it counts up when taken)
     * @param publicAddress {@code host:port} other members reach this member's Hazelcast at (NAT, proxy); null
     *     for the bound address
     * @param eventBusPort the event bus port; 0 picks a free one (fix it where a firewall sits between nodes)
     * @param clerkGraceMs how long a live session waits for its clerk to come back after the clerk's
     *     connection closed or the clerk's node left, before it ends as {@code clerk_lost}
     * @param kubernetesServiceDns the DNS name of a Kubernetes headless Service whose addresses are the
     *     members (Hazelcast's Kubernetes discovery in DNS lookup mode, instead of the member list); null for
     *     the member list
     */
    public record Cluster(
            Path tlsKeystore,
            String tlsPassword,
            int quorum,
            int hazelcastPort,
            String publicAddress,
            int eventBusPort,
            long clerkGraceMs,
            String kubernetesServiceDns) {
        public static final Cluster DEFAULT = new Cluster(null, null, 0, 5701, null, 0, 60_000, null);

        public Cluster {
            if (clerkGraceMs < 0) {
                throw new IllegalArgumentException("the clerk's grace cannot be negative");
            }
            if (kubernetesServiceDns != null && kubernetesServiceDns.isBlank()) {
                kubernetesServiceDns = null;
            }
        }

        /** Members found through a Kubernetes headless Service's DNS name instead of a member list. */
        public Cluster withKubernetesServiceDns(String serviceDns) {
            return new Cluster(
                    tlsKeystore,
                    tlsPassword,
                    quorum,
                    hazelcastPort,
                    publicAddress,
                    eventBusPort,
                    clerkGraceMs,
                    serviceDns);
        }

        /** Whether members are found through Kubernetes rather than listed. */
        public boolean kubernetesDiscovery() {
            return kubernetesServiceDns != null;
        }

        public Cluster withTls(Path keystore, String password) {
            return new Cluster(
                    keystore,
                    password,
                    quorum,
                    hazelcastPort,
                    publicAddress,
                    eventBusPort,
                    clerkGraceMs,
                    kubernetesServiceDns);
        }

        public Cluster withQuorum(int n) {
            return new Cluster(
                    tlsKeystore,
                    tlsPassword,
                    n,
                    hazelcastPort,
                    publicAddress,
                    eventBusPort,
                    clerkGraceMs,
                    kubernetesServiceDns);
        }

        public Cluster withHazelcast(int port, String newPublicAddress) {
            return new Cluster(
                    tlsKeystore,
                    tlsPassword,
                    quorum,
                    port,
                    newPublicAddress,
                    eventBusPort,
                    clerkGraceMs,
                    kubernetesServiceDns);
        }

        public Cluster withEventBusPort(int port) {
            return new Cluster(
                    tlsKeystore,
                    tlsPassword,
                    quorum,
                    hazelcastPort,
                    publicAddress,
                    port,
                    clerkGraceMs,
                    kubernetesServiceDns);
        }

        public Cluster withClerkGrace(java.time.Duration grace) {
            return new Cluster(
                    tlsKeystore,
                    tlsPassword,
                    quorum,
                    hazelcastPort,
                    publicAddress,
                    eventBusPort,
                    grace.toMillis(),
                    kubernetesServiceDns);
        }
    }

    /**
     * The split-brain protection size in effect: {@link Cluster#quorum}, or a majority of the cluster the
     * member list describes — the listed members other than this node's own address, plus this node.
     */
    public int effectiveQuorum() {
        if (cluster.quorum() > 0) {
            return cluster.quorum();
        }
        String self = clusterHost + ":" + cluster.hazelcastPort();
        long others = clusterMembers.stream()
                .map(String::strip)
                .filter(m -> !m.equals(self))
                .distinct()
                .count();
        return others == 0 ? 1 : (int) (others + 1) / 2 + 1;
    }

    /**
     * Where certificates and trust services come from beyond the embedded PKI.
     *
     * @param externalDir credentials issued by an external CA ({@code ExternalCredentials} layout), or null
     * @param tsaUrl an external RFC 3161 time-stamp authority, or null for the embedded one
     * @param tsaTrust the external TSA's trust anchor certificate file, or null
     */
    public record Pki(Path externalDir, java.net.URI tsaUrl, Path tsaTrust) {
        /** Everything from the embedded PKI. */
        public static final Pki EMBEDDED = new Pki(null, null, null);
    }

    /** The embedded default: an H2 file database under {@code <data-dir>/db}, shareable by the CLI tools. */
    public static String defaultDbUrl(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("db").resolve("tongban")
                + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
    }

    /** The JDBC URL in effect. */
    public String effectiveDbUrl() {
        return dbUrl != null ? dbUrl : defaultDbUrl(dataDir);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the embedded defaults: port 8080 on all interfaces, data in {@code ./data}, no cluster. */
    public static final class Builder {
        private int port = 8080;
        private String host = "0.0.0.0";
        private Path dataDir = Path.of("data");
        private String nodeName = "node-1";
        private String clusterName = "tongban";
        private String clusterHost = "127.0.0.1";
        private final List<String> clusterMembers = new ArrayList<>();
        private IceOptions ice = IceOptions.NONE;
        private String publicUrl;
        private String dbUrl;
        private String dbUser;
        private String dbPassword;
        private Pki pki = Pki.EMBEDDED;
        private MediaOptions media = MediaOptions.bridge(MediaOptions.DEFAULT_PORT);
        private boolean mediaPortSet;
        private boolean demo;

        /**
         * Seed a data directory that is not set up with the demo reference data (halls and clerk accounts with
         * the published password), as {@code tongban.jar --demo} does; tests that need the demo halls say so.
         */
        public Builder demo(boolean demo) {
            this.demo = demo;
            return this;
        }

        /** Media settings; the UDP port given here is used as is. */
        public Builder media(MediaOptions options) {
            this.media = options;
            this.mediaPortSet = true;
            return this;
        }

        public Builder mediaMode(MediaMode mode) {
            this.media = media.withMode(mode);
            return this;
        }

        /**
         * The bridge's UDP port. Unless set, it is {@value MediaOptions#DEFAULT_PORT}, or a free one when
         * the HTTP port is 0 (tests), so that parallel test servers never collide.
         */
        public Builder mediaPort(int port) {
            this.media = media.withPort(port);
            this.mediaPortSet = true;
            return this;
        }

        private Cluster cluster = Cluster.DEFAULT;
        private Edge edge = Edge.DEFAULT;
        private AtRest atRest = AtRest.DEFAULT;

        public Builder atRest(AtRest atRest) {
            this.atRest = atRest;
            return this;
        }

        /** The secrets keystore (and its password file beside it) shared by nodes on one database. */
        public Builder secrets(Path file) {
            this.atRest = new AtRest(
                    file,
                    atRest.secretsPasswordFile(),
                    atRest.auditSealHall(),
                    atRest.checkpointEvery(),
                    atRest.checkpointInterval());
            return this;
        }

        private Applicants applicants = Applicants.OPEN;
        private Health health = Health.DEFAULT;

        public Builder health(Health health) {
            this.health = health;
            return this;
        }

        public Builder applicants(Applicants applicants) {
            this.applicants = applicants;
            return this;
        }

        public Builder edge(Edge edge) {
            this.edge = edge;
            return this;
        }

        public Builder cluster(Cluster cluster) {
            this.cluster = cluster;
            return this;
        }

        public Builder pki(Pki pki) {
            this.pki = pki;
            return this;
        }

        /** The node's public base URL; default {@code http://127.0.0.1:<port>}. */
        public Builder publicUrl(String url) {
            this.publicUrl = url;
            return this;
        }

        public Builder database(String url, String user, String password) {
            this.dbUrl = url;
            this.dbUser = user;
            this.dbPassword = password;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder nodeName(String nodeName) {
            this.nodeName = nodeName;
            return this;
        }

        public Builder clusterName(String clusterName) {
            this.clusterName = clusterName;
            return this;
        }

        public Builder clusterHost(String clusterHost) {
            this.clusterHost = clusterHost;
            return this;
        }

        public Builder clusterMember(String member) {
            this.clusterMembers.add(member);
            return this;
        }

        /** Adds a STUN server (TURN servers: {@link #ice}). */
        public Builder iceServer(ServerMessage.IceServer server) {
            this.ice = ice.withStun(server);
            return this;
        }

        public Builder ice(IceOptions ice) {
            this.ice = ice;
            return this;
        }

        public ServerOptions build() {
            return new ServerOptions(
                    port,
                    host,
                    dataDir,
                    nodeName,
                    clusterName,
                    clusterHost,
                    clusterMembers,
                    ice,
                    publicUrl != null ? publicUrl : "http://127.0.0.1:" + (port == 0 ? 8080 : port),
                    dbUrl,
                    dbUser,
                    dbPassword,
                    pki,
                    mediaPortSet || port != 0 ? media : media.withPort(0),
                    cluster,
                    edge,
                    atRest,
                    applicants,
                    health,
                    demo);
        }
    }
}
