package cn.tongban.signaling.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which of a clerk's session tokens are still valid: every token carries the <em>generation</em> it was
 * issued in, and revoking raises the clerk's generation, so that every earlier token is refused. In the
 * server the generations live in the database ({@link JdbcTokenRevocations}), read on every check, so a
 * sign-out or a password change on one node holds on all at once.
 */
public interface TokenRevocations {
    /** The clerk's current generation: 0 until the first revocation. */
    long generation(String clerkId);

    /** Revokes every token issued to the clerk so far. */
    void revoke(String clerkId);

    /** Generations of this process alone (tests). */
    static TokenRevocations inMemory() {
        Map<String, Long> generations = new ConcurrentHashMap<>();
        return new TokenRevocations() {
            @Override
            public long generation(String clerkId) {
                return generations.getOrDefault(clerkId, 0L);
            }

            @Override
            public void revoke(String clerkId) {
                generations.merge(clerkId, 1L, Long::sum);
            }
        };
    }
}
