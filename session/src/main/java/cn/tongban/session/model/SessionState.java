package cn.tongban.session.model;

/**
 * The life of a session.
 *
 * <pre>
 *            applicant hangs up / applicant lost
 *   ACTIVE ───────────────────────────────────────▶ WRAP_UP ──outcome──▶ CLOSED
 *     │                                                │
 *     ├── clerk hangs up with outcome ─────────────────┼───────────────▶ CLOSED
 *     │                                          clerk lost: stays, the outcome waits for the clerk
 *     └── clerk lost (ticket back to the queue) ─────────────────────────▶ ABORTED
 * </pre>
 */
public enum SessionState {
    /** Both parties paired; media and chat flow. */
    ACTIVE,
    /** The applicant left; the clerk still has to record the outcome. */
    WRAP_UP,
    /** Ended with an outcome. */
    CLOSED,
    /** Ended because the clerk was lost; the ticket went back to the queue. */
    ABORTED;

    public boolean isEnded() {
        return this == CLOSED || this == ABORTED;
    }
}
