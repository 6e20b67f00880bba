package cn.tongban.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Waits on a condition instead of sleeping for a guessed time: polls until the condition holds and fails
 * with what was last seen when it does not within the timeout. Exceptions thrown while polling count as
 * "not yet" (a server still starting, a member not yet joined) and the last one is kept as the cause.
 */
public final class Await {
    private static final long POLL_MILLIS = 50;

    private Await() {}

    /** Waits until {@code condition} returns true. */
    public static void until(String what, Duration timeout, Callable<Boolean> condition) {
        value(what, timeout, condition, Boolean.TRUE::equals);
    }

    /**
     * Waits until {@code supplier} returns a value that {@code accept} accepts, and returns it; the message
     * of a timeout names {@code what} and the last value seen.
     */
    public static <T> T value(String what, Duration timeout, Callable<T> supplier, Predicate<? super T> accept) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        Throwable lastError = null;
        while (true) {
            try {
                last = supplier.call();
                lastError = null;
                if (accept.test(last)) {
                    return last;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            } catch (Exception | AssertionError e) {
                lastError = e;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(
                        "not within " + timeout.toMillis() + " ms: " + what + " (last seen: "
                                + (lastError != null ? lastError : last) + ")",
                        lastError);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
