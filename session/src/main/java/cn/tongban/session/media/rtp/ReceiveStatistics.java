package cn.tongban.session.media.rtp;

/**
 * Reception statistics of one RTP source, enough to fill a report block (RFC 3550 section 6.4.1 and
 * appendix A.3 for loss, A.8 for jitter). Not thread-safe: one receive thread updates it, the report
 * timer reads it under the same lock the caller holds.
 */
public final class ReceiveStatistics {
    private final long ssrc;
    private final int clockRate;
    private boolean started;
    private int baseSeq;
    private int maxSeq;
    private int cycles;
    private long received;
    private long expectedPrior;
    private long receivedPrior;
    private double jitter;
    private long lastTransit;
    private long lastSrMiddle;
    private long lastSrArrivalNanos;

    public ReceiveStatistics(long ssrc, int clockRate) {
        this.ssrc = ssrc;
        this.clockRate = clockRate;
    }

    /** Records one packet; {@code arrivalNanos} comes from a monotonic clock. */
    public synchronized void onPacket(int seq, long rtpTimestamp, long arrivalNanos) {
        if (!started) {
            started = true;
            baseSeq = seq;
            maxSeq = seq;
        } else {
            int delta = (seq - maxSeq) & 0xffff;
            if (delta < 0x8000) {
                if (seq < maxSeq) {
                    cycles += 0x10000;
                }
                maxSeq = seq;
            }
        }
        received++;
        long arrival = arrivalNanos * clockRate / 1_000_000_000L;
        long transit = arrival - rtpTimestamp;
        if (received > 1) {
            long d = Math.abs(transit - lastTransit);
            jitter += (d - jitter) / 16.0;
        }
        lastTransit = transit;
    }

    /** Records an SR from this source, echoed as LSR/DLSR. */
    public synchronized void onSenderReport(long ntpMiddle, long arrivalNanos) {
        lastSrMiddle = ntpMiddle;
        lastSrArrivalNanos = arrivalNanos;
    }

    public synchronized boolean hasData() {
        return started;
    }

    /** Builds a report block and starts a new reporting interval. */
    public synchronized ReportBlock report(long nowNanos) {
        long extendedMax = cycles + maxSeq;
        long expected = extendedMax - baseSeq + 1;
        long lost = expected - received;
        long expectedInterval = expected - expectedPrior;
        long receivedInterval = received - receivedPrior;
        expectedPrior = expected;
        receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        int fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : (int) ((lostInterval << 8) / expectedInterval);
        long dlsr = lastSrArrivalNanos == 0 ? 0 : (nowNanos - lastSrArrivalNanos) * 65536L / 1_000_000_000L;
        return new ReportBlock(
                ssrc,
                Math.min(255, fraction),
                (int) lost,
                extendedMax & 0xffffffffL,
                (long) jitter,
                lastSrMiddle,
                lastSrMiddle == 0 ? 0 : dlsr);
    }

    public synchronized long packetsReceived() {
        return received;
    }
}
