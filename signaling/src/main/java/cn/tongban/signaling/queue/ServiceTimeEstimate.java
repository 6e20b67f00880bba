package cn.tongban.signaling.queue;

/**
 * A matter's observed mean service time (seconds a clerk is occupied from the take to the recorded
 * outcome), as the wait estimate uses it. The first sessions give their plain mean (weight 1/n); after
 * that each new session has weight {@link #MIN_WEIGHT}, an exponentially weighted mean in which about
 * the last 40 sessions count: it follows a change of pace within the day, and one odd session does not
 * swing it.
 */
public record ServiceTimeEstimate(double mean, long count) {
    /** The smallest weight of a new observation. */
    public static final double MIN_WEIGHT = 0.05;

    /** No observation yet. */
    public static final ServiceTimeEstimate NONE = new ServiceTimeEstimate(0, 0);

    /** The estimate after one more observed session of {@code seconds}. */
    public ServiceTimeEstimate add(double seconds) {
        long n = count + 1;
        double w = Math.max(1.0 / n, MIN_WEIGHT);
        return new ServiceTimeEstimate(mean + w * (seconds - mean), n);
    }

    /** Observations are clipped to 10 s … 2 h: a mis-click or a forgotten session must not dominate. */
    public static double clip(double seconds) {
        return Math.max(10, Math.min(7200, seconds));
    }
}
