package cn.tongban.signaling.application;

import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.form.ApplicationData;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.sign.ApplicationSigningFlow;
import cn.tongban.docsign.sign.PadesSigner;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.signaling.form.DeclarationForm;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.materials.MaterialService;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.BlobStore;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.util.Mask;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clerk's signature and the owning hall's e-seal on an application the applicant signed, whoever asks:
 * the session's clerk ({@code clerk_sign}) or, after the session ended, a clerk of the same hall from the
 * console's list ({@link ApplicationDesk}). One claim per application ({@link ApplicationStore#claimSealing}):
 * two clicks, two clerks or two nodes never seal it twice, and a claim left by a node that died mid-sealing
 * can be taken over once it is {@link #STALE_MS} old. The result is verified with docsign's {@link
 * PdfVerifier} before it is stored; every outcome is audited.
 */
final class Sealing {
    private static final Logger LOG = LoggerFactory.getLogger(Sealing.class);
    /** A claim this old was left by a node that stopped mid-sealing (sealing takes seconds). */
    static final long STALE_MS = 10 * 60_000;

    /** A sealed application and the verifier's report on it. */
    record Sealed(ApplicationStore.Row row, VerificationReport report) {}

    private final ApplicationStore store;
    private final BlobStore files;
    private final EmbeddedPki pki;
    private final Supplier<PadesSigner> signer;
    private final List<X509Certificate> anchors;
    private final FormCatalog forms;
    private final MaterialService materials;
    private final Handoff handoff;
    private final Records records;
    private final Supplier<ReferenceData> refdata;
    private final Clock clock;

    Sealing(
            ApplicationStore store,
            BlobStore files,
            EmbeddedPki pki,
            Supplier<PadesSigner> signer,
            List<X509Certificate> anchors,
            FormCatalog forms,
            MaterialService materials,
            Handoff handoff,
            Records records,
            Supplier<ReferenceData> refdata,
            Clock clock) {
        this.store = store;
        this.files = files;
        this.pki = pki;
        this.signer = signer;
        this.anchors = List.copyOf(anchors);
        this.forms = forms;
        this.materials = materials;
        this.handoff = handoff;
        this.records = records;
        this.refdata = refdata;
        this.clock = clock;
    }

    /** Whether the application can be claimed for sealing now (signed by the applicant, or a stale claim). */
    boolean claimable(ApplicationStore.Row app) {
        return app.status() == ApplicationStore.Status.APPLICANT_SIGNED
                || (app.status() == ApplicationStore.Status.SEALING && app.updatedAt() < clock.millis() - STALE_MS);
    }

