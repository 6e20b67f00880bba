package cn.tongban.session.media.impl;

import java.util.concurrent.atomic.LongAdder;

/**
 * The bitrate of one uploaded track as the bridge forwards it: bytes are added by the sender's forwarding
 * worker, and the RTCP timer turns them into a rate once per report interval ({@link #sample}), smoothed
 * over two intervals so a keyframe does not swing it.
 */
final class BitrateMeter {
    private final LongAdder bytes = new LongAdder();
    private long lastBytes;
    private long lastNanos;
    private volatile long bitsPerSecond;

    void add(int length) {
        bytes.add(length);
    }

    /** Called by one thread (the RTCP timer) at every report round. */
    void sample(long nowNanos) {
        long b = bytes.sum();
        if (lastNanos != 0 && nowNanos > lastNanos) {
            long rate = (long) ((b - lastBytes) * 8e9 / (nowNanos - lastNanos));
            bitsPerSecond = (bitsPerSecond + rate) / 2;
        }
        lastBytes = b;
        lastNanos = nowNanos;
    }

    /** The forwarded rate at the last sample, bits per second. */
    long bitsPerSecond() {
        return bitsPerSecond;
    }
}
