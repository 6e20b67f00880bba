package cn.tongban.signaling.materials;

import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.form.MaterialInspector;
import cn.tongban.docsign.pdf.PdfLimits;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.form.DeclarationForm;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.live.Parties;
import cn.tongban.signaling.live.Party;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.BlobStore;
import cn.tongban.signaling.store.KeyRing;
import cn.tongban.signaling.store.Records;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Materials (提交材料) and stills. A file travels over HTTP, not the WebSocket: a party asks for a
 * one-time upload slot ({@code upload_slot}, checked like every session message), the browser POSTs the
 * bytes to {@code /api/uploads/<token>} (with a progress bar), and the server checks them — type by
 * content (PNG, JPEG, PDF; never by name or header), size, image dimensions, PDFs opened passively by
 * docsign's {@link MaterialInspector} (no JavaScript or launch actions, no decompression bombs, no
 * encryption) — hashes them (SHA-256), stores them content-addressed, records a row and an audit entry, and
 * shows them to both parties ({@code material}). The clerk marks each one received or asks for a
 * replacement, with a reason; that is audited too.
 */
public final class MaterialService {
    private static final Logger LOG = LoggerFactory.getLogger(MaterialService.class);

    /** Largest file accepted. */
    public static final int MAX_BYTES = 10 << 20;

    /** Untrusted-PDF budget for materials: the file cap above, generous but bounded decoding, 10 s. */
    static final PdfLimits LIMITS = new PdfLimits(MAX_BYTES, 32L << 20, 128L << 20, 128L << 20, 10_000);

    private static final long SLOT_TTL_MS = 5 * 60_000;
    private static final long URL_TTL_MS = 2 * 3600_000;

    /** A granted upload slot, kept in the cluster under the SHA-256 of its token. */
    record Slot(
            String sessionId,
            String ticketId,
            String actor,
            boolean clerk,
            MaterialStore.Kind kind,
            String requirement,
            String fileName,
            long expiresAt) {}

    private final FormCatalog forms;
    private final MaterialStore store;
    private final BlobStore files;
    private final QueueService queue;
    private final Records records;
    private final Clock clock;
    private final KeyRing urlKeys;
    private final IMap<String, Slot> slots;
    private final SecureRandom random = new SecureRandom();
    private final Outbox outbox;

    public MaterialService(
            FormCatalog forms,
            MaterialStore store,
            BlobStore files,
            QueueService queue,
            HazelcastInstance hz,
            Records records,
            KeyRing urlKeys,
            Outbox outbox,
            Clock clock) {
        this.outbox = outbox;
        this.forms = forms;
        this.store = store;
        this.files = files;
        this.queue = queue;
        this.records = records;
        this.urlKeys = urlKeys;
        this.clock = clock;
        this.slots = hz.getMap("tongban.upload-slots");
    }

    // ---------------------------------------------------------------- over the WebSocket

    /** Upload slots and the clerk's decisions on materials, about a session the sender is a party of. */
    public void register(Registry r, Parties parties) {
        r.on(ClientMessage.UploadSlot.class, Access.PARTY, parties.handler((p, m) -> send(p.connId(), slot(p, m))));
        r.on(ClientMessage.MaterialDecision.class, Access.CLERK, parties.handler(this::decide));
    }

    /** Grants a one-time upload slot after checking who may upload what. */
    public ServerMessage.UploadSlot slot(Party p, ClientMessage.UploadSlot m) {
        MaterialStore.Kind kind = MaterialStore.Kind.valueOf(m.kind().toUpperCase(Locale.ROOT));
        if (p.clerk() == (kind == MaterialStore.Kind.UPLOAD)) {
            throw new ProtocolException(
                    ErrorCode.FORBIDDEN_FOR_ROLE,
                    p.clerk() ? "clerks capture stills; the applicant uploads files" : "stills are the clerk's");
        }
        if (kind == MaterialStore.Kind.FACE_STILL) {
            if (m.requirement() != null) {
                throw ProtocolException.invalid("requirement", "a face still belongs to no requirement");
            }
        } else {
            DeclarationForm form = forms.form(p.ticket().matterId())
                    .orElseThrow(() -> new ProtocolException(ErrorCode.NO_FORM, "this matter has no form"));
            if (m.requirement() == null
                    || form.materials().stream().noneMatch(x -> x.key().equals(m.requirement()))) {
                throw ProtocolException.invalid("requirement", "is not a material of this matter");
            }
            if (form.materials().stream().anyMatch(x -> x.key().equals(m.requirement()) && x.generated())) {
                throw ProtocolException.invalid("requirement", "is generated by the session (the signed application)");
            }
        }
        byte[] raw = new byte[24];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        long expires = clock.millis() + SLOT_TTL_MS;
        slots.set(
                hash(token),
                new Slot(
                        p.session().sessionId(),
                        p.ticket().ticketId(),
                        p.actor(),
                        p.clerk(),
                        kind,
                        m.requirement(),
                        m.fileName(),
                        expires),
                SLOT_TTL_MS,
                TimeUnit.MILLISECONDS);
        return new ServerMessage.UploadSlot(
                p.session().sessionId(), "/api/uploads/" + token, MAX_BYTES, expires, m.id());
    }

