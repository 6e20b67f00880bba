package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void allowsTheBurstThenTheRate() {
        RateLimiter r = new RateLimiter(30, 60, 0);
        int allowed = 0;
        for (int i = 0; i < 100; i++) {
            if (r.tryAcquire(0)) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(60);
        // One second later, 30 more.
        allowed = 0;
        for (int i = 0; i < 100; i++) {
            if (r.tryAcquire(SECOND)) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(30);
        // Idle time never banks more than the burst.
        allowed = 0;
        for (int i = 0; i < 200; i++) {
            if (r.tryAcquire(100 * SECOND)) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(60);
    }
}
