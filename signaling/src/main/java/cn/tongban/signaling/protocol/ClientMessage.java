package cn.tongban.signaling.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
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
    @JsonSubTypes.Type(value = ClientMessage.Hangup.class, name = "hangup"),
    @JsonSubTypes.Type(value = ClientMessage.Outcome.class, name = "outcome"),
    @JsonSubTypes.Type(value = ClientMessage.Ping.class, name = "ping"),
    @JsonSubTypes.Type(value = ClientMessage.Transfer.class, name = "transfer"),
    @JsonSubTypes.Type(value = ClientMessage.PriorityCheck.class, name = "priority"),
    @JsonSubTypes.Type(value = ClientMessage.Watch.class, name = "watch"),
})
public sealed interface ClientMessage {

    /** The client's correlation id, or null. */
    String id();

    /** Who may send a message. */
    enum Sender {
        APPLICANT,
        CLERK,
        ANY,
        /** A connection that is neither an applicant's nor a clerk's: the supervisor's board. */
        SUPERVISOR
    }

    /** The role allowed to send this message. */
    Sender allowedSender();

    /**
     * Applicant: take a ticket for a matter at its owning hall. Answered with {@code ticket}. Optional:
     * {@code language} (a language id of the catalogue; default Mandarin), {@code priorityGroup} (a claim the
     * clerk checks at service time), {@code appointmentCode} (check in for a booked slot).
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
            String appointmentCode)
            implements ClientMessage {
        private static final Pattern MOBILE = Pattern.compile("1[3-9]\\d{9}");
        private static final Pattern CODE = Pattern.compile("[A-Za-z0-9]{8}");

        public Join(String id, String matterId, String hallId, String name, String mobile, String partnerHallId) {
            this(id, matterId, hallId, name, mobile, partnerHallId, null, null, null);
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
            Checks.required("mobile", mobile);
            if (!MOBILE.matcher(mobile).matches()) {
                throw ProtocolException.invalid("mobile", "must be an 11-digit mainland mobile number");
            }
        }

        @Override
        public Sender allowedSender() {
            return Sender.APPLICANT;
        }
    }

    /** Applicant: reclaim a ticket (and session) after a reload or network drop, within the grace period. */
    record Resume(String id, String resumeToken) implements ClientMessage {
        public Resume {
            Checks.text("resumeToken", resumeToken, 16, 128);
        }

        @Override
        public Sender allowedSender() {
            return Sender.APPLICANT;
        }
    }

    /** Applicant: give up a waiting ticket. */
    record Leave(String id) implements ClientMessage {
        @Override
        public Sender allowedSender() {
            return Sender.APPLICANT;
        }
    }

    /** Clerk: authenticate this connection with the token from {@code POST /api/login}. */
    record Auth(String id, String token) implements ClientMessage {
        public Auth {
            Checks.text("token", token, 10, 4096);
        }

        @Override
        public Sender allowedSender() {
            return Sender.CLERK;
        }
    }

    /** Clerk: set availability. */
    record SetStatus(String id, ClerkStatusChoice status) implements ClientMessage {
        public SetStatus {
            Checks.required("status", status);
        }

        @Override
        public Sender allowedSender() {
            return Sender.CLERK;
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

        @Override
        public Sender allowedSender() {
            return Sender.CLERK;
        }
    }

    /** Either party: an SDP offer or answer for the peer in the session. */
    record Sdp(String id, String sessionId, SessionDescription description) implements ClientMessage {
        public Sdp {
            Checks.identifier("sessionId", sessionId);
            Checks.required("description", description);
        }

        @Override
        public Sender allowedSender() {
            return Sender.ANY;
        }
    }

    /** Either party: an ICE candidate for the peer; a null candidate means end of candidates. */
    record Ice(String id, String sessionId, IceCandidate candidate) implements ClientMessage {
        public Ice {
            Checks.identifier("sessionId", sessionId);
        }

        @Override
        public Sender allowedSender() {
            return Sender.ANY;
        }
    }

    /** Either party: a chat line (1–2000 characters). */
    record Chat(String id, String sessionId, String text) implements ClientMessage {
        public Chat {
            Checks.identifier("sessionId", sessionId);
            text = Checks.text("text", text, 1, 2000);
        }

        @Override
        public Sender allowedSender() {
            return Sender.ANY;
        }
    }

    /** Applicant: screen sharing started or stopped. */
    record Screen(String id, String sessionId, Boolean active) implements ClientMessage {
        public Screen {
            Checks.identifier("sessionId", sessionId);
            Checks.required("active", active);
        }

        @Override
        public Sender allowedSender() {
            return Sender.APPLICANT;
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

        @Override
        public Sender allowedSender() {
            return Sender.ANY;
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

        @Override
        public Sender allowedSender() {
            return Sender.CLERK;
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

        @Override
        public Sender allowedSender() {
            return Sender.CLERK;
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

        @Override
        public Sender allowedSender() {
            return Sender.CLERK;
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

        @Override
        public Sender allowedSender() {
            return Sender.SUPERVISOR;
        }
    }

    /** Either party: keep-alive; answered with {@code pong}. */
    record Ping(String id) implements ClientMessage {
        @Override
        public Sender allowedSender() {
            return Sender.ANY;
        }
    }
}
