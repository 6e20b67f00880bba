package cn.tongban.signaling.materials;

import cn.tongban.signaling.protocol.ErrorCode;

/** A refused upload: the protocol's code, and for rejected content docsign's reason code. */
public final class UploadException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ErrorCode code;
    private final String reason;

    public UploadException(ErrorCode code, String reason, String message) {
        super(message);
        this.code = code;
        this.reason = reason;
    }

    public ErrorCode code() {
        return code;
    }

    /** docsign's code for rejected content (e.g. {@code PDF_ACTIVE_CONTENT}), or null. */
    public String reason() {
        return reason;
    }
}
