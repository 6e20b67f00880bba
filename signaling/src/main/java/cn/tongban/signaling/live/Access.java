package cn.tongban.signaling.live;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;

/**
 * Who may send a message type, checked before its handler runs. A supervisor's board only watches: it may
 * send {@link #SUPERVISOR} and {@link #ANYONE} messages and nothing else.
 */
public enum Access {
    /** Anyone, signed in or not ({@code ping}). */
    ANYONE,
    /**
     * An applicant's connection, or one not signed in yet that becomes one ({@code join}, {@code resume});
     * whether it holds the ticket or session it names is the handler's check.
     */
    APPLICANT,
    /** A signed-in clerk; one not signed in yet is told to sign in. */
    CLERK,
    /** A connection not signed in yet that signs in as a clerk ({@code auth}). */
    CLERK_SIGN_IN,
    /** Either party of a session, applicant or clerk; the handler checks that it belongs to the session. */
    PARTY,
    /** A connection of its own that becomes a supervisor's board ({@code watch}). */
    SUPERVISOR;

    /** Throws the protocol's error for a connection of {@code role} sending a message of {@code type}. */
    public void check(Role role, String type) {
        if (role == Role.SUPERVISOR && this != SUPERVISOR && this != ANYONE) {
            throw new ProtocolException(ErrorCode.FORBIDDEN_FOR_ROLE, "a supervisor's board only watches");
        }
        switch (this) {
            case ANYONE -> {}
            case SUPERVISOR -> {
                if (role == Role.APPLICANT || role == Role.CLERK) {
                    throw new ProtocolException(ErrorCode.FORBIDDEN_FOR_ROLE, type + " needs a connection of its own");
                }
            }
            case APPLICANT -> {
                if (role == Role.CLERK) {
                    throw new ProtocolException(ErrorCode.FORBIDDEN_FOR_ROLE, type + " is for applicants");
                }
            }
            case CLERK, CLERK_SIGN_IN -> {
                if (role == Role.APPLICANT) {
                    throw new ProtocolException(ErrorCode.FORBIDDEN_FOR_ROLE, type + " is for clerks");
                }
                if (role == null && this == CLERK) {
                    throw new ProtocolException(ErrorCode.UNAUTHENTICATED, "sign in first (auth)");
                }
            }
            case PARTY -> {
                if (role == null) {
                    throw new ProtocolException(ErrorCode.NOT_IN_SESSION, "you are not in a session");
                }
            }
        }
    }
}
