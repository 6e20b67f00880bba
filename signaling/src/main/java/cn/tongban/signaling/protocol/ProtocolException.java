package cn.tongban.signaling.protocol;

/** A protocol-level failure carrying its stable {@link ErrorCode}; its message is safe to send to clients. */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final ErrorReason reason;
    private volatile boolean audited;

    public ProtocolException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
        this.reason = null;
    }

    /** A refusal with its reason (sent as {@code reason}, shown to people as its own sentence). */
    public ProtocolException(ErrorReason reason, String message) {
        super(message, null, false, false);
        this.code = reason.code();
        this.reason = reason;
    }

    public ErrorCode code() {
        return code;
    }

    /** Why, where the code alone would leave people guessing; null when the code says it all. */
    public ErrorReason reason() {
        return reason;
    }

    /**
     * Marks the refusal as journaled already by the handler (with details only it knows), so that the
     * transport's one journal entry for refusals ({@code ws/Refusals}) does not repeat it; returns this.
     */
    public ProtocolException audited() {
        audited = true;
        return this;
    }

    /** Whether the handler journaled this refusal itself. */
    public boolean isAudited() {
        return audited;
    }

    public static ProtocolException invalid(String field, String problem) {
        return new ProtocolException(ErrorCode.INVALID_FIELD, field + ": " + problem);
    }
}
