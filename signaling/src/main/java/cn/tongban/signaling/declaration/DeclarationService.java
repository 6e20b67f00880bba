package cn.tongban.signaling.declaration;

import cn.tongban.signaling.form.AuditValues;
import cn.tongban.signaling.form.DeclarationForm;
import cn.tongban.signaling.form.DraftStore;
import cn.tongban.signaling.form.FieldRules;
import cn.tongban.signaling.form.FieldType;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.live.Parties;
import cn.tongban.signaling.live.Party;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ErrorReason;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guided declaration and co-browsing of a session, enforced on the server:
 *
 * <ul>
 *   <li>The applicant's browser is the source of truth of the form: its {@code decl_state} updates are
 *       checked against the form (known fields, shapes, never a sensitive field), stored as the ticket's
 *       draft and relayed to the clerk's mirror.
 *   <li>The clerk may only view (default) or point until the applicant grants control in a dialog naming
 *       the clerk; the applicant can revoke at any moment, which takes effect for every later message.
 *       {@code remote_input}/{@code remote_step} are accepted only in control mode, never for sensitive or
 *       applicant-only fields; submitting and consenting are the applicant's alone.
 *   <li>Every remote action, mode change, consent, revocation and refused attempt is appended to the
 *       audit journal, values masked as {@link AuditValues} describes.
 * </ul>
 *
 * Called by the signaling handler on a worker thread, after it checked that the sender belongs to the
 * session. Methods block (database, Hazelcast). Failures are {@link ProtocolException}s.
 */
public final class DeclarationService {
    private static final Logger LOG = LoggerFactory.getLogger(DeclarationService.class);
    private static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();
    /** Pointer positions faster than this are dropped (the page sends at most ten a second). */
    private static final long POINTER_MIN_INTERVAL_NANOS = 40_000_000L;

    private final FormCatalog forms;
    private final DraftStore drafts;
    private final CoBrowse cobrowse;
    private final Records records;
    private final AuditValues auditValues;
    private final Supplier<ReferenceData> refdata;
    private final Outbox outbox;
    private final List<Consumer<Party>> onOpen;
    private final Clock clock;
    private final Map<String, Long> lastPointer = new ConcurrentHashMap<>();

    /**
     * @param onOpen what the session's other parts (materials, identity, the application) tell a party again
     *     when it opens the declaration, e.g. after a reload
     */
    public DeclarationService(
            FormCatalog forms,
            DraftStore drafts,
            CoBrowse cobrowse,
            Records records,
            AuditValues auditValues,
            Supplier<ReferenceData> refdata,
            Outbox outbox,
            List<Consumer<Party>> onOpen,
            Clock clock) {
        this.forms = forms;
        this.drafts = drafts;
        this.cobrowse = cobrowse;
        this.records = records;
        this.auditValues = auditValues;
        this.refdata = refdata;
        this.outbox = outbox;
        this.onOpen = List.copyOf(onOpen);
        this.clock = clock;
    }

    public FormCatalog forms() {
        return forms;
    }

    /** The declaration's and co-browsing's messages; each names a session the sender must be a party of. */
    public void register(Registry r, Parties parties) {
        r.on(ClientMessage.DeclOpen.class, Access.PARTY, parties.handler(this::open));
        r.on(ClientMessage.DeclState.class, Access.APPLICANT, parties.handler(this::state));
        // Submitting and answering a control request are the applicant's alone: a clerk's attempt is refused
        // (NO_CONTROL_ZONE) and audited by the handler, not just rejected here.
        r.on(ClientMessage.DeclSubmit.class, Access.PARTY, parties.handler(this::submit));
        r.on(ClientMessage.CobrowseMode.class, Access.CLERK, parties.handler(this::mode));
        r.on(ClientMessage.ControlRequest.class, Access.CLERK, parties.handler(this::request));
        r.on(ClientMessage.ControlAnswer.class, Access.PARTY, parties.handler(this::answer));
        r.on(ClientMessage.ControlRevoke.class, Access.PARTY, parties.handler(this::revoke));
        r.on(ClientMessage.RemoteInput.class, Access.CLERK, parties.handler(this::remoteInput));
        r.on(ClientMessage.RemoteStep.class, Access.CLERK, parties.handler(this::remoteStep));
        r.on(ClientMessage.Pointer.class, Access.CLERK, parties.handler(this::pointer));
    }

