package cn.tongban.signaling.queue;

/**
 * A ticket as stored in the cluster. Immutable; every change is a new record written by an entry
 * processor, so concurrent changes to one ticket are serialized by its partition.
 *
 * @param hallId the owning hall whose queue the ticket is in (a transfer may move it to another owning hall)
 * @param partnerHallId the partner hall where the applicant sits, if they walked into one
 * @param seq serving order within a queue (time-ordered cluster-wide id)
 * @param returned sent back to the head of the queue after a clerk was lost or transferred it back
 * @param connId the applicant's current connection, or null while disconnected
 * @param disconnectedAt when the applicant's connection dropped (epoch ms), 0 while connected
 * @param resumeHash SHA-256 (hex) of the current resume token
 * @param language the language the applicant asked for (a language id of the reference data)
 * @param priorityGroup the priority group the applicant claims, or null; unverified until the clerk checks
 * @param appointmentId the appointment this ticket checked in for, or null
 * @param appointmentAt start of the appointment's slot (epoch ms), 0 without one
 * @param priorityVerdict the clerk's check of the claim: null (not yet), "confirmed" or "rejected"
 * @param version 1 when issued, one more with every change: what the applicant's connection and page use
 *     to drop a ticket push that a later change has overtaken
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
        long endedAt,
        String language,
        String priorityGroup,
        String appointmentId,
        long appointmentAt,
        String priorityVerdict,
        long version) {

    public boolean connected() {
        return connId != null;
    }

    public boolean isWaiting() {
        return status == TicketStatus.WAITING;
    }

    /** The queue a ticket belongs to: one per owning hall and matter. */
    public String queueKey() {
        return queueKey(hallId, matterId);
    }

    public static String queueKey(String hallId, String matterId) {
        return hallId + "|" + matterId;
    }

    /** Whether the ticket holds an appointment whose slot has begun: it then goes to the head. */
    public boolean appointmentDue(long now) {
        return appointmentAt > 0 && appointmentAt <= now;
    }

    TicketRecord withConnection(String newConnId, long newDisconnectedAt) {
        return copy().connId(newConnId).disconnectedAt(newDisconnectedAt).build();
    }

    TicketRecord withResumeHash(String newHash) {
        return copy().resumeHash(newHash).build();
    }

    TicketRecord inSession(String newSessionId, String newClerkId) {
        return copy().status(TicketStatus.IN_SESSION)
                .sessionId(newSessionId)
                .clerkId(newClerkId)
                .build();
    }

    /** Back to the head of a queue (clerk lost, or transferred back), possibly another owning hall's. */
    TicketRecord backToHead(String toHallId) {
        return copy().status(TicketStatus.WAITING)
                .returned(true)
                .hallId(toHallId)
                .sessionId(null)
                .clerkId(null)
                .build();
    }

    TicketRecord backToHead() {
        return backToHead(hallId);
    }

    TicketRecord ended(TicketStatus finalStatus, long at) {
        return copy().status(finalStatus).endedAt(at).build();
    }

    TicketRecord withPriorityVerdict(String verdict) {
        return copy().priorityVerdict(verdict).build();
    }

    private Builder copy() {
        return new Builder(this);
    }

    /** Changes a few fields of an immutable ticket without repeating all of them at every call site. */
    private static final class Builder {
        private final TicketRecord t;
        private String hallId;
        private TicketStatus status;
        private boolean returned;
        private String connId;
        private long disconnectedAt;
        private String resumeHash;
        private String sessionId;
        private String clerkId;
        private long endedAt;
        private String priorityVerdict;

        Builder(TicketRecord t) {
            this.t = t;
            this.hallId = t.hallId;
            this.status = t.status;
            this.returned = t.returned;
            this.connId = t.connId;
            this.disconnectedAt = t.disconnectedAt;
            this.resumeHash = t.resumeHash;
            this.sessionId = t.sessionId;
            this.clerkId = t.clerkId;
            this.endedAt = t.endedAt;
            this.priorityVerdict = t.priorityVerdict;
        }

        Builder hallId(String v) {
            hallId = v;
            return this;
        }

        Builder status(TicketStatus v) {
            status = v;
            return this;
        }

        Builder returned(boolean v) {
            returned = v;
            return this;
        }

        Builder connId(String v) {
            connId = v;
            return this;
        }

        Builder disconnectedAt(long v) {
            disconnectedAt = v;
            return this;
        }

        Builder resumeHash(String v) {
            resumeHash = v;
            return this;
        }

        Builder sessionId(String v) {
            sessionId = v;
            return this;
        }

        Builder clerkId(String v) {
            clerkId = v;
            return this;
        }

        Builder endedAt(long v) {
            endedAt = v;
            return this;
        }

        Builder priorityVerdict(String v) {
            priorityVerdict = v;
            return this;
        }

        TicketRecord build() {
            return new TicketRecord(
                    t.ticketId,
                    t.number,
                    t.matterId,
                    hallId,
                    t.partnerHallId,
                    t.name,
                    t.mobile,
                    t.seq,
                    t.issuedAt,
                    status,
                    returned,
                    connId,
                    disconnectedAt,
                    resumeHash,
                    sessionId,
                    clerkId,
                    endedAt,
                    t.language,
                    t.priorityGroup,
                    t.appointmentId,
                    t.appointmentAt,
                    priorityVerdict,
                    t.version + 1);
        }
    }
}
