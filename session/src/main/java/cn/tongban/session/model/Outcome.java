package cn.tongban.session.model;

/** How a clerk closes a session. */
public enum Outcome {
    /** The matter was handled. */
    COMPLETED,
    /** The matter needs further steps (materials missing, another visit). */
    FOLLOW_UP,
    /** The applicant did not show up or left. */
    ABSENT
}
