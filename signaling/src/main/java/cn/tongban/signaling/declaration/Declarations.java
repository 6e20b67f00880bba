package cn.tongban.signaling.declaration;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.TrustServices;
import cn.tongban.signaling.application.Applications;
import cn.tongban.signaling.form.AuditValues;
import cn.tongban.signaling.form.DraftStore;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.form.FormsHandler;
import cn.tongban.signaling.identity.IdentityService;
import cn.tongban.signaling.materials.MaterialRoutes;
import cn.tongban.signaling.materials.MaterialService;
import cn.tongban.signaling.materials.MaterialStore;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.BlobStore;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.store.SecretKeys;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The guided-declaration module as the server assembles it: forms, drafts, co-browsing, materials, the
 * identity check and the HTTP routes it adds. The server builds one, hands {@link #service()} to the signaling handler and
 * lets {@link #mount} add its routes.
 */
public final class Declarations {
    private final DeclarationService service;
    private final MaterialService materials;
    private final Applications applications;

    private Declarations(DeclarationService service, MaterialService materials, Applications applications) {
        this.service = service;
        this.materials = materials;
        this.applications = applications;
    }

    /** Loads and validates the forms (fails on a bad definition) and wires the parts. */
    public static Declarations create(
            Path dataDir,
            Supplier<ReferenceData> refdata,
            DataSource db,
            HazelcastInstance hz,
            Records records,
            QueueService queue,
            EmbeddedPki pki,
            TrustServices trust,
            String publicUrl,
            Predicate<String> recordedMatter,
            Clock clock)
            throws IOException {
        FormCatalog forms = FormCatalog.load(
                dataDir,
                refdata.get().matters().stream().map(ReferenceData.Matter::id).toList());
        // Keys from the database: every node of a cluster signs and fingerprints alike.
        AuditValues auditValues = new AuditValues(SecretKeys.shared(db, dataDir, "audit-fingerprint.key"));
        DraftStore drafts = new DraftStore(db);
        DeclarationService service =
                new DeclarationService(forms, drafts, new CoBrowse(hz), records, auditValues, refdata, clock);
        BlobStore files = new BlobStore(db, clock);
        // Installations before V7 kept materials under the data directory.
        files.importDirectory(dataDir.resolve("materials"));
        MaterialService materials = new MaterialService(
                forms,
                new MaterialStore(db),
                files,
                queue,
                hz,
                records,
                SecretKeys.shared(db, dataDir, "material-url.key"),
                clock);
        IdentityService identity = new IdentityService(
                forms, drafts, materials, IdentityService.loadVerifier(), records, auditValues, db, clock);
        service.parts(materials, identity);
        Applications applications = Applications.create(
                dataDir,
                pki,
                trust,
                forms,
                drafts,
                materials,
                identity,
                db,
                hz,
                records,
                queue,
                refdata,
                publicUrl,
                recordedMatter,
                clock);
        service.signing(applications.service());
        return new Declarations(service, materials, applications);
    }

    /** Signed applications and their hand-off to the owning hall. */
    public Applications applications() {
        return applications;
    }

    public DeclarationService service() {
        return service;
    }

    /**
     * Adds {@code GET /api/forms/:matterId}, {@code POST /api/uploads/:token}, {@code GET
     * /api/materials/:id/content} and the application routes ({@code /api/applications/...}, {@code POST
     * /api/handoff}). Call before the {@code /api/*} catch-all.
     */
    public void mount(Router router) {
        router.get("/api/forms/:matterId").handler(new FormsHandler(service.forms()));
        MaterialRoutes.mount(router, materials);
        applications.mount(router);
    }
}
