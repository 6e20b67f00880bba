package cn.tongban.session.media.rtp;

/**
 * One reception report block (RFC 3550 section 6.4.1).
 *
 * @param ssrc the source this block reports on
 * @param fractionLost fraction lost since the previous report, in 1/256
 * @param cumulativeLost total packets lost (24-bit signed)
 * @param highestSequence extended highest sequence number received
 * @param jitter interarrival jitter in timestamp units
 * @param lastSr middle 32 bits of the last SR's NTP timestamp (LSR)
 * @param delaySinceLastSr delay since that SR, in 1/65536 s (DLSR)
 */
public record ReportBlock(
        long ssrc,
        int fractionLost,
        int cumulativeLost,
        long highestSequence,
        long jitter,
        long lastSr,
        long delaySinceLastSr) {
    public static final int SIZE = 24;

    static ReportBlock read(byte[] b, int p) {
        int lost = Bytes.u24(b, p + 5);
        if ((lost & 0x800000) != 0) {
            lost |= 0xff000000;
        }
        return new ReportBlock(
                Bytes.u32(b, p),
                b[p + 4] & 0xff,
                lost,
                Bytes.u32(b, p + 8),
                Bytes.u32(b, p + 12),
                Bytes.u32(b, p + 16),
                Bytes.u32(b, p + 20));
    }

    void write(byte[] b, int p) {
        Bytes.put32(b, p, ssrc);
        b[p + 4] = (byte) fractionLost;
        int lost = Math.max(-0x800000, Math.min(0x7fffff, cumulativeLost));
        Bytes.put24(b, p + 5, lost & 0xffffff);
        Bytes.put32(b, p + 8, highestSequence);
        Bytes.put32(b, p + 12, jitter);
        Bytes.put32(b, p + 16, lastSr);
        Bytes.put32(b, p + 20, delaySinceLastSr);
    }
}
