package cn.tongban.signaling.protocol;

/**
 * Every failure the server reports, with a stable code that clients and tests may rely on.
 *
 * <p>The {@link #code()} string is part of the protocol (it appears in {@code error} messages and in
 * HTTP error bodies) and never changes meaning. {@link #httpStatus()} is used when the same failure is
 * reported over HTTP. {@link #closesConnection()} tells whether the WebSocket is closed after the error
 * is sent (with WebSocket close code {@link #wsCloseCode()}); all other errors only reject the one
 * message and leave the connection, the ticket and the session untouched.
 */
public enum ErrorCode {
    /** The frame was not a JSON object. */
    BAD_JSON(400, false, 0),
    /** The {@code type} field is missing or names no message of this protocol version. */
    UNKNOWN_TYPE(400, false, 0),
    /** A field is missing, has the wrong type, or fails validation; the message names the field. */
    INVALID_FIELD(400, false, 0),
    /** The frame exceeds the 64 KiB message limit; it was discarded unread. */
    FRAME_TOO_LARGE(413, false, 0),
    /** The frame exceeds the hard transport limit; the connection is closed. */
    FRAME_WAY_TOO_LARGE(413, true, 1009),
    /** A text message that is not valid UTF-8; the connection is closed. */
    INVALID_UTF8(400, true, 1007),
    /**
     * A frame the WebSocket protocol forbids here: reserved bits (compression is not offered), an unmasked
     * client frame, a continuation outside a fragmented message; the connection is closed.
     */
    PROTOCOL_VIOLATION(400, true, 1002),
    /** More messages per second than the limit; the message was dropped. */
    RATE_LIMITED(429, false, 0),
    /** The client asked for a protocol version this server does not speak. */
    UNSUPPORTED_VERSION(400, true, 1002),
    /** The message needs an authenticated clerk. */
    UNAUTHENTICATED(401, false, 0),
    /** Wrong user name or password, or an invalid/expired token. */
    AUTH_FAILED(401, false, 0),
    /**
     * Too many failed sign-ins for this account in a row: it is locked until an operator clears the lock
     * ({@code tongban.jar account unlock}). The password was not checked.
     */
    LOGIN_LOCKED(429, false, 0),
    /**
     * Too many sign-in attempts from this address or for this account just now: wait the {@code retryAfter}
     * seconds of the answer (also its {@code Retry-After} header). The password was not checked.
     */
    LOGIN_THROTTLED(429, false, 0),
    /**
     * The password is right, but somebody else chose it (made at setup, or a one-time password from {@code
     * tongban.jar account reset}): no token is issued until the clerk sets a password of their own with {@code
     * POST /api/login/password}.
     */
    PASSWORD_CHANGE_REQUIRED(403, false, 0),
    /** The one-time password is right but its validity has passed: an administrator issues a new one. */
    PASSWORD_EXPIRED(401, false, 0),
    /** The new password breaks a rule; {@code reason} names which ({@code too_short}, {@code too_simple}, …). */
    PASSWORD_TOO_WEAK(400, false, 0),
    /** The token was revoked: its clerk signed out or the password was changed since. Sign in again. */
    TOKEN_REVOKED(401, false, 0),
    /** The message is not allowed for the sender's role (e.g. an applicant sending clerk messages). */
    FORBIDDEN_FOR_ROLE(403, false, 0),
    /** The message is not allowed in the sender's current state (e.g. {@code take} while busy). */
    WRONG_STATE(409, false, 0),
    /** The message names a session the sender is not part of, or that has ended. */
    NOT_IN_SESSION(403, false, 0),
    /** The matter does not exist, or is not handled by the named hall. */
    UNKNOWN_MATTER(404, false, 0),
    /** The hall does not exist. */
    UNKNOWN_HALL(404, false, 0),
    /** The ticket does not exist or is no longer waiting. */
    NO_SUCH_TICKET(404, false, 0),
    /** Another clerk took the ticket first. */
    TICKET_TAKEN(409, false, 0),
    /** The clerk is not qualified for the ticket's matter or hall. */
    NOT_QUALIFIED(403, false, 0),
    /** No waiting ticket the clerk is qualified for. */
    QUEUE_EMPTY(404, false, 0),
    /** The resume token is unknown, forged, already used, or its ticket has expired. */
    RESUME_INVALID(401, false, 0),
    /** The same ticket was resumed on another connection; this one is closed. */
    SUPERSEDED(409, true, 4001),
    // Routing: skills, priority, overflow, transfer, supervision, appointments.
    /** The language is not one of the reference data's languages. */
    UNKNOWN_LANGUAGE(404, false, 0),
    /** No clerk for the matter at that hall (or a partner hall by agreement) serves in the language. */
    LANGUAGE_NOT_OFFERED(404, false, 0),
    /** The claimed priority group does not exist. */
    UNKNOWN_PRIORITY_GROUP(400, false, 0),
    /** The clerk's hall has no agreement with the ticket's owning hall covering its matter. */
    NO_AGREEMENT(403, false, 0),
    /** An agreement exists, but the owning hall's expected wait is below the matter's overflow threshold. */
    OVERFLOW_CLOSED(409, false, 0),
    /** The clerk named for a transfer is unknown, signed out, or not available now. */
    CLERK_UNAVAILABLE(409, false, 0),
    /** The account is not a supervisor. */
    NOT_SUPERVISOR(403, false, 0),
    /** No bookable slot starts at that time for that hall and matter. */
    NO_SUCH_SLOT(404, false, 0),
    /** The slot has already begun. */
    SLOT_IN_PAST(409, false, 0),
    /** Every place of the slot is booked. */
    SLOT_FULL(409, false, 0),
    /** The appointment code is unknown, or belongs to another matter, hall or mobile number. */
    NO_SUCH_APPOINTMENT(404, false, 0),
    /** Too early to check in for the appointment (check-in opens before the slot starts). */
    APPOINTMENT_NOT_DUE(409, false, 0),
    /** The appointment was used, cancelled, or missed (released as a no-show after the grace time). */
    APPOINTMENT_EXPIRED(410, false, 0),
    // Anonymous actions: a verified mobile number before a ticket or a booking (docs/security.md).
    /**
     * A ticket or booking needs a verified mobile number: the mobile token is missing, forged, expired or was
     * issued for another number. Verify the number again ({@code POST /api/verify/code}).
     */
    MOBILE_NOT_VERIFIED(401, false, 0),
    /** The SMS code is wrong, expired or used up; {@code reason}: {@code wrong}, {@code expired}, {@code exhausted}, {@code no_code}. */
    VERIFICATION_FAILED(401, false, 0),
    /** A code was sent to this number less than a minute ago; wait the {@code retryAfter} seconds. */
    VERIFY_TOO_SOON(429, false, 0),
    /** Too many codes for this number, or asked for from this address, lately; wait the {@code retryAfter} seconds. */
    VERIFY_LIMIT(429, false, 0),
    /**
     * This address asked for many codes: solve the proof-of-work {@code challenge} (with {@code bits} leading
     * zero bits) and send the same request again with {@code challenge} and {@code nonce}.
     */
    CHALLENGE_REQUIRED(429, false, 0),
    /** The challenge is forged, expired or used, or the nonce does not solve it. */
    CHALLENGE_INVALID(403, false, 0),
    /** The SMS gateway did not take the code; nothing was counted. Try again in a minute. */
    SMS_UNAVAILABLE(503, false, 0),
    /** The number already holds a live ticket: one ticket at a time per mobile number. */
    MOBILE_HAS_TICKET(409, false, 0),
    /** The number already holds as many upcoming bookings as one number may. */
    BOOKING_LIMIT(409, false, 0),
    /**
     * This node cannot serve now: it is cut off from the majority of its cluster (split-brain protection)
     * or has not reached its quorum yet. The connection is closed with 1013 (try again later); clients
     * reconnect to another node of {@code hello.servers}.
     */
    NODE_UNAVAILABLE(503, true, 1013),
    /**
     * This node is draining before a restart (an upgrade): it starts no new session; the sessions running on
     * it go on. A clerk takes the next applicant after the restart, or on another node.
     */
    NODE_DRAINING(503, false, 0),
    /** The matter has no declaration form. */
    NO_FORM(404, false, 0),
    /** Remote input or step without the applicant's consent to control (or after it was revoked). */
    CONTROL_NOT_GRANTED(403, false, 0),
    /** Submitting, consent, intent and signing are the applicant's alone, whatever the control mode. */
    NO_CONTROL_ZONE(403, false, 0),
    /** A sensitive field's value must never leave the applicant's browser. */
    FIELD_SENSITIVE(403, false, 0),
    /** The declaration does not pass the form's rules; the message names the fields. */
    DECLARATION_INVALID(422, false, 0),
    /** The upload token is unknown, used or expired (uploads over HTTP). */
    UPLOAD_INVALID(401, false, 0),
    /** The upload exceeds the size limit. */
    UPLOAD_TOO_LARGE(413, false, 0),
    /**
     * The file was refused: not a PNG, JPEG or PDF by its content, a broken image, or a hostile PDF
     * (active content, decompression bomb, encryption). The HTTP body names docsign's code as {@code reason}.
     */
    UPLOAD_REJECTED(422, false, 0),
    /** Signing needs a passed identity check (身份核实) of this session first. */
    IDENTITY_NOT_VERIFIED(409, false, 0),
    /** A required material has not been received by the clerk yet; the message names it. */
    MATERIALS_INCOMPLETE(409, false, 0),
    /** The intent code is wrong, expired or used up; the message says whether to ask for a new one. */
    INTENT_CODE_INVALID(403, false, 0),
    /** The browser's signature does not verify with the certified key (docsign {@code SIGN_EXTERNAL_INVALID}). */
    SIGNATURE_INVALID(422, false, 0),
    /** The application cannot be rendered or signed here now (font, PKI or time-stamp unavailable). */
    SIGNING_UNAVAILABLE(503, false, 0),
    /** A hand-off request without a valid signature of a trusted hall's e-seal (node to node, HTTP only). */
    HANDOFF_UNAUTHENTICATED(401, false, 0),
    /** The owning hall refused a handed-over package; {@code reason} gives the stable cause (HTTP only). */
    HANDOFF_REFUSED(422, false, 0),
    /** No application has that number (unfinished applications, outside a session). */
    NO_SUCH_APPLICATION(404, false, 0),
    /**
     * The application belongs to another hall: only clerks of the hall that accepted it (whose clerk served the
     * session) may finish it, and they or the sending partner hall's clerks resend its hand-off.
     */
    APPLICATION_OTHER_HALL(403, false, 0),
    /** Bridge mode: the session already has four participants. */
    SESSION_FULL(409, false, 0),
    /**
     * Bridge mode: this clerk may not join or invite into that session (not invited, not a supervisor of
     * the owning hall, not a clerk of the applicant's partner hall, or not the session's own clerk).
     */
    JOIN_NOT_ALLOWED(403, false, 0),
    /** Bridge mode: the SDP answer cannot be used (malformed, no ICE credentials or fingerprint, ...). */
    BAD_SDP(400, false, 0),
    /** Bridge mode: the answer tries to send media although the sender's role only receives. */
    MEDIA_NOT_ALLOWED(403, false, 0),
    /** The media bridge failed or is unreachable; the session goes on but media may not flow. */
    MEDIA_UNAVAILABLE(503, false, 0),
    /**
     * An action that acts on the applicant's behalf or records them (remote control, the grant of control,
     * recording) was not done because its audit event could not be written; try again.
     */
    AUDIT_UNAVAILABLE(503, false, 0),
    /** HTTP: nothing at this address (an unknown CA or service of the PKI). */
    NOT_FOUND(404, false, 0),
    /** HTTP: a WebSocket upgrade from a web page of another origin (cross-site WebSocket hijacking). */
    ORIGIN_NOT_ALLOWED(403, false, 0),
    /** HTTP: this client address already holds as many connections as one address may. */
    TOO_MANY_CONNECTIONS(429, false, 0),
    /** An unexpected server failure; nothing was changed. */
    /**
     * The database does not answer (the node's readiness check says so, or the request failed on it): nothing
     * was changed. Try again in a minute; {@code /health} says DOWN meanwhile.
     */
    STORE_UNAVAILABLE(503, false, 0),
    INTERNAL(500, false, 0);

    private final int httpStatus;
    private final boolean closesConnection;
    private final int wsCloseCode;

    ErrorCode(int httpStatus, boolean closesConnection, int wsCloseCode) {
        this.httpStatus = httpStatus;
        this.closesConnection = closesConnection;
        this.wsCloseCode = wsCloseCode;
    }

    /** The stable wire code, equal to the constant's name. */
    public String code() {
        return name();
    }

    public int httpStatus() {
        return httpStatus;
    }

    public boolean closesConnection() {
        return closesConnection;
    }

    /** The WebSocket close code used when {@link #closesConnection()} is true, else 0. */
    public int wsCloseCode() {
        return wsCloseCode;
    }

    /**
     * Whether a request answered with this code was refused in a way the audit journal records: the sender
     * was not allowed (401, 403), or sent what no honest client sends (malformed JSON, an unknown message
     * type, an invalid field). Busy, missing or conflicting things (404, 409, 429, 503) are not refusals.
     */
    public boolean refusal() {
        return httpStatus == 401
                || httpStatus == 403
                || this == BAD_JSON
                || this == UNKNOWN_TYPE
                || this == INVALID_FIELD;
    }
}
