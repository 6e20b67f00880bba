package cn.tongban.signaling.queue;

import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionEvent;
import cn.tongban.session.model.SessionLifecycle;
import com.hazelcast.map.EntryProcessor;
import java.util.Map;
import java.util.Objects;

/**
 * The changes {@link QueueService} makes to tickets, clerks, sessions, ticket counters and service times:
 * named entry processors, each run on the owner of its key (and again on the backup), so each change is
 * atomic cluster-wide. They are records serialized by {@link QueueSchema}: a processor sent by a member of
 * one build runs on a member of another, as long as both know its type name.
 */
final class QueueProcessors {
    private QueueProcessors() {}

    // ---------------------------------------------------------------- tickets (tongban.tickets)

    /** Rotates the resume token and attaches the new connection, if the old token still holds the ticket. */
    record Resume(String oldHash, String newHash, String connId)
            implements EntryProcessor<String, TicketRecord, TicketRecord> {
        @Override
        public TicketRecord process(Map.Entry<String, TicketRecord> e) {
            TicketRecord t = e.getValue();
            if (t == null || t.status().isFinal() || !oldHash.equals(t.resumeHash())) {
                return null;
            }
            TicketRecord updated = t.withResumeHash(newHash).withConnection(connId, 0);
            e.setValue(updated);
            return updated;
        }
    }

    /** The applicant on {@code connId} gives up a waiting ticket. */
    record Leave(String connId, long at) implements EntryProcessor<String, TicketRecord, TicketRecord> {
        @Override
        public TicketRecord process(Map.Entry<String, TicketRecord> e) {
            TicketRecord t = e.getValue();
            if (t == null || !connId.equals(t.connId()) || t.status() != TicketStatus.WAITING) {
                return null;
            }
            TicketRecord updated = t.ended(TicketStatus.CANCELLED, at);
            e.setValue(updated);
            return updated;
        }
    }

    /** The applicant's connection {@code connId} was lost. */
    record Disconnect(String connId, long at) implements EntryProcessor<String, TicketRecord, TicketRecord> {
        @Override
        public TicketRecord process(Map.Entry<String, TicketRecord> e) {
            TicketRecord t = e.getValue();
            if (t == null || t.status().isFinal() || !connId.equals(t.connId())) {
                return null;
            }
            TicketRecord updated = t.withConnection(null, at);
            e.setValue(updated);
            return updated;
        }
    }

    /** A clerk claims a waiting ticket whose applicant is connected: at most one claim succeeds. */
    record Claim(String sessionId, String clerkId) implements EntryProcessor<String, TicketRecord, TicketRecord> {
        @Override
        public TicketRecord process(Map.Entry<String, TicketRecord> e) {
            TicketRecord t = e.getValue();
            if (t == null || t.status() != TicketStatus.WAITING || !t.connected()) {
                return null;
            }
            TicketRecord updated = t.inSession(sessionId, clerkId);
            e.setValue(updated);
            return updated;
        }
    }

    /**
     * The ticket of session {@code sessionId} goes back to the head of a queue: hall {@code hallId}'s, or its
     * own hall's when {@code hallId} is null.
     */
    record BackToHead(String sessionId, String hallId) implements EntryProcessor<String, TicketRecord, TicketRecord> {
        @Override
        public TicketRecord process(Map.Entry<String, TicketRecord> e) {
            TicketRecord t = e.getValue();
            if (t == null || t.status() != TicketStatus.IN_SESSION || !sessionId.equals(t.sessionId())) {
                return null;
            }
            TicketRecord updated = hallId == null ? t.backToHead() : t.backToHead(hallId);
            e.setValue(updated);
            return updated;
        }
    }

    /** The ticket of session {@code sessionId} moves to the target clerk's new session (a transfer). */
    record MoveToSession(String sessionId, String newSessionId, String clerkId)
            implements EntryProcessor<String, TicketRecord, TicketRecord> {
        @Override
        public TicketRecord process(Map.Entry<String, TicketRecord> e) {
            TicketRecord t = e.getValue();
            if (t == null || t.status() != TicketStatus.IN_SESSION || !sessionId.equals(t.sessionId())) {
                return null;
            }
            TicketRecord updated = t.inSession(newSessionId, clerkId);
            e.setValue(updated);
            return updated;
        }
    }

