package cn.tongban.signaling.queue;

/**
 * A signed-in clerk. {@code chosen} is what the clerk last chose (AVAILABLE or AWAY), restored when a
 * session and its wrap-up are over.
 *
 * <p>WRAP_UP has two forms: with a {@code sessionId}, the applicant left and the clerk still owes the
 * outcome (untimed); without one, the timed pause after a session, which ends at {@code wrapUntil}
 * (epoch ms) or when the clerk chooses a status again.
 */
public record ClerkPresence(
        String clerkId,
        String connId,
        ClerkStatus status,
        ClerkStatus chosen,
        String sessionId,
        long since,
        long wrapUntil) {

    public ClerkPresence(
            String clerkId, String connId, ClerkStatus status, ClerkStatus chosen, String sessionId, long since) {
        this(clerkId, connId, status, chosen, sessionId, since, 0);
    }

    /** The same presence (status, session) held through another connection: a clerk signing in again. */
    ClerkPresence movedTo(String newConnId, long at) {
        return new ClerkPresence(clerkId, newConnId, status, chosen, sessionId, at, wrapUntil);
    }

    /** The status as of {@code now}: a timed wrap-up that has run out counts as the chosen status. */
    public ClerkStatus statusAt(long now) {
        return timedWrapUpOver(now) ? chosen : status;
    }

    /** Whether this is a timed wrap-up (no outcome owed) whose time is up. */
    public boolean timedWrapUpOver(long now) {
        return status == ClerkStatus.WRAP_UP && sessionId == null && wrapUntil <= now;
    }

    ClerkPresence with(ClerkStatus newStatus, String newSessionId, long at) {
        return new ClerkPresence(clerkId, connId, newStatus, chosen, newSessionId, at, 0);
    }

    /** Into the timed wrap-up after a session, or straight back to the chosen status when it lasts 0 s. */
    ClerkPresence wrapUp(long at, long wrapMillis) {
        if (wrapMillis <= 0) {
            return new ClerkPresence(clerkId, connId, chosen, chosen, null, at, 0);
        }
        return new ClerkPresence(clerkId, connId, ClerkStatus.WRAP_UP, chosen, null, at, at + wrapMillis);
    }

    /** The clerk chooses AVAILABLE or AWAY; this also ends a timed wrap-up early. */
    ClerkPresence choose(ClerkStatus newChosen, long at) {
        boolean free = status == ClerkStatus.AVAILABLE
                || status == ClerkStatus.AWAY
                || (status == ClerkStatus.WRAP_UP && sessionId == null);
        return new ClerkPresence(
                clerkId, connId, free ? newChosen : status, newChosen, sessionId, at, free ? 0 : wrapUntil);
    }
}
