package cn.tongban.signaling.appointment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Database;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Booking, check-in and no-show release against a real (H2) database shared by two "nodes". */
class AppointmentServiceTest {
    private static final ReferenceData DATA = ReferenceDataStore.fromYaml(
            """
            routing: {appointmentGraceMinutes: 10, checkInEarlyMinutes: 30}
            halls:
              - {id: hall-a, name: 甲大厅}
            matters:
              - {id: m, name: 事项, ticketPrefix: M, serviceMinutes: 10, owningHalls: [hall-a]}
              - {id: n, name: 事项N, ticketPrefix: N, serviceMinutes: 10, owningHalls: [hall-a]}
            slots:
              - {hallId: hall-a, matterId: m, days: [MONDAY], times: ["09:00", "09:30"], minutes: 30, capacity: 2}
            """);
    private static final LocalDate MONDAY = LocalDate.of(2026, 3, 2);
    private static final long NINE = ZonedDateTime.of(MONDAY, LocalTime.of(9, 0), AppointmentService.CHINA)
            .toInstant()
            .toEpochMilli();

    private final AtomicLong now = new AtomicLong(NINE - 24 * 3_600_000L);
    private final Clock clock = new Clock() {
        @Override
        public long millis() {
            return now.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    };
    private Database node1;
    private Database node2;
    private AppointmentService one;
    private AppointmentService two;

    @BeforeEach
    void open() {
        String url = "jdbc:h2:mem:appointments-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        node1 = Database.open(url, null, null);
        node2 = Database.open(url, null, null);
        one = new AppointmentService(node1.dataSource(), () -> DATA, clock);
        two = new AppointmentService(node2.dataSource(), () -> DATA, clock);
    }

    @AfterEach
    void close() {
        node1.close();
        node2.close();
    }

    private static ErrorCode code(Executable call) {
        return catchThrowableOfType(ProtocolException.class, call::execute).code();
    }

    @Test
    void listsTheDaysSlotsWithFreePlaces() {
        one.book("hall-a", "m", NINE, "张三", "13812345678");
        assertThat(one.slots("hall-a", "m", MONDAY))
                .extracting(AppointmentService.Slot::start, AppointmentService.Slot::free)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(NINE, 1),
                        org.assertj.core.groups.Tuple.tuple(NINE + 1_800_000, 2));
        assertThat(one.slots("hall-a", "m", MONDAY.plusDays(1))).isEmpty();
        assertThat(one.slots("hall-a", "n", MONDAY)).isEmpty();
        assertThat(code(() -> one.slots("hall-a", "nope", MONDAY))).isEqualTo(ErrorCode.UNKNOWN_MATTER);
    }

    @Test
    void refusesSlotsThatDoNotExistHaveBegunOrAreFull() {
        assertThat(code(() -> one.book("hall-a", "m", NINE + 60_000, "张三", "13812345678")))
                .isEqualTo(ErrorCode.NO_SUCH_SLOT);
        assertThat(code(() -> one.book("hall-a", "n", NINE, "张三", "13812345678")))
                .isEqualTo(ErrorCode.NO_SUCH_SLOT);
        assertThat(code(() -> one.book("nowhere", "m", NINE, "张三", "13812345678")))
                .isEqualTo(ErrorCode.UNKNOWN_HALL);
        one.book("hall-a", "m", NINE, "张三", "13812345678");
        two.book("hall-a", "m", NINE, "李四", "13912345678");
        assertThat(code(() -> one.book("hall-a", "m", NINE, "王五", "13712345678")))
                .isEqualTo(ErrorCode.SLOT_FULL);
        now.set(NINE + 1);
        assertThat(code(() -> one.book("hall-a", "m", NINE, "王五", "13712345678")))
                .isEqualTo(ErrorCode.SLOT_IN_PAST);
    }

