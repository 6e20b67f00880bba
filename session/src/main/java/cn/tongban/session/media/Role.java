package cn.tongban.session.media;

/** A participant's role in a virtual-window session, as far as media is concerned. */
public enum Role {
    /** The citizen or company agent; sends audio, camera and screen. */
    APPLICANT,
    /** The owning hall's clerk; sends audio, camera and screen. */
    CLERK,
    /** A helper at the partner hall; sends audio, camera and screen. */
    HELPER,
    /** A silent supervisor: receives everyone, sends nothing (the bridge offers no upload m-lines). */
    SUPERVISOR;

    public boolean sends() {
        return this != SUPERVISOR;
    }
}
