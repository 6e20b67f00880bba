package cn.tongban.signaling;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.TrustServices;
import cn.tongban.session.media.Bridge;
import cn.tongban.signaling.appointment.AppointmentRoutes;
import cn.tongban.signaling.audit.AuditCheckpoints;
import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.auth.JdbcTokenRevocations;
import cn.tongban.signaling.auth.LoginThrottle;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.cluster.ClusterDuty;
import cn.tongban.signaling.cluster.ClusterSecurity;
import cn.tongban.signaling.cluster.ClusterView;
import cn.tongban.signaling.cluster.HazelcastFactory;
import cn.tongban.signaling.cluster.NodeCredentials;
import cn.tongban.signaling.config.MediaMode;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.form.FormsHandler;
import cn.tongban.signaling.health.CertificateCheck;
import cn.tongban.signaling.health.ClockCheck;
import cn.tongban.signaling.health.DatabaseCheck;
import cn.tongban.signaling.health.DiskCheck;
import cn.tongban.signaling.health.FfmpegCheck;
import cn.tongban.signaling.health.FontCheck;
import cn.tongban.signaling.health.HealthCheck;
import cn.tongban.signaling.health.Readiness;
import cn.tongban.signaling.http.ClientAddress;
import cn.tongban.signaling.http.ConnectionGuard;
import cn.tongban.signaling.http.Routes;
import cn.tongban.signaling.http.WebPolicy;
import cn.tongban.signaling.materials.MaterialRoutes;
import cn.tongban.signaling.media.MediaSessions;
import cn.tongban.signaling.pki.JdbcIssuanceRegister;
import cn.tongban.signaling.pki.PkiSupport;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.QueueSnapshot;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.refdata.ReferenceDataTable;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.CaseStore;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.JdbcAuditJournal;
import cn.tongban.signaling.store.OwnerOnly;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.store.SecretKeys;
import cn.tongban.signaling.store.SecretStore;
import cn.tongban.signaling.supervisor.SupervisorRoutes;
import cn.tongban.signaling.verify.ApplicantGate;
import cn.tongban.signaling.verify.ConsoleSmsGateway;
import cn.tongban.signaling.verify.HttpSmsGateway;
import cn.tongban.signaling.verify.MobileVerification;
import cn.tongban.signaling.verify.ProofOfWork;
import cn.tongban.signaling.verify.SmsGateway;
import cn.tongban.signaling.verify.VerifyRoutes;
import cn.tongban.signaling.window.VirtualWindow;
import cn.tongban.signaling.ws.Connections;
import cn.tongban.signaling.ws.MessageRouter;
import cn.tongban.signaling.ws.SignalingHandler;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.DiskSpaceMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The whole Tongban system in one JVM: Hazelcast member, clustered Vert.x, HTTP + WebSocket server,
 * reference data, accounts. {@link #start} blocks until the server accepts connections.
 */
public final class TongbanServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TongbanServer.class);

    private final ServerOptions options;
    private final HazelcastInstance hazelcast;
    private final Vertx vertx;
    private final HttpServer http;
    private final ReferenceDataStore refdata;
    private final List<String> createdAccounts;
    private final Database db;
    private final Records records;
    private final MediaSessions media;
    private final SignalingHandler signaling;
    private final List<Long> timers;
    private final ClusterDuty duty;
    private final AuditCheckpoints checkpoints;

    private final Readiness readiness;
    private final QueueService queue;
    private final String localConnPrefix;
    private final JvmGcMetrics gcMetrics;

    private TongbanServer(
            ServerOptions options,
            HazelcastInstance hazelcast,
            Vertx vertx,
            HttpServer http,
            ReferenceDataStore refdata,
            List<String> createdAccounts,
            Database db,
            Records records,
            MediaSessions media,
            SignalingHandler signaling,
            List<Long> timers,
            ClusterDuty duty,
            AuditCheckpoints checkpoints,
            Readiness readiness,
            QueueService queue,
            String localConnPrefix,
            JvmGcMetrics gcMetrics) {
        this.options = options;
        this.hazelcast = hazelcast;
        this.vertx = vertx;
        this.http = http;
        this.refdata = refdata;
        this.createdAccounts = createdAccounts;
        this.db = db;
        this.records = records;
        this.media = media;
        this.signaling = signaling;
        this.timers = List.copyOf(timers);
        this.duty = duty;
        this.checkpoints = checkpoints;
        this.readiness = readiness;
        this.queue = queue;
        this.localConnPrefix = localConnPrefix;
        this.gcMetrics = gcMetrics;
    }

    /** The audit journal's sealed checkpoints. */
    public AuditCheckpoints auditCheckpoints() {
        return checkpoints;
    }

    /** Audit journal and case records. */
    public Records records() {
        return records;
    }

    public static TongbanServer start(ServerOptions options) throws Exception {
        routeJavaUtilLogging();
        long startedAt = System.currentTimeMillis();
        StartupTimer timer = new StartupTimer();
        OwnerOnly.createDirectories(options.dataDir());
        warnIfOpen(OwnerOnly.tighten(options.dataDir()));
        // Secrets come first: a node without its installation's keystore (or its password) does not start.
        SecretStore secretStore = SecretStore.open(
                options.atRest().secrets(options.dataDir()), options.atRest().secretsPasswordFile());
        ReferenceDataStore refdata = ReferenceDataStore.open(options.dataDir(), options.demo());
        if (refdata.current().initialPassword() != null) {
            LOG.warn(
                    "{} gives clerks without an account the shared initial password of clerks.initialPassword:"
                            + " a demo installation. For a real hall remove it and issue one-time passwords"
                            + " (`tongban.jar account reset`).",
                    refdata.file());
        }
        String sealHall = options.atRest().auditSealHall() != null
                ? options.atRest().auditSealHall()
                : refdata.current().halls().get(0).id();
        if (refdata.current().halls().stream().noneMatch(h -> h.id().equals(sealHall))) {
            throw new IllegalArgumentException("--audit-seal-hall: no hall " + sealHall + " in the reference data");
        }
        // Checked first: a node that may not join the event bus should not start anything else.
        NodeCredentials busCredentials = ClusterSecurity.credentials(options);
        // The slow parts of a start do not depend on each other: run them side by side.
        ExecutorService boot = Executors.newFixedThreadPool(5, r -> new Thread(r, "tongban-boot"));
        Future<EmbeddedPki> pkiF = boot.submit(() -> PkiSupport.open(
                options.dataDir(), options.publicUrl() + "/pki", refdata.current(), List.of(), options.pki()));
        Future<Database> dbF =
                boot.submit(() -> Database.open(options.effectiveDbUrl(), options.dbUser(), options.dbPassword()));
        // From the database on, the reference data is the database's version (refdata.yaml becomes version 1
        // if it has none yet): every node of the cluster reads the same.
        Future<Optional<ReferenceDataTable.Info>> refdataF = boot.submit(() ->
                refdata.attach(new ReferenceDataTable(dbF.get().dataSource(), Clock.systemUTC()), options.nodeName()));
        // Accounts live in the database: they follow it, beside the PKI and Hazelcast.
        Future<AccountStore> accountsF =
                boot.submit(() -> AccountStore.open(dbF.get().dataSource(), options.dataDir()));
        Future<HazelcastInstance> hzF = boot.submit(() -> HazelcastFactory.create(options));
        // Binding the UDP port and warming up ice4j takes a second or two.
        Future<Bridge> bridgeF = boot.submit(() -> options.media().mode() == MediaMode.BRIDGE
                ? Bridge.create(options.media().bridgeConfig())
                : null);
        AccountStore accounts;
        Optional<ReferenceDataTable.Info> refdataImported;
        List<String> created;
        EmbeddedPki pki;
        Database db;
        HazelcastInstance hz;
        Bridge bridge;
        try {
            accounts = accountsF.get();
            refdataImported = refdataF.get();
            created = accounts.ensureAccounts(refdata.current());
            pki = pkiF.get();
            // The database's version may name halls refdata.yaml did not (changed while this node was down).
            ensureHalls(pki, refdata.current());
            db = dbF.get();
            hz = hzF.get();
            bridge = bridgeF.get();
        } catch (ExecutionException e) {
            // Release whatever did start before reporting the first failure.
            closeQuietly(dbF, Database::close);
            closeQuietly(hzF, HazelcastInstance::shutdown);
            closeQuietly(bridgeF, b -> {
                if (b != null) {
                    b.close();
                }
            });
            throw e.getCause() instanceof Exception ex ? ex : e;
        } finally {
            boot.shutdown();
        }
        timer.mark("database then accounts, pki, hazelcast, media bridge in parallel");
        // Any node's OCSP responder vouches for the certificates any node issued (cross-node signing).
        pki.shareIssuance(new JdbcIssuanceRegister(db.dataSource()));
        Vertx vertx = null;
        MediaSessions media = null;
        Readiness readiness = null;
        JvmGcMetrics gcMetrics = null;
        try {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registry.config().commonTags("node", options.nodeName());
            gcMetrics = bindProcessMetrics(registry, options, db);
            HazelcastInstance members = hz;
            io.micrometer.core.instrument.Gauge.builder("tongban.cluster.members", members, h -> h.getCluster()
                            .getMembers()
                            .size())
                    .description("Cluster members this node sees (its local member list)")
                    .register(registry);
            // A worker busy for more than 10 s is logged with its stack (Vert.x's default waits 60 s, as long as
            // Hazelcast's call timeout): a handler stuck in a cluster call shows where while it is still stuck.
            VertxOptions vertxOptions = new VertxOptions()
                    .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true))
                    .setMaxWorkerExecuteTime(10)
                    .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS);
            ClusterSecurity.configure(vertxOptions, options, busCredentials);
            HazelcastClusterManager clusterManager = new HazelcastClusterManager(hz);
            ClusterDuty.reannounceAfterMerge(hz, clusterManager);
            vertx = Vertx.builder()
                    .with(vertxOptions)
                    .withMetrics(new MicrometerMetricsFactory(registry))
                    .withClusterManager(clusterManager)
                    .buildClustered()
                    .await(60, TimeUnit.SECONDS);

            timer.mark("vertx");
            InstallationSecrets secrets = new InstallationSecrets(db.dataSource(), secretStore);
            Clock clock = Clock.systemUTC();
            TokenService tokens = TokenService.create(
                    vertx, secrets, new JdbcTokenRevocations(db.dataSource(), clock), options.dataDir());
            QueueService queue = new QueueService(
                    hz, refdata::current, clock, options.applicants().verifyMobile());
            JdbcAuditJournal journal = JdbcAuditJournal.keyed(db.dataSource(), clock, secrets);
            Records records = new Records(journal, new CaseStore(db.dataSource()), clock, registry);
            refdataImported.ifPresent(i -> records.audit(
                    "node:" + options.nodeName(),
                    AuditAction.REFDATA_IMPORTED,
                    null,
                    AuditDetails.of(AuditField.VERSION, i.version())
                            .and(AuditField.SHA256, i.sha256())
                            .and(AuditField.FILE, refdata.file().getFileName().toString())));
            EmbeddedPki hallPki = pki;
            // A hall added to the reference data gets its CA at once: its clerks can sign without a restart.
            refdata.onReload(data -> {
                try {
                    ensureHalls(hallPki, data);
                } catch (RuntimeException e) {
                    LOG.error("Cannot create the CA of a hall added to the reference data: {}", e.toString());
                }
            });
            TrustServices trust = PkiSupport.trustServices(pki, options.pki());
            EmbeddedPki sealPki = pki;
            AuditCheckpoints checkpoints = new AuditCheckpoints(
                    db.dataSource(),
                    journal,
                    sealHall,
                    () -> sealPki.hallSeal(sealHall),
                    trust.timestamps(),
                    new AuditCheckpoints.Policy(
                            options.atRest().checkpointEvery(), options.atRest().checkpointInterval()),
                    clock);
            ClusterView clusterView = new ClusterView(hz);
            // After the whole cluster stopped, the first member brings the queues it left behind back (claimed in
            // the database, so only one does; none while the cluster holds tickets).
            try {
                QueueSnapshot.restore(queue, db.dataSource(), clock);
            } catch (java.sql.SQLException | RuntimeException e) {
                LOG.error("The waiting tickets saved at the last stop cannot be restored; set aside: {}", e.toString());
                try {
                    QueueSnapshot.setAside(db.dataSource());
                } catch (java.sql.SQLException alsoFailed) {
                    LOG.error("... and cannot be set aside: {}", alsoFailed.toString());
                }
            }
            readiness = readiness(options, db, sealPki, clock, registry);
            timer.mark("readiness checks");
            MobileVerification verification = mobileVerification(options, secrets, db.dataSource(), clock);
            ApplicantGate gate = new ApplicantGate(verification);

            // The WebSocket transport, then every feature registering its messages on the router.
            Connections connections = new Connections(vertx, clusterView.localTag(), clusterView::delivery, registry);
            MessageRouter router = new MessageRouter();
            SignalingHandler signaling = new SignalingHandler(
                    vertx,
                    router,
                    connections,
                    queue,
                    clusterView,
                    options.ice(),
                    "tongban/" + version(),
                    options.media().mode().wireName(),
                    registry,
                    records);
            SignalingHandler.register(router);
            Features features = Features.create(
                    new Features.Infrastructure(
                            options,
                            vertx,
                            hz,
                            db.dataSource(),
                            secrets,
                            pki,
                            trust,
                            bridge,
                            refdata,
                            records,
                            queue,
                            tokens,
                            gate,
                            clock,
                            registry),
                    connections,
                    signaling,
                    router);
            media = features.media;
            router.verifyComplete();
            timer.mark("features");

            // Any change to tickets or clerks anywhere in the cluster refreshes what this node shows.
            DirtyListener listener = new DirtyListener(signaling);
            hz.getMap("tongban.tickets").addEntryListener(listener, false);
            hz.getMap("tongban.clerks").addEntryListener(listener, false);

            ConnectionGuard guard = new ConnectionGuard(
                    vertx, options.edge(), new ClientAddress(options.edge().trustedProxies()), registry);
            WebPolicy policy =
                    new WebPolicy(options.publicUrl(), options.edge().allowedOrigins(), clusterView::servers);
            // Pages of every node seen in the cluster may open /ws here, also once that node is gone.
            clusterView.onServersChange(() -> policy.learn(clusterView.servers()));
            HttpServer http = vertx.createHttpServer(new HttpServerOptions()
                            .setHost(options.host())
                            .setPort(options.port())
                            .setMaxWebSocketFrameSize(SignalingHandler.HARD_MAX_MESSAGE_BYTES)
                            .setMaxWebSocketMessageSize(SignalingHandler.HARD_MAX_MESSAGE_BYTES)
                            // No WebSocket compression: inflating a peer's frames before any limit applies
                            // let three small frames occupy an event loop for a minute (a "deflate bomb");
                            // the protocol's JSON messages are small. A compressed frame is refused (1002).
                            .setPerMessageWebSocketCompressionSupported(false)
                            .setPerFrameWebSocketCompressionSupported(false)
                            // HTTP/1.1 only: with cleartext HTTP/2 on, Vert.x creates a connection (and calls
                            // the guard) only once the first bytes show which protocol it is, so a client that
                            // opens sockets and sends nothing would escape both the count and the deadline.
                            .setHttp2ClearTextEnabled(false)
                            .setIdleTimeout(90)
                            .setIdleTimeoutUnit(TimeUnit.SECONDS))
                    .connectionHandler(guard)
                    .requestHandler(guard.requests(Routes.create(
                            vertx,
                            signaling,
                            new Routes.Handlers(
                                    new FormsHandler(features.forms),
                                    new MaterialRoutes(features.materials),
                                    features.applications.routes(),
                                    new AppointmentRoutes(features.appointments, records, gate),
                                    new VerifyRoutes(verification, records, guard::clientOf, registry),
                                    new SupervisorRoutes(tokens, refdata, records, features.history, clock)),
                            accounts,
                            tokens,
                            new LoginThrottle(db.dataSource(), clock),
                            refdata,
                            records,
                            pki,
                            registry,
                            readiness,
                            options.nodeName(),
                            startedAt,
                            clusterView,
                            policy,
                            guard)))
                    .listen()
                    .await(30, TimeUnit.SECONDS);

            if (options.port() == 0) {
                features.applications.listening(http.actualPort());
            }
            // Work done every few seconds, on worker threads; cancelled first when the node stops.
            List<Long> timers = new java.util.ArrayList<>();
            Vertx v = vertx;
            // Signed applications waiting in the hand-off outbox (database): every node retries due ones.
            timers.add(periodic(v, 5000, () -> features.applications.retryHandoffs()));
            // The audit journal's anchor: a sealed, time-stamped checkpoint when one is due.
            timers.add(periodic(v, 30_000, new CheckpointTask(checkpoints)));
            // Live state is readable and changeable only with the cluster's quorum (a single node always has it).
            timers.add(periodic(v, 250, () -> {
                if (clusterView.hasQuorum()) {
                    signaling.broadcastIfIdle(false);
                }
            }));
            timers.add(periodic(v, 5000, () -> {
                if (clusterView.hasQuorum()) {
                    signaling.broadcastIfIdle(true);
                    signaling.refreshIceServers();
                    features.window.sweep();
                }
            }));
            // The queues' sample of the minute for the supervisor's charts (the first node to write a minute wins).
            timers.add(periodic(v, 5000, () -> {
                if (clusterView.hasQuorum()) {
                    features.history.sampleIfDue(queue::view);
                }
            }));
            timers.add(periodic(v, 2000, () -> {
                if (refdata.reloadIfChanged()) {
                    accounts.ensureAccounts(refdata.current());
                    signaling.queuesChanged();
                }
            }));
            clusterView.onServersChange(signaling::serversChanged);
            clusterView.advertise(advertisedUrl(options, http.actualPort()));
            ClusterDuty duty = ClusterDuty.start(
                    vertx,
                    hz,
                    clusterView,
                    clusterClients(signaling, features.window),
                    clock,
                    options.cluster().clerkGraceMs());
            // What the start itself wrote (seeded reference data, the PKI's logs, H2's files) is owner-only too.
            OwnerOnly.tighten(options.dataDir());
            LOG.info(
                    "Tongban node {} ready on port {} in {} ms ({}); media {}{}",
                    options.nodeName(),
                    http.actualPort(),
                    System.currentTimeMillis() - startedAt,
                    timer.mark("http").summary(),
                    options.media().mode().wireName(),
                    bridge == null ? "" : " on UDP port " + bridge.port());
            return new TongbanServer(
                    options,
                    hz,
                    vertx,
                    http,
                    refdata,
                    created,
                    db,
                    records,
                    media,
                    signaling,
                    timers,
                    duty,
                    checkpoints,
                    readiness,
                    queue,
                    "c-" + clusterView.localTag() + "-",
                    gcMetrics);
        } catch (Exception | Error e) {
            if (readiness != null) {
                readiness.close();
            }
            if (gcMetrics != null) {
                gcMetrics.close();
            }
            if (media != null) {
                media.close();
            } else if (bridge != null) {
                bridge.close();
            }
            if (vertx != null) {
                vertx.close().await(10, TimeUnit.SECONDS);
            }
            hz.shutdown();
            db.close();
            throw e;
        }
    }

    /**
     * The JVM's and the process's own meters beside the application's: memory, GC, threads, classes, CPU,
     * uptime, file descriptors, the database pool and the free space where data and recordings are written.
     */
    private static JvmGcMetrics bindProcessMetrics(MeterRegistry registry, ServerOptions options, Database db) {
        new JvmMemoryMetrics().bindTo(registry);
        // Holds GC notification listeners until closed with the node (tests start many nodes in one JVM).
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new DiskSpaceMetrics(options.dataDir().toAbsolutePath().toFile()).bindTo(registry);
        java.nio.file.Path recordings =
                options.media().recordingDir(options.dataDir()).toAbsolutePath();
        if (!recordings.startsWith(options.dataDir().toAbsolutePath())) {
            new DiskSpaceMetrics(recordings.toFile()).bindTo(registry);
        }
        db.bindMetrics(registry);
        return gc;
    }

    /** The readiness checks behind {@code /health}, run once before the node listens, then in the background. */
    private static Readiness readiness(
            ServerOptions options, Database db, EmbeddedPki pki, Clock clock, MeterRegistry registry) {
        List<HealthCheck> checks = new java.util.ArrayList<>();
        checks.add(new DatabaseCheck(db.dataSource()));
        checks.add(new DiskCheck(
                List.of(options.dataDir(), options.media().recordingDir(options.dataDir())),
                options.health().diskMinFreeBytes()));
        checks.add(new FontCheck(cn.tongban.docsign.pdf.CjkFont::openConfigured));
        if (options.media().mode() == MediaMode.BRIDGE) {
            checks.add(new FfmpegCheck(options.media().ffmpeg()));
        }
        checks.add(
                new CertificateCheck(pki::watchedCertificates, options.health().certificateWarning(), clock, registry));
        checks.add(new ClockCheck(
                options.health().chronyc(), "timedatectl", options.health().clockMaxOffset(), registry));
        return new Readiness(checks, Duration.ofSeconds(3), clock, registry).start();
    }

    /**
     * The SMS verification of applicants' numbers, or null when the options ask for none. Its key is derived
     * from a key of the installation's keystore, so that a code sent by one node is confirmed on another and a
     * token issued on one is good on all.
     */
    private static MobileVerification mobileVerification(
            ServerOptions options, InstallationSecrets secrets, DataSource ds, Clock clock) {
        ServerOptions.Applicants a = options.applicants();
        if (!a.verifyMobile()) {
            LOG.warn("Applicants' mobile numbers are not verified: anyone may take tickets with any number");
            return null;
        }
        byte[] key =
                SecretKeys.derived(secrets, options.dataDir(), "audit-fingerprint.key", "applicant verification v1");
        SmsGateway sms = a.smsGatewayUrl() == null
                ? new ConsoleSmsGateway()
                : new HttpSmsGateway(a.smsGatewayUrl(), a.smsGatewayToken(), Duration.ofSeconds(10));
        LOG.info("Applicants' mobile numbers are verified by SMS code through the {}", sms.describe());
        return new MobileVerification(
                key,
                ds,
                sms,
                new ProofOfWork(key, a.challengeBits(), ds, clock),
                new MobileVerification.Policy(a.addressFree(), a.addressMax()),
                clock);
    }

    /** What the cluster duties do to clients: the window's connection losses, the transport's closing. */
    private static ClusterDuty.Clients clusterClients(SignalingHandler signaling, VirtualWindow window) {
        return new ClusterDuty.Clients() {
            @Override
            public void applicantConnectionLost(String ticketId, String connId) {
                window.applicantConnectionLost(ticketId, connId);
            }

            @Override
            public void clerkConnectionLost(String clerkId, String connId) {
                window.clerkConnectionLost(clerkId, connId);
            }

            @Override
            public void clerkConnectionOrphaned(String sessionId) {
                window.clerkConnectionOrphaned(sessionId);
            }

            @Override
            public void bridgesDeparted() {
                window.bridgesDeparted();
            }

            @Override
            public void closeAllUnavailable() {
                signaling.closeAllUnavailable();
            }

            @Override
            public void queuesChanged() {
                signaling.queuesChanged();
            }
        };
    }

    /** Logs files under the data directory that other accounts could reach (they are owner-only now). */
    private static void warnIfOpen(OwnerOnly.Report report) {
        if (!report.tightened().isEmpty()) {
            LOG.warn(
                    "{} files and directories in the data directory were readable by other accounts and are now"
                            + " owner-only (e.g. {})",
                    report.tightened().size(),
                    report.tightened().subList(0, Math.min(5, report.tightened().size())));
        }
        if (!report.untouchable().isEmpty()) {
            LOG.warn(
                    "{} entries in the data directory are open to other accounts and cannot be restricted by this"
                            + " account (e.g. {}): fix their owner or permissions",
                    report.untouchable().size(),
                    report.untouchable()
                            .subList(0, Math.min(5, report.untouchable().size())));
        }
    }

    /** Takes audit checkpoints when due; says once when it cannot and once when it can again. */
    private static final class CheckpointTask implements Runnable {
        private final AuditCheckpoints checkpoints;
        private volatile boolean failing;

        CheckpointTask(AuditCheckpoints checkpoints) {
            this.checkpoints = checkpoints;
        }

        @Override
        public void run() {
            try {
                checkpoints.takeIfDue().ifPresent(cp -> LOG.info("Audit journal anchored at entry {}", cp.seq()));
                if (failing) {
                    failing = false;
                    LOG.info("Audit checkpoints are taken again");
                }
            } catch (RuntimeException e) {
                if (!failing) {
                    failing = true;
                    LOG.error("Audit checkpoint could not be taken (will retry): {}", e.toString());
                }
            }
        }
    }

    /** Gives every hall of the reference data its CA in the embedded PKI (a no-op for the halls it has). */
    private static void ensureHalls(EmbeddedPki pki, cn.tongban.signaling.refdata.ReferenceData data) {
        for (cn.tongban.signaling.refdata.ReferenceData.Hall h : data.halls()) {
            pki.ensureHall(new cn.tongban.docsign.pki.PkiConfig.Hall(h.id(), h.name()));
        }
    }

    /**
     * Runs {@code work} every {@code ms} on a worker thread; returns the timer. Unordered: a slow round must not
     * queue up the next ones behind it (the broadcast skips a round while one runs).
     */
    private static long periodic(Vertx vertx, long ms, Runnable work) {
        return vertx.setPeriodic(
                ms,
                id -> vertx.executeBlocking(
                        () -> {
                            work.run();
                            return null;
                        },
                        false));
    }

    /** The base URL clients reach this node at: the public URL, or loopback and the bound port when it was 0. */
    private static String advertisedUrl(ServerOptions options, int actualPort) {
        return options.port() == 0 && options.publicUrl().equals("http://127.0.0.1:8080")
                ? "http://127.0.0.1:" + actualPort
                : options.publicUrl();
    }

    /** The port the HTTP server listens on. */
    public int port() {
        return http.actualPort();
    }

    public ServerOptions options() {
        return options;
    }

    public ReferenceDataStore refdata() {
        return refdata;
    }

    /** Clerk accounts created with the initial password at this start. */
    public List<String> createdAccounts() {
        return createdAccounts;
    }

    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    /** This node's Vert.x (its event bus is the cluster's). */
    public Vertx vertx() {
        return vertx;
    }

    /** The {@code /ws} endpoint (tests drive its periodic work, e.g. {@link SignalingHandler#broadcast}). */
    public SignalingHandler signaling() {
        return signaling;
    }

    /** Media of the sessions (bridge or peer-to-peer). */
    public MediaSessions media() {
        return media;
    }

    @Override
    public void close() {
        drain(options.health().drain());
        // Nothing periodic may start on a worker pool or a cluster member that is going away.
        duty.stop();
        readiness.close();
        timers.forEach(vertx::cancelTimer);
        if (lastMember()) {
            // No join may slip in after the save: the clients' connections end first (their pages reconnect
            // and resume once the node is back).
            try {
                http.close().await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("The HTTP server did not close cleanly: {}", e.toString());
            }
        }
        saveQueuesIfLast();
        // Finishes recordings (and their audit entries) while the event bus and the database still run.
        media.close();
        try {
            vertx.close().await(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Vert.x did not close cleanly: {}", e.toString());
        }
        hazelcast.shutdown();
        db.close();
        gcMetrics.close();
    }

    /**
     * Drains this node before it stops: its clerks take no new applicant ({@code NODE_DRAINING}), {@code
     * /health} says DRAINING so that a load balancer sends no new clients, and the sessions its clerks hold go
     * on until they end or {@code max} has passed. Returns the sessions still running then.
     */
    public int drain(Duration max) {
        queue.startDraining();
        readiness.drain();
        if (max.isZero()) {
            return 0;
        }
        long deadline = System.nanoTime() + max.toNanos();
        long nextLog = 0;
        while (true) {
            int live;
            try {
                live = queue.liveSessions(localConnPrefix);
            } catch (RuntimeException e) {
                LOG.warn("Draining: cannot read the sessions ({}); stopping", e.toString());
                return -1;
            }
            if (live == 0 || System.nanoTime() >= deadline) {
                if (live > 0) {
                    LOG.warn("Drained for {} s; {} sessions still running are cut off", max.toSeconds(), live);
                }
                return live;
            }
            if (System.nanoTime() >= nextLog) {
                LOG.info("Draining: waiting for {} sessions to end (new ones are not started here)", live);
                nextLog = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return live;
            }
        }
    }

    /** Whether this node is the only member left (false when its member is already gone: nothing to save). */
    private boolean lastMember() {
        try {
            return hazelcast.getLifecycleService().isRunning()
                    && hazelcast.getCluster().getMembers().size() == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The cluster's last member keeps the waiting tickets for the next start ({@link QueueSnapshot}). */
    private void saveQueuesIfLast() {
        try {
            if (lastMember()) {
                QueueSnapshot.save(queue, db.dataSource(), Clock.systemUTC());
            }
        } catch (java.sql.SQLException | RuntimeException e) {
            LOG.warn("The waiting tickets could not be saved for the next start: {}", e.toString());
        }
    }

    /** ice4j and jitsi-srtp log through java.util.logging: send it to SLF4J like everything else. */
    private static synchronized void routeJavaUtilLogging() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    public static String version() {
        String v = TongbanServer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static final class DirtyListener
            implements EntryAddedListener<Object, Object>,
                    EntryUpdatedListener<Object, Object>,
                    EntryRemovedListener<Object, Object> {
        private final SignalingHandler signaling;

        DirtyListener(SignalingHandler signaling) {
            this.signaling = signaling;
        }

        @Override
        public void entryAdded(EntryEvent<Object, Object> event) {
            signaling.queuesChanged();
        }

        @Override
        public void entryUpdated(EntryEvent<Object, Object> event) {
            signaling.queuesChanged();
        }

        @Override
        public void entryRemoved(EntryEvent<Object, Object> event) {
            signaling.queuesChanged();
        }
    }

    private static <T> void closeQuietly(Future<T> f, java.util.function.Consumer<T> close) {
        try {
            close.accept(f.get());
        } catch (Exception ignored) {
            // It failed to start; nothing to release.
        }
    }

    /** Times the phases of a start, for the ready line. */
    private static final class StartupTimer {
        private final StringBuilder phases = new StringBuilder();
        private long last = System.nanoTime();

        StartupTimer mark(String phase) {
            long now = System.nanoTime();
            if (phases.length() > 0) {
                phases.append(", ");
            }
            phases.append(phase).append(' ').append((now - last) / 1_000_000).append(" ms");
            last = now;
            return this;
        }

        String summary() {
            return phases.toString();
        }
    }
}
