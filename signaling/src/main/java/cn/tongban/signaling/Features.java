package cn.tongban.signaling;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.TrustServices;
import cn.tongban.session.media.Bridge;
import cn.tongban.signaling.application.Applications;
import cn.tongban.signaling.appointment.AppointmentService;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.declaration.CoBrowse;
import cn.tongban.signaling.declaration.DeclarationService;
import cn.tongban.signaling.form.AuditValues;
import cn.tongban.signaling.form.DraftStore;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.identity.IdentityService;
import cn.tongban.signaling.live.Changes;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.live.Parties;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.materials.MaterialService;
import cn.tongban.signaling.materials.MaterialStore;
import cn.tongban.signaling.media.MediaMessages;
import cn.tongban.signaling.media.MediaSessions;
import cn.tongban.signaling.media.RecordingArchive;
import cn.tongban.signaling.pki.TrustAnchors;
import cn.tongban.signaling.queue.QueueHistory;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.BlobStore;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.RecordingStore;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.store.SecretKeys;
import cn.tongban.signaling.supervisor.Supervision;
import cn.tongban.signaling.verify.ApplicantGate;
import cn.tongban.signaling.window.VirtualWindow;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every feature of the server, built in the order their dependencies need, each constructed with what it
 * uses (nothing is wired by setters), and each registering its message handlers and hooks on one {@link
 * Registry}. The HTTP routes of the features are listed in {@link cn.tongban.signaling.http.Routes}.
 *
 * <pre>
 *   window ──▶ media ──▶ queue          supervisor ──▶ queue
 *   declaration ──▶ form      application ──▶ identity ──▶ materials ──▶ form
 *   (all of them ──▶ live: Party, Outbox, Registry)
 * </pre>
 */
final class Features {
    private static final Logger LOG = LoggerFactory.getLogger(Features.class);

    final MediaSessions media;
    final VirtualWindow window;
    final MaterialService materials;
    final Applications applications;
    final FormCatalog forms;
    final AppointmentService appointments;
    final QueueHistory history;

    private Features(
            MediaSessions media,
            VirtualWindow window,
            MaterialService materials,
            Applications applications,
            FormCatalog forms,
            AppointmentService appointments,
            QueueHistory history) {
        this.media = media;
        this.window = window;
        this.materials = materials;
        this.applications = applications;
        this.forms = forms;
        this.appointments = appointments;
        this.history = history;
    }

    /** What the features are built from: the node's infrastructure, started before them. */
    record Infrastructure(
            ServerOptions options,
            Vertx vertx,
            HazelcastInstance hz,
            DataSource db,
            InstallationSecrets secrets,
            EmbeddedPki pki,
            TrustServices trust,
            Bridge bridge,
            ReferenceDataStore refdata,
            Records records,
            QueueService queue,
            TokenService tokens,
            ApplicantGate gate,
            Clock clock,
            MeterRegistry metrics) {}

    static Features create(Infrastructure in, Outbox outbox, Changes changes, Registry registry) throws IOException {
        ServerOptions options = in.options();
        DataSource db = in.db();
        Parties parties = new Parties(in.queue());

        MediaSessions media = MediaSessions.create(
                in.vertx(),
                in.hz(),
                options.media().mode(),
                in.bridge(),
                in.queue(),
                in.refdata(),
                in.records(),
                new RecordingArchive(
                        in.records(), new RecordingStore(db), options.media().ffmpeg(), options.nodeName(), in.clock()),
                options.media().recordingDir(options.dataDir()),
                outbox,
                in.clock(),
                in.metrics());
        new MediaMessages(media, in.queue(), in.refdata(), in.records(), outbox, in.clock()).register(registry);

        // The guided declaration's parts: forms and drafts, materials, the identity check, the application.
        FormCatalog forms = FormCatalog.load(
                options.dataDir(),
                in.refdata().current().matters().stream()
                        .map(ReferenceData.Matter::id)
                        .toList());
        // Keys from the installation's keystore: every node of a cluster signs and fingerprints alike.
        AuditValues auditValues =
                new AuditValues(SecretKeys.shared(in.secrets(), options.dataDir(), "audit-fingerprint.key"));
        DraftStore drafts = new DraftStore(db);
        BlobStore files = new BlobStore(db, in.clock());
        // Installations before V7 kept materials under the data directory.
        files.importDirectory(options.dataDir().resolve("materials"));
        MaterialService materials = new MaterialService(
                forms,
                new MaterialStore(db),
                files,
                in.queue(),
                in.hz(),
                in.records(),
                SecretKeys.ring(in.secrets(), options.dataDir(), "material-url.key"),
                outbox,
                in.clock());
        materials.register(registry, parties);
        IdentityService identity = new IdentityService(
                forms,
                drafts,
                materials,
                IdentityService.loadVerifier(),
                in.records(),
                auditValues,
                db,
                outbox,
                in.clock());
        identity.register(registry, parties);
        Applications applications = Applications.create(
                options.dataDir(),
                in.pki(),
                in.trust(),
                new TrustAnchors(db, in.clock())::certificatesFor,
                forms,
                drafts,
                materials,
                identity,
                db,
                SecretKeys.ring(in.secrets(), options.dataDir(), "application-url.key"),
                in.hz(),
                in.records(),
                in.queue(),
                in.refdata()::current,
                options.publicUrl(),
                media::recorded,
                outbox,
                in.clock());
        applications.register(registry, parties);
        new DeclarationService(
                        forms,
                        drafts,
                        new CoBrowse(in.hz()),
                        in.records(),
                        auditValues,
                        in.refdata()::current,
                        outbox,
                        // A party opening the declaration (e.g. after a reload) is told the rest again.
                        List.of(materials::replay, identity::replay, applications.service()::replay),
                        in.clock())
                .register(registry, parties);

        AppointmentService appointments = new AppointmentService(db, in.refdata()::current, in.clock());
        QueueHistory history = new QueueHistory(db, in.clock());
        VirtualWindow window = new VirtualWindow(
                in.queue(),
                in.tokens(),
                in.refdata(),
                in.records(),
                media,
                appointments,
                in.gate(),
                outbox,
                changes,
                List.of(applications.desk()::sessionEnded),
                options.cluster().clerkGraceMs(),
                (delayMs, blocking) -> in.vertx().setTimer(Math.max(1, delayMs), id -> in.vertx()
                        .executeBlocking(
                                () -> {
                                    blocking.run();
                                    return null;
                                },
                                false)
                        .onFailure(t -> LOG.warn("Delayed work failed: {}", t.toString()))),
                in.metrics(),
                history);
        window.register(registry);
        new Supervision(in.queue(), in.tokens(), in.refdata(), in.records()).register(registry);
        return new Features(media, window, materials, applications, forms, appointments, history);
    }
}
