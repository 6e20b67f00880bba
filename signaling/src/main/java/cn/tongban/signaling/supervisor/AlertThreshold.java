package cn.tongban.signaling.supervisor;

import cn.tongban.signaling.refdata.RoutingConfig;

/**
 * How long a queue's longest wait may grow before the supervisor's board raises an alert, and the wait a take
 * must stay within to count for the service level: the matter's overflow threshold from the reference data
 * ({@code routing.overflowMinutes}) when it has one, else {@link #DEFAULT_SECONDS}.
 */
public final class AlertThreshold {
    /** Fifteen minutes: the threshold of a matter without an overflow threshold. */
    public static final int DEFAULT_SECONDS = 15 * 60;

    private AlertThreshold() {}

    public static int seconds(RoutingConfig routing, String matterId) {
        return (int) routing.overflowThresholdSeconds(matterId).orElse(DEFAULT_SECONDS);
    }

    /** Whether a queue whose longest wait is {@code longestWaitSeconds} is past its threshold. */
    public static boolean passed(int longestWaitSeconds, int thresholdSeconds) {
        return longestWaitSeconds > thresholdSeconds;
    }
}
