package cn.tongban.signaling.auth;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Locks an account for a minute after five failed logins within five minutes, so passwords cannot be
 * guessed online. The counts live in a map the caller provides: in the server a Hazelcast map, so the
 * limit holds for the whole cluster (five tries in all, not five per node).
 */
public final class LoginThrottle {
    static final int MAX_FAILURES = 5;
    static final long WINDOW_MS = 5 * 60_000;
    static final long LOCK_MS = 60_000;

    /** Failures of one account; stored in the (possibly cluster-wide) map ({@link AuthSchema}). */
    public record State(int failures, long firstFailureAt, long lockedUntil) {}

    private final ConcurrentMap<String, State> states;
    private final Clock clock;

    /** A throttle for this process alone. */
    public LoginThrottle(Clock clock) {
        this(new ConcurrentHashMap<>(), clock);
    }

    /** A throttle over {@code states}, which may be shared by several nodes (e.g. a Hazelcast IMap). */
    public LoginThrottle(ConcurrentMap<String, State> states, Clock clock) {
        this.states = states;
        this.clock = clock;
    }

    /** True when the account is currently locked. */
    public boolean isLocked(String username) {
        State s = states.get(username);
        return s != null && s.lockedUntil() > clock.millis();
    }

    public void recordFailure(String username) {
        long now = clock.millis();
        // Atomic per account, so concurrent failures on several nodes all count: on the entry's owner in
        // the cluster (not a compare-and-set: replace(key, old, new) compares serialized bytes, so it fails
        // on an entry a member of another build wrote, RollingUpgradeTest), or in the local map.
        if (states instanceof IMap<String, State> cluster) {
            cluster.executeOnKey(username, new Failure(now));
        } else {
            states.compute(username, (k, s) -> afterFailure(s, now));
        }
    }

    public void recordSuccess(String username) {
        states.remove(username);
    }

    /** The state after one more failure at {@code now}. */
    static State afterFailure(State s, long now) {
        if (s == null || now - s.firstFailureAt() > WINDOW_MS) {
            return new State(1, now, s == null ? 0 : s.lockedUntil());
        }
        int failures = s.failures() + 1;
        return new State(failures, s.firstFailureAt(), failures >= MAX_FAILURES ? now + LOCK_MS : s.lockedUntil());
    }

    /** One more failed login at {@code at}, counted on the entry's owner. */
    record Failure(long at) implements EntryProcessor<String, State, Void> {
        @Override
        public Void process(Map.Entry<String, State> e) {
            e.setValue(afterFailure(e.getValue(), at));
            return null;
        }
    }
}
