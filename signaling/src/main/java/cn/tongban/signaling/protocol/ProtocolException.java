package cn.tongban.signaling.protocol;

/** A protocol-level failure carrying its stable {@link ErrorCode}; its message is safe to send to clients. */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static ProtocolException invalid(String field, String problem) {
        return new ProtocolException(ErrorCode.INVALID_FIELD, field + ": " + problem);
    }
}
