package cn.tongban.signaling.protocol;

/**
 * Why a general refusal was given, where people meet it and the code alone would leave them guessing: sent
 * as the {@code error}'s {@code reason} beside its {@link ErrorCode} (docs/protocol.md, "Limits and
 * errors"). Pages show the sentence {@code error.<CODE>.<reason>} of {@code i18n.js} when they have it,
 * else {@code error.<CODE>}; {@code I18nCoverageTest} checks that both languages have one for every code
 * and every reason. The {@link #wire()} token is part of the protocol and never changes meaning.
 */
public enum ErrorReason {
    // The signed application.
    /** The clerk asked to prepare the application before the applicant submitted the declaration. */
    DECLARATION_NOT_SUBMITTED(ErrorCode.WRONG_STATE, "declaration_not_submitted"),
    /** The applicant acted on the application (intent, signing) before the clerk prepared it. */
    APPLICATION_NOT_PREPARED(ErrorCode.WRONG_STATE, "application_not_prepared"),
    /** The application was signed already: it cannot be prepared, confirmed or signed again. */
    APPLICATION_SIGNED(ErrorCode.WRONG_STATE, "application_signed"),
    /** The application changed (prepared again) since the sender read it. */
    APPLICATION_CHANGED(ErrorCode.WRONG_STATE, "application_changed"),
    // The declaration.
    /** The declaration was submitted: it can no longer be changed, by the applicant or remotely. */
    DECLARATION_SUBMITTED(ErrorCode.WRONG_STATE, "declaration_submitted"),
    // The queue.
    /** The applicant already holds a live ticket on this page. */
    TICKET_HELD(ErrorCode.WRONG_STATE, "ticket_held"),
    // Inviting a helper (bridge mode).
    /** Only the session's own clerk invites helpers. */
    INVITE_NOT_OWN_SESSION(ErrorCode.JOIN_NOT_ALLOWED, "not_own_session"),
    /** No clerk has that user name. */
    INVITE_UNKNOWN_CLERK(ErrorCode.JOIN_NOT_ALLOWED, "unknown_clerk"),
    /** The applicant is not at a partner hall: there is nobody there to help. */
    INVITE_NO_PARTNER_HALL(ErrorCode.JOIN_NOT_ALLOWED, "no_partner_hall"),
    /** The invited clerk works at another hall than the partner hall where the applicant is. */
    INVITE_OTHER_HALL(ErrorCode.JOIN_NOT_ALLOWED, "not_partner_hall"),
    /** The invited clerk is not signed in now. */
    INVITE_NOT_SIGNED_IN(ErrorCode.JOIN_NOT_ALLOWED, "not_signed_in"),
    /** The clerk was invited already, or is in the session. */
    ALREADY_IN_SESSION(ErrorCode.WRONG_STATE, "already_in_session"),
    /** A helper joining without an invitation (or after it lapsed). */
    JOIN_NOT_INVITED(ErrorCode.JOIN_NOT_ALLOWED, "not_invited"),
    /** A supervisor of another hall joining as supervisor. */
    JOIN_NOT_SUPERVISOR(ErrorCode.JOIN_NOT_ALLOWED, "not_supervisor"),
    /** A clerk joining another session while serving their own. */
    JOIN_OWN_SESSION_RUNNING(ErrorCode.WRONG_STATE, "own_session_running"),
    // A clerk's new password (auth.PasswordRules).
    /** Shorter than the minimum. */
    PASSWORD_TOO_SHORT(ErrorCode.PASSWORD_TOO_WEAK, "too_short"),
    /** Longer than the maximum. */
    PASSWORD_TOO_LONG(ErrorCode.PASSWORD_TOO_WEAK, "too_long"),
    /** The same as the password it replaces. */
    PASSWORD_UNCHANGED(ErrorCode.PASSWORD_TOO_WEAK, "unchanged"),
    /** Contains the demo's published password. */
    PASSWORD_PUBLISHED(ErrorCode.PASSWORD_TOO_WEAK, "published"),
    /** Contains the user name. */
    PASSWORD_HAS_USERNAME(ErrorCode.PASSWORD_TOO_WEAK, "has_username"),
    /** One kind of character only (letters, digits or others), or fewer than five different characters. */
    PASSWORD_TOO_SIMPLE(ErrorCode.PASSWORD_TOO_WEAK, "too_simple");

    private final ErrorCode code;
    private final String wire;

    ErrorReason(ErrorCode code, String wire) {
        this.code = code;
        this.wire = wire;
    }

    /** The code the reason refines. */
    public ErrorCode code() {
        return code;
    }

    /** The stable token sent as {@code reason}. */
    public String wire() {
        return wire;
    }
}
