package cn.tongban.session.model;

/** A participant's role in a virtual-window session. */
public enum Role {
    /** The citizen or company agent being served. */
    APPLICANT,
    /** The clerk of the owning hall who runs the session. */
    CLERK
}
