package cn.tongban.signaling.supervisor;

import cn.tongban.signaling.refdata.RoutingConfig;

/**
 * How long a queue's longest wait may grow before the supervisor's board raises an alert, and the wait a take
 * must stay within to count for the service level, from the reference data: the matter's {@code
 * routing.alertMinutes}, else its overflow threshold ({@code routing.overflowMinutes}), else {@code
 * routing.defaultAlertMinutes} (15 minutes when not set, {@link #DEFAULT_SECONDS}).
 */
public final class AlertThreshold {
    /** Fifteen minutes: {@code routing.defaultAlertMinutes} when the reference data does not set it. */
    public static final int DEFAULT_SECONDS = RoutingConfig.DEFAULT.defaultAlertMinutes() * 60;

    private AlertThreshold() {}

    public static int seconds(RoutingConfig routing, String matterId) {
        return routing.alertThresholdSeconds(matterId);
    }

    /** Whether a queue whose longest wait is {@code longestWaitSeconds} is past its threshold. */
    public static boolean passed(int longestWaitSeconds, int thresholdSeconds) {
        return longestWaitSeconds > thresholdSeconds;
    }
}
