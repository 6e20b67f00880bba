package cn.tongban.signaling.verify;

import cn.tongban.signaling.protocol.ErrorCode;

/**
 * A refused verification request: the stable {@code code}, a finer {@code reason} or null, the seconds to
 * wait before asking again (0 when waiting does not help) and, with {@link ErrorCode#CHALLENGE_REQUIRED},
 * the challenge to solve. The message is safe to show to the client.
 */
public final class VerificationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String reason;
    private final long retryAfterSeconds;
    private final transient ProofOfWork.Challenge challenge;

    VerificationException(
            ErrorCode code, String reason, long retryAfterSeconds, ProofOfWork.Challenge challenge, String message) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
        this.challenge = challenge;
    }

    static VerificationException waitFor(ErrorCode code, String reason, long retryAfterMs, String message) {
        return new VerificationException(code, reason, Math.max(1, (retryAfterMs + 999) / 1000), null, message);
    }

    public ErrorCode code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public ProofOfWork.Challenge challenge() {
        return challenge;
    }
}
