package cn.tongban.session.media.rtp;

/**
 * A view over an RTP packet held in a byte array (RFC 3550 section 5.1). The view does not copy: setters
 * write through to the array, so a forwarded packet can be rewritten in place.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class RtpPacket {
    /** Size of the fixed header (RFC 3550 section 5.1). */
    public static final int FIXED_HEADER_SIZE = 12;

    private final byte[] buf;
    private final int off;
    private final int len;
    private final int headerLength;
    private final int paddingLength;

    private RtpPacket(byte[] buf, int off, int len, int headerLength, int paddingLength) {
        this.buf = buf;
        this.off = off;
        this.len = len;
        this.headerLength = headerLength;
        this.paddingLength = paddingLength;
    }

    /**
     * Parses the packet in {@code buf[off, off+len)}.
     *
     * @return the view, or {@code null} when the bytes are not a well-formed RTP packet (wrong version,
     *     CSRC list, header extension or padding running past the end).
     */
    public static RtpPacket parse(byte[] buf, int off, int len) {
        if (buf == null || off < 0 || len < FIXED_HEADER_SIZE || off + len > buf.length) {
            return null;
        }
        int b0 = buf[off] & 0xff;
        if ((b0 >>> 6) != 2) {
            return null;
        }
        int header = FIXED_HEADER_SIZE + 4 * (b0 & 0x0f);
        if (header > len) {
            return null;
        }
        if ((b0 & 0x10) != 0) {
            // RFC 3550 section 5.3.1: 16-bit profile id, 16-bit length in 32-bit words.
            if (header + 4 > len) {
                return null;
            }
            int words = ((buf[off + header + 2] & 0xff) << 8) | (buf[off + header + 3] & 0xff);
            header += 4 + 4 * words;
            if (header > len) {
                return null;
            }
        }
        int padding = 0;
        if ((b0 & 0x20) != 0) {
            padding = buf[off + len - 1] & 0xff;
            if (padding == 0 || header + padding > len) {
                return null;
            }
        }
        return new RtpPacket(buf, off, len, header, padding);
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

    public int headerLength() {
        return headerLength;
    }

    public int payloadOffset() {
        return off + headerLength;
    }

    public int payloadLength() {
        return len - headerLength - paddingLength;
    }

    public boolean marker() {
        return (buf[off + 1] & 0x80) != 0;
    }

    public int payloadType() {
        return buf[off + 1] & 0x7f;
    }

    public void setPayloadType(int pt) {
        buf[off + 1] = (byte) ((buf[off + 1] & 0x80) | (pt & 0x7f));
    }

    public int sequenceNumber() {
        return Bytes.u16(buf, off + 2);
    }

    public void setSequenceNumber(int seq) {
        Bytes.put16(buf, off + 2, seq);
    }

    public long timestamp() {
        return Bytes.u32(buf, off + 4);
    }

    public void setTimestamp(long ts) {
        Bytes.put32(buf, off + 4, ts);
    }

    public long ssrc() {
        return Bytes.u32(buf, off + 8);
    }

    public void setSsrc(long ssrc) {
        Bytes.put32(buf, off + 8, ssrc);
    }

    /** Reads the SSRC of an RTP packet without validating it; the caller checked the length. */
    public static long ssrcOf(byte[] buf, int off) {
        return Bytes.u32(buf, off + 8);
    }
}
