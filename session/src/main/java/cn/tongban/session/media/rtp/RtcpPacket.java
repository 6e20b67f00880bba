package cn.tongban.session.media.rtp;

import java.util.ArrayList;
import java.util.List;

/**
 * A view over one RTCP packet inside a (possibly compound) datagram (RFC 3550 section 6.4, RFC 4585
 * section 6.1). Parsing the compound returns one view per packet; a view writes through to the array.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P| RC/FMT  |      PT       |             length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  SSRC of packet sender                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  SSRC of media source (feedback only)         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class RtcpPacket {
    public static final int SR = 200;
    public static final int RR = 201;
    public static final int SDES = 202;
    public static final int BYE = 203;
    public static final int APP = 204;
    /** Transport layer feedback (RFC 4585 section 6.2); FMT 1 is the generic NACK. */
    public static final int RTPFB = 205;
    /** Payload-specific feedback (RFC 4585 section 6.3); FMT 1 PLI, FMT 4 FIR (RFC 5104), FMT 15 AFB/REMB. */
    public static final int PSFB = 206;

    public static final int FMT_NACK = 1;
    public static final int FMT_PLI = 1;
    public static final int FMT_FIR = 4;
    public static final int FMT_AFB = 15;

    private final byte[] buf;
    private final int off;
    private final int len;

    private RtcpPacket(byte[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        this.len = len;
    }

    /**
     * Splits a compound RTCP datagram into its packets.
     *
     * @return the packets, or an empty list if any header is malformed (version, length past the end,
     *     packet shorter than its type requires) — a compound with one broken packet is dropped whole.
     */
    public static List<RtcpPacket> parseCompound(byte[] buf, int off, int len) {
        List<RtcpPacket> out = new ArrayList<>(4);
        if (buf == null || off < 0 || len < 0 || off + len > buf.length) {
            return List.of();
        }
        int p = off;
        int end = off + len;
        while (p < end) {
            if (end - p < 4 || (buf[p] & 0xc0) != 0x80) {
                return List.of();
            }
            int plen = 4 * (Bytes.u16(buf, p + 2) + 1);
            if (p + plen > end) {
                return List.of();
            }
            RtcpPacket pkt = new RtcpPacket(buf, p, plen);
            if (plen < pkt.minimumLength()) {
                return List.of();
            }
            out.add(pkt);
            p += plen;
        }
        return out;
    }

    private int minimumLength() {
        return switch (packetType()) {
            case SR -> 28 + 24 * count();
            case RR -> 8 + 24 * count();
            case RTPFB, PSFB -> 12;
            case BYE -> 4 + 4 * count();
            default -> 4;
        };
    }

    public byte[] buffer() {
        return buf;
    }

    public int offset() {
        return off;
    }

    public int length() {
        return len;
    }

    /** RC for SR/RR, FMT for feedback packets. */
    public int count() {
        return buf[off] & 0x1f;
    }

    public int packetType() {
        return buf[off + 1] & 0xff;
    }

    public boolean isFeedback() {
        int pt = packetType();
        return pt == RTPFB || pt == PSFB;
    }

    public boolean isPli() {
        return packetType() == PSFB && count() == FMT_PLI;
    }

    public boolean isFir() {
        return packetType() == PSFB && count() == FMT_FIR && len >= 20;
    }

    public boolean isNack() {
        return packetType() == RTPFB && count() == FMT_NACK;
    }

    public boolean isRemb() {
        return packetType() == PSFB
                && count() == FMT_AFB
                && len >= 20
                && buf[off + 12] == 'R'
                && buf[off + 13] == 'E'
                && buf[off + 14] == 'M'
                && buf[off + 15] == 'B';
    }

    public long senderSsrc() {
        return len >= 8 ? Bytes.u32(buf, off + 4) : -1;
    }

    public void setSenderSsrc(long ssrc) {
        Bytes.put32(buf, off + 4, ssrc);
    }

    /** The media source of a PLI or NACK; for a FIR, the SSRC in the first FCI entry (RFC 5104 4.3.1). */
    public long mediaSsrc() {
        if (isFir()) {
            return Bytes.u32(buf, off + 12);
        }
        return isFeedback() ? Bytes.u32(buf, off + 8) : -1;
    }

    public void setMediaSsrc(long ssrc) {
        if (isFir()) {
            Bytes.put32(buf, off + 12, ssrc);
        } else {
            Bytes.put32(buf, off + 8, ssrc);
        }
    }

    /** Report blocks of an SR or RR (RFC 3550 6.4.1). */
    public List<ReportBlock> reportBlocks() {
        int start;
        if (packetType() == SR) {
            start = off + 28;
        } else if (packetType() == RR) {
            start = off + 8;
        } else {
            return List.of();
        }
        List<ReportBlock> out = new ArrayList<>(count());
        for (int i = 0; i < count(); i++) {
            out.add(ReportBlock.read(buf, start + 24 * i));
        }
        return out;
    }

    /** RTP timestamp of an SR (RFC 3550 6.4.1), or -1. */
    public long srRtpTimestamp() {
        return packetType() == SR ? Bytes.u32(buf, off + 16) : -1;
    }

    /** The middle 32 bits of the SR's NTP timestamp, echoed as LSR in report blocks. */
    public long srNtpMiddle() {
        return packetType() == SR
                ? (Bytes.u32(buf, off + 8) << 16 | Bytes.u32(buf, off + 12) >>> 16) & 0xffffffffL
                : -1;
    }

    public long srPacketCount() {
        return packetType() == SR ? Bytes.u32(buf, off + 20) : -1;
    }

    /** Sequence numbers requested by a generic NACK (RFC 4585 6.2.1: PID plus a 16-bit mask). */
    public List<Integer> nackedSequenceNumbers() {
        if (!isNack()) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (int p = off + 12; p + 4 <= off + len; p += 4) {
            int pid = Bytes.u16(buf, p);
            int blp = Bytes.u16(buf, p + 2);
            out.add(pid);
            for (int i = 0; i < 16; i++) {
                if ((blp & (1 << i)) != 0) {
                    out.add((pid + i + 1) & 0xffff);
                }
            }
        }
        return out;
    }

    /** Bitrate of a REMB in bits per second (draft-alvestrand-rmcat-remb section 2.2), or -1. */
    public long rembBitrate() {
        if (!isRemb()) {
            return -1;
        }
        int exp = (buf[off + 17] & 0xff) >>> 2;
        long mantissa = Bytes.u24(buf, off + 17) & 0x3ffff;
        return mantissa << exp;
    }

    /** SSRCs a REMB applies to. */
    public List<Long> rembSsrcs() {
        if (!isRemb()) {
            return List.of();
        }
        int n = buf[off + 16] & 0xff;
        List<Long> out = new ArrayList<>(n);
        for (int i = 0; i < n && off + 20 + 4 * i + 4 <= off + len; i++) {
            out.add(Bytes.u32(buf, off + 20 + 4 * i));
        }
        return out;
    }

    /** Copies this packet into a new array (e.g. to forward it alone, RFC 5506 reduced-size). */
    public byte[] copy() {
        byte[] b = new byte[len];
        System.arraycopy(buf, off, b, 0, len);
        return b;
    }

    /**
     * True for a datagram that RFC 5761 section 4 classifies as RTCP: payload type (second byte, marker
     * included) 192–223.
     */
    public static boolean looksLikeRtcp(byte[] buf, int off, int len) {
        if (len < 4) {
            return false;
        }
        int pt = buf[off + 1] & 0xff;
        return pt >= 192 && pt <= 223;
    }
}
