package cn.tongban.signaling.identity;

import cn.tongban.signaling.form.AuditValues;
import cn.tongban.signaling.form.DeclarationForm;
import cn.tongban.signaling.form.DraftStore;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.live.Parties;
import cn.tongban.signaling.live.Party;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.materials.MaterialService;
import cn.tongban.signaling.materials.MaterialStore;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.StoreException;
import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.ServiceLoader;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity check (身份核实) of a session: the clerk takes a still of the applicant from the live video
 * (a {@code face_still} material), looks at the ID card (shown to the camera, or uploaded as the matter's ID
 * card material) and decides; the {@link IdentityVerifier} adds the server's checks of the declared ID
 * number and name. The result, the still's SHA-256, the ID card's SHA-256 and the clerk go into {@code
 * identity_check} and the audit trail (ID number masked), and both parties are told.
 */
public final class IdentityService {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityService.class);
    private static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");

    private final FormCatalog forms;
    private final DraftStore drafts;
    private final MaterialService materials;
    private final IdentityVerifier verifier;
    private final cn.tongban.signaling.store.Records records;
    private final AuditValues auditValues;
    private final DataSource ds;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Outbox outbox;

    public IdentityService(
            FormCatalog forms,
            DraftStore drafts,
            MaterialService materials,
            IdentityVerifier verifier,
            cn.tongban.signaling.store.Records records,
            AuditValues auditValues,
            DataSource ds,
            Outbox outbox,
            Clock clock) {
        this.outbox = outbox;
        this.forms = forms;
        this.drafts = drafts;
        this.materials = materials;
        this.verifier = verifier;
        this.records = records;
        this.auditValues = auditValues;
        this.ds = ds;
        this.clock = clock;
    }

    /** The first {@link IdentityVerifier} registered with {@link ServiceLoader}, else the clerk-attested one. */
    public static IdentityVerifier loadVerifier() {
        return ServiceLoader.load(IdentityVerifier.class).findFirst().orElseGet(ClerkAttestedVerifier::new);
    }

    /** The clerk's identity decision, about a session the clerk is a party of. */
    public void register(Registry r, Parties parties) {
        r.on(ClientMessage.IdentityDecision.class, Access.CLERK, parties.handler(this::decide));
    }

    public void decide(Party p, ClientMessage.IdentityDecision m) {
        MaterialStore.Material still = materials
                .find(m.stillId())
                .filter(x -> x.ticketId().equals(p.ticket().ticketId()) && x.kind() == MaterialStore.Kind.FACE_STILL)
                .orElseThrow(() -> ProtocolException.invalid("stillId", "no face still of this session"));
        DeclarationForm form = forms.form(p.ticket().matterId())
                .filter(f -> f.identity() != null)
                .orElseThrow(() -> new ProtocolException(ErrorCode.NO_FORM, "this matter has no identity check"));
        DeclarationForm.Identity id = form.identity();
        DraftStore.Draft draft = drafts.find(p.ticket().ticketId()).orElse(null);
        String declaredName = text(draft, id.nameField());
        String idNumber = text(draft, id.idField());
        MaterialStore.Material idCard = id.idCardMaterial() == null
                ? null
                : materials.forTicket(p.ticket().ticketId()).stream()
                        .filter(x -> id.idCardMaterial().equals(x.requirement())
                                && x.mime().startsWith("image/"))
                        .max(Comparator.comparingLong(MaterialStore.Material::uploadedAt))
                        .orElse(null);
        LocalDate today = LocalDate.now(clock.withZone(CHINA));
        IdentityVerifier.Result result = verifier.verify(new IdentityVerifier.Request(
                p.session().sessionId(),
                p.clerkId(),
                p.ticket().name(),
                declaredName,
                idNumber,
                materials.content(still),
                still.sha256(),
                idCard == null ? null : materials.content(idCard),
                idCard == null ? null : idCard.sha256(),
                m.decision().equals("match"),
                m.reason(),
                today));
        long now = clock.millis();
        String status = result.verified() ? "verified" : "failed";
        String checkId = "i-" + HexFormat.of().formatHex(randomBytes());
        insert(checkId, p, m, status, result, still.sha256(), idCard == null ? null : idCard.sha256(), now);
        DeclarationForm.Field idField = form.field(id.idField()).orElseThrow();
        records.audit(
                p.actor(),
                result.verified() ? AuditAction.IDENTITY_VERIFIED : AuditAction.IDENTITY_FAILED,
                p.session().sessionId(),
                AuditDetails.of(AuditField.DECISION, m.decision())
                        .and(AuditField.REASON, m.reason())
                        .and(AuditField.METHOD, verifier.method())
                        .and(AuditField.PROBLEMS, result.problems())
                        .and(AuditField.STILL_SHA256, still.sha256())
                        .and(AuditField.ID_CARD_SHA256, idCard == null ? null : idCard.sha256())
                        .and(
                                AuditField.ID_NUMBER,
                                idNumber == null
                                        ? null
                                        : auditValues.show(
                                                idField,
                                                com.fasterxml.jackson.databind.node.TextNode.valueOf(idNumber)))
                        .and(AuditField.CLERK, p.clerkId()));
        LOG.info(
                "Session {}: identity {} ({}) by clerk {}",
                p.session().sessionId(),
                status,
                verifier.method(),
                p.clerkId());
        ServerMessage.Identity msg = new ServerMessage.Identity(
                p.session().sessionId(),
                status,
                m.decision(),
                verifier.method(),
                result.problems(),
                still.sha256(),
                p.clerkId(),
                now,
                null);
        send(p.connId(), withRe(msg, m.id()));
        send(p.peerConnId(), msg);
    }

    /** True if the latest identity check of the ticket passed (signing needs it). */
    public boolean verified(String ticketId) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT result FROM identity_check WHERE ticket_id = ?"
                        + " ORDER BY checked_at DESC, check_id")) {
            ps.setString(1, ticketId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && "verified".equals(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read identity checks", e);
        }
    }

    /** Sends the latest identity result of the party's ticket, if any (after a reload). */
    public void replay(Party p) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT session_id, result, decision, method, problems,"
                        + " still_sha256, clerk_id, checked_at FROM identity_check WHERE ticket_id = ?"
                        + " ORDER BY checked_at DESC, check_id")) {
            ps.setString(1, p.ticket().ticketId());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    String problems = rs.getString(5);
                    send(
                            p.connId(),
                            new ServerMessage.Identity(
                                    p.session().sessionId(),
                                    rs.getString(2),
                                    rs.getString(3),
                                    rs.getString(4),
                                    problems == null || problems.isEmpty()
                                            ? List.of()
                                            : Arrays.asList(problems.split(",")),
                                    rs.getString(6),
                                    rs.getString(7),
                                    rs.getLong(8),
                                    null));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read identity checks", e);
        }
    }

    private void insert(
            String checkId,
            Party p,
            ClientMessage.IdentityDecision m,
            String status,
            IdentityVerifier.Result result,
            String stillSha,
            String idCardSha,
            long now) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO identity_check (check_id, ticket_id, session_id,"
                        + " clerk_id, decision, result, method, problems, still_sha256, id_image_sha256, reason,"
                        + " checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, checkId);
            ps.setString(2, p.ticket().ticketId());
            ps.setString(3, p.session().sessionId());
            ps.setString(4, p.clerkId());
            ps.setString(5, m.decision());
            ps.setString(6, status);
            ps.setString(7, verifier.method());
            ps.setString(8, String.join(",", result.problems()));
            ps.setString(9, stillSha);
            ps.setString(10, idCardSha);
            ps.setString(11, m.reason());
            ps.setLong(12, now);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot record the identity check", e);
        }
    }

    private static ServerMessage.Identity withRe(ServerMessage.Identity m, String re) {
        return new ServerMessage.Identity(
                m.sessionId(),
                m.status(),
                m.decision(),
                m.method(),
                m.problems(),
                m.stillSha256(),
                m.clerkId(),
                m.at(),
                re);
    }

    private static String text(DraftStore.Draft draft, String key) {
        if (draft == null) {
            return null;
        }
        JsonNode v = draft.values().get(key);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private byte[] randomBytes() {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return b;
    }

    private void send(String connId, ServerMessage m) {
        if (connId != null) {
            outbox.send(connId, m);
        }
    }
}
