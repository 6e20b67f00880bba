package cn.tongban.signaling.queue;

import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionEvent;
import cn.tongban.session.model.SessionLifecycle;
import cn.tongban.session.model.SessionState;

/**
 * A live (or just ended) session as stored in the cluster. Immutable.
 *
 * @param version 1 when the session starts, one more with every change: what lets a connection drop a
 *     session push that a later change has overtaken (like {@link TicketRecord#version()})
 */
public record SessionRecord(
        String sessionId,
        String ticketId,
        String clerkId,
        String clerkConnId,
        SessionState state,
        long startedAt,
        long endedAt,
        Outcome outcome,
        String note,
        String endedBy,
        String endReason,
        long version) {

    /** A session as it starts, or as it was before sessions carried a version: version 1. */
    public SessionRecord(
            String sessionId,
            String ticketId,
            String clerkId,
            String clerkConnId,
            SessionState state,
            long startedAt,
            long endedAt,
            Outcome outcome,
            String note,
            String endedBy,
            String endReason) {
        this(
                sessionId,
                ticketId,
                clerkId,
                clerkConnId,
                state,
                startedAt,
                endedAt,
                outcome,
                note,
                endedBy,
                endReason,
                1);
    }

    /** Applies a lifecycle event; throws {@link IllegalStateException} if it is not allowed. */
    SessionRecord apply(SessionEvent event, long at, String by, String reason, Outcome newOutcome, String newNote) {
        SessionState next = SessionLifecycle.next(state, event);
        boolean ending = state == SessionState.ACTIVE;
        return new SessionRecord(
                sessionId,
                ticketId,
                clerkId,
                clerkConnId,
                next,
                startedAt,
                ending ? at : endedAt,
                newOutcome != null ? newOutcome : outcome,
                newNote != null ? newNote : note,
                ending ? by : endedBy,
                ending ? reason : endReason,
                version + 1);
    }
}
