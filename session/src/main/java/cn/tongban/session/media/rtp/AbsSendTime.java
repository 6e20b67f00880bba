package cn.tongban.session.media.rtp;

/**
 * The abs-send-time RTP header extension (http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time): 24
 * bits, the time the packet left its sender in seconds, 6.18 fixed point, wrapping every 64 s. A receiver
 * compares send and arrival spacing to see queues build up on the path (Chromium's receive-side estimator,
 * whose result is its REMB). Without it, the estimator falls back to RTP timestamps and takes the sender's
 * pacing for network delay.
 *
 * <p>Carried in RFC 8285's one-byte header form:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       0xBE    |    0xDE       |           length              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  ID   | L=2   |     abs-send-time (24 bits)                   | ... other elements, padding
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class AbsSendTime {
    public static final String URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

    private AbsSendTime() {}

    /** {@code nanos} (any monotonic clock) as 6.18 fixed-point seconds modulo 64. */
    public static int fromNanos(long nanos) {
        // Reduced modulo 64 s first: shifted whole, a clock past 2^45 ns (9.8 hours of uptime) would overflow
        // and jump back 33 s, which receivers' bandwidth estimators would read as a sudden delay change.
        long withinPeriod = Math.floorMod(nanos, 64_000_000_000L);
        return (int) ((withinPeriod << 18) / 1_000_000_000L) & 0xffffff;
    }

    /**
     * Overwrites the abs-send-time element with id {@code id} of the (plain) RTP packet in {@code buf[off,
     * off+len)}, if it has one.
     *
     * @return whether the packet carried the element
     */
    public static boolean rewrite(byte[] buf, int off, int len, int id, int value) {
        int p = element(buf, off, len, id);
        if (p < 0) {
            return false;
        }
        Bytes.put24(buf, p, value);
        return true;
    }

    /** The value of the element with id {@code id}, or -1. */
    public static int read(byte[] buf, int off, int len, int id) {
        int p = element(buf, off, len, id);
        return p < 0 ? -1 : Bytes.u24(buf, p);
    }

    /** Where the 3 data bytes of element {@code id} start, or -1 (RFC 8285 section 4.2). */
    private static int element(byte[] buf, int off, int len, int id) {
        if (len < RtpPacket.FIXED_HEADER_SIZE || (buf[off] & 0x10) == 0) {
            return -1;
        }
        int ext = off + RtpPacket.FIXED_HEADER_SIZE + 4 * (buf[off] & 0x0f);
        int end = off + len;
        if (ext + 4 > end || (buf[ext] & 0xff) != 0xbe || (buf[ext + 1] & 0xff) != 0xde) {
            return -1; // no extension, or the two-byte form
        }
        int dataEnd = ext + 4 + 4 * Bytes.u16(buf, ext + 2);
        if (dataEnd > end) {
            return -1;
        }
        int p = ext + 4;
        while (p < dataEnd) {
            int b = buf[p] & 0xff;
            int elementId = b >>> 4;
            if (elementId == 0) {
                p++; // padding
                continue;
            }
            if (elementId == 15) {
                return -1;
            }
            int length = (b & 0x0f) + 1;
            if (p + 1 + length > dataEnd) {
                return -1;
            }
            if (elementId == id) {
                return length == 3 ? p + 1 : -1;
            }
            p += 1 + length;
        }
        return -1;
    }
}
