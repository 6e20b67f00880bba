package cn.tongban.session.media.sdp;

/** A remote description the bridge cannot use; the message names the offending line or attribute. */
public final class SdpException extends Exception {
    public SdpException(String message) {
        super(message);
    }
}