    /**
     * Claims, signs as {@code clerk}, seals with the owning hall's e-seal, verifies and records the application
     * as it was read ({@code app}), ready for the hand-off ({@link Handoff#file}). Blocking.
     *
     * @param actor who asks, for the audit trail ({@code clerk:<id>})
     * @param applicantName the applicant's name (masked in the hand-off manifest)
     * @param via {@code session} or {@code console} (audited)
     * @throws ProtocolException {@code WRONG_STATE} when the application is not waiting for the clerk or someone
     *     else claimed it first, {@code SIGNING_UNAVAILABLE} or {@code SIGNATURE_INVALID} when sealing failed (the
     *     application then waits for the clerk again)
     */
    Sealed seal(
            ApplicationStore.Row app,
            ReferenceData.ClerkProfile clerk,
            String actor,
            String applicantName,
            String via) {
        if (!claimable(app)) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE,
                    switch (app.status()) {
                        case SEALED -> "the application is already sealed";
                        case SEALING -> "the application is being sealed";
                        default -> "the applicant has not signed yet";
                    });
        }
        DeclarationForm form = forms.form(app.matterId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NO_FORM, "this matter has no declaration form"));
        long claimedAt = clock.millis();
        if (!store.claimSealing(app, claimedAt)) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "the application is being sealed");
        }
        if (app.status() == ApplicationStore.Status.SEALING) {
            LOG.warn("Application {}: taking over a sealing claim left since {}", app.applicationId(), app.updatedAt());
            records.audit(
                    actor,
                    AuditAction.APPLICATION_SEALING_RESUMED,
                    app.sessionId(),
                    AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                            .and(
                                    AuditField.CLAIMED_SINCE,
                                    Instant.ofEpochMilli(app.updatedAt()).toString()));
        }
        boolean stored = false;
        VerificationReport report;
        String sha;
        boolean transfer = Handoff.needed(app.hallId(), app.partnerHallId());
        try {
            byte[] sealed = signAndSeal(app, clerk, claimedAt);
            report = new PdfVerifier(anchors).verify(sealed);
            if (report.verdict() != Verdict.VALID) {
                records.audit(
                        actor,
                        AuditAction.APPLICATION_VERIFICATION_FAILED,
                        app.sessionId(),
                        AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                                .and(AuditField.VERDICT, report.verdict().name()));
                throw new ProtocolException(
                        ErrorCode.SIGNATURE_INVALID, "the sealed application does not verify: " + report.verdict());
            }
            sha = Hashes.sha256(sealed);
            files.put(sha, sealed);
            String manifest = new String(
                    HandoffReceiver.json(manifest(app, form, applicantName, sealed, sha)), StandardCharsets.UTF_8);
            long done = clock.millis();
            stored = store.sealed(
                    app.applicationId(),
                    claimedAt,
                    sha,
                    report.verdict().name(),
                    clerk.id(),
                    transfer ? ApplicationStore.Handoff.PENDING : ApplicationStore.Handoff.LOCAL,
                    transfer ? handoff.target(app.hallId()) : null,
                    manifest,
                    done + 60_000,
                    done);
            if (!stored) {
                throw new ProtocolException(ErrorCode.WRONG_STATE, "the application changed meanwhile");
            }
        } catch (DocsignException | IllegalStateException | java.io.UncheckedIOException e) {
            LOG.error("Session {}: sealing {} failed", app.sessionId(), app.applicationId(), e);
            throw new ProtocolException(
                    ErrorCode.SIGNING_UNAVAILABLE,
                    "cannot sign and seal: "
                            + (e instanceof DocsignException d ? d.error().code() : e.getMessage()));
        } finally {
            if (!stored) {
                // The application waits for the clerk again (unless another node has taken the claim over).
                store.releaseSealing(app.applicationId(), claimedAt, clock.millis());
            }
        }
        records.audit(
                actor,
                AuditAction.APPLICATION_SEALED,
                app.sessionId(),
                AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                        .and(AuditField.CLERK, clerk.id())
                        .and(AuditField.SEAL, app.hallId())
                        .and(AuditField.FINAL_SHA256, sha)
                        .and(AuditField.VERDICT, report.verdict().name())
                        .and(AuditField.SIGNATURES, report.signatures().size())
                        .and(AuditField.HANDOFF, transfer ? "to " + app.hallId() : "local")
                        .and(AuditField.VIA, via));
        LOG.info(
                "Session {}: application {} signed by clerk {} and sealed ({}, {})",
                app.sessionId(),
                app.applicationId(),
                clerk.id(),
                report.verdict(),
                via);
        return new Sealed(store.find(app.applicationId()).orElseThrow(), report);
    }

    /**
     * The clerk's signature, then the owning hall's e-seal (PAdES B-LTA). What the stamp and the seal
     * show — the clerk's name and staff number, the hall — comes from their certificates, never from
     * the reference data.
     */
    private byte[] signAndSeal(ApplicationStore.Row app, ReferenceData.ClerkProfile clerk, long at) {
        ApplicationSigningFlow flow = new ApplicationSigningFlow(signer.get());
        Instant when = Instant.ofEpochMilli(at);
        byte[] v2 = flow.clerkSigns(
                files.get(app.currentSha256()), pki.clerk(clerk.hallId(), clerk.id(), clerk.name()), when);
        return flow.hallSeals(v2, pki.hallSeal(app.hallId()), when);
    }

    private Manifest manifest(
            ApplicationStore.Row app, DeclarationForm form, String applicantName, byte[] pdf, String sha) {
        List<String> attachments = new ArrayList<>();
        for (ApplicationData.Material mat :
                ApplicationContent.materials(materials.forTicket(app.ticketId()), x -> new byte[0])) {
            attachments.add(mat.fileName());
        }
        return new Manifest(
                1,
                app.applicationId(),
                app.matterId(),
                form.matterCode(),
                refdata.get()
                        .matter(app.matterId())
                        .map(ReferenceData.Matter::name)
                        .orElse(form.title()),
                app.hallId(),
                app.partnerHallId() == null ? app.hallId() : app.partnerHallId(),
                app.sessionId(),
                Mask.name(applicantName),
                sha,
                pdf.length,
                attachments,
                clock.millis());
    }
}
