package cn.tongban.session.model;

/** What can happen to a session. */
public enum SessionEvent {
    APPLICANT_HANGUP,
    APPLICANT_LOST,
    CLERK_HANGUP,
    CLERK_LOST,
    OUTCOME_RECORDED
}
