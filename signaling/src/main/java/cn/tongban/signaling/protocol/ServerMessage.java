package cn.tongban.signaling.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Messages the server sends to browsers over {@code /ws}. Each is a JSON object whose {@code type}
 * names the record below. Absent optional fields are omitted. See {@code docs/protocol.md}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ServerMessage.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = ServerMessage.Servers.class, name = "servers"),
    @JsonSubTypes.Type(value = ServerMessage.IceServers.class, name = "ice_servers"),
    @JsonSubTypes.Type(value = ServerMessage.Ticket.class, name = "ticket"),
    @JsonSubTypes.Type(value = ServerMessage.Clerk.class, name = "clerk"),
    @JsonSubTypes.Type(value = ServerMessage.Queue.class, name = "queue"),
    @JsonSubTypes.Type(value = ServerMessage.Paired.class, name = "paired"),
    @JsonSubTypes.Type(value = ServerMessage.Sdp.class, name = "sdp"),
    @JsonSubTypes.Type(value = ServerMessage.Ice.class, name = "ice"),
    @JsonSubTypes.Type(value = ServerMessage.Chat.class, name = "chat"),
    @JsonSubTypes.Type(value = ServerMessage.Screen.class, name = "screen"),
    @JsonSubTypes.Type(value = ServerMessage.Camera.class, name = "camera"),
    @JsonSubTypes.Type(value = ServerMessage.DocumentCameraRequest.class, name = "document_camera_request"),
    @JsonSubTypes.Type(value = ServerMessage.Declaration.class, name = "declaration"),
    @JsonSubTypes.Type(value = ServerMessage.DeclState.class, name = "decl_state"),
    @JsonSubTypes.Type(value = ServerMessage.Cobrowse.class, name = "cobrowse"),
    @JsonSubTypes.Type(value = ServerMessage.ControlRequest.class, name = "control_request"),
    @JsonSubTypes.Type(value = ServerMessage.RemoteInput.class, name = "remote_input"),
    @JsonSubTypes.Type(value = ServerMessage.RemoteStep.class, name = "remote_step"),
    @JsonSubTypes.Type(value = ServerMessage.Pointer.class, name = "pointer"),
    @JsonSubTypes.Type(value = ServerMessage.UploadSlot.class, name = "upload_slot"),
    @JsonSubTypes.Type(value = ServerMessage.Material.class, name = "material"),
    @JsonSubTypes.Type(value = ServerMessage.Identity.class, name = "identity"),
    @JsonSubTypes.Type(value = ServerMessage.Application.class, name = "application"),
    @JsonSubTypes.Type(value = ServerMessage.IntentCode.class, name = "intent_code"),
    @JsonSubTypes.Type(value = ServerMessage.SignData.class, name = "sign_data"),
    @JsonSubTypes.Type(value = ServerMessage.Peer.class, name = "peer"),
    @JsonSubTypes.Type(value = ServerMessage.Ended.class, name = "ended"),
    @JsonSubTypes.Type(value = ServerMessage.Pong.class, name = "pong"),
    @JsonSubTypes.Type(value = ServerMessage.Error.class, name = "error"),
    @JsonSubTypes.Type(value = ServerMessage.Transferred.class, name = "transferred"),
    @JsonSubTypes.Type(value = ServerMessage.Board.class, name = "board"),
    @JsonSubTypes.Type(value = ServerMessage.Offer.class, name = "offer"),
    @JsonSubTypes.Type(value = ServerMessage.Participants.class, name = "participants"),
    @JsonSubTypes.Type(value = ServerMessage.Invitation.class, name = "invitation"),
    @JsonSubTypes.Type(value = ServerMessage.Recording.class, name = "recording"),
    @JsonSubTypes.Type(value = ServerMessage.Sessions.class, name = "sessions"),
    @JsonSubTypes.Type(value = ServerMessage.Applications.class, name = "applications"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface ServerMessage {

    /**
     * First message on every connection: the protocol version, STUN servers (TURN servers come later, in
     * {@link IceServers}, to connections that hold a ticket or an account), limits, and how media flows:
     * {@code media} is {@code bridge} (the server offers, see {@link Offer}) or {@code p2p} (the clerk
     * offers and the server relays {@code sdp}/{@code ice}). {@code servers} lists the WebSocket URLs of the
     * cluster's live nodes, this one first (absent on a single node): where to reconnect, with the resume
     * token or the clerk's token, when this node fails. {@code iceTransportPolicy} is {@code relay} when
     * pages must use only TURN-relayed candidates (absent: {@code all}).
     */
    record Hello(
            int protocol,
            String server,
            List<IceServer> iceServers,
            Limits limits,
            String media,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> servers,
            String iceTransportPolicy)
            implements ServerMessage {}

    /**
     * The whole {@code iceServers} list for new peer connections, STUN and TURN, replacing {@link
     * Hello#iceServers}: sent once a connection holds a ticket ({@code join}, {@code resume}) or an account
     * ({@code auth}, {@code watch}), and again before {@code expiresAt} (epoch milliseconds), when the TURN
     * credentials in it stop opening relays.
     */
    record IceServers(List<IceServer> iceServers, long expiresAt) implements ServerMessage {}

    /**
     * The cluster's live nodes changed (a node joined, left, or became known to this one): the new list,
     * this node first, replacing {@link Hello#servers} for where to reconnect.
     */
    record Servers(List<String> servers) implements ServerMessage {}

    /** A STUN or TURN server for {@code RTCPeerConnection}'s {@code iceServers}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record IceServer(List<String> urls, String username, String credential) {}

    /** Limits the client must respect. */
    record Limits(int maxMessageBytes, int messagesPerSecond, int resumeGraceSeconds) {}

    /**
     * The applicant's ticket: sent on join, on resume and whenever its position or state changes.
     * {@code resumeToken} is present only in the answer to {@code join} and {@code resume}; {@code
     * outcome} once the clerk has recorded it (state {@code done}). {@code version} grows with every change
     * of the ticket: a page keeps the highest it has seen and ignores a ticket message with a lower one
     * (the server already drops such a message on the connection; pages check too).
     */
    record Ticket(
            String ticketId,
            String number,
            String matterId,
            String hallId,
            TicketState state,
            Integer position,
            Integer etaSeconds,
            String resumeToken,
            SessionOutcome outcome,
            String re,
            String language,
            String priorityGroup,
            Long appointmentAt,
            Long version)
            implements ServerMessage {
        public Ticket(
                String ticketId,
                String number,
                String matterId,
                String hallId,
                TicketState state,
                Integer position,
                Integer etaSeconds,
                String resumeToken,
                SessionOutcome outcome,
                String re) {
            this(
                    ticketId,
                    number,
                    matterId,
                    hallId,
                    state,
                    position,
                    etaSeconds,
                    resumeToken,
                    outcome,
                    re,
                    null,
                    null,
                    null,
                    null);
        }
    }

    /** States of a ticket as the applicant sees it. */
    enum TicketState {
        @JsonProperty("waiting")
        WAITING,
        @JsonProperty("in_session")
        IN_SESSION,
        @JsonProperty("done")
        DONE,
        @JsonProperty("cancelled")
        CANCELLED,
        @JsonProperty("expired")
        EXPIRED
    }

    /**
     * The clerk's own state: sent after {@code auth} and whenever it changes. {@code wrapUpUntil} (epoch
     * ms) is when a timed wrap-up ends by itself.
     */
    record Clerk(
            String clerkId,
            String name,
            String hallId,
            List<String> matters,
            ClerkStatus status,
            String re,
            Long wrapUpUntil)
            implements ServerMessage {
        public Clerk(String clerkId, String name, String hallId, List<String> matters, ClerkStatus status, String re) {
            this(clerkId, name, hallId, matters, status, re, null);
        }
    }

    /** A clerk's status. */
    enum ClerkStatus {
        @JsonProperty("available")
        AVAILABLE,
        @JsonProperty("away")
        AWAY,
        @JsonProperty("busy")
        BUSY,
        @JsonProperty("wrap_up")
        WRAP_UP
    }

    /** To clerks: the waiting tickets they are qualified for, in the order they will be served. */
    record Queue(List<QueueEntry> tickets, int total) implements ServerMessage {}

    /**
     * One waiting ticket as a clerk sees it before taking it: the applicant's name is masked. {@code
     * overflow}: a partner hall's ticket the clerk may take because that queue overflows; {@code
     * priorityGroup}: an unverified claim; {@code appointmentAt}: the booked slot's start (epoch ms).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record QueueEntry(
            String ticketId,
            String number,
            String matterId,
            String hallId,
            int waitingSeconds,
            String applicant,
            boolean connected,
            boolean returned,
            String language,
            String priorityGroup,
            Long appointmentAt,
            Boolean overflow) {
        public QueueEntry(
                String ticketId,
                String number,
                String matterId,
                String hallId,
                int waitingSeconds,
                String applicant,
                boolean connected,
                boolean returned) {
            this(
                    ticketId,
                    number,
                    matterId,
                    hallId,
                    waitingSeconds,
                    applicant,
                    connected,
                    returned,
                    null,
                    null,
                    null,
                    null);
        }
    }

    /**
     * Both parties: a session has started (or was resumed). The {@code offerer} creates the WebRTC
     * offer (in bridge mode nobody: the server does); {@code peer} describes the other party (full name
     * only for the clerk). {@code role} is {@code applicant} or {@code clerk}, or {@code helper} / {@code
     * supervisor} for a clerk who joined with {@code join_session}. {@code recording} is true when the
     * matter's policy records the session (the applicant page says so before any media flows).
     */
    record Paired(
            String sessionId,
            String role,
            boolean offerer,
            boolean resumed,
            PeerInfo peer,
            String ticketId,
            String number,
            String matterId,
            String hallId,
            String re,
            Boolean recording,
            Long version)
            implements ServerMessage {

        /** The same message for bridge mode: nobody offers but the server. */
        public Paired bridged(boolean recorded) {
            return new Paired(
                    sessionId, role, false, resumed, peer, ticketId, number, matterId, hallId, re, recorded, version);
        }
    }

    /**
     * The other party of a session. For the clerk, {@code language} and {@code priorityGroup} are what the
     * applicant asked for and claimed (the claim is to be checked with {@code priority}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PeerInfo(
            String name, String mobile, String hallName, String clerkId, String language, String priorityGroup) {
        public PeerInfo(String name, String mobile, String hallName, String clerkId) {
            this(name, mobile, hallName, clerkId, null, null);
        }
    }

    /** Relayed SDP from the peer. */
    record Sdp(String sessionId, SessionDescription description) implements ServerMessage {}

    /** Relayed ICE candidate from the peer. */
    record Ice(String sessionId, IceCandidate candidate) implements ServerMessage {}

    /**
     * A chat line, delivered to both parties with the server's timestamp (epoch milliseconds) and its
     * number within the session ({@code seq}, from 1): lines are sent again after a resume, and a client
     * drops the numbers it already shows.
     */
    record Chat(String sessionId, String from, String name, String text, long at, long seq) implements ServerMessage {}

    /**
     * The applicant's second video started or stopped; {@code source} (while active) says whether it shows
     * the screen or the document camera.
     */
    record Screen(String sessionId, boolean active, ScreenSource source) implements ServerMessage {}

    /**
     * A party's camera sends a picture ({@code active}) or not, and why not ({@code reason}); {@code from} is
     * {@code applicant} or {@code clerk}.
     */
    record Camera(String sessionId, String from, boolean active, CameraReason reason) implements ServerMessage {}

    /** To the applicant: the clerk asks for the document camera (for the material {@code requirement}). */
    record DocumentCameraRequest(String sessionId, String requirement) implements ServerMessage {}

    /** The peer's connection dropped ({@code disconnected}) or came back ({@code reconnected}). */
    record Peer(String sessionId, String state) implements ServerMessage {}

    /**
     * The session ended. {@code by} is {@code applicant}, {@code clerk} or {@code server}; {@code reason}
     * is one of {@code hangup}, {@code applicant_lost}, {@code clerk_lost}; {@code outcomeRequired} tells
     * the clerk to send {@code outcome}; {@code outcome} tells the applicant how the clerk closed it.
     */
    record Ended(
            String sessionId,
            String by,
            String reason,
            boolean outcomeRequired,
            SessionOutcome outcome,
            String re,
            Long version)
            implements ServerMessage {}

    /**
     * To the applicant: the clerk handed the session over. {@code toClerkName} when to another clerk (a new
     * {@code paired} follows); otherwise {@code toHallId} names the hall whose queue the ticket is back at
     * the head of (a {@code ticket} follows).
     */
    record Transferred(String sessionId, String toClerkName, String toHallId) implements ServerMessage {}

    /** To supervisors: every queue and every signed-in clerk, pushed on every change. */
    record Board(long at, List<BoardQueue> queues, List<BoardClerk> clerks, String re) implements ServerMessage {}

    /**
     * One queue (owning hall × matter): waiting tickets, the longest wait so far, the expected wait of a
     * new arrival (absent: no clerk on duty), whether partner halls may take its overflow, priority claims
     * and due appointments among the waiting, the hall's clerks for the matter by status, and the queue's
     * alert threshold with whether the longest wait has passed it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BoardQueue(
            String hallId,
            String matterId,
            int waiting,
            int longestWaitSeconds,
            Integer expectedWaitSeconds,
            boolean overflowOpen,
            int priorityClaims,
            int appointmentsDue,
            int available,
            int busy,
            int wrapUp,
            int away,
            int alertWaitSeconds,
            boolean alert) {}

    /** A signed-in clerk on the board; {@code sinceSeconds} in the current status. */
    record BoardClerk(String clerkId, String name, String hallId, ClerkStatus status, int sinceSeconds) {}

    /** Answer to {@code ping}. */
    record Pong(String re) implements ServerMessage {}

    /** A rejected message. {@code re} echoes the offending message's {@code id}; {@code about} its type. */
    record Error(String code, String message, String re, String about, String reason) implements ServerMessage {
        public Error(String code, String message, String re, String about) {
            this(code, message, re, about, null);
        }

        public static Error of(ProtocolException e, String re, String about) {
            return new Error(
                    e.code().code(),
                    e.getMessage(),
                    re,
                    about,
                    e.reason() == null ? null : e.reason().wire());
        }
    }

    // ---------------------------------------------------------------- guided declaration and co-browsing

    /**
     * The declaration of a session: the stored draft (non-sensitive values only), its status ({@code draft},
     * {@code submitted}) and the co-browsing mode. Answers {@code decl_open} and {@code decl_submit}; sent
     * to both parties on submission.
     */
    record Declaration(
            String sessionId,
            String ticketId,
            String matterId,
            int step,
            ObjectNode values,
            String status,
            String mode,
            int epoch,
            String pendingBy,
            long updatedAt,
            Long submittedAt,
            String re)
            implements ServerMessage {}

    /** To the clerk: the applicant's form changed (mirror). Absent fields did not change. */
    record DeclState(String sessionId, Integer step, ObjectNode values, String focus, Double scroll)
            implements ServerMessage {}

    /**
     * To both parties: the co-browsing mode changed or control was asked for. {@code event} is {@code set},
     * {@code requested}, {@code granted}, {@code denied}, {@code revoked} (by the applicant) or {@code
     * released} (by the clerk); {@code by} is {@code applicant} or {@code clerk}.
     */
    record Cobrowse(
            String sessionId,
            String mode,
            int epoch,
            String event,
            String by,
            String clerkName,
            boolean pending,
            String re)
            implements ServerMessage {}

    /** To the applicant: a clerk asks for control; the page asks in a dialog naming the clerk. */
    record ControlRequest(String sessionId, String clerkId, String clerkName, String hallName)
            implements ServerMessage {}

    /** To the applicant, in control mode: the clerk set a field. Dropped by the page if {@code epoch} is stale. */
    record RemoteInput(String sessionId, String field, JsonNode value, int epoch) implements ServerMessage {}

    /** To the applicant, in control mode: the clerk moved to another step. */
    record RemoteStep(String sessionId, int step, int epoch) implements ServerMessage {}

    /** To the applicant, in pointer or control mode: the clerk's pointer and highlighted field. */
    record Pointer(String sessionId, double x, double y, String field) implements ServerMessage {}

    // ---------------------------------------------------------------- identity check and materials

    /** Answer to {@code upload_slot}: POST the file's bytes to {@code url} within five minutes, once. */
    record UploadSlot(String sessionId, String url, long maxBytes, long expiresAt, String re)
            implements ServerMessage {}

    /**
     * To both parties: a material or still arrived, or the clerk decided on it. {@code kind}: {@code upload},
     * {@code document_still}, {@code face_still}; {@code status}: {@code pending}, {@code received}, {@code
     * replace} (with {@code reason}); {@code url} shows the file (signed, valid for two hours).
     */
    record Material(
            String sessionId,
            String materialId,
            String requirement,
            String kind,
            String mime,
            long size,
            String sha256,
            String fileName,
            String by,
            long at,
            String status,
            String reason,
            String url,
            String re)
            implements ServerMessage {}

    /**
     * To both parties: the identity check's result. {@code status}: {@code verified} or {@code failed};
     * {@code problems}: the server's findings ({@code id_checksum}, {@code name_mismatch}, {@code
     * clerk_mismatch}, ...); {@code method}: the verifier ({@code clerk-attested} by default).
     */
    record Identity(
            String sessionId,
            String status,
            String decision,
            String method,
            List<String> problems,
            String stillSha256,
            String clerkId,
            long at,
            String re)
            implements ServerMessage {}

    // ---------------------------------------------------------------- the signed application

    /**
     * To both parties: the application's state. {@code status}: {@code prepared}, {@code intent_confirmed},
     * {@code applicant_signed}, {@code sealed}; {@code previews}: one signed URL per page (PNG) of the
     * current version; {@code pdfUrl}: the final PDF (signed URL, two hours), once sealed; {@code signers}:
     * who signed when; {@code verification}: the server's verdict on the final PDF; {@code handoff}: its
     * filing with the owning hall and the receipt.
     */
    record Application(
            String sessionId,
            String applicationId,
            String status,
            int pages,
            List<String> previews,
            String pdfSha256,
            String pdfUrl,
            Long intentAt,
            List<Signer> signers,
            Verification verification,
            Handoff handoff,
            String re)
            implements ServerMessage {}

    /** One signature on the application: {@code role} {@code applicant}, {@code clerk} or {@code seal}. */
    record Signer(String role, String name, long at) {}

    /** The verifier's verdict on the final PDF ({@code VALID} ...), the signatures and time-stamps it checked. */
    record Verification(String verdict, int signatures, String level) {}

    /**
     * Filing with the owning hall. {@code status}: {@code local} (this node files it for the owning hall),
     * {@code pending} (being sent; {@code attempts}, {@code reason} of the last failure), {@code delivered}
     * (the owning hall's node verified it and issued the receipt), {@code refused} (with {@code reason}).
     * {@code receiptUrl} serves the signed receipt PDF (回执).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Handoff(
            String status,
            String from,
            String to,
            String reason,
            int attempts,
            String receiptNo,
            Long receivedAt,
            String receiptUrl) {}

    /**
     * To the applicant only, never to the clerk: the one-time intent code for the application whose
     * SHA-256 is {@code formSha256}, to be typed back before {@code expiresAt}.
     */
    record IntentCode(String sessionId, String code, long expiresAt, String formSha256, String re)
            implements ServerMessage {}

    /**
     * To the applicant only: the applicant's session certificate was issued; sign {@code data} (base64 DER
     * signed attributes) with the browser key — {@code crypto.subtle.sign({name:"ECDSA",hash:"SHA-256"},
     * key, data)} — and send {@code sign_complete}.
     */
    record SignData(
            String sessionId,
            String data,
            String algorithm,
            String certificateSerial,
            String subject,
            String issuer,
            long notAfter,
            String re)
            implements ServerMessage {}

    // ---- bridge mode (docs/protocol.md, "Media through the bridge")

    /**
     * The server's SDP offer for this participant's connection to the media bridge. {@code version} grows
     * with every new offer of the same peer connection (someone's tracks appeared or went away); answer
     * each with {@code answer}. {@code uploads} names the m-line (by mid) that carries each of the
     * participant's own tracks: {@code audio}, {@code camera}, {@code screen} (empty for a supervisor).
     */
    record Offer(String sessionId, long version, String sdp, java.util.Map<String, String> uploads)
            implements ServerMessage {}

    /**
     * Everyone in a session, sent to each participant whenever someone joins or leaves. {@code you} is the
     * receiver's own {@code participantId}; the others' ids are the stream ids ({@code a=msid}) of their
     * tracks in the offers. {@code invited} lists invitations not yet taken up (only to the clerks).
     */
    record Participants(String sessionId, String you, List<Participant> participants, List<Invitee> invited, String re)
            implements ServerMessage {}

    /**
     * One participant. {@code role}: {@code applicant}, {@code clerk}, {@code helper}, {@code supervisor};
     * {@code sends} is false for a supervisor (receives only). The applicant's name is masked.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Participant(String participantId, String role, String name, String hallName, boolean sends) {}

    /** A clerk invited to help who has not joined yet. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Invitee(String clerkId, String name, String hallName) {}

    /** To an invited clerk: join this session with {@code join_session} (role {@code helper}). */
    record Invitation(String sessionId, PeerInfo from, String number, String matterId, String hallId)
            implements ServerMessage {}

    /**
     * Recording of the session started ({@code active: true}) or stopped. Sent to every participant; the
     * applicant page shows a permanent notice while it is on.
     */
    record Recording(String sessionId, boolean active) implements ServerMessage {}

    /** To a supervisor: the running sessions of their hall. */
    record Sessions(List<SessionSummary> sessions, String re) implements ServerMessage {}

    /** One running session as a supervisor sees it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SessionSummary(
            String sessionId,
            String number,
            String matterId,
            String hallId,
            String clerkId,
            String clerkName,
            int participants,
            boolean recording,
            long startedAt) {}

    /**
     * To a clerk: the hall's applications that need a person (answer to {@code list_applications}, and pushed
     * when a session of this clerk ends with the application signed by the applicant but not sealed).
     */
    record Applications(List<ApplicationSummary> applications, String re) implements ServerMessage {}

    /**
     * One application of {@link Applications}. {@code status}: {@code applicant_signed} (waiting for the clerk's
     * signature and seal), {@code sealing} (being sealed), {@code sealed}. {@code action}: what this clerk may do
     * now — {@code finish} (sign, seal and hand off), {@code resend} (a refused hand-off), or absent. {@code
     * applicant} is masked; {@code previews} and {@code pdfUrl} are signed links as in {@code application}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ApplicationSummary(
            String applicationId,
            String sessionId,
            String matterId,
            String hallId,
            String partnerHallId,
            String clerkId,
            String clerkName,
            String applicant,
            String status,
            Long signedAt,
            long updatedAt,
            List<String> previews,
            String pdfUrl,
            Handoff handoff,
            String action) {}
}
