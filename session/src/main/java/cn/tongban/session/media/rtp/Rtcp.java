package cn.tongban.session.media.rtp;

import java.util.List;

/** Builders for the RTCP packets the bridge originates. Each returns a fresh, unencrypted packet. */
public final class Rtcp {
    private Rtcp() {}

    private static void header(byte[] b, int countOrFmt, int pt, int lengthBytes) {
        b[0] = (byte) (0x80 | (countOrFmt & 0x1f));
        b[1] = (byte) pt;
        Bytes.put16(b, 2, lengthBytes / 4 - 1);
    }

    /** A receiver report (RFC 3550 6.4.2) with up to 31 blocks. */
    public static byte[] receiverReport(long senderSsrc, List<ReportBlock> blocks) {
        int n = Math.min(31, blocks.size());
        byte[] b = new byte[8 + ReportBlock.SIZE * n];
        header(b, n, RtcpPacket.RR, b.length);
        Bytes.put32(b, 4, senderSsrc);
        for (int i = 0; i < n; i++) {
            blocks.get(i).write(b, 8 + ReportBlock.SIZE * i);
        }
        return b;
    }

    /** A sender report (RFC 3550 6.4.1). */
    public static byte[] senderReport(
            long senderSsrc,
            long ntpTimestamp,
            long rtpTimestamp,
            long packets,
            long octets,
            List<ReportBlock> blocks) {
        int n = Math.min(31, blocks.size());
        byte[] b = new byte[28 + ReportBlock.SIZE * n];
        header(b, n, RtcpPacket.SR, b.length);
        Bytes.put32(b, 4, senderSsrc);
        Bytes.put32(b, 8, ntpTimestamp >>> 32);
        Bytes.put32(b, 12, ntpTimestamp);
        Bytes.put32(b, 16, rtpTimestamp);
        Bytes.put32(b, 20, packets);
        Bytes.put32(b, 24, octets);
        for (int i = 0; i < n; i++) {
            blocks.get(i).write(b, 28 + ReportBlock.SIZE * i);
        }
        return b;
    }

    /** Picture loss indication (RFC 4585 6.3.1). */
    public static byte[] pli(long senderSsrc, long mediaSsrc) {
        byte[] b = new byte[12];
        header(b, RtcpPacket.FMT_PLI, RtcpPacket.PSFB, 12);
        Bytes.put32(b, 4, senderSsrc);
        Bytes.put32(b, 8, mediaSsrc);
        return b;
    }

    /** Full intra request (RFC 5104 4.3.1); the media source field is zero, the target is in the FCI. */
    public static byte[] fir(long senderSsrc, long mediaSsrc, int sequence) {
        byte[] b = new byte[20];
        header(b, RtcpPacket.FMT_FIR, RtcpPacket.PSFB, 20);
        Bytes.put32(b, 4, senderSsrc);
        Bytes.put32(b, 12, mediaSsrc);
        b[16] = (byte) sequence;
        return b;
    }

    /** Generic NACK (RFC 4585 6.2.1); sequence numbers are packed into PID/BLP pairs. */
    public static byte[] nack(long senderSsrc, long mediaSsrc, List<Integer> lost) {
        int[] pids = new int[lost.size()];
        int[] blps = new int[lost.size()];
        int n = 0;
        for (int seq : lost) {
            if (n > 0) {
                int diff = (seq - pids[n - 1]) & 0xffff;
                if (diff >= 1 && diff <= 16) {
                    blps[n - 1] |= 1 << (diff - 1);
                    continue;
                }
            }
            pids[n++] = seq & 0xffff;
        }
        byte[] b = new byte[12 + 4 * n];
        header(b, RtcpPacket.FMT_NACK, RtcpPacket.RTPFB, b.length);
        Bytes.put32(b, 4, senderSsrc);
        Bytes.put32(b, 8, mediaSsrc);
        for (int i = 0; i < n; i++) {
            Bytes.put16(b, 12 + 4 * i, pids[i]);
            Bytes.put16(b, 14 + 4 * i, blps[i]);
        }
        return b;
    }

    /**
     * Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb section 2.2): bitrate = mantissa
     * (18 bits) shifted left by exp (6 bits).
     */
    public static byte[] remb(long senderSsrc, long bitrate, List<Long> ssrcs) {
        int n = Math.min(255, ssrcs.size());
        byte[] b = new byte[20 + 4 * n];
        header(b, RtcpPacket.FMT_AFB, RtcpPacket.PSFB, b.length);
        Bytes.put32(b, 4, senderSsrc);
        b[12] = 'R';
        b[13] = 'E';
        b[14] = 'M';
        b[15] = 'B';
        b[16] = (byte) n;
        int exp = 0;
        long mantissa = Math.max(0, bitrate);
        while (mantissa > 0x3ffff) {
            mantissa >>>= 1;
            exp++;
        }
        Bytes.put24(b, 17, (int) ((exp << 18) | mantissa));
        for (int i = 0; i < n; i++) {
            Bytes.put32(b, 20 + 4 * i, ssrcs.get(i));
        }
        return b;
    }

    /** Concatenates packets into one compound datagram (RFC 3550 6.1). */
    public static byte[] compound(byte[]... packets) {
        int total = 0;
        for (byte[] p : packets) {
            total += p.length;
        }
        byte[] out = new byte[total];
        int pos = 0;
        for (byte[] p : packets) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }
}
