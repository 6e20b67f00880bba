package cn.tongban.signaling.application;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The applicant's signatures between {@code sign_data} and {@code sign_complete}, kept in the cluster (the
 * {@code tongban.sign-pending} map: one synchronous backup, split-brain protection and merge policy like every
 * {@code tongban.*} map, see {@code HazelcastFactory}) under the session id, so that the node that prepared a
 * signature can die and another completes it.
 *
 * <p>An entry is {@link Prepared} (docsign's encoded {@code PreparedSignature}) until the signature is
 * completed, then {@link Completed} (no document, only the SHA-256 of the signature value), so that a
 * {@code sign_complete} sent again — its answer was lost when the connection or the node went — is answered
 * as the success it was. Both expire with the preparation's time to live.
 *
 * <p>Completing is {@linkplain #exclusive exclusive} per session across the cluster (a map lock on the
 * session id, held by the completing thread; Hazelcast releases the locks of a member that leaves, and the
 * lease bounds it anyway), so two {@code sign_complete} for one session — a resend arriving while the
 * first is still being time-stamped — run one after the other: the first completes, the second finds
 * {@link Completed}. The entry is read, not removed, before completing: a node that dies half-way leaves it
 * for the next attempt. The database's conditional update of the application stays the final arbiter.
 */
final class PendingSignatures {
    /** What the map holds for a session. */
    sealed interface Entry permits Prepared, Completed {}

    /** A signature prepared for the applicant's browser key, not completed yet. */
    record Prepared(byte[] encoded, String applicationId, String formSha256, String serial, long expiresAt)
            implements Entry {}

    /** A completed signature: the application it went into and the SHA-256 of the browser's value. */
    record Completed(String applicationId, String serial, String valueSha256) implements Entry {}

    /** How long a second {@code sign_complete} waits for the first to finish. */
    private static final long WAIT_MS = 30_000;
    /** The longest a completion may hold the session (the lock's lease). */
    private static final long LEASE_MS = 120_000;

    private final IMap<String, Entry> map;
    private final long ttlMs;

    PendingSignatures(HazelcastInstance hz, long ttlMs) {
        this.map = hz.getMap("tongban.sign-pending");
        this.ttlMs = ttlMs;
    }

    /** Keeps a new preparation, replacing whatever the session had. */
    void prepared(String sessionId, Prepared p) {
        map.set(sessionId, p, ttlMs, TimeUnit.MILLISECONDS);
    }

    /** Records a completion (call while {@linkplain #exclusive exclusive}). */
    void completed(String sessionId, Completed c) {
        map.set(sessionId, c, ttlMs, TimeUnit.MILLISECONDS);
    }

    /** Drops the session's entry (the application was prepared again, or the preparation is unusable). */
    void forget(String sessionId) {
        map.delete(sessionId);
    }

    /**
     * Runs {@code work} with the session's entry (null when there is none) while no other thread in the
     * cluster does so for this session.
     *
     * @throws ProtocolException {@code WRONG_STATE} when another completion holds the session longer than
     *     {@value #WAIT_MS} ms
     */
    <T> T exclusive(String sessionId, Function<Entry, T> work) {
        boolean locked;
        try {
            locked = map.tryLock(sessionId, WAIT_MS, TimeUnit.MILLISECONDS, LEASE_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.INTERNAL, "interrupted");
        }
        if (!locked) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE, "your signature is still being completed: wait for the answer");
        }
        try {
            return work.apply(map.get(sessionId));
        } finally {
            try {
                map.unlock(sessionId);
            } catch (IllegalMonitorStateException leaseRanOut) {
                // The completion took longer than the lease; the database's conditional update decided.
            }
        }
    }
}
