package cn.tongban.signaling.queue;

import java.io.Serializable;

/**
 * A ticket as stored in the cluster. Immutable; every change is a new record written by an entry
 * processor, so concurrent changes to one ticket are serialized by its partition.
 *
 * @param seq serving order within a queue (time-ordered cluster-wide id)
 * @param returned sent back to the head of the queue after a clerk was lost
 * @param connId the applicant's current connection, or null while disconnected
 * @param disconnectedAt when the applicant's connection dropped (epoch ms), 0 while connected
 * @param resumeHash SHA-256 (hex) of the current resume token
 */
public record TicketRecord(
        String ticketId,
        String number,
        String matterId,
        String hallId,
        String partnerHallId,
        String name,
        String mobile,
        long seq,
        long issuedAt,
        TicketStatus status,
        boolean returned,
        String connId,
        long disconnectedAt,
        String resumeHash,
        String sessionId,
        String clerkId,
        long endedAt)
        implements Serializable {

    public boolean connected() {
        return connId != null;
    }

    public boolean isWaiting() {
        return status == TicketStatus.WAITING;
    }

    /** The queue a ticket belongs to: one per owning hall and matter. */
    public String queueKey() {
        return hallId + "|" + matterId;
    }

    TicketRecord withConnection(String newConnId, long newDisconnectedAt) {
        return new TicketRecord(
                ticketId,
                number,
                matterId,
                hallId,
                partnerHallId,
                name,
                mobile,
                seq,
                issuedAt,
                status,
                returned,
                newConnId,
                newDisconnectedAt,
                resumeHash,
                sessionId,
                clerkId,
                endedAt);
    }

    TicketRecord withResumeHash(String newHash) {
        return new TicketRecord(
                ticketId,
                number,
                matterId,
                hallId,
                partnerHallId,
                name,
                mobile,
                seq,
                issuedAt,
                status,
                returned,
                connId,
                disconnectedAt,
                newHash,
                sessionId,
                clerkId,
                endedAt);
    }

    TicketRecord inSession(String newSessionId, String newClerkId) {
        return new TicketRecord(
                ticketId,
                number,
                matterId,
                hallId,
                partnerHallId,
                name,
                mobile,
                seq,
                issuedAt,
                TicketStatus.IN_SESSION,
                returned,
                connId,
                disconnectedAt,
                resumeHash,
                newSessionId,
                newClerkId,
                endedAt);
    }

    TicketRecord backToHead() {
        return new TicketRecord(
                ticketId,
                number,
                matterId,
                hallId,
                partnerHallId,
                name,
                mobile,
                seq,
                issuedAt,
                TicketStatus.WAITING,
                true,
                connId,
                disconnectedAt,
                resumeHash,
                null,
                null,
                endedAt);
    }

    TicketRecord ended(TicketStatus finalStatus, long at) {
        return new TicketRecord(
                ticketId,
                number,
                matterId,
                hallId,
                partnerHallId,
                name,
                mobile,
                seq,
                issuedAt,
                finalStatus,
                returned,
                connId,
                disconnectedAt,
                resumeHash,
                sessionId,
                clerkId,
                at);
    }
}