    // ---------------------------------------------------------------- the form

    private void open(Party p, ClientMessage.DeclOpen o) {
        DeclarationForm form = form(p);
        DraftStore.Draft d = draft(p, form);
        send(p.connId(), snapshot(p, d, o.id()));
        onOpen.forEach(part -> part.accept(p));
    }

    private void state(Party p, ClientMessage.DeclState s) {
        DeclarationForm form = form(p);
        boolean writes = (s.values() != null && !s.values().isEmpty()) || s.step() != null;
        if (s.step() != null && s.step() >= form.steps().size()) {
            throw ProtocolException.invalid(
                    "step", "the form has " + form.steps().size() + " steps");
        }
        if (s.values() != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = s.values().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                DeclarationForm.Field f = form.field(e.getKey())
                        .orElseThrow(() -> ProtocolException.invalid("values", "a field is not on this form"));
                if (f.type() == FieldType.SENSITIVE) {
                    // Never stored, never logged, never echoed: the value stays out of the error too.
                    throw new ProtocolException(
                            ErrorCode.FIELD_SENSITIVE,
                            "field " + f.key() + " is sensitive and never leaves the browser");
                }
                if (!e.getValue().isNull()) {
                    Optional<String> problem = FieldRules.shapeProblem(f, e.getValue());
                    if (problem.isPresent()) {
                        throw ProtocolException.invalid("values." + f.key(), problem.get());
                    }
                }
            }
        }
        if (writes) {
            update(p, form, d -> {
                if (d.status() == DraftStore.Status.SUBMITTED) {
                    throw new ProtocolException(ErrorReason.DECLARATION_SUBMITTED, "the declaration was submitted");
                }
                ObjectNode values = d.values();
                if (s.values() != null) {
                    s.values().fields().forEachRemaining(e -> {
                        if (e.getValue().isNull()) {
                            values.remove(e.getKey());
                        } else {
                            values.set(e.getKey(), e.getValue());
                        }
                    });
                }
                return d.with(p.session().sessionId(), s.step() != null ? s.step() : d.step(), values, clock.millis());
            });
        }
        if (p.clerkConnId() != null) {
            send(
                    p.clerkConnId(),
                    new ServerMessage.DeclState(
                            p.session().sessionId(), s.step(), s.values(), emptyToNull(s.focus()), s.scroll()));
        }
    }

    private void submit(Party p, ClientMessage.DeclSubmit s) {
        if (p.clerk()) {
            throw refused(
                    p,
                    "decl_submit",
                    null,
                    new ProtocolException(ErrorCode.NO_CONTROL_ZONE, "only the applicant can submit the declaration"));
        }
        DeclarationForm form = form(p);
        LocalDate today = LocalDate.now(clock.withZone(CHINA));
        DraftStore.Draft done = update(p, form, d -> {
            if (d.status() == DraftStore.Status.SUBMITTED) {
                throw new ProtocolException(ErrorReason.DECLARATION_SUBMITTED, "the declaration was already submitted");
            }
            Map<String, String> errors = FieldRules.validate(form, d.values(), today);
            if (!errors.isEmpty()) {
                throw new ProtocolException(
                        ErrorCode.DECLARATION_INVALID,
                        errors.entrySet().stream()
                                .map(e -> e.getKey() + ": " + e.getValue())
                                .collect(Collectors.joining(", ")));
            }
            return d.with(p.session().sessionId(), d.step(), d.values(), clock.millis())
                    .submitted(clock.millis());
        });
        LOG.info("Declaration of ticket {} submitted", p.ticket().number());
        records.audit(
                p.actor(),
                AuditAction.DECLARATION_SUBMITTED,
                p.session().sessionId(),
                AuditDetails.of(AuditField.MATTER, form.matterId())
                        .and(AuditField.FIELDS, done.values().size())
                        .and(AuditField.VALUES_SHA256, sha256(canonical(done.values()))));
        send(p.connId(), snapshot(p, done, s.id()));
        if (p.peerConnId() != null) {
            send(p.peerConnId(), snapshot(p, done, null));
        }
    }

    // ---------------------------------------------------------------- modes and consent

    private void mode(Party p, ClientMessage.CobrowseMode m) {
        if (m.mode().equals("control")) {
            throw refused(
                    p,
                    "cobrowse_mode",
                    null,
                    new ProtocolException(
                            ErrorCode.CONTROL_NOT_GRANTED,
                            "control needs the applicant's consent: send control_request"));
        }
        ControlState.Mode next = m.mode().equals("pointer") ? ControlState.Mode.POINTER : ControlState.Mode.VIEW;
        long now = clock.millis();
        ControlState.Result r = cobrowse.apply(p.session().sessionId(), new CoBrowse.SetMode(next, now));
        boolean released = r.before().mode() == ControlState.Mode.CONTROL;
        if (r.changed()) {
            records.audit(
                    p.actor(),
                    released ? AuditAction.CONTROL_RELEASED : AuditAction.COBROWSE_MODE,
                    p.session().sessionId(),
                    AuditDetails.of(AuditField.FROM, r.before().mode().wire())
                            .and(AuditField.TO, r.after().mode().wire()));
        }
        notifyBoth(p, r.after(), released ? "released" : "set", "clerk", m.id());
    }

    private void request(Party p, ClientMessage.ControlRequest m) {
        long now = clock.millis();
        String clerkId = p.clerkId();
        ControlState.Result r = cobrowse.apply(p.session().sessionId(), new CoBrowse.Request(clerkId, now));
        if (r.refused()) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "control is already granted");
        }
        records.audit(
                p.actor(),
                AuditAction.CONTROL_REQUESTED,
                p.session().sessionId(),
                AuditDetails.of(AuditField.CLERK, p.clerkId()));
        ReferenceData data = refdata.get();
        send(
                p.applicantConnId(),
                new ServerMessage.ControlRequest(
                        p.session().sessionId(),
                        p.clerkId(),
                        clerkName(p.clerkId()),
                        data.hall(p.ticket().hallId())
                                .map(ReferenceData.Hall::name)
                                .orElse(p.ticket().hallId())));
        send(p.connId(), cobrowseMessage(p, r.after(), "requested", "clerk", m.id()));
    }

    private void answer(Party p, ClientMessage.ControlAnswer m) {
        if (p.clerk()) {
            // Consent is the applicant's: a clerk's client that tries to grant itself control is refused.
            throw refused(
                    p,
                    "control_answer",
                    null,
                    new ProtocolException(ErrorCode.NO_CONTROL_ZONE, "only the applicant can grant control"));
        }
        long now = clock.millis();
        boolean granted = m.granted();
        ControlState.Result r = cobrowse.apply(p.session().sessionId(), new CoBrowse.Answer(granted, now));
        if (r.refused()) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "no control request is pending");
        }
        String clerkId = r.before().pendingBy();
        try {
            records.audit(
                    p.actor(),
                    m.granted() ? AuditAction.CONTROL_GRANTED : AuditAction.CONTROL_DENIED,
                    p.session().sessionId(),
                    AuditDetails.of(AuditField.CLERK, clerkId)
                            .and(AuditField.CLERK_NAME, clerkName(clerkId))
                            .and(AuditField.EPOCH, r.after().epoch()));
        } catch (ProtocolException unaudited) {
            // Control granted without a record of it would be control nobody can account for: take it back.
            ControlState back = cobrowse.apply(p.session().sessionId(), new CoBrowse.Revoke(clock.millis()))
                    .after();
            notifyBoth(p, back, "revoked", "server", null);
            throw unaudited;
        }
        LOG.info("Session {}: the applicant {} control", p.session().sessionId(), m.granted() ? "granted" : "denied");
        notifyBoth(p, r.after(), m.granted() ? "granted" : "denied", "applicant", m.id());
    }

    private void revoke(Party p, ClientMessage.ControlRevoke m) {
        long now = clock.millis();
        ControlState.Result r = p.clerk()
                ? cobrowse.apply(p.session().sessionId(), new CoBrowse.Release(now))
                : cobrowse.apply(p.session().sessionId(), new CoBrowse.Revoke(now));
        if (r.changed()) {
            records.audit(
                    p.actor(),
                    p.clerk() ? AuditAction.CONTROL_RELEASED : AuditAction.CONTROL_REVOKED,
                    p.session().sessionId(),
                    AuditDetails.of(AuditField.VIA, m.via())
                            .and(AuditField.FROM, r.before().mode().wire())
                            .and(AuditField.EPOCH, r.after().epoch()));
            LOG.info(
                    "Session {}: control {} by the {}",
                    p.session().sessionId(),
                    p.clerk() ? "released" : "revoked",
                    p.clerk() ? "clerk" : "applicant");
        }
        notifyBoth(p, r.after(), p.clerk() ? "released" : "revoked", p.clerk() ? "clerk" : "applicant", m.id());
    }

    // ---------------------------------------------------------------- remote actions

    private void remoteInput(Party p, ClientMessage.RemoteInput m) {
        DeclarationForm form = form(p);
        DeclarationForm.Field f = form.field(m.field()).orElse(null);
        if (f == null) {
            throw refused(p, "remote_input", m.field(), ProtocolException.invalid("field", "is not on this form"));
        }
        if (f.type() == FieldType.SENSITIVE) {
            throw refused(
                    p,
                    "remote_input",
                    f.key(),
                    new ProtocolException(ErrorCode.FIELD_SENSITIVE, "only the applicant can fill a sensitive field"));
        }
        if (f.applicantOnly()) {
            throw refused(
                    p,
                    "remote_input",
                    f.key(),
                    new ProtocolException(ErrorCode.NO_CONTROL_ZONE, "only the applicant can set " + f.key()));
        }
        ControlState st = requireControl(p, "remote_input", f.key());
        JsonNode value = m.value() == null ? com.fasterxml.jackson.databind.node.NullNode.instance : m.value();
        if (!value.isNull()) {
            Optional<String> problem = FieldRules.shapeProblem(f, value);
            if (problem.isPresent()) {
                throw ProtocolException.invalid("value", problem.get());
            }
        }
        DraftStore.Draft d = draft(p, form);
        if (d.status() == DraftStore.Status.SUBMITTED) {
            throw new ProtocolException(ErrorReason.DECLARATION_SUBMITTED, "the declaration was submitted");
        }
        records.audit(
                p.actor(),
                AuditAction.REMOTE_INPUT,
                p.session().sessionId(),
                AuditDetails.of(AuditField.FIELD, f.key())
                        .and(AuditField.FROM, auditValues.show(f, d.values().get(f.key())))
                        .and(AuditField.TO, auditValues.show(f, value))
                        .and(AuditField.EPOCH, st.epoch()));
        send(p.applicantConnId(), new ServerMessage.RemoteInput(p.session().sessionId(), f.key(), value, st.epoch()));
    }

    private void remoteStep(Party p, ClientMessage.RemoteStep m) {
        DeclarationForm form = form(p);
        if (m.step() >= form.steps().size()) {
            throw ProtocolException.invalid(
                    "step", "the form has " + form.steps().size() + " steps");
        }
        ControlState st = requireControl(p, "remote_step", null);
        DraftStore.Draft d = draft(p, form);
        if (d.status() == DraftStore.Status.SUBMITTED) {
            throw new ProtocolException(ErrorReason.DECLARATION_SUBMITTED, "the declaration was submitted");
        }
        records.audit(
                p.actor(),
                AuditAction.REMOTE_STEP,
                p.session().sessionId(),
                AuditDetails.of(AuditField.FROM, d.step())
                        .and(AuditField.TO, m.step())
                        .and(AuditField.EPOCH, st.epoch()));
        send(p.applicantConnId(), new ServerMessage.RemoteStep(p.session().sessionId(), m.step(), st.epoch()));
    }

    private void pointer(Party p, ClientMessage.Pointer m) {
        ControlState st = cobrowse.current(p.session().sessionId());
        if (st.mode() == ControlState.Mode.VIEW) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "pointer mode is off");
        }
        long now = System.nanoTime();
        Long last = lastPointer.put(p.session().sessionId(), now);
        if (m.field() == null && last != null && now - last < POINTER_MIN_INTERVAL_NANOS) {
            return; // a plain move, rate limited: a newer position follows (highlights always pass)
        }
        if (p.applicantConnId() != null) {
            send(p.applicantConnId(), new ServerMessage.Pointer(p.session().sessionId(), m.x(), m.y(), m.field()));
        }
    }

    private ControlState requireControl(Party p, String attempt, String field) {
        ControlState st = cobrowse.current(p.session().sessionId());
        if (st.mode() != ControlState.Mode.CONTROL) {
            throw refused(
                    p,
                    attempt,
                    field,
                    new ProtocolException(ErrorCode.CONTROL_NOT_GRANTED, "the applicant has not granted control"));
        }
        return st;
    }

    /** Journals a refused remote action with what was attempted; returns {@code e}, marked journaled, to throw. */
    private ProtocolException refused(Party p, String attempt, String field, ProtocolException e) {
        LOG.warn("Session {}: refused {} from {} ({})", p.session().sessionId(), attempt, p.actor(), e.code());
        records.audit(
                p.actor(),
                AuditAction.REMOTE_REFUSED,
                p.session().sessionId(),
                AuditDetails.of(AuditField.ATTEMPT, attempt)
                        .and(AuditField.FIELD, field)
                        .and(AuditField.CODE, e.code().code()));
        return e.audited();
    }

    // ---------------------------------------------------------------- helpers

    private DeclarationForm form(Party p) {
        return forms.form(p.ticket().matterId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NO_FORM, "this matter has no declaration form"));
    }

    /** The ticket's draft, created (with prefilled fields) if there is none yet. */
    private DraftStore.Draft draft(Party p, DeclarationForm form) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<DraftStore.Draft> found = drafts.find(p.ticket().ticketId());
            if (found.isPresent()) {
                return found.get();
            }
            ObjectNode values = CANONICAL.createObjectNode();
            for (DeclarationForm.Field f : form.fields().values()) {
                if ("applicant.name".equals(f.prefill())) {
                    values.put(f.key(), p.ticket().name());
                } else if ("applicant.mobile".equals(f.prefill())) {
                    values.put(f.key(), p.ticket().mobile());
                }
            }
            long now = clock.millis();
            Optional<DraftStore.Draft> saved = drafts.save(new DraftStore.Draft(
                    p.ticket().ticketId(),
                    p.session().sessionId(),
                    form.matterId(),
                    0,
                    values,
                    DraftStore.Status.DRAFT,
                    0,
                    now,
                    now,
                    null));
            if (saved.isPresent()) {
                return saved.get();
            }
        }
        throw new ProtocolException(ErrorCode.INTERNAL, "cannot create the declaration; try again");
    }

    private interface Change {
        DraftStore.Draft apply(DraftStore.Draft current);
    }

    /** Read, change, write with optimistic retries (another node may write the same ticket's draft). */
    private DraftStore.Draft update(Party p, DeclarationForm form, Change change) {
        for (int attempt = 0; attempt < 5; attempt++) {
            DraftStore.Draft current = draft(p, form);
            Optional<DraftStore.Draft> saved = drafts.save(change.apply(current));
            if (saved.isPresent()) {
                return saved.get();
            }
        }
        throw new ProtocolException(ErrorCode.INTERNAL, "the declaration is busy; try again");
    }

    private ServerMessage.Declaration snapshot(Party p, DraftStore.Draft d, String re) {
        ControlState st = cobrowse.current(p.session().sessionId());
        return new ServerMessage.Declaration(
                p.session().sessionId(),
                d.ticketId(),
                d.matterId(),
                d.step(),
                d.values(),
                d.status().name().toLowerCase(java.util.Locale.ROOT),
                st.mode().wire(),
                st.epoch(),
                st.pendingBy(),
                d.updatedAt(),
                d.submittedAt(),
                re);
    }

    private void notifyBoth(Party p, ControlState st, String event, String by, String re) {
        send(p.connId(), cobrowseMessage(p, st, event, by, re));
        if (p.peerConnId() != null) {
            send(p.peerConnId(), cobrowseMessage(p, st, event, by, null));
        }
    }

    private ServerMessage.Cobrowse cobrowseMessage(Party p, ControlState st, String event, String by, String re) {
        return new ServerMessage.Cobrowse(
                p.session().sessionId(),
                st.mode().wire(),
                st.epoch(),
                event,
                by,
                clerkName(p.session().clerkId()),
                st.pendingBy() != null,
                re);
    }

    private String clerkName(String clerkId) {
        if (clerkId == null) {
            return null;
        }
        return refdata.get()
                .clerk(clerkId)
                .map(ReferenceData.ClerkProfile::name)
                .orElse(clerkId);
    }

    private void send(String connId, ServerMessage m) {
        if (connId != null) {
            outbox.send(connId, m);
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static String canonical(ObjectNode values) {
        try {
            return CANONICAL.writeValueAsString(CANONICAL.treeToValue(values, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
