package cn.tongban.signaling.ws;

/** A token bucket: {@code ratePerSecond} sustained, {@code burst} at once. Not thread-safe (one per connection). */
final class RateLimiter {
    private final double ratePerSecond;
    private final double burst;
    private double tokens;
    private long last;

    RateLimiter(int ratePerSecond, int burst, long nowNanos) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.tokens = burst;
        this.last = nowNanos;
    }

    boolean tryAcquire(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - last) * ratePerSecond / 1e9);
        last = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
