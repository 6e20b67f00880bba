package cn.tongban.signaling.health;

import java.time.Duration;

/**
 * One thing a node needs in order to serve, checked in the background by {@link Readiness} and reported in
 * {@code /health} and as the gauge {@code tongban_health_check}.
 *
 * <p>A check may block (it runs on a readiness thread, never on an event loop) but should return within a
 * few seconds: one that has not answered by the deadline counts as its {@link #timeoutLevel()} for that round,
 * and its answer, when it comes, is recorded then.
 */
public interface HealthCheck {

    /** How bad a finding is; the order matters (the node's status is its worst check's). */
    enum Level {
        /** Fine. */
        OK,
        /** Serving fully, but someone should act soon (a certificate expires within weeks, disk filling). */
        WARN,
        /** Serving, but a feature is off until an operator acts (no font: no signing; no ffmpeg: no recording). */
        DEGRADED,
        /** The node should not receive clients (database unreachable, disk full): {@code /health} answers 503. */
        DOWN;

        /** The gauge's value: 0 OK, 1 WARN, 2 DEGRADED, 3 DOWN. */
        public int gauge() {
            return ordinal();
        }
    }

    /** A check's finding: its level and a sentence an operator can act on (never personal data or secrets). */
    record Result(Level level, String detail) {
        public static Result ok(String detail) {
            return new Result(Level.OK, detail);
        }
    }

    /** The name in {@code /health}'s {@code checks} and in the gauge's {@code check} tag. */
    String name();

    /** How often the check runs; cheap checks often, ones that start a process or parse a font seldom. */
    Duration period();

    /** Checks once. An exception counts as {@link #timeoutLevel()} with its message. */
    Result check() throws Exception;

    /**
     * What a round that throws or misses the deadline counts as: DOWN for what the node cannot serve without
     * (the database, the disk), the check's own worst finding for the rest (a slow font parse on a loaded host
     * must not take the node out of its load balancer).
     */
    default Level timeoutLevel() {
        return Level.DOWN;
    }
}
