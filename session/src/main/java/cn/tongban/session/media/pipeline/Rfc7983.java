package cn.tongban.session.media.pipeline;

/**
 * Demultiplexing of the protocols sharing one UDP 5-tuple by the first byte (RFC 7983 section 7, which
 * updates RFC 5764 section 5.1.2):
 *
 * <pre>
 *              +----------------+
 *              |        [0..3] -+--> forward to STUN
 *              |                |
 *              |      [16..19] -+--> forward to ZRTP
 *              |                |
 *  packet -->  |      [20..63] -+--> forward to DTLS
 *              |                |
 *              |      [64..79] -+--> forward to TURN Channel
 *              |                |
 *              |    [128..191] -+--> forward to RTP/RTCP
 *              +----------------+
 * </pre>
 *
 * STUN is consumed by ice4j before the bridge sees a datagram; ZRTP and TURN channels are not used here.
 */
public final class Rfc7983 {
    private Rfc7983() {}

    public static boolean isStun(byte[] b, int off, int len) {
        return len > 0 && (b[off] & 0xff) <= 3;
    }

    public static boolean isDtls(byte[] b, int off, int len) {
        int first = len > 0 ? b[off] & 0xff : -1;
        return first >= 20 && first <= 63;
    }

    public static boolean isRtpOrRtcp(byte[] b, int off, int len) {
        int first = len > 0 ? b[off] & 0xff : -1;
        return first >= 128 && first <= 191;
    }
}
