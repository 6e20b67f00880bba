package cn.tongban.signaling.application;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.form.ApplicationData;
import cn.tongban.docsign.form.ApplicationFormRenderer;
import cn.tongban.docsign.form.MaterialInspector;
import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.sign.ApplicationSigningFlow;
import cn.tongban.docsign.sign.PadesSigner;
import cn.tongban.docsign.sign.PreparedSignature;
import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.signaling.form.DeclarationForm;
import cn.tongban.signaling.form.DraftStore;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.identity.IdentityService;
import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.live.Parties;
import cn.tongban.signaling.live.Party;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.materials.MaterialService;
import cn.tongban.signaling.materials.MaterialStore;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ErrorReason;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.BlobStore;
import cn.tongban.signaling.store.Records;
import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signed application of a session (issue 6, items 5 and 6), enforced on the server:
 *
 * <ol>
 *   <li><b>Prepare</b> (clerk, {@code app_prepare}): only once the declaration is submitted, the identity
 *       check passed and every required material was received. docsign renders the application as PDF/A-3b
 *       from the form, the submitted values, the received materials (embedded as associated files) and the
 *       session evidence (session, clerk, times, the recording's SHA-256 when recorded). Both parties see
 *       page images of it.
 *   <li><b>Intent</b> (意愿认证, applicant only): the applicant asks for a one-time six-digit code
 *       ({@code intent_request}); the server sends it to the applicant's connection alone (never to the
 *       clerk's), bound to the SHA-256 of the rendered application, valid five minutes, five tries; the
 *       applicant types it back ({@code intent_confirm}). A code typed on the applicant's own page proves that
 *       the person at that page confirmed this very document; the clerk's console has no such field and a
 *       clerk's {@code intent_*} or {@code sign_*} is refused as {@code NO_CONTROL_ZONE} and audited.
 *   <li><b>Applicant's signature</b> (applicant only): the browser makes an ECDSA P-256 key that cannot be
 *       exported (WebCrypto) and sends the public key with the handwritten signature ({@code sign_begin}); the
 *       hall CA certifies the key for this session — only if the identity check passed — and docsign prepares
 *       a certification signature (PAdES, DocMDP P=2) whose DER signed attributes go back to the browser
 *       ({@code sign_data}); the browser signs them ({@code sign_complete}); docsign checks the value against
 *       the certificate before embedding it (a bad one is {@code SIGNATURE_INVALID}) and time-stamps it.
 *   <li><b>Clerk and seal</b> (clerk, {@code clerk_sign}): the clerk's credential and the owning hall's
 *       e-seal sign in turn, to PAdES B-LTA; the result is verified with docsign's {@link PdfVerifier} before
 *       it is offered for download, then filed with the owning hall ({@link Handoff}).
 * </ol>
 *
 * Every step goes to the audit trail. Called on a worker thread by the declaration service, after the
 * signaling handler checked that the sender belongs to the session.
 */
public final class SigningService {
    private static final Logger LOG = LoggerFactory.getLogger(SigningService.class);
    private static final long INTENT_TTL_MS = 5 * 60_000;
    private static final int INTENT_TRIES = 5;
    private static final long SIGN_TTL_MS = 10 * 60_000;
    private static final int MAX_HANDWRITING_BYTES = 44 * 1024;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
    private static final PdfLimits HANDWRITING_LIMITS =
            new PdfLimits(MAX_HANDWRITING_BYTES, 8L << 20, 8L << 20, 16L << 20, 2_000);

    /** The intent code of a session, kept in the cluster under the session id. */
    record Intent(String codeHash, String formSha256, long expiresAt, int tries) {
        /** The same code in the same round of tries (what a compare-and-set of the record would compare). */
        boolean sameAs(Intent o) {
            return o != null
                    && codeHash.equals(o.codeHash)
                    && formSha256.equals(o.formSha256)
                    && expiresAt == o.expiresAt
                    && tries == o.tries;
        }
    }

    /**
     * Replaces the session's intent by {@code next} (removes it when {@code next} is null) if it is still
     * {@code expected}; answers whether it was. An entry processor rather than {@code replace(key, old,
     * new)}, which compares serialized bytes and fails when the entry was written under another build's
     * schema.
     */
    record IntentReplace(Intent expected, Intent next) implements EntryProcessor<String, Intent, Boolean> {
        @Override
        public Boolean process(Map.Entry<String, Intent> e) {
            if (!expected.sameAs(e.getValue())) {
                return false;
            }
            e.setValue(next);
            return true;
        }
    }

    private final FormCatalog forms;
    private final DraftStore drafts;
    private final MaterialService materials;
    private final IdentityService identity;
    private final ApplicationStore store;
    private final BlobStore files;
    private final Previews previews;
    private final UrlSigner urls;
    private final EmbeddedPki pki;
    private final Supplier<PadesSigner> signer;
    private final List<X509Certificate> anchors;
    private final Supplier<CjkFont> font;
    private final RecordingDigests recordings;
    private final Handoff handoff;
    private final QueueService queue;
    private final Records records;
    private final Supplier<ReferenceData> refdata;
    private final Clock clock;
    private final IMap<String, Intent> intents;
    private final Sealing sealing;
    private final PendingSignatures pending;
    private final Map<String, ServerMessage.Verification> verified = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Outbox outbox;

    SigningService(
            FormCatalog forms,
            DraftStore drafts,
            MaterialService materials,
            IdentityService identity,
            ApplicationStore store,
            BlobStore files,
            Previews previews,
            UrlSigner urls,
            EmbeddedPki pki,
            Supplier<PadesSigner> signer,
            List<X509Certificate> anchors,
            Supplier<CjkFont> font,
            RecordingDigests recordings,
            Handoff handoff,
            QueueService queue,
            HazelcastInstance hz,
            Records records,
            Supplier<ReferenceData> refdata,
            Outbox outbox,
            Clock clock) {
        this.outbox = outbox;
        this.forms = forms;
        this.drafts = drafts;
        this.materials = materials;
        this.identity = identity;
        this.store = store;
        this.files = files;
        this.previews = previews;
        this.urls = urls;
        this.pki = pki;
        this.signer = signer;
        this.anchors = List.copyOf(anchors);
        this.font = font;
        this.recordings = recordings;
        this.handoff = handoff;
        this.queue = queue;
        this.records = records;
        this.refdata = refdata;
        this.clock = clock;
        this.intents = hz.getMap("tongban.intent");
        this.sealing =
                new Sealing(store, files, pki, signer, anchors, forms, materials, handoff, records, refdata, clock);
        this.pending = new PendingSignatures(hz, SIGN_TTL_MS);
        handoff.onChange(this::notifyParties);
    }

    /**
     * The signed application's messages, each about a session the sender must be a party of. Intent and the
     * applicant's signature are no-control zones: a clerk's attempt is refused ({@code NO_CONTROL_ZONE}) and
     * audited by the handler, so those accept either party here.
     */
    public void register(Registry r, Parties parties) {
        r.on(ClientMessage.AppPrepare.class, Access.CLERK, parties.handler(this::prepare));
        r.on(ClientMessage.IntentRequest.class, Access.PARTY, parties.handler(this::intentRequest));
        r.on(ClientMessage.IntentConfirm.class, Access.PARTY, parties.handler(this::intentConfirm));
        r.on(ClientMessage.SignBegin.class, Access.PARTY, parties.handler(this::signBegin));
        r.on(ClientMessage.SignComplete.class, Access.PARTY, parties.handler(this::signComplete));
        r.on(ClientMessage.ClerkSign.class, Access.CLERK, parties.handler(this::clerkSign));
    }

    /** Sends the ticket's application, if any, to the party (after a reload). */
    public void replay(Party p) {
        store.forTicket(p.ticket().ticketId()).ifPresent(app -> send(p.connId(), message(app, null)));
    }

    // ---------------------------------------------------------------- prepare

    private void prepare(Party p, ClientMessage.AppPrepare m) {
        DeclarationForm form = form(p);
        requireIdentity(p);
        DraftStore.Draft draft = drafts.find(p.ticket().ticketId())
                .filter(d -> d.status() == DraftStore.Status.SUBMITTED)
                .orElseThrow(() -> new ProtocolException(
                        ErrorReason.DECLARATION_NOT_SUBMITTED, "the applicant has not submitted the declaration"));
        List<MaterialStore.Material> all = materials.forTicket(p.ticket().ticketId());
        List<String> missing = ApplicationContent.missing(form, all);
        if (!missing.isEmpty()) {
            throw new ProtocolException(
                    ErrorCode.MATERIALS_INCOMPLETE, "not received yet: " + String.join(", ", missing));
        }
        Optional<ApplicationStore.Row> existing = store.forTicket(p.ticket().ticketId());
        if (existing.isPresent() && !prepared(existing.get())) {
            throw new ProtocolException(ErrorReason.APPLICATION_SIGNED, "the application is already signed");
        }
        ReferenceData data = refdata.get();
        TicketRecord t = p.ticket();
        String applicationId = existing.map(ApplicationStore.Row::applicationId).orElseGet(this::newApplicationId);
        long now = clock.millis();
        String recording = recordings.sha256(p.session().sessionId()).orElse(null);
        ApplicationData app = new ApplicationData(
                applicationId,
                new ApplicationData.Applicant(
                        text(
                                draft,
                                form.identity() == null ? null : form.identity().nameField(),
                                t.name()),
                        "居民身份证",
                        text(
                                draft,
                                form.identity() == null ? null : form.identity().idField(),
                                ""),
                        t.mobile()),
                hallName(t.hallId()),
                t.partnerHallId() == null ? "网上申办（远程视频受理）" : hallName(t.partnerHallId()),
                ApplicationContent.values(form, draft.values()),
                ApplicationContent.materials(all, materials::content),
                new ApplicationData.SessionEvidence(
                        p.session().sessionId(),
                        clerkName(p.session().clerkId()),
                        p.session().clerkId(),
                        Instant.ofEpochMilli(p.session().startedAt()),
                        Instant.ofEpochMilli(now),
                        recording,
                        recording == null && recordings.inProgress(p.session().sessionId(), t.matterId())),
                Instant.ofEpochMilli(now));
        byte[] pdf;
        try {
            pdf = new ApplicationFormRenderer(font.get(), PdfLimits.DEFAULT)
                    .render(
                            ApplicationContent.definition(
                                    form,
                                    data.matter(t.matterId())
                                            .map(ReferenceData.Matter::name)
                                            .orElse(form.title())),
                            app);
        } catch (DocsignException e) {
            LOG.error(
                    "Session {}: the application could not be rendered: {}",
                    p.session().sessionId(),
                    e.toString());
            throw new ProtocolException(
                    ErrorCode.SIGNING_UNAVAILABLE,
                    "cannot render the application: " + e.error().code());
        }
        String sha = Hashes.sha256(pdf);
        files.put(sha, pdf);
        ApplicationStore.Row row = ApplicationStore.Row.prepared(
                applicationId,
                t.ticketId(),
                p.session().sessionId(),
                t.matterId(),
                t.hallId(),
                t.partnerHallId(),
                p.session().clerkId(),
                Previews.pages(pdf),
                sha,
                recording,
                now);
        if (!store.putPrepared(row)) {
            throw new ProtocolException(ErrorReason.APPLICATION_SIGNED, "the application is already signed");
        }
        intents.delete(p.session().sessionId());
        pending.forget(p.session().sessionId());
        records.audit(
                p.actor(),
                AuditAction.APPLICATION_PREPARED,
                p.session().sessionId(),
                AuditDetails.of(AuditField.APPLICATION, applicationId)
                        .and(AuditField.FORM_SHA256, sha)
                        .and(AuditField.PAGES, row.pages())
                        .and(AuditField.MATERIALS, app.materials().size())
                        .and(AuditField.RECORDING_SHA256, recording));
        LOG.info("Session {}: application {} prepared ({} bytes)", p.session().sessionId(), applicationId, pdf.length);
        both(p, store.find(applicationId).orElseThrow(), m.id());
    }

    // ---------------------------------------------------------------- intent (意愿认证)

    private void intentRequest(Party p, ClientMessage.IntentRequest m) {
        applicantOnly(p, "intent_request");
        requireIdentity(p);
        ApplicationStore.Row app = application(p);
        if (app.status() != ApplicationStore.Status.PREPARED) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "intent is confirmed once, before signing");
        }
        String code = String.format(Locale.ROOT, "%06d", random.nextInt(1_000_000));
        long expires = clock.millis() + INTENT_TTL_MS;
        intents.set(
                p.session().sessionId(),
                new Intent(codeHash(p.session().sessionId(), code), app.currentSha256(), expires, 0),
                INTENT_TTL_MS,
                TimeUnit.MILLISECONDS);
        records.audit(
                p.actor(),
                AuditAction.APPLICATION_INTENT_CODE,
                p.session().sessionId(),
                AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                        .and(AuditField.FORM_SHA256, app.currentSha256())
                        .and(AuditField.EXPIRES_AT, expires));
        // To the applicant's own connection only: the clerk never sees the code.
        send(
                p.connId(),
                new ServerMessage.IntentCode(p.session().sessionId(), code, expires, app.currentSha256(), m.id()));
    }

    private void intentConfirm(Party p, ClientMessage.IntentConfirm m) {
        applicantOnly(p, "intent_confirm");
        ApplicationStore.Row app = application(p);
        String sid = p.session().sessionId();
        Intent intent = intents.get(sid);
        if (intent == null || intent.expiresAt() < clock.millis()) {
            throw new ProtocolException(ErrorCode.INTENT_CODE_INVALID, "no valid code: ask for a new one");
        }
        boolean match = MessageDigest.isEqual(
                        intent.codeHash().getBytes(StandardCharsets.US_ASCII),
                        codeHash(sid, m.code()).getBytes(StandardCharsets.US_ASCII))
                && intent.formSha256().equals(app.currentSha256());
        if (!match) {
            Intent next = new Intent(intent.codeHash(), intent.formSha256(), intent.expiresAt(), intent.tries() + 1);
            boolean usedUp = next.tries() >= INTENT_TRIES;
            intents.executeOnKey(sid, new IntentReplace(intent, usedUp ? null : next));
            records.audit(
                    p.actor(),
                    AuditAction.APPLICATION_INTENT_FAILED,
                    sid,
                    AuditDetails.of(AuditField.APPLICATION, app.applicationId()).and(AuditField.TRIES, next.tries()));
            throw new ProtocolException(
                            ErrorCode.INTENT_CODE_INVALID,
                            usedUp
                                    ? "wrong code; no tries left: ask for a new one"
                                    : "wrong code; " + (INTENT_TRIES - next.tries()) + " tries left")
                    .audited();
        }
        if (!intents.executeOnKey(sid, new IntentReplace(intent, null))) {
            throw new ProtocolException(ErrorCode.INTENT_CODE_INVALID, "the code was used already: ask for a new one");
        }
        long now = clock.millis();
        if (!store.intentConfirmed(app.applicationId(), intent.formSha256(), now)) {
            throw new ProtocolException(ErrorReason.APPLICATION_CHANGED, "the application changed; read it again");
        }
        records.audit(
                p.actor(),
                AuditAction.APPLICATION_INTENT_CONFIRMED,
                sid,
                AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                        .and(AuditField.FORM_SHA256, intent.formSha256())
                        .and(AuditField.AT, Instant.ofEpochMilli(now).toString())
                        .and(AuditField.VIA, "one-time code on the applicant's page"));
        LOG.info("Session {}: the applicant confirmed intent for {}", sid, app.applicationId());
        both(p, store.find(app.applicationId()).orElseThrow(), m.id());
    }

    // ---------------------------------------------------------------- the applicant's signature

    private void signBegin(Party p, ClientMessage.SignBegin m) {
        applicantOnly(p, "sign_begin");
        requireIdentity(p);
        ApplicationStore.Row app = application(p);
        if (app.status() != ApplicationStore.Status.INTENT_CONFIRMED) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE,
                    app.status() == ApplicationStore.Status.PREPARED
                            ? "confirm your intent first"
                            : "the application is already signed");
        }
        PublicKey key = p256(m.publicKey());
        byte[] png = handwriting(m.handwriting());
        DeclarationForm form = form(p);
        DraftStore.Draft draft = drafts.find(p.ticket().ticketId()).orElseThrow();
        String name = text(
                draft,
                form.identity() == null ? null : form.identity().nameField(),
                p.ticket().name());
        String idNumber =
                text(draft, form.identity() == null ? null : form.identity().idField(), "");
        Credential cert;
        PreparedSignature prepared;
        try {
            cert = pki.issueApplicant(p.ticket().hallId(), name, idNumber, key);
            prepared = new ApplicationSigningFlow(signer.get())
                    .applicantPrepares(files.get(app.currentSha256()), cert.chain(), png, Instant.now(clock));
        } catch (DocsignException e) {
            LOG.error(
                    "Session {}: cannot prepare the applicant's signature: {}",
                    p.session().sessionId(),
                    e.toString());
            throw new ProtocolException(
                    ErrorCode.SIGNING_UNAVAILABLE,
                    "cannot prepare the signature: " + e.error().code());
        }
        X509Certificate leaf = cert.certificate();
        String serial = leaf.getSerialNumber().toString(16);
        // In the cluster, not in this node: any node can complete it (the map's TTL drops abandoned ones).
        pending.prepared(
                p.session().sessionId(),
                new PendingSignatures.Prepared(
                        prepared.encode(),
                        app.applicationId(),
                        app.currentSha256(),
                        serial,
                        clock.millis() + SIGN_TTL_MS));
        records.audit(
                p.actor(),
                AuditAction.APPLICATION_CERTIFICATE_ISSUED,
                p.session().sessionId(),
                AuditDetails.of(AuditField.APPLICATION, app.applicationId())
                        .and(AuditField.SERIAL, serial)
                        .and(AuditField.ISSUER, leaf.getIssuerX500Principal().getName())
                        .and(
                                AuditField.NOT_AFTER,
                                leaf.getNotAfter().toInstant().toString())
                        .and(AuditField.PUBLIC_KEY_SHA256, Hashes.sha256(key.getEncoded()))
                        .and(AuditField.HANDWRITING_SHA256, Hashes.sha256(png)));
        send(
                p.connId(),
                new ServerMessage.SignData(
                        p.session().sessionId(),
                        Base64.getEncoder().encodeToString(prepared.dataToBeSigned()),
                        "ECDSA-P256-SHA256",
                        serial,
                        name,
                        HandoffReceiver.attribute(
                                leaf.getIssuerX500Principal().getName(), org.bouncycastle.asn1.x500.style.BCStyle.CN),
                        leaf.getNotAfter().getTime(),
                        m.id()));
    }

    private void signComplete(Party p, ClientMessage.SignComplete m) {
        applicantOnly(p, "sign_complete");
        byte[] value;
        try {
            value = Base64.getDecoder().decode(m.signature().replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw ProtocolException.invalid("signature", "is not base64");
        }
        String valueSha = Hashes.sha256(value);
        pending.exclusive(p.session().sessionId(), entry -> {
            complete(p, m, entry, value, valueSha);
            return null;
        });
    }

    /** Completes the session's prepared signature; runs alone for the session across the cluster. */
    private void complete(
            Party p, ClientMessage.SignComplete m, PendingSignatures.Entry entry, byte[] value, String valueSha) {
        String sid = p.session().sessionId();
        if (entry instanceof PendingSignatures.Completed done) {
            // Sent again after a lost answer (a dropped connection, a failed node): the same value is the
            // success it was; another value comes too late.
            if (!done.valueSha256().equals(valueSha)) {
                throw new ProtocolException(ErrorReason.APPLICATION_SIGNED, "the application is already signed");
            }
            signedAlready(p, done.applicationId(), m.id());
            return;
        }
        if (!(entry instanceof PendingSignatures.Prepared pend) || pend.expiresAt() < clock.millis()) {
            boolean signed = store.forTicket(p.ticket().ticketId())
                    .map(a -> !prepared(a))
                    .orElse(false);
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE,
                    signed
                            ? "the application is already signed"
                            : "no signature is being prepared: start again (sign_begin)");
        }
        ApplicationStore.Row app = store.find(pend.applicationId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.WRONG_STATE, "the application is gone"));
        if (app.status() != ApplicationStore.Status.INTENT_CONFIRMED) {
            if (pend.serial().equals(app.applicantSerial())) {
                // This preparation was completed, but the node died before it noted so: the same success.
                pending.completed(sid, new PendingSignatures.Completed(app.applicationId(), pend.serial(), valueSha));
                signedAlready(p, app.applicationId(), m.id());
                return;
            }
            pending.forget(sid);
            throw new ProtocolException(ErrorCode.WRONG_STATE, "the application changed meanwhile");
        }
        PreparedSignature prepared;
        try {
            prepared = PreparedSignature.decode(pend.encoded());
        } catch (DocsignException e) {
            pending.forget(sid);
            LOG.error("Session {}: the stored prepared signature is unusable: {}", sid, e.toString());
            throw new ProtocolException(
                    ErrorCode.SIGNING_UNAVAILABLE,
                    "cannot read the prepared signature (" + e.error().code() + "): start again (sign_begin)");
        }
        byte[] signed;
        try {
            signed = signer.get().complete(prepared, value);
        } catch (DocsignException e) {
            if (e.error() == DocsignError.SIGN_EXTERNAL_INVALID) {
                pending.forget(sid);
                records.audit(
                        p.actor(),
                        AuditAction.APPLICATION_SIGNATURE_REFUSED,
                        sid,
                        AuditDetails.of(AuditField.APPLICATION, pend.applicationId())
                                .and(AuditField.SERIAL, pend.serial())
                                .and(AuditField.CODE, e.error().code()));
                LOG.warn("Session {}: the browser's signature does not verify", sid);
                throw new ProtocolException(
                        ErrorCode.SIGNATURE_INVALID,
                        "the signature does not verify with the certified key; sign again");
            }
            // Kept: the same sign_complete can be sent again once the time-stamp service is back.
            throw new ProtocolException(
                    ErrorCode.SIGNING_UNAVAILABLE,
                    "cannot complete the signature: " + e.error().code());
        }
        String sha = Hashes.sha256(signed);
        files.put(sha, signed);
        long now = clock.millis();
        if (!store.applicantSigned(pend.applicationId(), sha, pend.serial(), now)) {
            pending.forget(sid);
            throw new ProtocolException(ErrorCode.WRONG_STATE, "the application changed meanwhile");
        }
        pending.completed(sid, new PendingSignatures.Completed(pend.applicationId(), pend.serial(), valueSha));
        records.audit(
                p.actor(),
                AuditAction.APPLICATION_APPLICANT_SIGNED,
                sid,
                AuditDetails.of(AuditField.APPLICATION, pend.applicationId())
                        .and(AuditField.SERIAL, pend.serial())
                        .and(AuditField.FORM_SHA256, pend.formSha256())
                        .and(AuditField.SIGNED_SHA256, sha));
        LOG.info("Session {}: the applicant signed {}", sid, pend.applicationId());
        both(p, store.find(pend.applicationId()).orElseThrow(), m.id());
    }

    /** Answers a repeated {@code sign_complete} with the application as it is now (signed, maybe sealed). */
    private void signedAlready(Party p, String applicationId, String re) {
        ApplicationStore.Row row = store.find(applicationId).orElseThrow();
        LOG.info(
                "Session {}: sign_complete repeated for {}; answered with its state",
                p.session().sessionId(),
                applicationId);
        send(p.connId(), message(row, re));
    }

    // ---------------------------------------------------------------- clerk and seal

    private void clerkSign(Party p, ClientMessage.ClerkSign m) {
        ApplicationStore.Row app = application(p);
        ReferenceData.ClerkProfile clerk = refdata.get().clerk(p.clerkId()).orElseThrow();
        Sealing.Sealed done = sealing.seal(app, clerk, p.actor(), p.ticket().name(), "session");
        verifiedNow(done.row().finalSha256(), done.report());
        both(p, done.row(), m.id());
        handoff.file(done.row());
    }

    /** Remembers the verifier's report on a sealed PDF for the {@code application} messages. */
    void verifiedNow(String sha256, VerificationReport report) {
        if (verified.size() > 1000) {
            verified.clear(); // a cache of verdicts; recomputed on demand
        }
        verified.put(sha256, verification(report));
    }

    Sealing sealing() {
        return sealing;
    }

    Handoff handoff() {
        return handoff;
    }

    private static ServerMessage.Verification verification(VerificationReport r) {
        String level = r.signatures().stream()
                .map(SignatureReport::padesLevel)
                .filter(l -> l != null)
                .reduce((a, b) -> b)
                .orElse(null);
        return new ServerMessage.Verification(r.verdict().name(), r.signatures().size(), level);
    }

    // ---------------------------------------------------------------- files for the routes

    /** The bytes behind a signed link, if the link is valid and the file exists. */
    Optional<byte[]> file(String sha256) {
        return files.find(sha256);
    }

    Optional<ApplicationStore.Row> find(String applicationId) {
        return store.find(applicationId);
    }

    byte[] preview(String sha256, int page, byte[] pdf) {
        return previews.page(sha256, page, pdf);
    }

    UrlSigner urls() {
        return urls;
    }

    // ---------------------------------------------------------------- messages

    ServerMessage.Application message(ApplicationStore.Row a, String re) {
        boolean sealed = a.status() == ApplicationStore.Status.SEALED;
        List<ServerMessage.Signer> signers = new ArrayList<>();
        if (a.applicantSignedAt() != null) {
            signers.add(new ServerMessage.Signer("applicant", applicantName(a), a.applicantSignedAt()));
        }
        if (sealed && a.sealedAt() != null) {
            signers.add(new ServerMessage.Signer("clerk", clerkName(a.signingClerk()), a.sealedAt()));
            signers.add(new ServerMessage.Signer("seal", hallName(a.hallId()), a.sealedAt()));
        }
        ServerMessage.Verification v = null;
        if (sealed && a.finalSha256() != null) {
            v = verified.computeIfAbsent(a.finalSha256(), sha -> file(sha)
                    .map(pdf -> verification(new PdfVerifier(anchors).verify(pdf)))
                    .orElse(new ServerMessage.Verification(a.verdict(), 0, null)));
        }
        return new ServerMessage.Application(
                a.sessionId(),
                a.applicationId(),
                a.status() == ApplicationStore.Status.SEALING
                        ? "applicant_signed"
                        : a.status().name().toLowerCase(Locale.ROOT),
                a.pages(),
                previews(a),
                a.currentSha256(),
                pdfUrl(a),
                a.intentAt(),
                signers,
                v,
                handoffMessage(a),
                re);
    }

    /** Signed links to the page images of the application's current version. */
    List<String> previews(ApplicationStore.Row a) {
        String base = "/api/applications/" + a.applicationId();
        List<String> pages = new ArrayList<>();
        for (int i = 0; i < a.pages(); i++) {
            pages.add(urls.sign(base + "/pages/" + i + "?sha=" + a.currentSha256()));
        }
        return pages;
    }

    /** The signed link to the final PDF, once sealed. */
    String pdfUrl(ApplicationStore.Row a) {
        return a.status() == ApplicationStore.Status.SEALED
                ? urls.sign("/api/applications/" + a.applicationId() + "/pdf?sha=" + a.finalSha256())
                : null;
    }

    /** Where the sealed application is in its filing with the owning hall, or null before sealing. */
    ServerMessage.Handoff handoffMessage(ApplicationStore.Row a) {
        if (a.status() != ApplicationStore.Status.SEALED || a.handoff() == null) {
            return null;
        }
        return new ServerMessage.Handoff(
                a.handoff().name().toLowerCase(Locale.ROOT),
                hallName(a.partnerHallId() == null ? a.hallId() : a.partnerHallId()),
                hallName(a.hallId()),
                a.handoffReason(),
                a.handoffAttempts(),
                a.receiptNo(),
                a.receiptAt(),
                a.receiptSha256() == null
                        ? null
                        : urls.sign("/api/applications/" + a.applicationId() + "/receipt?sha=" + a.receiptSha256()));
    }

    /** Tells whoever of the two parties is still connected (after a hand-off attempt, from any thread). */
    void notifyParties(ApplicationStore.Row a) {
        ServerMessage.Application msg = message(a, null);
        queue.ticket(a.ticketId()).map(TicketRecord::connId).ifPresent(c -> send(c, msg));
        queue.presence(a.clerkId())
                .filter(pr -> a.sessionId().equals(pr.sessionId()))
                .map(ClerkPresence::connId)
                .ifPresent(c -> send(c, msg));
    }

    private void both(Party p, ApplicationStore.Row a, String re) {
        send(p.connId(), message(a, re));
        send(p.peerConnId(), message(a, null));
    }

    // ---------------------------------------------------------------- checks and helpers

    private void applicantOnly(Party p, String attempt) {
        if (p.clerk()) {
            LOG.warn("Session {}: refused {} from {}", p.session().sessionId(), attempt, p.actor());
            records.audit(
                    p.actor(),
                    AuditAction.REMOTE_REFUSED,
                    p.session().sessionId(),
                    AuditDetails.of(AuditField.ATTEMPT, attempt)
                            .and(AuditField.CODE, ErrorCode.NO_CONTROL_ZONE.code()));
            throw new ProtocolException(
                            ErrorCode.NO_CONTROL_ZONE, "intent and the applicant's signature are the applicant's alone")
                    .audited();
        }
    }

    private void requireIdentity(Party p) {
        if (!identity.verified(p.ticket().ticketId())) {
            throw new ProtocolException(ErrorCode.IDENTITY_NOT_VERIFIED, "the identity check has not passed");
        }
    }

    private ApplicationStore.Row application(Party p) {
        return store.forTicket(p.ticket().ticketId())
                .orElseThrow(() -> new ProtocolException(
                        ErrorReason.APPLICATION_NOT_PREPARED, "the clerk has not prepared the application"));
    }

    private static boolean prepared(ApplicationStore.Row r) {
        return r.status() == ApplicationStore.Status.PREPARED || r.status() == ApplicationStore.Status.INTENT_CONFIRMED;
    }

    private DeclarationForm form(Party p) {
        return forms.form(p.ticket().matterId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NO_FORM, "this matter has no declaration form"));
    }

    /** An ECDSA P-256 SubjectPublicKeyInfo (what WebCrypto's exportKey("spki") gives). */
    private static PublicKey p256(String base64) {
        try {
            byte[] der = Base64.getDecoder().decode(base64.replace('-', '+').replace('_', '/'));
            PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec p256 = params.getParameterSpec(ECParameterSpec.class);
            ECParameterSpec got = ((ECPublicKey) key).getParams();
            if (!got.getOrder().equals(p256.getOrder()) || !got.getCurve().equals(p256.getCurve())) {
                throw ProtocolException.invalid("publicKey", "must be on the P-256 curve");
            }
            return key;
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw ProtocolException.invalid("publicKey", "must be an ECDSA P-256 public key (SubjectPublicKeyInfo)");
        }
    }

    private static byte[] handwriting(String base64) {
        byte[] png;
        try {
            png = Base64.getDecoder().decode(base64.replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw ProtocolException.invalid("handwriting", "is not base64");
        }
        if (png.length > MAX_HANDWRITING_BYTES) {
            throw ProtocolException.invalid("handwriting", "is larger than " + MAX_HANDWRITING_BYTES + " bytes");
        }
        try {
            if (!MaterialInspector.inspect(png, HANDWRITING_LIMITS).equals("image/png")) {
                throw ProtocolException.invalid("handwriting", "must be a PNG image");
            }
        } catch (DocsignException e) {
            throw ProtocolException.invalid(
                    "handwriting", "must be a PNG image (" + e.error().code() + ")");
        }
        return png;
    }

    private String codeHash(String sessionId, String code) {
        return Hashes.sha256((sessionId + ":" + code).getBytes(StandardCharsets.UTF_8));
    }

    private String newApplicationId() {
        byte[] r = new byte[3];
        random.nextBytes(r);
        return "TB" + DAY.format(Instant.now(clock).atZone(CHINA)) + "-"
                + HexFormat.of().withUpperCase().formatHex(r);
    }

    /** The applicant's name as declared on the form (checked against the ticket by the identity check). */
    String applicantName(ApplicationStore.Row a) {
        return drafts.find(a.ticketId())
                .flatMap(d -> forms.form(a.matterId())
                        .filter(f -> f.identity() != null)
                        .map(f -> d.values().path(f.identity().nameField()).asText(null)))
                .orElse(null);
    }

    String hallName(String hallId) {
        return refdata.get().hall(hallId).map(ReferenceData.Hall::name).orElse(hallId);
    }

    String clerkName(String clerkId) {
        return refdata.get()
                .clerk(clerkId)
                .map(ReferenceData.ClerkProfile::name)
                .orElse(clerkId);
    }

    private static String text(DraftStore.Draft d, String key, String fallback) {
        if (key == null) {
            return fallback;
        }
        JsonNode v = d.values().get(key);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : fallback;
    }

    void send(String connId, ServerMessage m) {
        if (connId != null) {
            outbox.send(connId, m);
        }
    }
}
