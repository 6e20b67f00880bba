package cn.tongban.signaling.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.TestDatabase;
import cn.tongban.testkit.MutableClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mobile verification on the database (H2 and PostgreSQL), on a clock the test moves, attacked the way an
 * abuser would: guessing codes, asking for codes in a loop for one number or from one address, replaying
 * or forging challenges and tokens, racing requests on one number; and a gateway that fails.
 */
class MobileVerificationTest {
    private static final String MOBILE = "13812345678";
    private static final String OTHER = "13987654321";
    private static final String HOME = "198.51.100.7";
    private static final byte[] KEY =
            "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    static Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    /** The SMS service at the interface's edge: keeps what it was asked to send, or fails when told to. */
    static final class Outbox implements SmsGateway {
        final List<Message> sent = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean down = new AtomicBoolean();

        @Override
        public void send(Message message) throws SmsException {
            if (down.get()) {
                throw new SmsException("service unavailable");
            }
            sent.add(message);
        }

        @Override
        public String describe() {
            return "test outbox";
        }

        String lastCode() {
            return sent.get(sent.size() - 1).code();
        }
    }

    private static MobileVerification service(
            Database db, Outbox sms, MutableClock clock, MobileVerification.Policy policy) {
        return new MobileVerification(
                KEY, db.dataSource(), sms, new ProofOfWork(KEY, 8, db.dataSource(), clock), policy, clock);
    }

