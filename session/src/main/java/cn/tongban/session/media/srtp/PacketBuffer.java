package cn.tongban.session.media.srtp;

import org.jitsi.utils.ByteArrayBuffer;

/**
 * A growable byte region handed to jitsi-srtp, which appends tags (and the SRTCP index) in place. Callers
 * allocate with some tail room ({@link #TAIL_ROOM}) so protecting a packet never reallocates.
 */
public final class PacketBuffer implements ByteArrayBuffer {
    /** Room for a 16-byte GCM tag plus the 4-byte SRTCP index. */
    public static final int TAIL_ROOM = 32;

    private byte[] buffer;
    private int offset;
    private int length;

    public PacketBuffer(byte[] buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
    }

    /** Copies {@code src[off, off+len)} into a fresh buffer with tail room. */
    public static PacketBuffer copyOf(byte[] src, int off, int len) {
        byte[] b = new byte[len + TAIL_ROOM];
        System.arraycopy(src, off, b, 0, len);
        return new PacketBuffer(b, 0, len);
    }

    public void set(byte[] buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public byte[] getBuffer() {
        return buffer;
    }

    @Override
    public int getOffset() {
        return offset;
    }

    @Override
    public int getLength() {
        return length;
    }

    @Override
    public void setLength(int len) {
        this.length = len;
    }

    @Override
    public void setOffset(int off) {
        this.offset = off;
    }

    @Override
    public boolean isInvalid() {
        return false;
    }

    @Override
    public void readRegionToBuff(int off, int len, byte[] outBuf) {
        System.arraycopy(buffer, offset + off, outBuf, 0, len);
    }

    @Override
    public void grow(int howMuch) {
        if (offset + length + howMuch > buffer.length) {
            byte[] b = new byte[length + howMuch + TAIL_ROOM];
            System.arraycopy(buffer, offset, b, 0, length);
            buffer = b;
            offset = 0;
        }
    }

    @Override
    public void append(byte[] data, int len) {
        grow(len);
        System.arraycopy(data, 0, buffer, offset + length, len);
        length += len;
    }

    @Override
    public void shrink(int len) {
        length = Math.max(0, length - len);
    }

    public byte[] toArray() {
        byte[] b = new byte[length];
        System.arraycopy(buffer, offset, b, 0, length);
        return b;
    }
}
