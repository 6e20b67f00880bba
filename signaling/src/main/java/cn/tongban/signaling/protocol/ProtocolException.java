package cn.tongban.signaling.protocol;

/** A protocol-level failure carrying its stable {@link ErrorCode}; its message is safe to send to clients. */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private volatile boolean audited;

    public ProtocolException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
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
