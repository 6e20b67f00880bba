package cn.tongban.session.media.sdp;

/** The SDP media type of an m-line (RFC 8866 section 5.14). */
public enum MediaKind {
    AUDIO,
    VIDEO;

    public String sdpName() {
        return this == AUDIO ? "audio" : "video";
    }
}
