package cn.tongban.session.media.impl;

/**
 * A one-second fixed-window packet budget per participant. Coarse on purpose: it exists to stop one
 * flooding address from starving the shared receive thread, not to shape traffic.
 */
final class RateLimiter {
    private final int perSecond;
    private long windowStart;
    private int count;

    RateLimiter(int perSecond) {
        this.perSecond = perSecond;
    }

    synchronized boolean tryAcquire(long nowNanos) {
        if (nowNanos - windowStart >= 1_000_000_000L) {
            windowStart = nowNanos;
            count = 0;
        }
        return ++count <= perSecond;
    }
}
