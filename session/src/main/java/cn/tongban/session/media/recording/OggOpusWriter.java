package cn.tongban.session.media.recording;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The Ogg encapsulation of an Opus stream (RFC 7845 over RFC 3533): how Opus packets are handed to
 * ffmpeg, which writes the WebM file. One packet per page keeps the granule positions exact.
 */
final class OggOpusWriter {
    private static final int[] CRC_TABLE = new int[256];

    static {
        // RFC 3533 section 6: CRC-32 with polynomial 0x04c11db7, no reflection, initial value 0.
        for (int i = 0; i < 256; i++) {
            int r = i << 24;
            for (int j = 0; j < 8; j++) {
                r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04c11db7 : r << 1;
            }
            CRC_TABLE[i] = r;
        }
    }

    private final OutputStream out;
    private final int serial;
    private int sequence;
    private long granule;

    OggOpusWriter(OutputStream out, int serial, int channels) throws IOException {
        this.out = out;
        this.serial = serial;
        byte[] head = new byte[19];
        System.arraycopy("OpusHead".getBytes(StandardCharsets.US_ASCII), 0, head, 0, 8);
        head[8] = 1; // version
        head[9] = (byte) channels;
        le16(head, 10, 312); // pre-skip, the usual encoder delay at 48 kHz
        le32(head, 12, 48000); // input sample rate (informational)
        // output gain 0, channel mapping family 0
        page(0x02, 0, head);
        byte[] vendor = "tongban".getBytes(StandardCharsets.US_ASCII);
        byte[] tags = new byte[8 + 4 + vendor.length + 4];
        System.arraycopy("OpusTags".getBytes(StandardCharsets.US_ASCII), 0, tags, 0, 8);
        le32(tags, 8, vendor.length);
        System.arraycopy(vendor, 0, tags, 12, vendor.length);
        page(0, 0, tags);
    }

    /** Number of 48 kHz samples in an Opus packet, from its TOC byte (RFC 6716 section 3.1). */
    static int samples(byte[] p, int off, int len) {
        if (len < 1) {
            return 0;
        }
        int toc = p[off] & 0xff;
        int config = toc >>> 3;
        int frame;
        if (config < 12) {
            frame = new int[] {480, 960, 1920, 2880}[config & 3];
        } else if (config < 16) {
            frame = (config & 1) == 0 ? 480 : 960;
        } else {
            frame = new int[] {120, 240, 480, 960}[config & 3];
        }
        int frames =
                switch (toc & 3) {
                    case 0 -> 1;
                    case 1, 2 -> 2;
                    default -> len > 1 ? p[off + 1] & 0x3f : 0;
                };
        return frame * frames;
    }

    void writePacket(byte[] p, int off, int len, long granuleAfter) throws IOException {
        granule = Math.max(granule, granuleAfter);
        byte[] copy = new byte[len];
        System.arraycopy(p, off, copy, 0, len);
        page(0, granule, copy);
    }

    void close() throws IOException {
        page(0x04, granule, null);
    }

    /** Writes one page holding one packet, or no packet at all ({@code null}: the end-of-stream page). */
    private void page(int flags, long granulePosition, byte[] data) throws IOException {
        byte[] packet = data == null ? new byte[0] : data;
        int segments = data == null ? 0 : packet.length / 255 + 1;
        byte[] page = new byte[27 + segments + packet.length];
        page[0] = 'O';
        page[1] = 'g';
        page[2] = 'g';
        page[3] = 'S';
        page[5] = (byte) flags;
        le32(page, 6, granulePosition);
        le32(page, 10, granulePosition >>> 32);
        le32(page, 14, serial);
        le32(page, 18, sequence++);
        page[26] = (byte) segments;
        int rest = packet.length;
        for (int i = 0; i < segments; i++) {
            page[27 + i] = (byte) Math.min(255, rest);
            rest -= 255;
        }
        System.arraycopy(packet, 0, page, 27 + segments, packet.length);
        int crc = 0;
        for (byte b : page) {
            crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff];
        }
        le32(page, 22, crc);
        out.write(page);
    }

    private static void le16(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
    }

    private static void le32(byte[] b, int i, long v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
        b[i + 2] = (byte) (v >>> 16);
        b[i + 3] = (byte) (v >>> 24);
    }
}
