package cn.tongban.session.media.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The smoothing, staleness and congestion rules of a receiver's REMB. */
class ReceiverEstimateTest {
    private static final long S = 1_000_000_000L;

    @Test
    void oneOutlierDoesNotMoveTheEstimateButTwoReportsDo() {
        ReceiverEstimate e = new ReceiverEstimate();
        assertThat(e.bitsPerSecond(0)).isEqualTo(-1);
        e.onRemb(1_000_000, 0);
        e.onRemb(1_000_000, S / 5);
        e.onRemb(50_000, 2 * S / 5); // a stray low report
        assertThat(e.bitsPerSecond(2 * S / 5)).isEqualTo(1_000_000);
        e.onRemb(3_000_000, 3 * S / 5); // and a stray high one
        assertThat(e.bitsPerSecond(3 * S / 5)).isEqualTo(1_000_000);
        e.onRemb(300_000, 4 * S / 5);
        e.onRemb(290_000, S); // a real drop: two reports in a row
        assertThat(e.bitsPerSecond(S)).isEqualTo(300_000);
    }

    @Test
    void aReceiverThatStoppedReportingStopsCounting() {
        ReceiverEstimate e = new ReceiverEstimate();
        e.onRemb(200_000, 0);
        e.onRemb(200_000, S / 2);
        assertThat(e.bitsPerSecond(S / 2 + ReceiverEstimate.STALE_NANOS)).isEqualTo(200_000);
        assertThat(e.bitsPerSecond(S / 2 + ReceiverEstimate.STALE_NANOS + 1)).isEqualTo(-1);
        assertThat(e.limit(S / 2 + ReceiverEstimate.STALE_NANOS + 1, 1_000_000)).isEqualTo(-1);
    }

    @Test
    void onlyACongestedReceiverLimitsAndItStaysSoUntilItReportsWellAboveWhatItGets() {
        ReceiverEstimate e = new ReceiverEstimate();
        // Reports 1.5 times what it gets: content-limited senders, no limit.
        e.onRemb(1_500_000, 0);
        assertThat(e.limit(0, 1_000_000)).isEqualTo(-1);
        // Reports less than it gets: congested, the estimate is the limit.
        e.onRemb(800_000, S / 2);
        e.onRemb(800_000, S);
        assertThat(e.limit(S, 1_000_000)).isEqualTo(800_000);
        // The senders slowed to the limit; the receiver's estimate creeps up: still limited.
        e.onRemb(880_000, 2 * S);
        e.onRemb(880_000, 2 * S + S / 2);
        assertThat(e.limit(2 * S + S / 2, 800_000)).isEqualTo(880_000);
        // The senders do not use what it allows any more: released.
        e.onRemb(1_200_000, 3 * S);
        e.onRemb(1_200_000, 3 * S + S / 2);
        assertThat(e.limit(3 * S + S / 2, 850_000)).isEqualTo(-1);
    }
}
