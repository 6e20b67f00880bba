package cn.tongban.signaling.media;

import cn.tongban.session.media.Role;

/**
 * One person in a bridged session, as stored in the cluster. Immutable.
 *
 * @param role applicant, clerk (the session's owner), helper or supervisor
 * @param clerkId the clerk's account, null for the applicant
 * @param connId the WebSocket connection their offers go to; null while disconnected
 * @param name display name (the applicant's is masked)
 * @param hallName the clerk's hall, null for the applicant
 * @param epoch how many times their bridge endpoint was allocated in this session (a reload or resume
 *     allocates a new one, with a new participant id and new recording files)
 */
public record MediaParticipant(Role role, String clerkId, String connId, String name, String hallName, int epoch) {

    /** Identifies the person across reconnects: {@code applicant} or {@code <role>-<clerkId>}. */
    public String key() {
        return key(role, clerkId);
    }

    static String key(Role role, String clerkId) {
        return role == Role.APPLICANT ? "applicant" : wire(role) + "-" + clerkId;
    }

    /**
     * The bridge's participant id: unique per endpoint, also the stream id ({@code a=msid}) under which the
     * others receive this person's tracks, and the prefix of their recording files.
     */
    public String participantId() {
        return key() + "-" + epoch;
    }

    public boolean connected() {
        return connId != null;
    }

    MediaParticipant reallocated(String newConnId) {
        return new MediaParticipant(role, clerkId, newConnId, name, hallName, epoch + 1);
    }

    MediaParticipant disconnected() {
        return new MediaParticipant(role, clerkId, null, name, hallName, epoch);
    }

    /** The role's protocol name. */
    public static String wire(Role role) {
        return role.name().toLowerCase(java.util.Locale.ROOT);
    }
}
