package cn.tongban.signaling.live;

import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;

/**
 * The sender of a message about a live session, checked to be one of its two ends, and the session as it
 * stood then.
 *
 * @param clerk whether the sender is the session's clerk (else its applicant)
 * @param connId the sender's connection
 * @param clerkId the sender's clerk id, or null for the applicant
 * @param peerConnId the other end's connection, or null while it is disconnected
 */
public record Party(
        boolean clerk, String connId, String clerkId, SessionRecord session, TicketRecord ticket, String peerConnId) {

    /**
     * The sender as a party of the active session {@code sessionId}; {@code NOT_IN_SESSION} when there is no
     * such active session or the sender is neither its clerk nor its applicant on this very connection.
     * Blocking (reads the cluster).
     */
    public static Party of(QueueService queue, Sender from, String sessionId) {
        SessionRecord s = queue.session(sessionId)
                .filter(x -> x.state() == SessionState.ACTIVE)
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session"));
        TicketRecord t = queue.ticket(s.ticketId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_IN_SESSION, "no such active session"));
        if (from.isClerk()) {
            if (!s.clerkId().equals(from.clerkId())) {
                throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session");
            }
            return new Party(true, from.connId(), from.clerkId(), s, t, t.connId());
        }
        if (!t.ticketId().equals(from.ticketId())
                || !from.connId().equals(t.connId())
                || !sessionId.equals(t.sessionId())) {
            throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "not your session");
        }
        String clerkConn = queue.presence(s.clerkId())
                .filter(p -> sessionId.equals(p.sessionId()))
                .map(ClerkPresence::connId)
                .orElse(null);
        return new Party(false, from.connId(), null, s, t, clerkConn);
    }

    /** The sender as the audit journal names it: {@code clerk:<id>} or {@code applicant:<ticket number>}. */
    public String actor() {
        return clerk ? "clerk:" + clerkId : "applicant:" + ticket.number();
    }

    public String applicantConnId() {
        return clerk ? peerConnId : connId;
    }

    public String clerkConnId() {
        return clerk ? connId : peerConnId;
    }
}
