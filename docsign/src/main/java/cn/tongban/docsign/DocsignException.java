package cn.tongban.docsign;

/** An expected failure with a stable {@link DocsignError} code. */
public final class DocsignException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final DocsignError error;

    public DocsignException(DocsignError error, String detail) {
        super(error.code() + ": " + error.description() + (detail == null ? "" : " (" + detail + ")"));
        this.error = error;
    }

    public DocsignException(DocsignError error, String detail, Throwable cause) {
        super(error.code() + ": " + error.description() + (detail == null ? "" : " (" + detail + ")"), cause);
        this.error = error;
    }

    /** The stable error. */
    public DocsignError error() {
        return error;
    }
}
