package cn.tongban.session.media.sdp;

/** A remote description the bridge cannot use; the message names the offending line or attribute. */
public final class SdpException extends Exception {
    private static final long serialVersionUID = 1L;

    public SdpException(String message) {
        super(message);
    }
}
