package cn.tongban.session.media.pipeline;

import cn.tongban.session.media.srtp.PacketBuffer;

/**
 * A packet moving through a pipeline: the bytes (in a {@link PacketBuffer}, decrypted in place) plus what
 * earlier nodes learned about it. One instance belongs to one thread at a time.
 */
public final class PacketInfo {
    private final PacketBuffer packet;
    private final long receivedNanos;
    private long ssrc = -1;
    private int sequenceNumber = -1;
    private long rtpTimestamp = -1;

    public PacketInfo(PacketBuffer packet, long receivedNanos) {
        this.packet = packet;
        this.receivedNanos = receivedNanos;
    }

    public PacketBuffer packet() {
        return packet;
    }

    public byte[] buffer() {
        return packet.getBuffer();
    }

    public int offset() {
        return packet.getOffset();
    }

    public int length() {
        return packet.getLength();
    }

    /** {@link System#nanoTime()} when the datagram arrived, for latency measurement. */
    public long receivedNanos() {
        return receivedNanos;
    }

    public long ssrc() {
        return ssrc;
    }

    public void setSsrc(long ssrc) {
        this.ssrc = ssrc;
    }

    /** The RTP header fields a parsing node stored, so later nodes need not parse again. */
    public void setRtpHeader(long ssrc, int sequenceNumber, long rtpTimestamp) {
        this.ssrc = ssrc;
        this.sequenceNumber = sequenceNumber;
        this.rtpTimestamp = rtpTimestamp;
    }

    public int sequenceNumber() {
        return sequenceNumber;
    }

    public long rtpTimestamp() {
        return rtpTimestamp;
    }
}
