package cn.tongban.session.model;

/**
 * The life of a session.
 *
 * <pre>
 *            applicant hangs up / applicant lost
 *   ACTIVE ───────────────────────────────────────▶ WRAP_UP ──outcome──▶ CLOSED
 *     │                                                │
 *     ├── clerk hangs up with outcome ─────────────────┼───────────────▶ CLOSED
 *     ├── transferred to another clerk or queue ───────┼───────────────▶ CLOSED (no outcome)
 *     │                                          clerk lost: stays, the outcome waits for the clerk;
 *     │                                          never back in time: outcome expired ──▶ ABORTED
 *     └── clerk lost (ticket back to the queue) ─────────────────────────▶ ABORTED
 * </pre>
 */
public enum SessionState {
    /** Both parties paired; media and chat flow. */
    ACTIVE,
    /** The applicant left; the clerk still has to record the outcome. */
    WRAP_UP,
    /** Ended with an outcome, or handed over (transferred) to another clerk or queue without one. */
    CLOSED,
    /**
     * Ended without an outcome: the clerk was lost during the session (the ticket went back to the queue),
     * or never came back to record the outcome owed in wrap-up.
     */
    ABORTED;

    public boolean isEnded() {
        return this == CLOSED || this == ABORTED;
    }
}
