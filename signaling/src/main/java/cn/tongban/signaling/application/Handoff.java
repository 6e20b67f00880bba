package cn.tongban.signaling.application;

import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.BlobStore;
import cn.tongban.signaling.store.Records;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files a sealed application with its owning hall. When the accepting (partner) hall is another hall, the
 * package goes to the owning hall's node over HTTP ({@code POST <nodeUrl>/api/handoff}, body the final PDF,
 * headers the manifest and the sending hall's CMS signature over it — see {@link HallSignature}); when the
 * owning hall accepted it itself, this node files it with the same checks ({@link HandoffReceiver#accept}).
 *
 * <p>The {@code application} table is the outbox: an undelivered package stays {@code PENDING} and is retried
 * with growing pauses (5 s, 15 s, 45 s ... at most 10 min) by {@link #retryDue()}, which every node calls
 * periodically (a conditional update claims each attempt, so two nodes never send one package at the same
 * time); a package the owning hall refused becomes {@code REFUSED} with its reason and is kept, as is every
 * file. The receipt that comes back is verified before it is shown.
 */
final class Handoff {
    private static final Logger LOG = LoggerFactory.getLogger(Handoff.class);
    private static final long FIRST_RETRY_MS = 5_000;
    private static final long MAX_RETRY_MS = 10 * 60_000;
    /** How long one attempt holds its claim (longer than the request timeout). */
    private static final long LEASE_MS = 60_000;

    private final ApplicationStore store;
    private final BlobStore files;
    private final HandoffReceiver receiver;
    private final EmbeddedPki pki;
    /** What a hall's signatures may chain to: the own anchors and the partner roots bound to it, asked each time. */
    private final java.util.function.Function<String, List<X509Certificate>> anchors;

    private final Supplier<ReferenceData> refdata;
    private final Supplier<String> selfUrl;
    private final Records records;
    private final Clock clock;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile Consumer<ApplicationStore.Row> changed = r -> {};

    Handoff(
            ApplicationStore store,
            BlobStore files,
            HandoffReceiver receiver,
            EmbeddedPki pki,
            java.util.function.Function<String, List<X509Certificate>> anchors,
            Supplier<ReferenceData> refdata,
            Supplier<String> selfUrl,
            Records records,
            Clock clock) {
        this.store = store;
        this.files = files;
        this.receiver = receiver;
        this.pki = pki;
        this.anchors = anchors;
        this.refdata = refdata;
        this.selfUrl = selfUrl;
        this.records = records;
        this.clock = clock;
    }

    /** Called with the row after every change of its hand-off (to tell the parties). */
    void onChange(Consumer<ApplicationStore.Row> listener) {
        this.changed = listener;
    }

    /** Whether an application accepted at {@code partnerHallId} must travel to {@code owningHallId}'s node. */
    static boolean needed(String owningHallId, String partnerHallId) {
        return partnerHallId != null && !partnerHallId.equals(owningHallId);
    }

    /** The owning hall's node: its {@code nodeUrl} in the reference data, else this node. */
    String target(String owningHallId) {
        return refdata.get()
                .hall(owningHallId)
                .map(ReferenceData.Hall::nodeUrl)
                .filter(u -> !u.isBlank())
                .orElseGet(selfUrl);
    }

    /** First filing right after sealing. Blocking. */
    void file(ApplicationStore.Row app) {
        if (app.handoff() == ApplicationStore.Handoff.LOCAL) {
            fileLocally(app);
        } else {
            attempt(app);
        }
    }

    /** Sends every due package once. Blocking; called periodically on a worker. */
    void retryDue() {
        for (ApplicationStore.Row app : store.dueHandoffs(clock.millis())) {
            retry(app);
        }
    }

    /**
     * Sends one package of the outbox now if it is due (after a resend), unless another node's retry loop
     * took it first. Blocking.
     */
    void retryNow(String applicationId) {
        store.find(applicationId)
                .filter(app -> app.handoff() == ApplicationStore.Handoff.PENDING
                        && app.handoffNextAt() != null
                        && app.handoffNextAt() <= clock.millis())
                .ifPresent(this::retry);
    }

    private void retry(ApplicationStore.Row app) {
        if (store.claimHandoff(app.applicationId(), app.handoffNextAt(), clock.millis() + LEASE_MS)) {
            if (needed(app.hallId(), app.partnerHallId())) {
                attempt(app);
            } else {
                // A resent local filing (the owning hall accepted it itself): filed on this node again.
                fileLocally(app);
            }
        }
    }

    private void fileLocally(ApplicationStore.Row app) {
        long now = clock.millis();
        try {
            Manifest m = manifest(app, now);
            HandoffReceiver.Accepted a = receiver.accept(m, HandoffReceiver.json(m), files.get(app.finalSha256()));
            files.put(a.receiptSha256(), a.receipt());
            store.handoffDelivered(
                    app.applicationId(),
                    ApplicationStore.Handoff.LOCAL,
                    a.receiptNo(),
                    a.receiptSha256(),
                    a.receivedAt(),
                    0,
                    now);
            records.audit(
                    "server",
                    AuditAction.APPLICATION_FILED,
                    app.sessionId(),
                    AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                            .and(AuditField.HALL, app.hallId())
                            .and(AuditField.RECEIPT, a.receiptNo())
                            .and(AuditField.RECEIPT_SHA256, a.receiptSha256()));
        } catch (HandoffReceiver.Refused r) {
            refusedLocally(app, r.reason + ": " + r.getMessage(), now);
        } catch (RuntimeException e) {
            LOG.error("Filing application {} failed", app.applicationId(), e);
            refusedLocally(app, "INTERNAL: " + e, now);
        }
        store.find(app.applicationId()).ifPresent(changed);
    }

    private void refusedLocally(ApplicationStore.Row app, String reason, long now) {
        store.handoffRefused(app.applicationId(), reason, app.handoffAttempts(), now);
        records.audit(
                "hall:" + app.hallId(),
                AuditAction.HANDOFF_REFUSED,
                app.sessionId(),
                AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                        .and(AuditField.TO, app.hallId())
                        .and(AuditField.LOCAL, true)
                        .and(AuditField.REASON, reason));
        LOG.warn("Filing of {} at {} refused: {}", app.applicationId(), app.hallId(), reason);
    }

    private void attempt(ApplicationStore.Row app) {
        int attempt = app.handoffAttempts() + 1;
        long now = clock.millis();
        String url = target(app.hallId()) + "/api/handoff";
        String failure;
        try {
            byte[] pdf = files.get(app.finalSha256());
            Manifest m = manifest(app, now);
            m = new Manifest(
                    m.version(),
                    m.applicationId(),
                    m.matterId(),
                    m.matterCode(),
                    m.matterName(),
                    m.owningHallId(),
                    m.fromHallId(),
                    m.sessionId(),
                    m.applicant(),
                    Hashes.sha256(pdf),
                    pdf.length,
                    m.attachments(),
                    now);
            byte[] manifest = HandoffReceiver.json(m);
            byte[] signature = HallSignature.sign(manifest, pki.hallSeal(app.partnerHallId()));
            HttpResponse<byte[]> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(30))
                            .header("content-type", "application/pdf")
                            .header(
                                    "x-tongban-manifest",
                                    Base64.getUrlEncoder().withoutPadding().encodeToString(manifest))
                            .header("x-tongban-signature", Base64.getEncoder().encodeToString(signature))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(pdf))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = parse(r.body());
            if (r.statusCode() == 201 || r.statusCode() == 200) {
                failure = delivered(app, body, attempt);
                if (failure == null) {
                    return;
                }
            } else if (r.statusCode() == 422
                    && body.path("error").path("code").asText().equals("HANDOFF_REFUSED")) {
                String reason = body.path("error").path("reason").asText("HANDOFF_REFUSED") + ": "
                        + body.path("error").path("message").asText("");
                store.handoffRefused(app.applicationId(), reason, attempt, clock.millis());
                records.audit(
                        "hall:" + app.partnerHallId(),
                        AuditAction.HANDOFF_REFUSED,
                        app.sessionId(),
                        AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                                .and(AuditField.TO, app.hallId())
                                .and(AuditField.URL, url)
                                .and(AuditField.ATTEMPT, attempt)
                                .and(AuditField.REASON, reason));
                LOG.warn("Hand-off of {} to {} refused: {}", app.applicationId(), url, reason);
                store.find(app.applicationId()).ifPresent(changed);
                return;
            } else {
                failure = "HTTP " + r.statusCode() + " "
                        + body.path("error").path("code").asText("") + " "
                        + body.path("error").path("message").asText("");
            }
        } catch (IOException e) {
            failure = "UNREACHABLE: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "INTERRUPTED";
        } catch (RuntimeException e) {
            LOG.error("Hand-off of {} failed", app.applicationId(), e);
            failure = "INTERNAL: " + e;
        }
        long delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * (long) Math.pow(3, Math.min(attempt - 1, 8)));
        store.handoffFailed(app.applicationId(), failure.strip(), attempt, clock.millis() + delay, clock.millis());
        records.audit(
                "hall:" + app.partnerHallId(),
                AuditAction.HANDOFF_RETRY,
                app.sessionId(),
                AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                        .and(AuditField.TO, app.hallId())
                        .and(AuditField.URL, url)
                        .and(AuditField.ATTEMPT, attempt)
                        .and(AuditField.FAILURE, failure.strip())
                        .and(AuditField.NEXT_IN_SECONDS, delay / 1000));
        LOG.info(
                "Hand-off of {} to {} failed ({}); retry in {} s",
                app.applicationId(),
                url,
                failure.strip(),
                delay / 1000);
        store.find(app.applicationId()).ifPresent(changed);
    }

    /** Checks and keeps the receipt; returns why it is unusable, or null when delivered. */
    private String delivered(ApplicationStore.Row app, JsonNode body, int attempt) {
        byte[] receipt;
        try {
            receipt = Base64.getDecoder().decode(body.path("receipt").asText(""));
        } catch (IllegalArgumentException e) {
            return "RECEIPT_INVALID: not base64";
        }
        String sha = Hashes.sha256(receipt);
        if (!sha.equals(body.path("receiptSha256").asText())
                || !app.applicationId().equals(body.path("applicationId").asText())) {
            return "RECEIPT_INVALID: it names another file or application";
        }
        try {
            // The receipt is the owning hall's: only its anchors vouch for it.
            Verdict v =
                    new PdfVerifier(anchors.apply(app.hallId())).verify(receipt).verdict();
            if (v != Verdict.VALID) {
                return "RECEIPT_INVALID: its seal does not verify (" + v + ")";
            }
        } catch (DocsignException e) {
            return "RECEIPT_INVALID: " + e.error().code();
        }
        files.put(sha, receipt);
        long now = clock.millis();
        store.handoffDelivered(
                app.applicationId(),
                ApplicationStore.Handoff.DELIVERED,
                body.path("receiptNo").asText(),
                sha,
                body.path("receivedAt").asLong(now),
                attempt,
                now);
        records.audit(
                "hall:" + app.partnerHallId(),
                AuditAction.HANDOFF_DELIVERED,
                app.sessionId(),
                AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                        .and(AuditField.TO, app.hallId())
                        .and(AuditField.ATTEMPT, attempt)
                        .and(AuditField.RECEIPT, body.path("receiptNo").asText())
                        .and(AuditField.RECEIPT_SHA256, sha));
        LOG.info(
                "Application {} delivered to {}: receipt {}",
                app.applicationId(),
                app.hallId(),
                body.path("receiptNo").asText());
        store.find(app.applicationId()).ifPresent(changed);
        return null;
    }

    private Manifest manifest(ApplicationStore.Row app, long now) {
        try {
            Manifest m = HandoffReceiver.JSON.readValue(app.manifestJson(), Manifest.class);
            return new Manifest(
                    m.version(),
                    m.applicationId(),
                    m.matterId(),
                    m.matterCode(),
                    m.matterName(),
                    m.owningHallId(),
                    m.fromHallId(),
                    m.sessionId(),
                    m.applicant(),
                    m.pdfSha256(),
                    m.pdfBytes(),
                    m.attachments(),
                    now);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable manifest of " + app.applicationId(), e);
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            return HandoffReceiver.JSON.readTree(body);
        } catch (IOException e) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }
}