    /** The ticket of session {@code sessionId} ends with {@code status}. */
    record Finish(String sessionId, TicketStatus status, long at)
            implements EntryProcessor<String, TicketRecord, TicketRecord> {
        @Override
        public TicketRecord process(Map.Entry<String, TicketRecord> e) {
            TicketRecord t = e.getValue();
            if (t == null || !sessionId.equals(t.sessionId()) || t.status().isFinal()) {
                return null;
            }
            TicketRecord updated = t.ended(status, at);
            e.setValue(updated);
            return updated;
        }
    }

    /**
     * The clerk's verdict on the priority claim, once. Returns the ticket, {@code "gone"} (not this
     * session's) or {@code "none"} (no claim, or checked already).
     */
    record PriorityVerdict(String sessionId, String verdict) implements EntryProcessor<String, TicketRecord, Object> {
        @Override
        public Object process(Map.Entry<String, TicketRecord> e) {
            TicketRecord t = e.getValue();
            if (t == null || !sessionId.equals(t.sessionId())) {
                return "gone";
            }
            if (t.priorityGroup() == null || t.priorityVerdict() != null) {
                return "none";
            }
            TicketRecord updated = t.withPriorityVerdict(verdict);
            e.setValue(updated);
            return updated;
        }
    }

    /** Expires a ticket whose applicant stayed away longer than the resume grace, as of {@code at}. */
    record Expire(long at) implements EntryProcessor<String, TicketRecord, TicketRecord> {
        @Override
        public TicketRecord process(Map.Entry<String, TicketRecord> e) {
            TicketRecord t = e.getValue();
            if (t == null || t.status().isFinal() || !QueueService.expired(t, at)) {
                return null;
            }
            TicketRecord updated = t.ended(TicketStatus.EXPIRED, at);
            e.setValue(updated);
            return updated;
        }
    }

    // ---------------------------------------------------------------- clerks (tongban.clerks)

    /** The clerk on {@code connId} chooses AVAILABLE or AWAY. */
    record Choose(String connId, ClerkStatus choice, long at)
            implements EntryProcessor<String, ClerkPresence, ClerkPresence> {
        @Override
        public ClerkPresence process(Map.Entry<String, ClerkPresence> e) {
            ClerkPresence c = e.getValue();
            if (c == null || !connId.equals(c.connId())) {
                return null;
            }
            ClerkPresence updated = c.choose(choice, at);
            e.setValue(updated);
            return updated;
        }
    }

    /**
     * The clerk on {@code connId} reserves itself for session {@code sessionId} (AVAILABLE to BUSY) before
     * claiming a ticket. Returns the presence afterwards, or as it was when the clerk is not available.
     */
    record Reserve(String connId, String sessionId, long at)
            implements EntryProcessor<String, ClerkPresence, ClerkPresence> {
        @Override
        public ClerkPresence process(Map.Entry<String, ClerkPresence> e) {
            ClerkPresence c = e.getValue();
            if (c == null || !connId.equals(c.connId()) || c.statusAt(at) != ClerkStatus.AVAILABLE) {
                return c;
            }
            ClerkPresence updated = c.with(ClerkStatus.BUSY, sessionId, at);
            e.setValue(updated);
            return updated;
        }
    }

    /** The target of a transfer, on whatever connection, is reserved for {@code sessionId}; null if not available. */
    record ReserveTarget(String sessionId, long at) implements EntryProcessor<String, ClerkPresence, ClerkPresence> {
        @Override
        public ClerkPresence process(Map.Entry<String, ClerkPresence> e) {
            ClerkPresence c = e.getValue();
            if (c == null || c.statusAt(at) != ClerkStatus.AVAILABLE) {
                return null;
            }
            ClerkPresence updated = c.with(ClerkStatus.BUSY, sessionId, at);
            e.setValue(updated);
            return updated;
        }
    }

    /** A reservation for {@code sessionId} that led to no session returns the clerk to the chosen status. */
    record ReleaseReservation(String sessionId, long at) implements EntryProcessor<String, ClerkPresence, Void> {
        @Override
        public Void process(Map.Entry<String, ClerkPresence> e) {
            ClerkPresence c = e.getValue();
            if (c != null && sessionId.equals(c.sessionId())) {
                e.setValue(c.with(c.chosen(), null, at));
            }
            return null;
        }
    }

