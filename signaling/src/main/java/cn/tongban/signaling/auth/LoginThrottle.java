package cn.tongban.signaling.auth;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Locks an account for a minute after five failed logins within five minutes, so passwords cannot be
 * guessed online. Per node; a clustered store comes with the database.
 */
public final class LoginThrottle {
    static final int MAX_FAILURES = 5;
    static final long WINDOW_MS = 5 * 60_000;
    static final long LOCK_MS = 60_000;

    private record State(int failures, long firstFailureAt, long lockedUntil) {}

    private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();
    private final Clock clock;

    public LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    /** True when the account is currently locked. */
    public boolean isLocked(String username) {
        State s = states.get(username);
        return s != null && s.lockedUntil() > clock.millis();
    }

    public void recordFailure(String username) {
        long now = clock.millis();
        states.compute(username, (k, s) -> {
            if (s == null || now - s.firstFailureAt() > WINDOW_MS) {
                return new State(1, now, 0);
            }
            int failures = s.failures() + 1;
            return new State(failures, s.firstFailureAt(), failures >= MAX_FAILURES ? now + LOCK_MS : s.lockedUntil());
        });
    }

    public void recordSuccess(String username) {
        states.remove(username);
    }
}
