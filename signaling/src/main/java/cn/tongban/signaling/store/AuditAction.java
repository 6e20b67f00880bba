package cn.tongban.signaling.store;

/**
 * Every kind of event in the audit journal. The journal stores the {@link #wire} name, which never changes
 * (older journals and {@code audit verify} read it); a new kind of event is a new constant.
 *
 * <p>Some actions are <em>consent-gated</em>: they act on the applicant's behalf or record them (remote
 * control of the form, the grant of control, recording). If the audit event of such an action cannot be
 * written, the action does not happen: {@link Records#audit} throws instead of only counting the failure,
 * and the handler undoes what it had changed (docs/security.md, "Audit").
 */
public enum AuditAction {
    /** The applicant signed the application with a key made in the browser. */
    APPLICATION_APPLICANT_SIGNED("application.applicant_signed", false),
    /** A certificate was issued for the applicant's browser key. */
    APPLICATION_CERTIFICATE_ISSUED("application.certificate_issued", false),
    /** A sealed application was filed with the owning hall. */
    APPLICATION_FILED("application.filed", false),
    /** The one-time intent code was shown to the applicant (never the code itself). */
    APPLICATION_INTENT_CODE("application.intent_code", false),
    /** The applicant typed the intent code back (意愿认证). */
    APPLICATION_INTENT_CONFIRMED("application.intent_confirmed", false),
    /** A wrong intent code. */
    APPLICATION_INTENT_FAILED("application.intent_failed", false),
    /** A session ended with the application signed by the applicant but not sealed. */
    APPLICATION_LEFT_UNSEALED("application.left_unsealed", false),
    /** The application was rendered for reading and signing. */
    APPLICATION_PREPARED("application.prepared", false),
    /** A clerk was refused finishing or resending an application. */
    APPLICATION_REFUSED("application.refused", false),
    /** The clerk signed and the hall seal was applied. */
    APPLICATION_SEALED("application.sealed", false),
    /** A stale sealing claim was taken over. */
    APPLICATION_SEALING_RESUMED("application.sealing_resumed", false),
    /** A signature value did not verify. */
    APPLICATION_SIGNATURE_REFUSED("application.signature_refused", false),
    /** The sealed application did not verify. */
    APPLICATION_VERIFICATION_FAILED("application.verification_failed", false),
    /** A slot was booked. */
    APPOINTMENT_BOOKED("appointment.booked", false),
    /** An appointment was checked in with a ticket. */
    APPOINTMENT_CHECKED_IN("appointment.checked_in", false),
    /** An appointment was released: nobody came. */
    APPOINTMENT_NO_SHOW("appointment.no_show", false),
    /** After too many failed sign-ins in a row, a clerk's account was locked until an operator unlocks it. */
    CLERK_ACCOUNT_LOCKED("clerk.account_locked", false),
    /** An operator cleared an account's lock and sign-in delays ({@code tongban.jar account unlock}). */
    CLERK_ACCOUNT_UNLOCKED("clerk.account_unlocked", false),
    /** A clerk signed in over HTTP. */
    CLERK_LOGIN("clerk.login", false),
    /** A wrong password. */
    CLERK_LOGIN_FAILED("clerk.login_failed", false),
    /** A login refused while the account is locked. */
    CLERK_LOGIN_LOCKED("clerk.login_locked", false),
    /** A clerk signed out: every session token issued to the clerk so far is revoked. */
    CLERK_LOGOUT("clerk.logout", false),
    /**
     * A clerk's password was set: by an operator ({@code tongban.jar account passwd}, actor {@code
     * operator:<name>}) or by the clerk ({@code POST /api/login/password}, actor {@code clerk:<id>}); tokens
     * revoked.
     */
    CLERK_PASSWORD_CHANGED("clerk.password_changed", false),
    /**
     * A right password that somebody else chose (setup, a one-time password): no token until the clerk sets
     * their own.
     */
    CLERK_PASSWORD_CHANGE_REQUIRED("clerk.password_change_required", false),
    /** A right one-time password after its validity: refused. */
    CLERK_PASSWORD_EXPIRED("clerk.password_expired", false),
    /**
     * An operator gave a clerk a password to change at the first sign-in: a one-time password ({@code
     * tongban.jar account reset}) or the first administrator's ({@code tongban.jar setup}); tokens revoked.
     */
    CLERK_PASSWORD_ISSUED("clerk.password_issued", false),
    /** A clerk's connection signed in. */
    CLERK_SIGNED_IN("clerk.signed_in", false),
    /** The clerk changed the co-browsing mode. */
    COBROWSE_MODE("cobrowse.mode", false),
    /** The applicant denied the clerk control of the form. */
    CONTROL_DENIED("control.denied", false),
    /** The applicant granted the clerk control of the form. */
    CONTROL_GRANTED("control.granted", true),
    /** The clerk released control. */
    CONTROL_RELEASED("control.released", false),
    /** The clerk asked for control of the form. */
    CONTROL_REQUESTED("control.requested", false),
    /** The applicant took control back. */
    CONTROL_REVOKED("control.revoked", false),
    /** The applicant submitted the declaration. */
    DECLARATION_SUBMITTED("declaration.submitted", false),
    /** The clerk asked the applicant to turn the document camera on. */
    DOCUMENT_CAMERA_REQUESTED("document_camera.requested", false),
    /** The owning hall received the application and returned its receipt. */
    HANDOFF_DELIVERED("handoff.delivered", false),
    /** This node, as the owning hall, received an application. */
    HANDOFF_RECEIVED("handoff.received", false),
    /** The owning hall refused an application. */
    HANDOFF_REFUSED("handoff.refused", false),
    /** A refused hand-off was put back in the outbox. */
    HANDOFF_RESENT("handoff.resent", false),
    /** A hand-off will be tried again. */
    HANDOFF_RETRY("handoff.retry", false),
    /** The identity check failed. */
    IDENTITY_FAILED("identity.failed", false),
    /** The clerk took a still of the applicant for the identity check. */
    IDENTITY_STILL("identity.still", false),
    /** The identity check passed. */
    IDENTITY_VERIFIED("identity.verified", false),
    /** The clerk accepted a material. */
    MATERIAL_RECEIVED("material.received", false),
    /** An upload was refused (type, size, content). */
    MATERIAL_REJECTED("material.rejected", false),
    /** The clerk asked for a material again. */
    MATERIAL_REPLACE("material.replace", false),
    /** A material was uploaded. */
    MATERIAL_UPLOADED("material.uploaded", false),
    /** An applicant confirmed their mobile number with the SMS code (the number masked). */
    MOBILE_VERIFIED("mobile.verified", false),
    /** The clerk invited a helper of the partner hall. */
    PARTICIPANT_INVITED("participant.invited", false),
    /** Someone joined a session's media. */
    PARTICIPANT_JOINED("participant.joined", false),
    /** Someone left a session's media. */
    PARTICIPANT_LEFT("participant.left", false),
    /** The applicant claimed a priority group. */
    PRIORITY_CLAIMED("priority.claimed", false),
    /** The clerk confirmed the claim. */
    PRIORITY_CONFIRMED("priority.confirmed", false),
    /** The clerk found the claim untrue. */
    PRIORITY_REJECTED("priority.rejected", false),
    /** A partner hall's clerk took a ticket of the overflow. */
    QUEUE_OVERFLOW_TAKE("queue.overflow_take", false),
    /** A recording could not be written. */
    RECORDING_FAILED("recording.failed", false),
    /** A recording file and its SHA-256 (with its segment, and for a recovered one its repaired copy's). */
    RECORDING_FILE("recording.file", false),
    /**
     * A segment of the session's recording was cut off: its bridge's node left the cluster. Written by the node
     * that takes the media over; the segment stays on that node's disk until it is recovered.
     */
    RECORDING_INTERRUPTED("recording.interrupted", false),
    /**
     * A segment whose node died mid-recording was finished from what its disk held and archived (when the
     * node started again, or by {@code tongban.jar recording recover}), with the time of its last data.
     */
    RECORDING_RECOVERED("recording.recovered", false),
    /** A segment of the session's recording started (its segment, node and directory). */
    RECORDING_STARTED("recording.started", true),
    /** A segment of the session's recording stopped, with its manifest's SHA-256. */
    RECORDING_STOPPED("recording.stopped", false),
    /** A file of a recovered segment that holds nothing usable (empty, cut before its first frame, not WebM). */
    RECORDING_UNRECOVERABLE("recording.unrecoverable", false),
    /**
     * An operator put a new version of the reference data in force ({@code tongban.jar refdata import}, or
     * {@code refdata rollback} with {@code rolledBackTo}): actor {@code operator:<name>}, the previous and the
     * new version and the SHA-256 of both documents.
     */
    REFDATA_CHANGED("refdata.changed", false),
    /**
     * A node found no reference data in the database and stored its refdata.yaml as version 1 (actor {@code
     * node:<name>}, the version and the document's SHA-256).
     */
    REFDATA_IMPORTED("refdata.imported", false),
    /** The clerk, in control, set a field of the applicant's form. */
    REMOTE_INPUT("remote.input", true),
    /** A remote action or an applicant-only act was refused. */
    REMOTE_REFUSED("remote.refused", false),
    /** The clerk, in control, showed another step of the form. */
    REMOTE_STEP("remote.step", true),
    /**
     * A request refused for what it was or who sent it (not allowed, malformed, an invalid field), journaled
     * once by the transport for every handler: a WebSocket message ({@code ws/Refusals}) or an HTTP request
     * ({@code http/HttpRefusals}), through the node's one {@code audit/RefusalJournal}.
     */
    REQUEST_REFUSED("request.refused", false),
    /** Refusals beyond the journal's budget, counted instead of journaled one by one (at most one entry a minute). */
    REQUEST_REFUSED_UNRECORDED("request.refused_unrecorded", false),
    /** The applicant started sharing the screen or the document camera. */
    SCREEN_STARTED("screen.started", false),
    /** The applicant stopped sharing. */
    SCREEN_STOPPED("screen.stopped", false),
    /** A session was aborted (the clerk was lost). */
    SESSION_ABORTED("session.aborted", false),
    /** The clerk took the session over on a new connection. */
    SESSION_CLERK_RECONNECTED("session.clerk_reconnected", false),
    /** A session was closed with its outcome. */
    SESSION_CLOSED("session.closed", false),
    /** A session ended (the applicant did not come back, or hung up). */
    SESSION_ENDED("session.ended", false),
    /** The bridge carrying a session's media left the cluster; the media continues on another node's bridge. */
    SESSION_MEDIA_MOVED("session.media_moved", false),
    /** The outcome owed by a clerk who never came back expired. */
    SESSION_OUTCOME_EXPIRED("session.outcome_expired", false),
    /** A clerk took a ticket: a session started. */
    SESSION_PAIRED("session.paired", false),
    /** A session was handed to another clerk or queue. */
    SESSION_TRANSFERRED("session.transferred", false),
    /** An account that is not a supervisor tried to watch. */
    SUPERVISOR_REFUSED("supervisor.refused", false),
    /** A supervisor opened the board. */
    SUPERVISOR_WATCH("supervisor.watch", false),
    /** The applicant gave the ticket up. */
    TICKET_CANCELLED("ticket.cancelled", false),
    /** A waiting ticket expired: the applicant did not come back. */
    TICKET_EXPIRED("ticket.expired", false),
    /** A ticket was issued. */
    TICKET_ISSUED("ticket.issued", false),
    /** A ticket came back on a new connection. */
    TICKET_RESUMED("ticket.resumed", false),
    /** An operator added a partner installation's trust anchor ({@code tongban.jar trust add}). */
    TRUST_ADDED("trust.added", false),
    /** An operator removed a partner installation's trust anchor ({@code tongban.jar trust remove}). */
    TRUST_REMOVED("trust.removed", false),
    /**
     * An operator made a new key for an installation secret ({@code tongban.jar secrets rotate}); never the key
     * itself, only its name and the new key's fingerprint.
     */
    SECRET_ROTATED("secret.rotated", false),
    /** An operator re-encrypted the embedded PKI's keystore with a new password ({@code tongban.jar pki passwd}). */
    PKI_PASSWORD_CHANGED("pki.password_changed", false);

    private final String wire;
    private final boolean consentGated;

    AuditAction(String wire, boolean consentGated) {
        this.wire = wire;
        this.consentGated = consentGated;
    }

    /** The name in the journal, e.g. {@code ticket.issued}. */
    public String wire() {
        return wire;
    }

    /** Whether the action must not happen unless its audit event was written. */
    public boolean consentGated() {
        return consentGated;
    }

    @Override
    public String toString() {
        return wire;
    }
}