    private static MobileVerification service(Database db, Outbox sms, MutableClock clock) {
        return service(db, sms, clock, new MobileVerification.Policy(1000, 1000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aConfirmedCodeGivesATokenGoodForThatNumberOnlyAndForHalfAnHour(String kind, @TempDir Path dir)
            throws Exception {
        MutableClock clock = new MutableClock();
        Outbox sms = new Outbox();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            MobileVerification v = service(db, sms, clock);
            MobileVerification.Sent sent = v.requestCode(MOBILE, HOME, null, null);
            assertThat(sent.resendAfterSeconds()).isEqualTo(60);
            assertThat(sent.validSeconds()).isEqualTo(300);
            assertThat(sms.sent).hasSize(1);
            SmsGateway.Message m = sms.sent.get(0);
            assertThat(m.mobile()).isEqualTo(MOBILE);
            assertThat(m.code()).matches("\\d{6}");
            assertThat(m.text()).contains(m.code()).contains("5 分钟");
            // Neither the number nor the code is kept in the clear.
            assertThat(TestDatabase.everyValue(db)).noneMatch(s -> s.contains(MOBILE) || s.contains(m.code()));

            String token = v.confirm(MOBILE, m.code()).mobileToken();
            v.check(token, MOBILE);
            assertNotVerified(() -> v.check(token, OTHER));
            assertNotVerified(() -> v.check(null, MOBILE));
            assertNotVerified(() -> v.check("m1.99999999999999.AAAA", MOBILE));
            char last = token.charAt(token.length() - 1);
            assertNotVerified(
                    () -> v.check(token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A'), MOBILE));
            // A longer life written into the token breaks its MAC.
            assertNotVerified(() -> v.check(token.replaceFirst("^m1\\.\\d+", "m1.99999999999999"), MOBILE));
            // A key of another installation signs nothing here.
            MobileVerification elsewhere = new MobileVerification(
                    "another-installation-key-0123456".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    db.dataSource(),
                    sms,
                    new ProofOfWork(KEY, 8, db.dataSource(), clock),
                    new MobileVerification.Policy(1000, 1000),
                    clock);
            assertNotVerified(() -> elsewhere.check(token, MOBILE));

            // The code is used up.
            assertFailed(() -> v.confirm(MOBILE, m.code()), "no_code");
            clock.advance(29 * 60_000);
            v.check(token, MOBILE);
            clock.advance(2 * 60_000);
            assertNotVerified(() -> v.check(token, MOBILE));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void fiveWrongTriesVoidTheCodeAndAnOldCodeExpires(String kind, @TempDir Path dir) throws Exception {
        MutableClock clock = new MutableClock();
        Outbox sms = new Outbox();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            MobileVerification v = service(db, sms, clock);
            v.requestCode(MOBILE, HOME, null, null);
            String right = sms.lastCode();
            String wrong = right.equals("000000") ? "000001" : "000000";
            for (int i = 1; i <= 4; i++) {
                VerificationException e = assertFailed(() -> v.confirm(MOBILE, wrong), "wrong");
                assertThat(e.getMessage()).contains((5 - i) + " tries left");
            }
            assertFailed(() -> v.confirm(MOBILE, wrong), "exhausted");
            // The right code no longer helps: a guesser gets five tries per code sent.
            assertFailed(() -> v.confirm(MOBILE, right), "no_code");

            clock.advance(61_000);
            v.requestCode(MOBILE, HOME, null, null);
            String next = sms.lastCode();
            clock.advance(5 * 60_000);
            assertFailed(() -> v.confirm(MOBILE, next), "expired");
            assertFailed(() -> v.confirm(MOBILE, next), "no_code");

            assertThatThrownBy(() -> v.confirm(MOBILE, "12345"))
                    .isInstanceOfSatisfying(
                            ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
            assertThatThrownBy(() -> v.requestCode("23812345678", HOME, null, null))
                    .isInstanceOfSatisfying(
                            ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void oneNumberGetsACodeAMinuteFiveAnHourAndTenADay(String kind, @TempDir Path dir) throws Exception {
        MutableClock clock = new MutableClock();
        Outbox sms = new Outbox();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            MobileVerification v = service(db, sms, clock);
            v.requestCode(MOBILE, HOME, null, null);
            clock.advance(30_000);
            VerificationException soon = refused(() -> v.requestCode(MOBILE, "203.0.113.9", null, null));
            assertThat(soon.code()).isEqualTo(ErrorCode.VERIFY_TOO_SOON);
            assertThat(soon.retryAfterSeconds()).isEqualTo(30);
            // Another number is not held up.
            v.requestCode(OTHER, HOME, null, null);
            for (int i = 2; i <= 5; i++) {
                clock.advance(61_000);
                v.requestCode(MOBILE, HOME, null, null);
            }
            clock.advance(61_000);
            VerificationException hour = refused(() -> v.requestCode(MOBILE, HOME, null, null));
            assertThat(hour.code()).isEqualTo(ErrorCode.VERIFY_LIMIT);
            assertThat(hour.reason()).isEqualTo("number");
            assertThat(hour.retryAfterSeconds()).isBetween(1L, 3600L);
            assertThat(sms.sent.stream().filter(m -> m.mobile().equals(MOBILE))).hasSize(5);

            clock.advance(hour.retryAfterSeconds() * 1000);
            for (int i = 6; i <= 10; i++) {
                v.requestCode(MOBILE, HOME, null, null);
                clock.advance(61_000);
            }
            VerificationException day = refused(() -> v.requestCode(MOBILE, HOME, null, null));
            assertThat(day.code()).isEqualTo(ErrorCode.VERIFY_LIMIT);
            clock.advance(2 * 3_600_000);
            assertThat(refused(() -> v.requestCode(MOBILE, HOME, null, null)).code())
                    .isEqualTo(ErrorCode.VERIFY_LIMIT);
            clock.advance(day.retryAfterSeconds() * 1000);
            v.requestCode(MOBILE, HOME, null, null);
            assertThat(sms.sent.stream().filter(m -> m.mobile().equals(MOBILE))).hasSize(11);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void anAddressBeyondItsFreeCodesSolvesAChallengeEachTimeAndIsCappedPerHour(String kind, @TempDir Path dir)
            throws Exception {
        MutableClock clock = new MutableClock();
        Outbox sms = new Outbox();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            MobileVerification v = service(db, sms, clock, new MobileVerification.Policy(2, 4));
            v.requestCode("13800000001", HOME, null, null);
            v.requestCode("13800000002", HOME, null, null);
            VerificationException asked = refused(() -> v.requestCode("13800000003", HOME, null, null));
            assertThat(asked.code()).isEqualTo(ErrorCode.CHALLENGE_REQUIRED);
            ProofOfWork.Challenge challenge = asked.challenge();
            assertThat(challenge.bits()).isEqualTo(8);
            String nonce = ProofOfWork.solve(challenge);

            // A nonce that does not solve it, a challenge with its difficulty lowered, one of another key.
            long n = Long.parseLong(nonce) + 1;
            while (ProofOfWork.leadingZeroBits(ProofOfWork.sha256(challenge.challenge() + ":" + n)) >= 8) {
                n++;
            }
            String bad = Long.toString(n);
            assertInvalidChallenge(() -> v.requestCode("13800000003", HOME, challenge.challenge(), bad));
            String easier = challenge.challenge().replaceFirst("^(v1\\.\\d+)\\.8\\.", "$1.1.");
            assertInvalidChallenge(() -> v.requestCode("13800000003", HOME, easier, "0"));
            ProofOfWork.Challenge foreign = new ProofOfWork(
                            "another-key-0123456789abcdef0123".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                            8,
                            db.dataSource(),
                            clock)
                    .issue();
            assertInvalidChallenge(
                    () -> v.requestCode("13800000003", HOME, foreign.challenge(), ProofOfWork.solve(foreign)));
            assertInvalidChallenge(() -> v.requestCode("13800000003", HOME, challenge.challenge(), "12ab"));
            assertThat(sms.sent).hasSize(2);

            v.requestCode("13800000003", HOME, challenge.challenge(), nonce);
            assertThat(sms.sent).hasSize(3);
            // Each challenge is good once.
            assertInvalidChallenge(() -> v.requestCode("13800000004", HOME, challenge.challenge(), nonce));
            ProofOfWork.Challenge second = refused(() -> v.requestCode("13800000004", HOME, null, null))
                    .challenge();
            v.requestCode("13800000004", HOME, second.challenge(), ProofOfWork.solve(second));
            // The hour's cap holds even with a solved challenge.
            ProofOfWork.Challenge third = new ProofOfWork(KEY, 8, db.dataSource(), clock).issue();
            VerificationException capped =
                    refused(() -> v.requestCode("13800000005", HOME, third.challenge(), ProofOfWork.solve(third)));
            assertThat(capped.code()).isEqualTo(ErrorCode.VERIFY_LIMIT);
            assertThat(capped.reason()).isEqualTo("address");
            assertThat(sms.sent).hasSize(4);
            // Other addresses are not held up.
            v.requestCode("13800000005", "203.0.113.9", null, null);
            // An hour later the address starts again.
            clock.advance(capped.retryAfterSeconds() * 1000);
            v.requestCode("13800000006", HOME, null, null);
        }
    }

    @Test
    void aChallengeExpiresAfterFiveMinutesAndIsGoodOnce(@TempDir Path dir) throws Exception {
        MutableClock clock = new MutableClock();
        try (Database db = TestDatabase.h2(dir).open();
                Connection c = db.dataSource().getConnection()) {
            ProofOfWork pow = new ProofOfWork(KEY, 8, db.dataSource(), clock);
            ProofOfWork.Challenge old = pow.issue();
            String nonce = ProofOfWork.solve(old);
            clock.advance(ProofOfWork.TTL_MS);
            assertInvalidChallenge(() -> pow.redeem(c, old.challenge(), nonce));
            ProofOfWork.Challenge fresh = pow.issue();
            pow.redeem(c, fresh.challenge(), ProofOfWork.solve(fresh));
            assertInvalidChallenge(() -> pow.redeem(c, fresh.challenge(), ProofOfWork.solve(fresh)));
            assertInvalidChallenge(() -> pow.redeem(c, null, "1"));
            assertInvalidChallenge(() -> pow.redeem(c, "v1.1.2.3", "1"));
            assertInvalidChallenge(() -> pow.redeem(c, "x".repeat(10_000), "1"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aCodeTheGatewayDidNotTakeIsNeitherKeptNorCounted(String kind, @TempDir Path dir) throws Exception {
        MutableClock clock = new MutableClock();
        Outbox sms = new Outbox();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            MobileVerification v = service(db, sms, clock, new MobileVerification.Policy(2, 10));
            v.requestCode(MOBILE, HOME, null, null);
            String first = sms.lastCode();
            clock.advance(61_000);
            sms.down.set(true);
            for (int i = 0; i < 6; i++) {
                assertThat(refused(() -> v.requestCode(MOBILE, HOME, null, null))
                                .code())
                        .isEqualTo(ErrorCode.SMS_UNAVAILABLE);
            }
            assertThat(refused(() -> v.requestCode(OTHER, HOME, null, null)).code())
                    .isEqualTo(ErrorCode.SMS_UNAVAILABLE);
            sms.down.set(false);
            // The code sent before is still the number's; the failures did not count against the address
            // (its second free code is left) nor the number (no wait, no hourly limit reached).
            v.confirm(MOBILE, first);
            v.requestCode(OTHER, HOME, null, null);
            v.confirm(OTHER, sms.lastCode());
            assertThat(refused(() -> v.requestCode("13700000000", HOME, null, null))
                            .code())
                    .isEqualTo(ErrorCode.CHALLENGE_REQUIRED);
            v.requestCode(MOBILE, "203.0.113.9", null, null);
            v.confirm(MOBILE, sms.lastCode());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void requestsRacingForOneNumberSendOneCode(String kind, @TempDir Path dir) throws Exception {
        MutableClock clock = new MutableClock();
        Outbox sms = new Outbox();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Database db = TestDatabase.of(kind, dir).open()) {
            MobileVerification v = service(db, sms, clock);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ErrorCode>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        v.requestCode(MOBILE, HOME, null, null);
                        return null;
                    } catch (VerificationException e) {
                        return e.code();
                    }
                }));
            }
            go.countDown();
            int sentOk = 0;
            for (Future<ErrorCode> f : results) {
                ErrorCode code = f.get(30, TimeUnit.SECONDS);
                if (code == null) {
                    sentOk++;
                } else {
                    assertThat(code).isEqualTo(ErrorCode.VERIFY_TOO_SOON);
                }
            }
            assertThat(sentOk).isEqualTo(1);
            assertThat(sms.sent).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void leadingZeroBitsAreCountedFromTheFirstByte() {
        assertThat(ProofOfWork.leadingZeroBits(new byte[] {0, 0, (byte) 0x80})).isEqualTo(16);
        assertThat(ProofOfWork.leadingZeroBits(new byte[] {0, 0x01})).isEqualTo(15);
        assertThat(ProofOfWork.leadingZeroBits(new byte[] {(byte) 0xff})).isZero();
        assertThat(ProofOfWork.leadingZeroBits(new byte[] {0x10, 0})).isEqualTo(3);
        assertThat(ProofOfWork.leadingZeroBits(new byte[] {0, 0})).isEqualTo(16);
        // Known answer: SHA-256("abc") = ba7816bf...: no leading zero bit.
        assertThat(ProofOfWork.leadingZeroBits(ProofOfWork.sha256("abc"))).isZero();
    }

    private static VerificationException refused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        Throwable[] caught = new Throwable[1];
        assertThatThrownBy(call).isInstanceOf(VerificationException.class).satisfies(t -> caught[0] = t);
        return (VerificationException) caught[0];
    }

    private static VerificationException assertFailed(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String reason) {
        VerificationException e = refused(call);
        assertThat(e.code()).isEqualTo(ErrorCode.VERIFICATION_FAILED);
        assertThat(e.reason()).isEqualTo(reason);
        return e;
    }

    private static void assertNotVerified(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.MOBILE_NOT_VERIFIED));
    }

    private static void assertInvalidChallenge(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.CHALLENGE_INVALID));
    }
}
