package cn.tongban.session.media.recording;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The IVF framing of a VP8 elementary stream (32-byte file header, 12-byte frame headers, little
 * endian): how frames are handed to ffmpeg, which writes the WebM file. Time base: milliseconds.
 */
final class IvfWriter {
    private final OutputStream out;

    IvfWriter(OutputStream out, int width, int height) throws IOException {
        this.out = out;
        byte[] h = new byte[32];
        h[0] = 'D';
        h[1] = 'K';
        h[2] = 'I';
        h[3] = 'F';
        le16(h, 4, 0);
        le16(h, 6, 32);
        h[8] = 'V';
        h[9] = 'P';
        h[10] = '8';
        h[11] = '0';
        le16(h, 12, width);
        le16(h, 14, height);
        le32(h, 16, 1000); // time base denominator
        le32(h, 20, 1); // time base numerator
        out.write(h);
    }

    void writeFrame(byte[] frame, long ptsMillis) throws IOException {
        byte[] h = new byte[12];
        le32(h, 0, frame.length);
        le32(h, 4, ptsMillis);
        le32(h, 8, ptsMillis >>> 32);
        out.write(h);
        out.write(frame);
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
