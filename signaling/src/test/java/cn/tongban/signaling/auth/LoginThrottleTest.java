package cn.tongban.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.auth.LoginThrottle.Outcome;
import cn.tongban.signaling.auth.LoginThrottle.Verdict;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.TestDatabase;
import cn.tongban.testkit.MutableClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sign-in throttle on the database (H2 and PostgreSQL), on a clock the test moves: delays that double
 * and are capped, an owner at another address not held up by a guesser, the lock after fifty failures
 * that only {@code unlock} clears, failures from two nodes at once all counted, successes not counted.
 */
class LoginThrottleTest {
    private static final String A = "198.51.100.7";
    private static final String B = "203.0.113.20";

    static Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    @Test
    void delaysDoubleFromOneSecondAndAreCapped() {
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.PAIR, 3)).isZero();
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.PAIR, 4)).isEqualTo(1000);
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.PAIR, 5)).isEqualTo(2000);
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.PAIR, 13)).isEqualTo(512_000);
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.PAIR, 14)).isEqualTo(15 * 60_000);
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.PAIR, 1_000_000)).isEqualTo(15 * 60_000);
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.ADDRESS, 10)).isZero();
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.ADDRESS, 11)).isEqualTo(1000);
        // Guessing from anywhere costs the owner at most half a minute.
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.ACCOUNT, 10)).isZero();
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.ACCOUNT, 15)).isEqualTo(16_000);
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.ACCOUNT, 16)).isEqualTo(30_000);
        assertThat(LoginThrottle.delayMs(LoginThrottle.Kind.ACCOUNT, 1_000_000)).isEqualTo(30_000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void eachFailureDoublesTheWaitOfItsAddressUpToFifteenMinutes(String kind, @TempDir Path dir) {
        MutableClock clock = new MutableClock();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            LoginThrottle throttle = new LoginThrottle(db.dataSource(), clock);
            // Three free failures.
            for (int i = 0; i < 3; i++) {
                assertThat(throttle.attempt("gulou01", A).outcome()).isEqualTo(Outcome.ALLOWED);
                throttle.recordFailure("gulou01", A);
            }
            assertThat(throttle.attempt("gulou01", A).outcome()).isEqualTo(Outcome.ALLOWED);
            throttle.recordFailure("gulou01", A);
            // From the fourth on, each failure doubles the wait before the next attempt is checked.
            List<Long> waits = new ArrayList<>();
            for (int n = 4; n <= 16; n++) {
                Verdict v = throttle.attempt("gulou01", A);
                assertThat(v.outcome()).isEqualTo(Outcome.THROTTLED);
                waits.add(v.retryAfterMs());
                // Refused attempts are not counted: asking again at once gets the same wait.
                assertThat(throttle.attempt("gulou01", A).retryAfterMs()).isEqualTo(v.retryAfterMs());
                clock.advance(v.retryAfterMs() - 1);
                assertThat(throttle.attempt("gulou01", A).outcome()).isEqualTo(Outcome.THROTTLED);
                clock.advance(1);
                assertThat(throttle.attempt("gulou01", A).outcome()).isEqualTo(Outcome.ALLOWED);
                throttle.recordFailure("gulou01", A);
            }
            assertThat(waits)
                    .containsExactly(
                            1000L, 2000L, 4000L, 8000L, 16_000L, 32_000L, 64_000L, 128_000L, 256_000L, 512_000L,
                            900_000L, 900_000L, 900_000L);
            assertThat(throttle.attempt("gulou01", A).retryAfterSeconds()).isEqualTo(900);

            // An hour without failures and the counts start again.
            clock.advance(LoginThrottle.FORGET_MS + 1);
            for (int i = 0; i < 4; i++) {
                assertThat(throttle.attempt("gulou01", A).outcome()).isEqualTo(Outcome.ALLOWED);
                throttle.recordFailure("gulou01", A);
            }
            assertThat(throttle.attempt("gulou01", A).retryAfterMs()).isEqualTo(1000);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void theOwnerAtAnotherAddressIsNotHeldUpByAGuesser(String kind, @TempDir Path dir) {
        MutableClock clock = new MutableClock();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            LoginThrottle throttle = new LoginThrottle(db.dataSource(), clock);
            // Nine wrong guesses from A, as fast as A is let through.
            for (int i = 0; i < 9; i++) {
                failAfterWaiting(throttle, clock, "wujin01", A);
            }
            assertThat(throttle.attempt("wujin01", A).outcome()).isEqualTo(Outcome.THROTTLED);
            // The owner at B is checked at once, and the success clears the account's count.
            assertThat(throttle.attempt("wujin01", B).outcome()).isEqualTo(Outcome.ALLOWED);
            throttle.recordSuccess("wujin01", B);
            // ... while A still waits.
            assertThat(throttle.attempt("wujin01", A).outcome()).isEqualTo(Outcome.THROTTLED);

            // Guessing spread over forty addresses: the owner waits at most the account's half minute.
            for (int i = 0; i < 40; i++) {
                failAfterWaiting(throttle, clock, "wujin01", "192.0.2." + i);
            }
            Verdict owner = throttle.attempt("wujin01", B);
            assertThat(owner.outcome()).isEqualTo(Outcome.THROTTLED);
            assertThat(owner.retryAfterMs()).isLessThanOrEqualTo(30_000);
            clock.advance(owner.retryAfterMs());
            assertThat(throttle.attempt("wujin01", B).outcome()).isEqualTo(Outcome.ALLOWED);
            throttle.recordSuccess("wujin01", B);
            assertThat(throttle.attempt("wujin01", "192.0.2.77").outcome())
                    .as("the success cleared the account's wait")
                    .isEqualTo(Outcome.ALLOWED);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void fiftyFailuresInARowLockTheAccountUntilAnOperatorUnlocksIt(String kind, @TempDir Path dir) {
        MutableClock clock = new MutableClock();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            LoginThrottle throttle = new LoginThrottle(db.dataSource(), clock);
            for (int i = 0; i < LoginThrottle.LOCK_AFTER - 1; i++) {
                assertThat(failAfterWaiting(throttle, clock, "xinbei01", "192.0.2." + i))
                        .isFalse();
            }
            assertThat(throttle.isLocked("xinbei01")).isFalse();
            assertThat(failAfterWaiting(throttle, clock, "xinbei01", "192.0.2.200"))
                    .as("the fiftieth failure locks")
                    .isTrue();
            assertThat(throttle.isLocked("xinbei01")).isTrue();
            assertThat(throttle.attempt("xinbei01", B).outcome()).isEqualTo(Outcome.LOCKED);
            // Time does not clear it.
            clock.advance(24 * 3_600_000L);
            assertThat(throttle.attempt("xinbei01", "192.0.2.250").outcome()).isEqualTo(Outcome.LOCKED);
            assertThat(throttle.attempt("wujin01", B).outcome())
                    .as("other accounts")
                    .isEqualTo(Outcome.ALLOWED);

            assertThat(throttle.unlock("xinbei01")).isTrue();
            assertThat(throttle.isLocked("xinbei01")).isFalse();
            assertThat(throttle.attempt("xinbei01", B).outcome()).isEqualTo(Outcome.ALLOWED);
            assertThat(throttle.unlock("xinbei01")).as("not locked any more").isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void failuresOnTwoNodesAtOnceAreAllCounted(String kind, @TempDir Path dir) throws Exception {
        MutableClock clock = new MutableClock();
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database node1 = tdb.open();
                Database node2 = tdb.open()) {
            LoginThrottle a = new LoginThrottle(node1.dataSource(), clock);
            LoginThrottle b = new LoginThrottle(node2.dataSource(), clock);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> failures = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    LoginThrottle t = i % 2 == 0 ? a : b;
                    failures.add(pool.submit(() -> t.recordFailure("race", A)));
                }
                for (Future<Boolean> f : failures) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isFalse();
                }
            } finally {
                pool.shutdownNow();
            }
            // Twelve failures of the pair (a lost one would halve the wait), of the account (seen from an
            // address never used) and of the address (seen for another account).
            assertThat(a.attempt("race", A).retryAfterMs()).isEqualTo(256_000);
            assertThat(b.attempt("race", B).retryAfterMs()).isEqualTo(2000);
            assertThat(b.attempt("other", A).retryAfterMs()).isEqualTo(2000);
            assertThat(a.attempt("other", B).outcome()).isEqualTo(Outcome.ALLOWED);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void manySuccessfulSignInsFromOneAddressHoldNobodyUp(String kind, @TempDir Path dir) {
        MutableClock clock = new MutableClock();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            LoginThrottle throttle = new LoginThrottle(db.dataSource(), clock);
            // A hall behind one NAT at the start of the day: everyone signs in, two mistype once.
            failAfterWaiting(throttle, clock, "clerk-typo-1", A);
            failAfterWaiting(throttle, clock, "clerk-typo-2", A);
            for (int i = 0; i < 100; i++) {
                assertThat(throttle.attempt("clerk" + i, A).outcome()).isEqualTo(Outcome.ALLOWED);
                throttle.recordSuccess("clerk" + i, A);
            }
            assertThat(throttle.attempt("clerk-typo-1", A).outcome()).isEqualTo(Outcome.ALLOWED);
        }
    }

    /**
     * Waits (on the test's clock) for as long as the throttle asks, then counts one failure; returns
     * whether it locked the account.
     */
    private static boolean failAfterWaiting(LoginThrottle throttle, MutableClock clock, String user, String address) {
        Verdict v = throttle.attempt(user, address);
        while (v.outcome() == Outcome.THROTTLED) {
            clock.advance(v.retryAfterMs());
            v = throttle.attempt(user, address);
        }
        assertThat(v.outcome()).isEqualTo(Outcome.ALLOWED);
        return throttle.recordFailure(user, address);
    }
}