    /** The clerk's session {@code sessionId} puts the clerk in {@code status}. */
    record SetStatus(String sessionId, ClerkStatus status, long at)
            implements EntryProcessor<String, ClerkPresence, Void> {
        @Override
        public Void process(Map.Entry<String, ClerkPresence> e) {
            ClerkPresence c = e.getValue();
            if (c != null && sessionId.equals(c.sessionId())) {
                e.setValue(c.with(status, sessionId, at));
            }
            return null;
        }
    }

    /** After session {@code sessionId}: the timed wrap-up of {@code wrapMillis}. */
    record WrapUp(String sessionId, long at, long wrapMillis) implements EntryProcessor<String, ClerkPresence, Void> {
        @Override
        public Void process(Map.Entry<String, ClerkPresence> e) {
            ClerkPresence c = e.getValue();
            if (c != null && sessionId.equals(c.sessionId())) {
                e.setValue(c.wrapUp(at, wrapMillis));
            }
            return null;
        }
    }

    /** A timed wrap-up that ran out by {@code at} ends: the clerk is back in the chosen status. */
    record EndWrapUp(long at) implements EntryProcessor<String, ClerkPresence, ClerkPresence> {
        @Override
        public ClerkPresence process(Map.Entry<String, ClerkPresence> e) {
            ClerkPresence c = e.getValue();
            if (c == null || !c.timedWrapUpOver(at)) {
                return null;
            }
            ClerkPresence updated = c.with(c.chosen(), null, at);
            e.setValue(updated);
            return updated;
        }
    }

    /** The clerk's connection {@code connId} closed: the presence is removed and returned. */
    record SignOut(String connId) implements EntryProcessor<String, ClerkPresence, ClerkPresence> {
        @Override
        public ClerkPresence process(Map.Entry<String, ClerkPresence> e) {
            ClerkPresence c = e.getValue();
            if (c == null || !connId.equals(c.connId())) {
                return null;
            }
            e.setValue(null);
            return c;
        }
    }

    /**
     * A clerk signing in again takes over the live session {@code sessionId} it held through {@code
     * oldConnId}: the presence moves to {@code connId}. Returns the presence it replaced, or null when the
     * clerk's presence changed meanwhile (nothing is moved then).
     */
    record TakeOver(String oldConnId, String sessionId, String connId, long at)
            implements EntryProcessor<String, ClerkPresence, ClerkPresence> {
        @Override
        public ClerkPresence process(Map.Entry<String, ClerkPresence> e) {
            ClerkPresence c = e.getValue();
            if (c == null
                    || c.status() != ClerkStatus.BUSY
                    || !Objects.equals(c.sessionId(), sessionId)
                    || !Objects.equals(c.connId(), oldConnId)) {
                return null;
            }
            e.setValue(c.movedTo(connId, at));
            return c;
        }
    }

    // ---------------------------------------------------------------- sessions (tongban.sessions)

    /**
     * A lifecycle event of the session. Returns the session afterwards, {@code "gone"} when there is none,
     * or the name of the state that does not allow the event.
     */
    record Transition(SessionEvent event, long at, String by, String reason, Outcome outcome, String note)
            implements EntryProcessor<String, SessionRecord, Object> {
        @Override
        public Object process(Map.Entry<String, SessionRecord> e) {
            SessionRecord s = e.getValue();
            if (s == null) {
                return "gone";
            }
            if (!SessionLifecycle.allows(s.state(), event)) {
                return s.state().name();
            }
            SessionRecord updated = s.apply(event, at, by, reason, outcome, note);
            e.setValue(updated);
            return updated;
        }
    }

    // ---------------------------------------------------------------- counters and service times

    /** The next ticket number of a hall, prefix and day (tongban.counters). */
    record NextNumber() implements EntryProcessor<String, Integer, Integer> {
        @Override
        public Integer process(Map.Entry<String, Integer> e) {
            int next = (e.getValue() == null ? 0 : e.getValue()) + 1;
            e.setValue(next);
            return next;
        }
    }

    /** One more observed service time of a matter, already clipped (tongban.service-time). */
    record AddServiceTime(double seconds) implements EntryProcessor<String, ServiceTimeEstimate, Void> {
        @Override
        public Void process(Map.Entry<String, ServiceTimeEstimate> e) {
            ServiceTimeEstimate prev = e.getValue();
            e.setValue((prev == null ? ServiceTimeEstimate.NONE : prev).add(seconds));
            return null;
        }
    }
}