    /** The clerk's verdict on one material of this session's ticket. */
    public void decide(Party p, ClientMessage.MaterialDecision m) {
        MaterialStore.Material mat = store.find(m.materialId())
                .filter(x -> x.ticketId().equals(p.ticket().ticketId()))
                .orElseThrow(() -> ProtocolException.invalid("materialId", "no such material in this session"));
        if (mat.kind() == MaterialStore.Kind.FACE_STILL) {
            throw ProtocolException.invalid("materialId", "a face still is judged by identity_decision");
        }
        MaterialStore.Status status =
                m.decision().equals("received") ? MaterialStore.Status.RECEIVED : MaterialStore.Status.REPLACE;
        long now = clock.millis();
        String reason = status == MaterialStore.Status.REPLACE ? m.reason() : null;
        store.decide(mat.materialId(), status, reason, p.actor(), now);
        records.audit(
                p.actor(),
                status == MaterialStore.Status.RECEIVED ? AuditAction.MATERIAL_RECEIVED : AuditAction.MATERIAL_REPLACE,
                p.session().sessionId(),
                AuditDetails.of(AuditField.MATERIAL, mat.materialId())
                        .and(AuditField.REQUIREMENT, mat.requirement())
                        .and(AuditField.SHA256, mat.sha256())
                        .and(AuditField.REASON, reason));
        MaterialStore.Material decided = store.find(mat.materialId()).orElseThrow();
        send(p.connId(), message(decided, m.id()));
        send(p.peerConnId(), message(decided, null));
    }

    /** Sends every material of the party's ticket to the party (after a reload). */
    public void replay(Party p) {
        for (MaterialStore.Material mat : store.forTicket(p.ticket().ticketId())) {
            send(p.connId(), message(mat, null));
        }
    }

    // ---------------------------------------------------------------- over HTTP

