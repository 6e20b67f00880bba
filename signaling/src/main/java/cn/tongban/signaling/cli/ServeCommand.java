package cn.tongban.signaling.cli;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.IceOptions;
import cn.tongban.signaling.config.MediaMode;
import cn.tongban.signaling.config.MediaOptions;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.config.SetupRecord;
import cn.tongban.signaling.http.ClientAddress;
import cn.tongban.signaling.http.WebPolicy;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.refdata.ReferenceDataTable;
import cn.tongban.signaling.store.Database;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code serve}: runs the whole system until interrupted. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = "Run the server (HTTP, WebSocket signaling, embedded Hazelcast) until stopped.")
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--port",
            defaultValue = "${env:TONGBAN_PORT:-8080}",
            description = "HTTP port (env TONGBAN_PORT; default ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--host",
            defaultValue = "${env:TONGBAN_HOST:-0.0.0.0}",
            description = "Address to bind (env TONGBAN_HOST; default ${DEFAULT-VALUE}).")
    String host;

    @Mixin
    StoreOptions store;

    @Mixin
    PkiOptions pki;

    @Option(names = "--node-name", defaultValue = "${env:TONGBAN_NODE:-node-1}", description = "This node's name.")
    String nodeName;

    @Option(
            names = "--cluster-name",
            defaultValue = "${env:TONGBAN_CLUSTER_NAME:-tongban}",
            description = "Name of the cluster to form or join (env TONGBAN_CLUSTER_NAME; default ${DEFAULT-VALUE});"
                    + " members with another name are refused.")
    String clusterName;

    @Option(
            names = "--cluster-host",
            defaultValue = "127.0.0.1",
            description = "Address Hazelcast and the event bus bind to (default ${DEFAULT-VALUE}).")
    String clusterHost;

    @Option(
            names = "--cluster-member",
            description = "Another cluster member host[:port] to join (repeatable). None: a cluster of one.")
    List<String> clusterMembers = new ArrayList<>();

    @Option(
            names = "--kubernetes-service-dns",
            defaultValue = "${env:TONGBAN_KUBERNETES_SERVICE_DNS}",
            description = "On Kubernetes: the DNS name of the headless Service whose pods are the cluster's members"
                    + " (env TONGBAN_KUBERNETES_SERVICE_DNS), e.g. tongban-cluster.tongban.svc.cluster.local; instead"
                    + " of --cluster-member, with --cluster-quorum, --cluster-host the pod's address and --cluster-tls"
                    + " (deploy/kubernetes).")
    String kubernetesServiceDns;

    @Option(
            names = "--cluster-tls",
            defaultValue = "${env:TONGBAN_CLUSTER_TLS}",
            description = "This node's event-bus credentials, a PKCS#12 file from `cluster-ca issue`"
                    + " (env TONGBAN_CLUSTER_TLS); required with --cluster-member.")
    java.nio.file.Path clusterTls;

    @Option(
            names = "--cluster-tls-password",
            defaultValue = "${env:TONGBAN_CLUSTER_TLS_PASSWORD}",
            description = "Password of --cluster-tls (env TONGBAN_CLUSTER_TLS_PASSWORD).")
    String clusterTlsPassword;

    @Option(
            names = "--cluster-quorum",
            defaultValue = "0",
            description = "Members needed to change live state (split-brain protection); default: a majority of"
                    + " the --cluster-member entries (the other members) plus this node.")
    int clusterQuorum;

    @Option(
            names = "--clerk-grace",
            defaultValue = "60",
            description = "Seconds a live session waits for its clerk to sign in again after the clerk's connection"
                    + " or node was lost, before it ends as clerk_lost (0: at once). Default: ${DEFAULT-VALUE}.")
    int clerkGraceSeconds;

    @Option(
            names = "--cluster-port",
            defaultValue = "5701",
            description = "First Hazelcast port to try (default ${DEFAULT-VALUE}; counts up when taken).")
    int clusterPort;

    @Option(
            names = "--cluster-public-address",
            description =
                    "host:port other members reach this member's Hazelcast at, when it differs from the bound one.")
    String clusterPublicAddress;

    @Option(
            names = "--event-bus-port",
            defaultValue = "0",
            description = "Port of the TLS event bus between nodes (default: a free one; fix it behind a firewall).")
    int eventBusPort;

    @Option(
            names = "--ice-server",
            description = "STUN URL handed to every browser, e.g. stun:turn.example.gov.cn:3478 (repeatable);"
                    + " TURN servers: --turn-url.")
    List<String> iceServers = new ArrayList<>();

    @Option(
            names = "--turn-url",
            paramLabel = "URL",
            description = "turn: or turns: URL of a TURN server that shares --turn-secret-file (repeatable), e.g."
                    + " turns:turn.example.gov.cn:443?transport=tcp. Its time-limited credentials go only to"
                    + " connections holding a ticket or a clerk's account (deploy/coturn/).")
    List<String> turnUrls = new ArrayList<>();

    @Option(
            names = "--turn-secret-file",
            paramLabel = "FILE",
            defaultValue = "${env:TONGBAN_TURN_SECRET_FILE}",
            description = "File holding coturn's static-auth-secret, from which TURN credentials are derived"
                    + " (env TONGBAN_TURN_SECRET_FILE); required with --turn-url.")
    Path turnSecretFile;

    @Option(
            names = "--turn-ttl-minutes",
            defaultValue = "240",
            description = "How long TURN credentials open relays (default ${DEFAULT-VALUE}); connections get a"
                    + " new set at half of it.")
    int turnTtlMinutes;

    @Option(
            names = "--ice-transport-policy",
            defaultValue = "${env:TONGBAN_ICE_TRANSPORT_POLICY:-all}",
            description = "all, or relay: pages use only TURN-relayed candidates, for networks that let nothing"
                    + " but the TURN server out (env TONGBAN_ICE_TRANSPORT_POLICY; default ${DEFAULT-VALUE}).")
    String iceTransportPolicy;

    @Option(
            names = "--public-url",
            defaultValue = "${env:TONGBAN_PUBLIC_URL}",
            description = "URL this node is reached at (env TONGBAN_PUBLIC_URL; default http://127.0.0.1:<port>);"
                    + " written into the PKI's certificates for OCSP, CRL and CA downloads.")
    String publicUrl;

    @Option(
            names = "--demo",
            description = "On a data directory that is not set up: seed the demo halls, matters and clerk accounts"
                    + " (published password tongban2026, no change forced). Without it such a directory needs"
                    + " `tongban.jar setup` first (asked for here when run in a terminal). No effect on a directory"
                    + " that is set up.")
    boolean demo;

    /** Removed: static TURN credentials went to every visitor. Kept hidden to say what replaced them. */
    @Option(names = "--turn-username", hidden = true)
    String turnUsername;

    /** Removed, like {@link #turnUsername}. */
    @Option(names = "--turn-credential", hidden = true)
    String turnCredential;

    @Option(
            names = "--media-mode",
            defaultValue = "${env:TONGBAN_MEDIA_MODE:-bridge}",
            description = "bridge: media goes through this server (2-4 people, recording); p2p: browser to"
                    + " browser, the server only relays SDP/ICE (env TONGBAN_MEDIA_MODE; default ${DEFAULT-VALUE}).")
    String mediaMode;

    @Option(
            names = "--media-port",
            defaultValue = "${env:TONGBAN_MEDIA_PORT:-10000}",
            description = "The media bridge's one UDP port (env TONGBAN_MEDIA_PORT; default ${DEFAULT-VALUE}).")
    int mediaPort;

    @Option(
            names = "--media-address",
            description = "Address the bridge binds and offers to browsers (repeatable). Default: every IPv4"
                    + " address of this machine (also when --host is loopback behind a proxy).")
    List<String> mediaAddresses = new ArrayList<>();

    @Option(
            names = "--media-public-address",
            description = "Public address of a 1:1 NAT in front of this node, offered to browsers as an extra"
                    + " candidate on the media port (repeatable; see docs/network.md).")
    List<String> mediaPublicAddresses = new ArrayList<>();

    @Option(
            names = "--recording-dir",
            description = "Where session recordings are written (default <data-dir>/recordings).")
    Path recordingDir;

    @Option(
            names = "--ffmpeg",
            defaultValue = "ffmpeg",
            description = "The ffmpeg executable used to write recordings (default ${DEFAULT-VALUE}).")
    String ffmpeg;

    @Option(
            names = "--disk-min-free-mb",
            defaultValue = "256",
            paramLabel = "MIB",
            description = "Free space on the data and recording directories' file systems below which /health"
                    + " says DOWN (503) and the node should get no clients; it warns below four times that"
                    + " (default ${DEFAULT-VALUE}).")
    long diskMinFreeMb;

    @Option(
            names = "--certificate-warning-days",
            defaultValue = "30",
            paramLabel = "DAYS",
            description = "/health warns this long before the root, time-stamp, hall CA or seal certificate"
                    + " expires (default ${DEFAULT-VALUE}).")
    long certificateWarningDays;

    @Option(
            names = "--drain-seconds",
            defaultValue = "120",
            paramLabel = "SECONDS",
            description = "When the node is stopped, it first drains for up to this long: its clerks take no new"
                    + " applicant, /health says DRAINING (503), the sessions they hold go on to their end; then it"
                    + " stops (default ${DEFAULT-VALUE}; keep it below the unit's TimeoutStopSec).")
    long drainSeconds;

    @Option(
            names = "--chronyc",
            defaultValue = "chronyc",
            paramLabel = "PATH",
            description = "The chronyc executable the readiness check 'clock' asks for the host's time"
                    + " synchronisation ('chronyc -c tracking'; default ${DEFAULT-VALUE}). Without chrony the"
                    + " check falls back to timedatectl, else warns.")
    String chronyc;

    @Option(
            names = "--clock-max-offset-ms",
            defaultValue = "1000",
            paramLabel = "MS",
            description = "The host clock's offset from NTP time beyond which /health's 'clock' check says"
                    + " DEGRADED: time-stamps and OCSP answers would carry a wrong time (default ${DEFAULT-VALUE}).")
    long clockMaxOffsetMs;

    @Option(
            names = "--trusted-proxy",
            description = "Address or CIDR range of a reverse proxy in front of this node (repeatable): only"
                    + " from these is X-Forwarded-For believed for the client's address.")
    List<String> trustedProxies = new ArrayList<>();

    @Option(
            names = "--allowed-origin",
            description = "A web origin whose pages may open /ws besides this node's own, e.g."
                    + " https://window.example.gov.cn (repeatable).")
    List<String> allowedOrigins = new ArrayList<>();

    @Option(
            names = "--max-connections-per-address",
            defaultValue = "256",
            description = "HTTP and WebSocket connections one client address may hold (default ${DEFAULT-VALUE};"
                    + " a partner hall behind one NAT counts as one address).")
    int maxConnectionsPerAddress;

    @Option(
            names = "--request-head-timeout",
            defaultValue = "10",
            paramLabel = "SECONDS",
            description = "A connection that takes longer to send a request head, or is idle that long between"
                    + " requests, is closed (default ${DEFAULT-VALUE}).")
    int requestHeadSeconds;

    @Option(
            names = "--audit-seal-hall",
            paramLabel = "HALL",
            description = "The hall whose e-seal signs the audit journal's checkpoints (default: the first hall of"
                    + " the reference data).")
    String auditSealHall;

    @Option(
            names = "--audit-checkpoint-every",
            defaultValue = "1000",
            paramLabel = "ENTRIES",
            description = "Anchor the audit journal (a sealed, time-stamped checkpoint) after this many entries"
                    + " (default ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(
            names = "--audit-checkpoint-minutes",
            defaultValue = "10",
            paramLabel = "MINUTES",
            description = "... or this long after the last checkpoint, when entries were added (default"
                    + " ${DEFAULT-VALUE}).")
    long checkpointMinutes;

    @Option(
            names = "--applicant-verification",
            defaultValue = "sms",
            paramLabel = "sms|off",
            description = "sms (default): a ticket or booking needs a mobile number verified by an SMS code, one"
                    + " live ticket per number; off: anyone with any number (only on a closed network).")
    String applicantVerification;

    @Option(
            names = "--sms-gateway-url",
            paramLabel = "URL",
            description = "The HTTP endpoint SMS codes are posted to as JSON (docs/protocol.md, \"Mobile"
                    + " verification\"). Without it the development gateway prints codes in this console.")
    java.net.URI smsGatewayUrl;

    @Option(
            names = "--sms-gateway-token-file",
            paramLabel = "FILE",
            description = "A file holding the gateway's bearer token (TONGBAN_SMS_TOKEN comes first).")
    Path smsGatewayTokenFile;

    @Option(
            names = "--verify-address-free",
            defaultValue = "5",
            description = "SMS codes one client address may ask for in an hour before each further one needs a"
                    + " proof-of-work challenge (default ${DEFAULT-VALUE}).")
    int verifyAddressFree;

    @Option(
            names = "--verify-address-max",
            defaultValue = "60",
            description = "SMS codes one client address may ask for in an hour in all (default ${DEFAULT-VALUE};"
                    + " a partner hall's terminals behind one address share it).")
    int verifyAddressMax;

    @Option(
            names = "--challenge-bits",
            defaultValue = "16",
            description = "Difficulty of the proof-of-work challenge: leading zero bits, about 2^bits hashes in"
                    + " the browser (default ${DEFAULT-VALUE}).")
    int challengeBits;

    @Override
    public Integer call() throws Exception {
        if (checkpointEvery < 1 || checkpointMinutes < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--audit-checkpoint-every and --audit-checkpoint-minutes must be positive");
        }
        if (maxConnectionsPerAddress < 1 || requestHeadSeconds < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--max-connections-per-address and --request-head-timeout must be positive");
        }
        try {
            new ClientAddress(trustedProxies);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--trusted-proxy: " + e.getMessage());
        }
        for (String origin : allowedOrigins) {
            if (WebPolicy.origin(origin) == null) {
                throw new ParameterException(spec.commandLine(), "--allowed-origin: not a web origin: " + origin);
            }
        }
        IceOptions ice = ice();
        ServerOptions.Applicants applicants = applicants();
        if (!ReferenceDataStore.isSetUp(store.dataDir) && !demo && !joinFromDatabase()) {
            int setUp = firstRunSetup();
            if (setUp != 0) {
                return setUp;
            }
        }
        publicUrl = recordedPublicUrl(publicUrl, store.dataDir);
        ServerOptions.Builder b = ServerOptions.builder()
                .applicants(applicants)
                .health(new ServerOptions.Health(
                        diskMinFreeMb * 1024 * 1024,
                        java.time.Duration.ofDays(certificateWarningDays),
                        java.time.Duration.ofSeconds(drainSeconds),
                        chronyc,
                        java.time.Duration.ofMillis(clockMaxOffsetMs)))
                .port(port)
                .host(host)
                .dataDir(store.dataDir)
                .database(store.dbUrl, store.dbUser, store.dbPassword)
                .publicUrl(publicUrl)
                .demo(demo)
                .pki(pki.toOptions())
                .nodeName(nodeName)
                .clusterName(clusterName)
                .clusterHost(clusterHost)
                .cluster(ServerOptions.Cluster.DEFAULT
                        .withTls(clusterTls, clusterTlsPassword)
                        .withQuorum(clusterQuorum)
                        .withHazelcast(clusterPort, clusterPublicAddress)
                        .withKubernetesServiceDns(kubernetesServiceDns)
                        .withEventBusPort(eventBusPort)
                        .withClerkGrace(java.time.Duration.ofSeconds(clerkGraceSeconds)))
                .media(new MediaOptions(mode(), mediaPort, mediaAddresses, mediaPublicAddresses, recordingDir, ffmpeg))
                .edge(new ServerOptions.Edge(
                        trustedProxies, allowedOrigins, maxConnectionsPerAddress, requestHeadSeconds))
                .atRest(new ServerOptions.AtRest(
                        store.secretsFile,
                        store.secretsPasswordFile,
                        auditSealHall,
                        checkpointEvery,
                        java.time.Duration.ofMinutes(checkpointMinutes)));
        clusterMembers.forEach(b::clusterMember);
        b.ice(ice);
        TongbanServer server;
        try {
            server = TongbanServer.start(b.build());
        } catch (Exception e) {
            // A port someone else holds is an operator's matter, not a crash: say which, without a stack trace.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.BindException bind) {
                    spec.commandLine().getErr().println("tongban: cannot start: " + bind.getMessage());
                    return 2;
                }
            }
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable close = () -> {
            if (closing.compareAndSet(false, true)) {
                server.close();
                stopped.countDown();
            }
        };
        // SIGTERM (systemd's stop) closes the node before the JVM's shutdown begins: in the shutdown, the embedded
        // H2 database closes itself in a hook of its own, and the drain's end — the audit entries, the saved
        // queue — would find it closed. The shutdown hook stays for every other way out (Ctrl-C, System.exit).
        boolean onTerm = onSigterm(() -> {
            if (!closing.get()) {
                close.run();
                System.exit(143);
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(close, "tongban-shutdown"));
        if (!onTerm) {
            org.slf4j.LoggerFactory.getLogger(ServeCommand.class)
                    .warn("SIGTERM cannot be handled before the JVM's shutdown here; a stop closes the node in a"
                            + " shutdown hook");
        }
        printBanner(server);
        stopped.await();
        return 0;
    }

    /**
     * A data directory that is not set up, started without {@code --demo}: {@code setup}'s questions in a
     * terminal, else exit 2 with what to do. 0 once set up.
     */
    /**
     * A data directory without refdata.yaml whose database holds reference data: a new node of an installation
     * on a shared database (PostgreSQL), or a node whose copy was deleted. It takes the version in force (which
     * makes the directory set up) instead of running setup. Returns whether it did.
     */
    boolean joinFromDatabase() {
        if ((store.dbUrl == null || store.dbUrl.isBlank())
                && !java.nio.file.Files.exists(store.dataDir.resolve("db").resolve("tongban.mv.db"))) {
            // No database yet: opening the embedded one would create it for nothing.
            return false;
        }
        java.io.PrintWriter err = spec.commandLine().getErr();
        try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
            long version = ReferenceDataStore.copyFromDatabase(
                    store.dataDir, new ReferenceDataTable(db.dataSource(), java.time.Clock.systemUTC()), nodeName);
            if (version > 0) {
                err.println("tongban: the data directory " + store.dataDir.toAbsolutePath() + " is new; its"
                        + " database holds the installation's reference data: this node joins it (version "
                        + version + ").");
                err.flush();
            }
            return version > 0;
        } catch (java.io.IOException | RuntimeException e) {
            err.println("tongban: cannot read the reference data from the database: " + e.getMessage());
            err.flush();
            return false;
        }
    }

    int firstRunSetup() {
        java.io.PrintWriter err = spec.commandLine().getErr();
        if (terminal == null) {
            err.println("tongban: the data directory " + store.dataDir.toAbsolutePath() + " is not set up."
                    + " Run `tongban.jar setup` (the hall, its public URL and first administrator) before the first"
                    + " start, or start with --demo for the demo halls and accounts (never for a real hall).");
            err.flush();
            return 2;
        }
        err.println("tongban: the data directory " + store.dataDir.toAbsolutePath() + " is not set up: setting it"
                + " up now (Ctrl-C to stop; --demo starts the demo instead).");
        err.flush();
        List<String> args = new ArrayList<>(List.of("--data-dir", store.dataDir.toString()));
        addIfSet(args, "--db-url", store.dbUrl);
        addIfSet(args, "--db-user", store.dbUser);
        addIfSet(args, "--db-password", store.dbPassword);
        addIfSet(args, "--secrets", store.secretsFile == null ? null : store.secretsFile.toString());
        addIfSet(
                args,
                "--secrets-password-file",
                store.secretsPasswordFile == null ? null : store.secretsPasswordFile.toString());
        addIfSet(args, "--public-url", publicUrl);
        SetupCommand setup = new SetupCommand();
        setup.terminal = terminal;
        return new picocli.CommandLine(setup)
                .setOut(spec.commandLine().getOut())
                .setErr(err)
                .execute(args.toArray(String[]::new));
    }

    /**
     * The public URL given to serve, else the one setup recorded in the data directory (so that the PKI's first
     * certificates and {@code /health} carry the hall's URL), else null (the default).
     */
    static String recordedPublicUrl(String given, Path dataDir) throws java.io.IOException {
        if (given != null && !given.isBlank()) {
            return given;
        }
        return SetupRecord.read(dataDir).map(SetupRecord::publicUrl).orElse(null);
    }

    private static void addIfSet(List<String> args, String option, String value) {
        if (value != null && !value.isBlank()) {
            args.add(option);
            args.add(value);
        }
    }

    /** The terminal {@link #firstRunSetup} asks in, or null (services, pipes). */
    Terminal terminal = Terminal.system();

    /**
     * Runs {@code action} on a thread of its own when the process gets SIGTERM, instead of the JVM's shutdown (the
     * JDK's {@code sun.misc.Signal}, reached by reflection: it is a supported-but-internal API of the
     * jdk.unsupported module). Returns false where that is not available.
     */
    static boolean onSigterm(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = java.lang.reflect.Proxy.newProxyInstance(
                    handlerType.getClassLoader(), new Class<?>[] {handlerType}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "handle" -> new Thread(action, "tongban-sigterm").start();
                            case "hashCode" -> {
                                return System.identityHashCode(proxy);
                            }
                            case "equals" -> {
                                return proxy == args[0];
                            }
                            case "toString" -> {
                                return "tongban SIGTERM handler";
                            }
                            default -> {
                                return null;
                            }
                        }
                        return null;
                    });
            Object term = signal.getConstructor(String.class).newInstance("TERM");
            signal.getMethod("handle", signal, handlerType).invoke(null, term, handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    private ServerOptions.Applicants applicants() {
        String mode = applicantVerification.strip().toLowerCase(Locale.ROOT);
        if (mode.equals("off")) {
            return ServerOptions.Applicants.OPEN;
        }
        if (!mode.equals("sms")) {
            throw new ParameterException(
                    spec.commandLine(), "--applicant-verification must be sms or off, not " + applicantVerification);
        }
        String token = System.getenv("TONGBAN_SMS_TOKEN");
        if ((token == null || token.isBlank()) && smsGatewayTokenFile != null) {
            try {
                token = java.nio.file.Files.readString(smsGatewayTokenFile).strip();
            } catch (java.io.IOException e) {
                throw new ParameterException(
                        spec.commandLine(), "--sms-gateway-token-file: cannot read " + smsGatewayTokenFile);
            }
        }
        if (smsGatewayUrl != null
                && !"https".equals(smsGatewayUrl.getScheme())
                && !"http".equals(smsGatewayUrl.getScheme())) {
            throw new ParameterException(spec.commandLine(), "--sms-gateway-url must be an http(s) URL");
        }
        try {
            return ServerOptions.Applicants.verified(smsGatewayUrl, token)
                    .withAddressLimits(verifyAddressFree, verifyAddressMax)
                    .withChallengeBits(challengeBits);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** STUN for everyone, TURN with credentials derived from the secret file, and the transport policy. */
    private IceOptions ice() {
        if (turnUsername != null || turnCredential != null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--turn-username and --turn-credential were removed: static TURN credentials reached every"
                            + " visitor. Give coturn use-auth-secret and the node --turn-url with --turn-secret-file"
                            + " (deploy/coturn/turnserver.conf, deploy/README.md)");
        }
        String policy = iceTransportPolicy.strip().toLowerCase(Locale.ROOT);
        if (!policy.equals("all") && !policy.equals("relay")) {
            throw new ParameterException(
                    spec.commandLine(), "--ice-transport-policy must be all or relay, not " + iceTransportPolicy);
        }
        IceOptions.Turn turn = null;
        if (!turnUrls.isEmpty()) {
            if (turnSecretFile == null) {
                throw new ParameterException(spec.commandLine(), "--turn-url needs --turn-secret-file");
            }
            String secret;
            try {
                secret = java.nio.file.Files.readString(turnSecretFile).strip();
            } catch (java.io.IOException e) {
                throw new ParameterException(spec.commandLine(), "--turn-secret-file: cannot read " + turnSecretFile);
            }
            if (turnTtlMinutes < 1) {
                throw new ParameterException(spec.commandLine(), "--turn-ttl-minutes must be positive");
            }
            try {
                turn = new IceOptions.Turn(turnUrls, secret, java.time.Duration.ofMinutes(turnTtlMinutes));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--turn-url/--turn-secret-file: " + e.getMessage());
            }
        }
        List<ServerMessage.IceServer> stun = new ArrayList<>();
        for (String url : iceServers) {
            stun.add(new ServerMessage.IceServer(List.of(url), null, null));
        }
        try {
            return new IceOptions(stun, turn, policy.equals("relay"));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--ice-server: " + e.getMessage());
        }
    }

    private MediaMode mode() {
        try {
            return MediaMode.valueOf(mediaMode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--media-mode must be bridge or p2p, not " + mediaMode);
        }
    }

    private static void printBanner(TongbanServer server) {
        String base = "http://localhost:" + server.port();
        ReferenceData data = server.refdata().current();
        StringBuilder sb = new StringBuilder();
        sb.append('\n')
                .append("  Tongban 通办窗口 is running.\n")
                .append("  Applicant page (申请人):   ")
                .append(base)
                .append("/\n")
                .append("  Clerk console (工作人员):  ")
                .append(base)
                .append("/clerk\n")
                .append("  Supervisor board (督导人员): ")
                .append(base)
                .append("/supervisor\n")
                .append("  Health: ")
                .append(base)
                .append("/health   Metrics: ")
                .append(base)
                .append("/metrics\n")
                .append("  Media: ")
                .append(server.media().mode().wireName())
                .append(
                        server.media().bridge() == null
                                ? " (browser to browser)"
                                : " through this server, UDP port "
                                        + server.media().bridge().port())
                .append('\n')
                .append("  Data directory: ")
                .append(server.options().dataDir().toAbsolutePath())
                .append('\n');
        ServerOptions.Applicants applicants = server.options().applicants();
        if (!applicants.verifyMobile()) {
            sb.append("  Applicants' mobile numbers: not verified (--applicant-verification off)\n");
        } else if (applicants.smsGatewayUrl() == null) {
            sb.append("  SMS codes (短信验证码): development gateway, codes are printed in this console;\n")
                    .append("    set --sms-gateway-url before applicants use this server\n");
        }
        if (data.initialPassword() != null && !data.clerks().isEmpty()) {
            sb.append("  Demo clerk accounts (演示账号, initial password \"")
                    .append(data.initialPassword())
                    .append("\" unless changed; for a real hall use `tongban.jar setup`):\n");
            for (ReferenceData.ClerkProfile c : data.clerks()) {
                String hall =
                        data.hall(c.hallId()).map(ReferenceData.Hall::name).orElse(c.hallId());
                sb.append(String.format("    %-10s %s — %s%n", c.id(), c.name(), hall));
            }
        } else {
            sb.append("  Clerks: ")
                    .append(data.clerks().size())
                    .append(" in refdata.yaml; `tongban.jar account reset <id>` gives one a one-time password\n");
        }
        System.out.println(sb);
    }
}
