package cn.tongban.signaling.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Pattern;

/**
 * Messages a browser sends to the server over {@code /ws}. Each is a JSON object whose {@code type}
 * names the record below; an optional {@code id} (at most 64 characters) is echoed as {@code re} in any
 * {@link ServerMessage.Error} the message causes. Validation happens in the constructors, so a decoded
 * message is always well-formed. See {@code docs/protocol.md} for examples of every message.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ClientMessage.Join.class, name = "join"),
    @JsonSubTypes.Type(value = ClientMessage.Resume.class, name = "resume"),
    @JsonSubTypes.Type(value = ClientMessage.Leave.class, name = "leave"),
    @JsonSubTypes.Type(value = ClientMessage.Auth.class, name = "auth"),
    @JsonSubTypes.Type(value = ClientMessage.SetStatus.class, name = "status"),
    @JsonSubTypes.Type(value = ClientMessage.Take.class, name = "take"),
    @JsonSubTypes.Type(value = ClientMessage.Sdp.class, name = "sdp"),
    @JsonSubTypes.Type(value = ClientMessage.Ice.class, name = "ice"),
    @JsonSubTypes.Type(value = ClientMessage.Chat.class, name = "chat"),
    @JsonSubTypes.Type(value = ClientMessage.Screen.class, name = "screen"),
    @JsonSubTypes.Type(value = ClientMessage.Camera.class, name = "camera"),
    @JsonSubTypes.Type(value = ClientMessage.DocumentCameraRequest.class, name = "document_camera_request"),
    @JsonSubTypes.Type(value = ClientMessage.DeclOpen.class, name = "decl_open"),
    @JsonSubTypes.Type(value = ClientMessage.DeclState.class, name = "decl_state"),
    @JsonSubTypes.Type(value = ClientMessage.DeclSubmit.class, name = "decl_submit"),
    @JsonSubTypes.Type(value = ClientMessage.CobrowseMode.class, name = "cobrowse_mode"),
    @JsonSubTypes.Type(value = ClientMessage.ControlRequest.class, name = "control_request"),
    @JsonSubTypes.Type(value = ClientMessage.ControlAnswer.class, name = "control_answer"),
    @JsonSubTypes.Type(value = ClientMessage.ControlRevoke.class, name = "control_revoke"),
    @JsonSubTypes.Type(value = ClientMessage.RemoteInput.class, name = "remote_input"),
    @JsonSubTypes.Type(value = ClientMessage.RemoteStep.class, name = "remote_step"),
    @JsonSubTypes.Type(value = ClientMessage.Pointer.class, name = "pointer"),
    @JsonSubTypes.Type(value = ClientMessage.UploadSlot.class, name = "upload_slot"),
    @JsonSubTypes.Type(value = ClientMessage.MaterialDecision.class, name = "material_decision"),
    @JsonSubTypes.Type(value = ClientMessage.IdentityDecision.class, name = "identity_decision"),
    @JsonSubTypes.Type(value = ClientMessage.AppPrepare.class, name = "app_prepare"),
    @JsonSubTypes.Type(value = ClientMessage.IntentRequest.class, name = "intent_request"),
    @JsonSubTypes.Type(value = ClientMessage.IntentConfirm.class, name = "intent_confirm"),
    @JsonSubTypes.Type(value = ClientMessage.SignBegin.class, name = "sign_begin"),
    @JsonSubTypes.Type(value = ClientMessage.SignComplete.class, name = "sign_complete"),
    @JsonSubTypes.Type(value = ClientMessage.ClerkSign.class, name = "clerk_sign"),
    @JsonSubTypes.Type(value = ClientMessage.Hangup.class, name = "hangup"),
    @JsonSubTypes.Type(value = ClientMessage.Outcome.class, name = "outcome"),
    @JsonSubTypes.Type(value = ClientMessage.Ping.class, name = "ping"),
    @JsonSubTypes.Type(value = ClientMessage.Transfer.class, name = "transfer"),
    @JsonSubTypes.Type(value = ClientMessage.PriorityCheck.class, name = "priority"),
    @JsonSubTypes.Type(value = ClientMessage.Watch.class, name = "watch"),
    @JsonSubTypes.Type(value = ClientMessage.Answer.class, name = "answer"),
    @JsonSubTypes.Type(value = ClientMessage.Invite.class, name = "invite"),
    @JsonSubTypes.Type(value = ClientMessage.JoinSession.class, name = "join_session"),
    @JsonSubTypes.Type(value = ClientMessage.LeaveSession.class, name = "leave_session"),
    @JsonSubTypes.Type(value = ClientMessage.MediaRestart.class, name = "media_restart"),
    @JsonSubTypes.Type(value = ClientMessage.ListSessions.class, name = "list_sessions"),
    @JsonSubTypes.Type(value = ClientMessage.ListApplications.class, name = "list_applications"),
    @JsonSubTypes.Type(value = ClientMessage.AppFinish.class, name = "app_finish"),
    @JsonSubTypes.Type(value = ClientMessage.HandoffResend.class, name = "handoff_resend"),
})
public sealed interface ClientMessage {

    /** The client's correlation id, or null. */
    String id();

    /**
     * Applicant: take a ticket for a matter at its owning hall. Answered with {@code ticket}. Optional:
     * {@code language} (a language id of the catalogue; default Mandarin), {@code priorityGroup} (a claim the
     * clerk checks at service time), {@code appointmentCode} (check in for a booked slot), {@code mobileToken}
     * (the number's verification, required when the server verifies numbers).
     */
    record Join(
            String id,
            String matterId,
            String hallId,
            String name,
            String mobile,
            String partnerHallId,
            String language,
            String priorityGroup,
            String appointmentCode,
            String mobileToken)
            implements ClientMessage {
        private static final Pattern MOBILE = Pattern.compile("1[3-9]\\d{9}");
        private static final Pattern CODE = Pattern.compile("[A-Za-z0-9]{8}");

        public Join(String id, String matterId, String hallId, String name, String mobile, String partnerHallId) {
            this(id, matterId, hallId, name, mobile, partnerHallId, null, null, null, null);
        }

        public Join(
                String id,
                String matterId,
                String hallId,
                String name,
                String mobile,
                String partnerHallId,
                String language,
                String priorityGroup,
                String appointmentCode) {
            this(id, matterId, hallId, name, mobile, partnerHallId, language, priorityGroup, appointmentCode, null);
        }

        public Join {
            Checks.identifier("matterId", matterId);
            Checks.identifier("hallId", hallId);
            if (partnerHallId != null) {
                Checks.identifier("partnerHallId", partnerHallId);
            }
            if (language != null) {
                Checks.identifier("language", language);
            }
            if (priorityGroup != null) {
                Checks.identifier("priorityGroup", priorityGroup);
            }
            if (appointmentCode != null && !CODE.matcher(appointmentCode).matches()) {
                throw ProtocolException.invalid("appointmentCode", "must be the 8-character booking code");
            }
            name = Checks.text("name", name, 1, 40);
            if (name.codePoints().anyMatch(c -> Character.isISOControl(c) || c == '<' || c == '>')) {
                throw ProtocolException.invalid("name", "contains characters not allowed in a name");
            }
            if (mobileToken != null) {
                Checks.text("mobileToken", mobileToken, 1, 128);
            }
            Checks.required("mobile", mobile);
            if (!MOBILE.matcher(mobile).matches()) {
                throw ProtocolException.invalid("mobile", "must be an 11-digit mainland mobile number");
            }
        }
    }

    /** Applicant: reclaim a ticket (and session) after a reload or network drop, within the grace period. */
    record Resume(String id, String resumeToken) implements ClientMessage {
        public Resume {
            Checks.text("resumeToken", resumeToken, 16, 128);
        }
    }

    /** Applicant: give up a waiting ticket. */
    record Leave(String id) implements ClientMessage {}

    /** Clerk: authenticate this connection with the token from {@code POST /api/login}. */
    record Auth(String id, String token) implements ClientMessage {
        public Auth {
            Checks.text("token", token, 10, 4096);
        }
    }

    /** Clerk: set availability. */
    record SetStatus(String id, ClerkStatusChoice status) implements ClientMessage {
        public SetStatus {
            Checks.required("status", status);
        }
    }

    /** The statuses a clerk may choose; {@code busy} and {@code wrap_up} are set by the server. */
    enum ClerkStatusChoice {
        @com.fasterxml.jackson.annotation.JsonProperty("available")
        AVAILABLE,
        @com.fasterxml.jackson.annotation.JsonProperty("away")
        AWAY
    }

    /** Clerk: take the named ticket, or the next one in line when {@code ticketId} is absent. */
    record Take(String id, String ticketId) implements ClientMessage {
        public Take {
            if (ticketId != null) {
                Checks.identifier("ticketId", ticketId);
            }
        }
    }

    /** Either party: an SDP offer or answer for the peer in the session. */
    record Sdp(String id, String sessionId, SessionDescription description) implements ClientMessage {
        public Sdp {
            Checks.identifier("sessionId", sessionId);
            Checks.required("description", description);
        }
    }

    /** Either party: an ICE candidate for the peer; a null candidate means end of candidates. */
    record Ice(String id, String sessionId, IceCandidate candidate) implements ClientMessage {
        public Ice {
            Checks.identifier("sessionId", sessionId);
        }
    }

    /** Either party: a chat line (1–2000 characters). */
    record Chat(String id, String sessionId, String text) implements ClientMessage {
        public Chat {
            Checks.identifier("sessionId", sessionId);
            text = Checks.text("text", text, 1, 2000);
        }
    }

    /**
     * Applicant: the second video (screen share or document camera, {@code source}; default {@code screen})
     * started or stopped.
     */
    record Screen(String id, String sessionId, Boolean active, ScreenSource source) implements ClientMessage {
        public Screen {
            Checks.identifier("sessionId", sessionId);
            Checks.required("active", active);
            if (source == null) {
                source = ScreenSource.SCREEN;
            }
        }
    }

    /**
     * Applicant or clerk: my camera sends a picture again ({@code active: true}) or not ({@code false}, with the
     * {@code reason}; default {@code turned_off}).
     */
    record Camera(String id, String sessionId, Boolean active, CameraReason reason) implements ClientMessage {
        public Camera {
            Checks.identifier("sessionId", sessionId);
            Checks.required("active", active);
            if (active) {
                reason = null;
            } else if (reason == null) {
                reason = CameraReason.TURNED_OFF;
            }
        }
    }

    /**
     * Clerk: ask the applicant to turn the document camera on (optionally naming the material to be
     * photographed). Only a request: the applicant's page asks, and the applicant alone starts it.
     */
    record DocumentCameraRequest(String id, String sessionId, String requirement) implements ClientMessage {
        public DocumentCameraRequest {
            Checks.identifier("sessionId", sessionId);
            if (requirement != null) {
                Checks.identifier("requirement", requirement);
            }
        }
    }

    /** Either party: end the session. A clerk must give the outcome. */
    record Hangup(String id, String sessionId, SessionOutcome outcome, String note) implements ClientMessage {
        public Hangup {
            Checks.identifier("sessionId", sessionId);
            if (note != null) {
                note = Checks.text("note", note, 0, 500);
            }
        }
    }

    /** Clerk: record the outcome of a session that the applicant (or the network) ended. */
    record Outcome(String id, String sessionId, SessionOutcome outcome, String note) implements ClientMessage {
        public Outcome {
            Checks.identifier("sessionId", sessionId);
            Checks.required("outcome", outcome);
            if (note != null) {
                note = Checks.text("note", note, 0, 500);
            }
        }
    }

    /**
     * Clerk: hand the live session to another clerk ({@code toClerkId}, who must be available) or back to
     * the head of a hall's queue ({@code toHallId}: the ticket's own hall or another hall owning the matter).
     * Exactly one of the two. The clerk gets {@code ended} (reason {@code transferred}).
     */
    record Transfer(String id, String sessionId, String toClerkId, String toHallId) implements ClientMessage {
        public Transfer {
            Checks.identifier("sessionId", sessionId);
            if ((toClerkId == null) == (toHallId == null)) {
                throw ProtocolException.invalid("toClerkId", "give exactly one of toClerkId and toHallId");
            }
            if (toClerkId != null) {
                Checks.identifier("toClerkId", toClerkId);
            } else {
                Checks.identifier("toHallId", toHallId);
            }
        }
    }

    /** The clerk's check of an applicant's priority claim. */
    enum PriorityVerdict {
        @com.fasterxml.jackson.annotation.JsonProperty("confirmed")
        CONFIRMED,
        @com.fasterxml.jackson.annotation.JsonProperty("rejected")
        REJECTED
    }

    /**
     * Clerk: the applicant's priority claim ({@code paired.peer.priorityGroup}) was checked: {@code
     * confirmed}, or {@code rejected} (the claim was not true). Once per ticket; audited.
     */
    record PriorityCheck(String id, String sessionId, PriorityVerdict verdict) implements ClientMessage {
        public PriorityCheck {
            Checks.identifier("sessionId", sessionId);
            Checks.required("verdict", verdict);
        }
    }

    /**
     * Supervisor: open the live board of every queue with the token from {@code POST /api/login}. Only
     * accounts listed as supervisors may (else {@code NOT_SUPERVISOR}). Answered with {@code board}, which
     * is then pushed on every change. The connection does not sign the account in as a working clerk.
     */
    record Watch(String id, String token) implements ClientMessage {
        public Watch {
            Checks.text("token", token, 10, 4096);
        }
    }

    /** Either party: keep-alive; answered with {@code pong}. */
    record Ping(String id) implements ClientMessage {}

    // ---------------------------------------------------------------- guided declaration and co-browsing

    /**
     * A message of the guided declaration or of co-browsing, about one session the sender is part of. The
     * signaling handler checks membership and hands it to {@code DeclarationService}, which enforces the
     * control mode, consent and the no-control zones (docs/protocol.md, "Guided declaration").
     */
    sealed interface DeclarationMessage extends ClientMessage {
        String sessionId();
    }

    /** Either party: the declaration of the session (created from the form on first open). Answer: {@code declaration}. */
    record DeclOpen(String id, String sessionId) implements DeclarationMessage {
        public DeclOpen {
            Checks.identifier("sessionId", sessionId);
        }
    }

    /**
     * Applicant: what changed on the form — values (changed fields only; JSON null clears one), the step
     * shown, the focused field, the scroll position (0..1). Sensitive fields are never sent.
     */
    record DeclState(String id, String sessionId, Integer step, ObjectNode values, String focus, Double scroll)
            implements DeclarationMessage {
        public DeclState {
            Checks.identifier("sessionId", sessionId);
            Checks.range("step", step, 0, 99);
            if (focus != null && !focus.isEmpty()) {
                Checks.identifier("focus", focus);
            }
            Checks.fraction("scroll", scroll);
            if (values != null && values.size() > 200) {
                throw ProtocolException.invalid("values", "has more than 200 fields");
            }
        }
    }

    /** Applicant only (a no-control zone): submit the declaration. Answer: {@code declaration} (submitted). */
    record DeclSubmit(String id, String sessionId) implements DeclarationMessage {
        public DeclSubmit {
            Checks.identifier("sessionId", sessionId);
        }
    }

    /** Clerk: co-browsing mode {@code view} or {@code pointer} (leaving control releases it). Answer: {@code cobrowse}. */
    record CobrowseMode(String id, String sessionId, String mode) implements DeclarationMessage {
        public CobrowseMode {
            Checks.identifier("sessionId", sessionId);
            Checks.required("mode", mode);
            if (!mode.equals("view") && !mode.equals("pointer") && !mode.equals("control")) {
                throw ProtocolException.invalid("mode", "must be view, pointer or control");
            }
        }
    }

    /** Clerk: ask the applicant for control of the form. Answer: {@code cobrowse} (event {@code requested}). */
    record ControlRequest(String id, String sessionId) implements DeclarationMessage {
        public ControlRequest {
            Checks.identifier("sessionId", sessionId);
        }
    }

    /** Applicant only: grant or deny the pending control request. Answer: {@code cobrowse}. */
    record ControlAnswer(String id, String sessionId, Boolean granted) implements DeclarationMessage {
        public ControlAnswer {
            Checks.identifier("sessionId", sessionId);
            Checks.required("granted", granted);
        }
    }

    /**
     * Applicant: end control now ({@code via}: {@code button}, {@code esc} or {@code dialog}); a clerk may
     * send it to release control. Answer: {@code cobrowse}.
     */
    record ControlRevoke(String id, String sessionId, String via) implements DeclarationMessage {
        public ControlRevoke {
            Checks.identifier("sessionId", sessionId);
            if (via != null && !via.equals("button") && !via.equals("esc") && !via.equals("dialog")) {
                throw ProtocolException.invalid("via", "must be button, esc or dialog");
            }
        }
    }

    /** Clerk, in control mode only: set a (non-sensitive, not applicant-only) field on the applicant's form. */
    record RemoteInput(String id, String sessionId, String field, JsonNode value) implements DeclarationMessage {
        public RemoteInput {
            Checks.identifier("sessionId", sessionId);
            Checks.identifier("field", field);
            if (value != null && value.isContainerNode() && value.size() > 8) {
                throw ProtocolException.invalid("value", "is too large");
            }
        }
    }

    /** Clerk, in control mode only: show another step of the applicant's form. */
    record RemoteStep(String id, String sessionId, Integer step) implements DeclarationMessage {
        public RemoteStep {
            Checks.identifier("sessionId", sessionId);
            Checks.required("step", step);
            Checks.range("step", step, 0, 99);
        }
    }

    /**
     * Clerk, in pointer or control mode: the clerk's pointer over the form ({@code x}, {@code y} as
     * fractions 0..1 of the form panel) and an optional field to highlight.
     */
    record Pointer(String id, String sessionId, Double x, Double y, String field) implements DeclarationMessage {
        public Pointer {
            Checks.identifier("sessionId", sessionId);
            Checks.required("x", x);
            Checks.required("y", y);
            Checks.fraction("x", x);
            Checks.fraction("y", y);
            if (field != null) {
                Checks.identifier("field", field);
            }
        }
    }

    // ---------------------------------------------------------------- identity check and materials

    /**
     * Either party: a one-time token for {@code POST /api/uploads/<token>}. {@code kind}: {@code upload} (the
     * applicant's file for {@code requirement}), {@code document_still} (the clerk's capture from the
     * document camera, for {@code requirement}) or {@code face_still} (the clerk's still of the applicant
     * for the identity check). Answer: {@code upload_slot}.
     */
    record UploadSlot(String id, String sessionId, String kind, String requirement, String fileName)
            implements DeclarationMessage {
        public UploadSlot {
            Checks.identifier("sessionId", sessionId);
            Checks.required("kind", kind);
            if (!kind.equals("upload") && !kind.equals("document_still") && !kind.equals("face_still")) {
                throw ProtocolException.invalid("kind", "must be upload, document_still or face_still");
            }
            if (requirement != null) {
                Checks.identifier("requirement", requirement);
            }
            if (fileName != null) {
                fileName = Checks.text("fileName", fileName, 1, 200);
                if (fileName.codePoints().anyMatch(c -> Character.isISOControl(c) || c == '/' || c == '\\')) {
                    throw ProtocolException.invalid("fileName", "contains characters not allowed in a file name");
                }
            }
        }
    }

    /** Clerk: a material is {@code received}, or needs a {@code replace}ment (then {@code reason} is required). */
    record MaterialDecision(String id, String sessionId, String materialId, String decision, String reason)
            implements DeclarationMessage {
        public MaterialDecision {
            Checks.identifier("sessionId", sessionId);
            Checks.identifier("materialId", materialId);
            Checks.required("decision", decision);
            if (!decision.equals("received") && !decision.equals("replace")) {
                throw ProtocolException.invalid("decision", "must be received or replace");
            }
            if (reason != null) {
                reason = Checks.text("reason", reason, 0, 500);
            }
            if (decision.equals("replace") && (reason == null || reason.isEmpty())) {
                throw ProtocolException.invalid("reason", "is required when asking for a replacement");
            }
        }
    }

    /**
     * Clerk: the identity decision — the applicant in the still ({@code stillId}, a {@code face_still}) is
     * ({@code match}) or is not ({@code mismatch}, with {@code reason}) the person on the ID card.
     */
    record IdentityDecision(String id, String sessionId, String stillId, String decision, String reason)
            implements DeclarationMessage {
        public IdentityDecision {
            Checks.identifier("sessionId", sessionId);
            Checks.identifier("stillId", stillId);
            Checks.required("decision", decision);
            if (!decision.equals("match") && !decision.equals("mismatch")) {
                throw ProtocolException.invalid("decision", "must be match or mismatch");
            }
            if (reason != null) {
                reason = Checks.text("reason", reason, 0, 500);
            }
            if (decision.equals("mismatch") && (reason == null || reason.isEmpty())) {
                throw ProtocolException.invalid("reason", "is required for a mismatch");
            }
        }
    }

    // ---------------------------------------------------------------- the signed application

    /**
     * A message of the signed application (intent, signatures, hand-off): handled by {@code SigningService}
     * after the same membership check as every declaration message. Intent and the applicant's signature
     * are no-control zones: a clerk's attempt is refused ({@code NO_CONTROL_ZONE}) and audited.
     */
    sealed interface ApplicationMessage extends DeclarationMessage {}

    /**
     * Clerk: render the application (declaration submitted, identity verified, required materials received).
     * Answer: {@code application} (also to the applicant).
     */
    record AppPrepare(String id, String sessionId) implements ApplicationMessage {
        public AppPrepare {
            Checks.identifier("sessionId", sessionId);
        }
    }

    /** Applicant only: I have read the application; show me the one-time intent code. Answer: {@code intent_code}. */
    record IntentRequest(String id, String sessionId) implements ApplicationMessage {
        public IntentRequest {
            Checks.identifier("sessionId", sessionId);
        }
    }

    /** Applicant only: the intent code typed back (意愿认证). Answer: {@code application} ({@code intent_confirmed}). */
    record IntentConfirm(String id, String sessionId, String code) implements ApplicationMessage {
        private static final Pattern CODE = Pattern.compile("\\d{6}");

        public IntentConfirm {
            Checks.identifier("sessionId", sessionId);
            Checks.required("code", code);
            if (!CODE.matcher(code).matches()) {
                throw ProtocolException.invalid("code", "must be 6 digits");
            }
        }
    }

    /**
     * Applicant only: the public key made in the browser ({@code publicKey}: base64 SubjectPublicKeyInfo,
     * ECDSA P-256) and the handwritten signature ({@code handwriting}: base64 PNG). Answer: {@code sign_data}.
     */
    record SignBegin(String id, String sessionId, String publicKey, String handwriting) implements ApplicationMessage {
        public SignBegin {
            Checks.identifier("sessionId", sessionId);
            Checks.base64("publicKey", publicKey, 1024);
            Checks.base64("handwriting", handwriting, 60_000);
        }
    }

    /**
     * Applicant only: the browser's signature over {@code sign_data.data} (base64; WebCrypto's IEEE P1363
     * {@code r||s}, or DER). Answer: {@code application} ({@code applicant_signed}).
     */
    record SignComplete(String id, String sessionId, String signature) implements ApplicationMessage {
        public SignComplete {
            Checks.identifier("sessionId", sessionId);
            Checks.base64("signature", signature, 1024);
        }
    }

    /**
     * Clerk: sign the applicant-signed application and apply the owning hall's e-seal (PAdES B-LTA); the
     * server verifies it, files it with the owning hall (hand-off) and sends {@code application} to both.
     */
    record ClerkSign(String id, String sessionId) implements ApplicationMessage {
        public ClerkSign {
            Checks.identifier("sessionId", sessionId);
        }
    }

    // ---- bridge mode (docs/protocol.md, "Media through the bridge")

    /**
     * Any participant, bridge mode: the SDP answer to the server's {@code offer} of the given {@code
     * version}. The body is kept exactly as sent (no trimming).
     */
    record Answer(String id, String sessionId, Long version, String sdp) implements ClientMessage {
        public Answer {
            Checks.identifier("sessionId", sessionId);
            Checks.required("version", version);
            if (version < 1) {
                throw ProtocolException.invalid("version", "must be 1 or more");
            }
            Checks.text("sdp", sdp, 1, 60_000);
            if (!sdp.startsWith("v=0")) {
                throw ProtocolException.invalid("sdp", "is not an SDP body");
            }
        }
    }

    /** The session's own clerk, bridge mode: invite a clerk of the applicant's partner hall to help. */
    record Invite(String id, String sessionId, String clerkId) implements ClientMessage {
        public Invite {
            Checks.identifier("sessionId", sessionId);
            Checks.identifier("clerkId", clerkId);
        }
    }

    /** The roles in which a clerk may join another clerk's session. */
    enum JoinRole {
        /** An invited clerk of the partner hall where the applicant is: sends and receives. */
        @com.fasterxml.jackson.annotation.JsonProperty("helper")
        HELPER,
        /** A supervisor of the owning hall: receives everyone, sends nothing; the applicant is told. */
        @com.fasterxml.jackson.annotation.JsonProperty("supervisor")
        SUPERVISOR
    }

    /** Clerk, bridge mode: join a running session as helper (after an invitation) or supervisor. */
    record JoinSession(String id, String sessionId, JoinRole role) implements ClientMessage {
        public JoinSession {
            Checks.identifier("sessionId", sessionId);
            Checks.required("role", role);
        }
    }

    /** A helper or supervisor: leave the session joined with {@code join_session}. */
    record LeaveSession(String id, String sessionId) implements ClientMessage {
        public LeaveSession {
            Checks.identifier("sessionId", sessionId);
        }
    }

    /**
     * Bridge mode, anyone in the session: my media connection failed (ICE failed or stayed disconnected); give
     * me a new endpoint on the session's bridge. Answered with an {@code offer} for a new peer connection.
     */
    record MediaRestart(String id, String sessionId) implements ClientMessage {
        public MediaRestart {
            Checks.identifier("sessionId", sessionId);
        }
    }

    /** Supervisor: the running sessions of their hall. Answered with {@code sessions}. */
    record ListSessions(String id) implements ClientMessage {}

    // ---- unfinished applications, outside a session (docs/protocol.md, "Unfinished applications")

    /** Clerk messages about the hall's signed applications, outside any session. */
    sealed interface DeskMessage extends ClientMessage {}

    /**
     * Clerk: the hall's applications that need a person — signed by the applicant but not sealed when their
     * session ended, or sealed with a refused (or still retried) hand-off. Answered with {@code applications}.
     */
    record ListApplications(String id) implements DeskMessage {}

    /**
     * Clerk of the hall that accepted the application: sign, seal, verify and hand off an application the
     * applicant signed in a session that has ended. Answered with {@code application} ({@code sealed}).
     */
    record AppFinish(String id, String applicationId) implements DeskMessage {
        public AppFinish {
            Checks.identifier("applicationId", applicationId);
        }
    }

    /**
     * Clerk: send a refused hand-off again (the cause was fixed at the owning hall). Answered with {@code
     * application}, its {@code handoff} as it stands after the new attempt.
     */
    record HandoffResend(String id, String applicationId) implements DeskMessage {
        public HandoffResend {
            Checks.identifier("applicationId", applicationId);
        }
    }
}
