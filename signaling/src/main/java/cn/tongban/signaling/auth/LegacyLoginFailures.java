package cn.tongban.signaling.auth;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * The cluster state of the lock-out that builds before the sign-in throttle ({@link LoginThrottle}) kept
 * in the Hazelcast map {@code tongban.login-failures}: five failures within five minutes locked an account
 * for a minute. This build neither reads nor writes that map; the types stay registered, with their
 * meaning unchanged (docs/cluster.md, rules 1 and 7), because during a rolling upgrade a member of the
 * previous build still sends {@code tongban.login.Failure} to the entry's owner, which may be a member of
 * this build. Remove them once no member of an older build can join.
 */
public final class LegacyLoginFailures {
    static final int MAX_FAILURES = 5;
    static final long WINDOW_MS = 5 * 60_000;
    static final long LOCK_MS = 60_000;

    private LegacyLoginFailures() {}

    /** Failures of one account ({@code tongban.LoginFailures}). */
    public record State(int failures, long firstFailureAt, long lockedUntil) {}

    /** The state after one more failure at {@code now}: the previous build's rule, unchanged. */
    static State afterFailure(State s, long now) {
        if (s == null || now - s.firstFailureAt() > WINDOW_MS) {
            return new State(1, now, s == null ? 0 : s.lockedUntil());
        }
        int failures = s.failures() + 1;
        return new State(failures, s.firstFailureAt(), failures >= MAX_FAILURES ? now + LOCK_MS : s.lockedUntil());
    }

    /** One more failed login at {@code at}, counted on the entry's owner ({@code tongban.login.Failure}). */
    record Failure(long at) implements EntryProcessor<String, State, Void> {
        @Override
        public Void process(Map.Entry<String, State> e) {
            e.setValue(afterFailure(e.getValue(), at));
            return null;
        }
    }
}
