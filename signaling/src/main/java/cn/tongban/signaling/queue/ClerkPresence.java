package cn.tongban.signaling.queue;

import java.io.Serializable;

/**
 * A signed-in clerk. {@code chosen} is what the clerk last chose (AVAILABLE or AWAY), restored when a
 * session and its wrap-up are over.
 */
public record ClerkPresence(
        String clerkId, String connId, ClerkStatus status, ClerkStatus chosen, String sessionId, long since)
        implements Serializable {

    ClerkPresence with(ClerkStatus newStatus, String newSessionId, long at) {
        return new ClerkPresence(clerkId, connId, newStatus, chosen, newSessionId, at);
    }

    /** The same presence (status, session) held through another connection: a clerk signing in again. */
    ClerkPresence movedTo(String newConnId, long at) {
        return new ClerkPresence(clerkId, newConnId, status, chosen, sessionId, at);
    }

    ClerkPresence choose(ClerkStatus newChosen, long at) {
        boolean free = status == ClerkStatus.AVAILABLE || status == ClerkStatus.AWAY;
        return new ClerkPresence(clerkId, connId, free ? newChosen : status, newChosen, sessionId, at);
    }
}