    /**
     * Accepts the bytes of an upload slot (used once, whatever the outcome): checks, hashes, stores,
     * records, audits and tells both parties. Blocking (PDF inspection): run on a worker.
     */
    public MaterialStore.Material accept(String token, byte[] body) {
        Slot slot = token == null || token.length() > 64 ? null : slots.remove(hash(token));
        if (slot == null || slot.expiresAt() < clock.millis()) {
            throw new UploadException(ErrorCode.UPLOAD_INVALID, null, "unknown, used or expired upload token");
        }
        SessionRecord session = queue.session(slot.sessionId())
                .filter(s -> s.state() == SessionState.ACTIVE)
                .orElseThrow(() -> new UploadException(ErrorCode.NOT_IN_SESSION, null, "the session has ended"));
        if (body.length == 0) {
            throw new UploadException(ErrorCode.UPLOAD_REJECTED, "MATERIAL_UNSUPPORTED", "empty file");
        }
        if (body.length > MAX_BYTES) {
            throw new UploadException(ErrorCode.UPLOAD_TOO_LARGE, null, "larger than " + MAX_BYTES + " bytes");
        }
        String mime;
        try {
            mime = MaterialInspector.inspect(body, LIMITS);
        } catch (DocsignException e) {
            records.audit(
                    slot.actor(),
                    AuditAction.MATERIAL_REJECTED,
                    slot.sessionId(),
                    AuditDetails.of(AuditField.REQUIREMENT, slot.requirement())
                            .and(AuditField.KIND, slot.kind().name())
                            .and(AuditField.REASON, e.error().code())
                            .and(AuditField.SIZE, body.length)
                            .and(AuditField.SHA256, sha256(body)));
            LOG.info(
                    "Upload for session {} rejected: {}",
                    slot.sessionId(),
                    e.error().code());
            throw new UploadException(
                    ErrorCode.UPLOAD_REJECTED, e.error().code(), e.error().description());
        }
        if (slot.kind() != MaterialStore.Kind.UPLOAD && mime.equals("application/pdf")) {
            throw new UploadException(ErrorCode.UPLOAD_REJECTED, "MATERIAL_UNSUPPORTED", "a still is an image");
        }
        String sha = sha256(body);
        files.put(sha, body);
        MaterialStore.Material mat = new MaterialStore.Material(
                "m-" + HexFormat.of().formatHex(randomBytes(8)),
                slot.ticketId(),
                slot.sessionId(),
                slot.requirement(),
                slot.kind(),
                mime,
                body.length,
                sha,
                slot.fileName(),
                slot.actor(),
                clock.millis(),
                MaterialStore.Status.PENDING,
                null,
                null,
                null);
        store.insert(mat);
        records.audit(
                slot.actor(),
                slot.kind() == MaterialStore.Kind.FACE_STILL
                        ? AuditAction.IDENTITY_STILL
                        : AuditAction.MATERIAL_UPLOADED,
                slot.sessionId(),
                AuditDetails.of(AuditField.MATERIAL, mat.materialId())
                        .and(AuditField.REQUIREMENT, mat.requirement())
                        .and(AuditField.KIND, mat.kind().name())
                        .and(AuditField.MIME, mime)
                        .and(AuditField.SIZE, mat.size())
                        .and(AuditField.SHA256, sha));
        LOG.info(
                "Material {} ({}, {} bytes) stored for session {}",
                mat.materialId(),
                mime,
                mat.size(),
                slot.sessionId());
        ServerMessage.Material msg = message(mat, null);
        queue.ticket(session.ticketId()).map(TicketRecord::connId).ifPresent(c -> send(c, msg));
        queue.presence(session.clerkId())
                .filter(pr -> slot.sessionId().equals(pr.sessionId()))
                .map(ClerkPresence::connId)
                .ifPresent(c -> send(c, msg));
        return mat;
    }

    public Optional<MaterialStore.Material> find(String materialId) {
        return store.find(materialId);
    }

    public List<MaterialStore.Material> forTicket(String ticketId) {
        return store.forTicket(ticketId);
    }

    public byte[] content(MaterialStore.Material m) {
        return files.get(m.sha256());
    }

    /** True if {@code sig} is this server's signature of the material's URL and it has not expired. */
    public boolean urlValid(String materialId, String exp, String sig) {
        long expires;
        try {
            expires = Long.parseLong(exp);
        } catch (NumberFormatException | NullPointerException e) {
            return false;
        }
        if (expires <= clock.millis() || sig == null) {
            return false;
        }
        // After a rotation, a link signed with the key before it works until it expires (KeyRing).
        for (byte[] key : urlKeys.accepted(clock.instant())) {
            if (MessageDigest.isEqual(
                    sign(key, materialId, expires).getBytes(StandardCharsets.US_ASCII),
                    sig.getBytes(StandardCharsets.US_ASCII))) {
                return true;
            }
        }
        return false;
    }

    public ServerMessage.Material message(MaterialStore.Material m, String re) {
        long exp = clock.millis() + URL_TTL_MS;
        String url = "/api/materials/" + m.materialId() + "/content?exp=" + exp + "&sig="
                + sign(urlKeys.current(), m.materialId(), exp);
        return new ServerMessage.Material(
                m.sessionId(),
                m.materialId(),
                m.requirement(),
                m.kind().name().toLowerCase(Locale.ROOT),
                m.mime(),
                m.size(),
                m.sha256(),
                m.fileName(),
                m.uploadedBy().startsWith("clerk:") ? "clerk" : "applicant",
                m.uploadedAt(),
                m.status().name().toLowerCase(Locale.ROOT),
                m.reason(),
                url,
                re);
    }

    private static String sign(byte[] key, String materialId, long exp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of()
                    .formatHex(mac.doFinal((materialId + "\n" + exp).getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void send(String connId, ServerMessage m) {
        if (connId != null) {
            outbox.send(connId, m);
        }
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hash(String token) {
        return sha256(token.getBytes(StandardCharsets.UTF_8));
    }
}
