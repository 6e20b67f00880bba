package cn.tongban.signaling.live;

/** What a connection signed in as. A connection that has not signed in yet has no role (null). */
public enum Role {
    /** An applicant holding (or having held) a ticket: after {@code join} or {@code resume}. */
    APPLICANT,
    /** A clerk on duty: after {@code auth}. */
    CLERK,
    /** A supervisor's board: after {@code watch}. It only watches. */
    SUPERVISOR
}
