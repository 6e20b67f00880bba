package cn.tongban.session.model;

/** What can happen to a session. */
public enum SessionEvent {
    APPLICANT_HANGUP,
    APPLICANT_LOST,
    CLERK_HANGUP,
    CLERK_LOST,
    OUTCOME_RECORDED,
    /** The clerk handed the live session to another clerk or back to a queue; the case goes on elsewhere. */
    TRANSFERRED,
    /** The outcome owed in wrap-up was never recorded: the clerk did not come back in time. */
    OUTCOME_EXPIRED
}
