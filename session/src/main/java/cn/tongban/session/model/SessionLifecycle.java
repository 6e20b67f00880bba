package cn.tongban.session.model;

/** The transition function of {@link SessionState}; pure, so any store can apply it atomically. */
public final class SessionLifecycle {
    private SessionLifecycle() {}

    /**
     * The state after {@code event}.
     *
     * @throws IllegalStateException when the event is not allowed in {@code state}
     */
    public static SessionState next(SessionState state, SessionEvent event) {
        SessionState next =
                switch (state) {
                    case ACTIVE -> switch (event) {
                        case APPLICANT_HANGUP, APPLICANT_LOST -> SessionState.WRAP_UP;
                        case CLERK_HANGUP -> SessionState.CLOSED;
                        case CLERK_LOST -> SessionState.ABORTED;
                        case TRANSFERRED -> SessionState.CLOSED;
                        case OUTCOME_RECORDED, OUTCOME_EXPIRED -> null;
                    };
                    case WRAP_UP -> switch (event) {
                        case OUTCOME_RECORDED, CLERK_HANGUP -> SessionState.CLOSED;
                            // The outcome is still owed: it waits for the clerk to come back.
                        case CLERK_LOST -> SessionState.WRAP_UP;
                        case OUTCOME_EXPIRED -> SessionState.ABORTED;
                        case APPLICANT_HANGUP, APPLICANT_LOST, TRANSFERRED -> null;
                    };
                    case CLOSED, ABORTED -> null;
                };
        if (next == null) {
            throw new IllegalStateException(event + " is not allowed when the session is " + state);
        }
        return next;
    }

    /** Whether {@code event} is allowed in {@code state}. */
    public static boolean allows(SessionState state, SessionEvent event) {
        try {
            next(state, event);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }
}