    @Test
    void twoNodesRacingForTheLastPlacesNeverDoubleBook() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            AppointmentService node = i % 2 == 0 ? one : two;
            String mobile = "1381234560" + i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    return node.book("hall-a", "m", NINE, "申请人", mobile).appointmentId();
                } catch (ProtocolException e) {
                    return e.code().name();
                }
            }));
        }
        go.countDown();
        List<String> outcomes = new ArrayList<>();
        for (Future<String> f : results) {
            outcomes.add(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(outcomes.stream().filter(o -> o.startsWith("ap-"))).hasSize(2);
        assertThat(outcomes.stream().filter(o -> o.equals("SLOT_FULL"))).hasSize(6);
        assertThat(one.slots("hall-a", "m", MONDAY).get(0).free()).isZero();
    }

    @Test
    void checkInOnlyWithinTheWindowOnceAndForTheSameApplicant() {
        AppointmentService.Booking b = one.book("hall-a", "m", NINE, "张三", "13812345678");
        assertThat(b.code()).matches("[2-9A-HJKMNP-Z]{8}");
        assertThat(code(() -> one.checkIn(b.code(), "hall-a", "m", "13812345678")))
                .isEqualTo(ErrorCode.APPOINTMENT_NOT_DUE);
        now.set(NINE - 29 * 60_000L);
        assertThat(code(() -> one.checkIn(b.code(), "hall-a", "m", "13900000000")))
                .isEqualTo(ErrorCode.NO_SUCH_APPOINTMENT);
        assertThat(code(() -> one.checkIn(b.code(), "hall-a", "n", "13812345678")))
                .isEqualTo(ErrorCode.NO_SUCH_APPOINTMENT);
        assertThat(code(() -> one.checkIn("ZZZZZZZZ", "hall-a", "m", "13812345678")))
                .isEqualTo(ErrorCode.NO_SUCH_APPOINTMENT);
        AppointmentService.CheckedIn in = two.checkIn(b.code().toLowerCase(), "hall-a", "m", "13812345678");
        assertThat(in.slotStart()).isEqualTo(NINE);
        assertThat(code(() -> one.checkIn(b.code(), "hall-a", "m", "13812345678")))
                .isEqualTo(ErrorCode.APPOINTMENT_EXPIRED);
        // A ticket that could not be issued gives the check-in back.
        one.undoCheckIn(in.appointmentId());
        assertThat(one.checkIn(b.code(), "hall-a", "m", "13812345678").appointmentId())
                .isEqualTo(b.appointmentId());
        assertThat(one.get(b.appointmentId()).status()).isEqualTo("CHECKED_IN");
    }

    @Test
    void noShowsAreReleasedAfterTheGraceTimeOnceAcrossNodes() {
        AppointmentService.Booking late = one.book("hall-a", "m", NINE, "张三", "13812345678");
        AppointmentService.Booking shows = one.book("hall-a", "m", NINE, "李四", "13912345678");
        now.set(NINE + 5 * 60_000L);
        one.checkIn(shows.code(), "hall-a", "m", "13912345678");
        assertThat(one.releaseNoShows()).isEmpty();
        now.set(NINE + 10 * 60_000L + 1);
        assertThat(code(() -> one.checkIn(late.code(), "hall-a", "m", "13812345678")))
                .isEqualTo(ErrorCode.APPOINTMENT_EXPIRED);
        List<AppointmentService.Appointment> released = two.releaseNoShows();
        assertThat(released)
                .extracting(AppointmentService.Appointment::appointmentId)
                .containsExactly(late.appointmentId());
        assertThat(one.releaseNoShows()).isEmpty();
        assertThat(one.get(late.appointmentId()).status()).isEqualTo("NO_SHOW");
        assertThat(one.get(shows.appointmentId()).status()).isEqualTo("CHECKED_IN");
        // The seat is free again (the slot has begun, so it cannot be booked, but it is counted free).
        assertThat(one.slots("hall-a", "m", MONDAY).get(0).free()).isEqualTo(1);
    }
}
