package cn.tongban.signaling.window;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.appointment.AppointmentService;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.ClerkStatus;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.CaseStore;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import cn.tongban.signaling.store.Records;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The sweep's routing results reach people and the audit journal: no-shows released once, audited. */
class RoutingSweepTest {
    @Test
    void noShowsAreAuditedOnceAndWrapUpEndsAreTold() {
        ReferenceData data = ReferenceDataStore.fromYaml(
                """
                routing: {appointmentGraceMinutes: 10}
                halls:
                  - {id: hall-a, name: 甲大厅}
                matters:
                  - {id: m, name: 事项, ticketPrefix: M, serviceMinutes: 10, owningHalls: [hall-a]}
                slots:
                  - {hallId: hall-a, matterId: m, days: [MONDAY], times: ["09:00"], minutes: 30, capacity: 1}
                """);
        long nine = Instant.parse("2026-03-02T01:00:00Z").toEpochMilli(); // Monday 09:00 in China
        AtomicLong now = new AtomicLong(nine - 3_600_000);
        Clock clock = new Clock() {
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
        try (Database db = Database.open("jdbc:h2:mem:sweep-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", null, null)) {
            Records records = new Records(
                    JdbcAuditJournal.unkeyed(db.dataSource(), clock),
                    new CaseStore(db.dataSource()),
                    clock,
                    new SimpleMeterRegistry());
            AppointmentService appointments = new AppointmentService(db.dataSource(), () -> data, clock);
            String id =
                    appointments.book("hall-a", "m", nine, "张秀英", "13812345678").appointmentId();
            ClerkPresence back = new ClerkPresence("c1", "conn", ClerkStatus.AVAILABLE, ClerkStatus.AVAILABLE, null, 0);
            QueueService.Sweep sweep = new QueueService.Sweep(List.of(), List.of(), List.of(back), List.of());
            List<ClerkPresence> told = new ArrayList<>();

            RoutingSweep.after(sweep, appointments, records, told::add);
            assertThat(told).containsExactly(back);
            now.set(nine + 11 * 60_000);
            RoutingSweep.after(QueueService.Sweep.EMPTY, appointments, records, told::add);
            RoutingSweep.after(QueueService.Sweep.EMPTY, appointments, records, told::add);

            List<AuditEvent> noShows = records.journal().read(0, 100).stream()
                    .filter(e -> e.action().equals("appointment.no_show"))
                    .toList();
            assertThat(noShows).hasSize(1);
            assertThat(noShows.get(0).details()).contains(id).contains("张*").doesNotContain("张秀英");
            assertThat(appointments.get(id).status()).isEqualTo("NO_SHOW");
        }
    }
}
