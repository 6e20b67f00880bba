package cn.tongban.session.media.impl;

import cn.tongban.session.media.srtp.PacketBuffer;
import java.util.Arrays;

/**
 * The last packets of one uploaded video stream, decrypted, so that the bridge can repair a receiver's loss
 * itself (RFC 4585 generic NACK answered from here) instead of sending the request on to the sender and
 * the repair back through the sender's uplink: a receiver's bad link then costs neither the sender's
 * bandwidth nor a round trip to the sender.
 *
 * <p>A ring indexed by sequence number: a slot holds the packet with that number modulo {@link #SIZE}, with
 * the full number and the time it arrived, so a later packet in the same slot (a wrap of the ring or of
 * the 16-bit sequence) is never mistaken for the one asked for. Slots keep their arrays, so a steady
 * stream allocates nothing. Written by the sender's receive thread, read by the receivers' RTCP handling.
 */
final class PacketCache {
    /** About 3 s of 1.5 Mbit/s video in 1,200-byte packets; a power of two. */
    static final int SIZE = 512;

    /** Older packets are not resent: the receiver's jitter buffer has given up on them. */
    static final long MAX_AGE_NANOS = 1_000_000_000L;

    private final byte[][] packets = new byte[SIZE][];
    private final int[] lengths = new int[SIZE];
    private final int[] sequences = new int[SIZE];
    private final long[] arrived = new long[SIZE];

    PacketCache() {
        Arrays.fill(sequences, -1);
    }

    /** Keeps a copy of a decrypted RTP packet with sequence number {@code seq}. */
    synchronized void put(byte[] buf, int off, int len, int seq, long receivedNanos) {
        int i = seq & (SIZE - 1);
        byte[] slot = packets[i];
        if (slot == null || slot.length < len) {
            slot = new byte[Math.max(len, 1500)];
            packets[i] = slot;
        }
        System.arraycopy(buf, off, slot, 0, len);
        lengths[i] = len;
        sequences[i] = seq;
        arrived[i] = receivedNanos;
    }

    /**
     * A copy of the packet numbered {@code seq} (with tail room for encryption), or null when it is not
     * here or older than {@link #MAX_AGE_NANOS} at {@code now}.
     */
    synchronized PacketBuffer get(int seq, long now) {
        int i = seq & (SIZE - 1);
        if (sequences[i] != seq || now - arrived[i] > MAX_AGE_NANOS) {
            return null;
        }
        byte[] copy = new byte[lengths[i] + PacketBuffer.TAIL_ROOM];
        System.arraycopy(packets[i], 0, copy, 0, lengths[i]);
        return new PacketBuffer(copy, 0, lengths[i]);
    }
}
