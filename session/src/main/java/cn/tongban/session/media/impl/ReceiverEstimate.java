package cn.tongban.session.media.impl;

/**
 * What one participant can receive, from the REMB reports its browser sends about everything it receives
 * through the bridge (draft-alvestrand-rmcat-remb; Chromium's receive-side, delay-based estimate, sent when
 * goog-remb is negotiated and transport-cc is not).
 *
 * <p>Smoothed against outliers: the estimate is the median of the last three reports (of two, the higher),
 * so one stray low or high report changes nothing and a real drop counts from its second report (Chromium
 * reports a decrease at once and at least every second). Reports older than {@link #STALE_NANOS} do not
 * count: a receiver that stopped reporting (left, frozen, cut off) stops holding its senders down.
 *
 * <p>The estimate holds the senders down only while the receiver is <em>congested</em> ({@link #limit}):
 * Chromium's estimator reports about 1.5 times what it receives while it sees no queue building (it may
 * grow only so fast), and 0.85 times what it receives when it sees one. A receiver that reports less than
 * the bridge forwards to it is congested; it stays so until it reports well above that ({@link
 * #RELEASE_RATIO}), which happens only when its senders do not use what it allows — they are limited by
 * their content, not by this receiver — so a static shared screen that starts scrolling may at once use
 * the ceiling instead of growing by 8 % a second behind an estimate that only tracks what it sent.
 *
 * <p>Written by the receiver's forwarding worker ({@link #onRemb}), read by the RTCP timer.
 */
final class ReceiverEstimate {
    /** A receiver that has not reported for this long stops counting. */
    static final long STALE_NANOS = 3_000_000_000L;

    /** Reporting this much more than it receives, a congested receiver is no longer held to be. */
    static final double RELEASE_RATIO = 1.3;

    private static final int KEPT = 3;
    private final long[] bitrates = new long[KEPT];
    private final long[] times = new long[KEPT];
    private int count;
    private int next;
    private boolean congested;

    /** Records a REMB of {@code bitsPerSecond} received at {@code nowNanos}. */
    synchronized void onRemb(long bitsPerSecond, long nowNanos) {
        bitrates[next] = bitsPerSecond;
        times[next] = nowNanos;
        next = (next + 1) % KEPT;
        count = Math.min(KEPT, count + 1);
    }

    /** The smoothed estimate in bits per second, or -1 when the receiver has no recent report. */
    synchronized long bitsPerSecond(long nowNanos) {
        long[] recent = new long[KEPT];
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (nowNanos - times[i] <= STALE_NANOS) {
                recent[n++] = bitrates[i];
            }
        }
        return switch (n) {
            case 0 -> -1;
            case 1 -> recent[0];
            case 2 -> Math.max(recent[0], recent[1]);
            default -> median(recent[0], recent[1], recent[2]);
        };
    }

    /**
     * What this receiver allows for all the video it receives, bits per second, or -1 when it does not
     * limit it (not congested, or no recent report); called once per report round.
     *
     * @param forwarded the bitrate of the video the bridge now forwards to this receiver
     */
    synchronized long limit(long nowNanos, long forwarded) {
        long estimate = bitsPerSecond(nowNanos);
        if (estimate < 0) {
            congested = false;
            return -1;
        }
        if (estimate < forwarded) {
            congested = true;
        } else if (estimate > RELEASE_RATIO * forwarded) {
            congested = false;
        }
        return congested ? estimate : -1;
    }

    private static long median(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
