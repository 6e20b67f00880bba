package cn.tongban.signaling.audit;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.CaseStore;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import cn.tongban.signaling.store.Records;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node's one journal of refusals and its budget, on a clock the test moves. */
class RefusalJournalTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final UnaryOperator<AuditDetails> NOTHING = d -> d;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private Database db;
    private Records records;
    private RefusalJournal journal;

    @BeforeEach
    void open() {
        db = Database.open("jdbc:h2:mem:refusals-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", null, null);
        Clock clock = Clock.systemUTC();
        records = new Records(
                JdbcAuditJournal.unkeyed(db.dataSource(), clock), new CaseStore(db.dataSource()), clock, metrics);
        // Written at once, so that the journal can be read right after.
        journal = new RefusalJournal(records, metrics, Runnable::run, now::get);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aRefusalIsJournaledWithItsAttemptCodeAndWhatTheTransportAdds() {
        journal.refused(
                "anonymous",
                "POST /api/uploads/:token",
                ErrorCode.UPLOAD_INVALID,
                null,
                d -> d.and(AuditField.CLIENT, "198.51.100.0/24"));
        journal.refused(
                "clerk:wuhu01", "status", ErrorCode.INVALID_FIELD, "s-1", d -> d.and(AuditField.CONNECTION, "c-1"));

        List<AuditEvent> events = events();
        assertThat(events).hasSize(2);
        assertThat(events.get(0).action()).isEqualTo("request.refused");
        assertThat(events.get(0).actor()).isEqualTo("anonymous");
        assertThat(events.get(0).sessionId()).isNull();
        assertThat(new JsonObject(events.get(0).details()))
                .isEqualTo(new JsonObject()
                        .put("attempt", "POST /api/uploads/:token")
                        .put("code", "UPLOAD_INVALID")
                        .put("client", "198.51.100.0/24"));
        assertThat(events.get(1).actor()).isEqualTo("clerk:wuhu01");
        assertThat(events.get(1).sessionId()).isEqualTo("s-1");
        assertThat(new JsonObject(events.get(1).details()))
                .isEqualTo(new JsonObject()
                        .put("attempt", "status")
                        .put("code", "INVALID_FIELD")
                        .put("connection", "c-1"));
    }

    @Test
    void whatIsNoRefusalIsNeitherJournaledNorCounted() {
        for (ErrorCode code :
                List.of(ErrorCode.NOT_FOUND, ErrorCode.NO_SUCH_TICKET, ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL)) {
            journal.refused("anonymous", "GET /pki/*", code, null, NOTHING);
        }
        assertThat(events()).isEmpty();
        assertThat(counted("true") + counted("false")).isZero();
    }

    @Test
    void beyondTheBudgetRefusalsAreCountedAndSummedUpOnceAMinute() {
        for (int i = 0; i < 150; i++) {
            journal.refused("anonymous", "POST /api/appointments", ErrorCode.BAD_JSON, null, NOTHING);
        }
        assertThat(refused()).isEqualTo(RefusalJournal.BURST);
        assertThat(counted("true")).isEqualTo(RefusalJournal.BURST);
        assertThat(counted("false")).isEqualTo(50);

        // A second later the budget has refilled by its rate, and no more.
        now.addAndGet(SECOND);
        for (int i = 0; i < 20; i++) {
            journal.refused("anonymous", "POST /api/appointments", ErrorCode.BAD_JSON, null, NOTHING);
        }
        assertThat(refused()).isEqualTo(RefusalJournal.BURST + RefusalJournal.RATE);
        assertThat(counted("false")).isEqualTo(60);
        assertThat(summaries()).isEmpty();

        // A minute after the journal began, the next refusal brings the summary of those not journaled.
        now.addAndGet(59 * SECOND);
        journal.refused("anonymous", "POST /api/appointments", ErrorCode.BAD_JSON, null, NOTHING);
        assertThat(summaries()).containsExactly(60L);
        assertThat(refused()).isEqualTo(RefusalJournal.BURST + RefusalJournal.RATE + 1);

        // The next summary comes a minute after that one at the earliest.
        for (int i = 0; i < 1000; i++) {
            journal.refused("anonymous", "POST /api/appointments", ErrorCode.BAD_JSON, null, NOTHING);
        }
        now.addAndGet(30 * SECOND);
        journal.refused("anonymous", "POST /api/appointments", ErrorCode.BAD_JSON, null, NOTHING);
        assertThat(summaries()).containsExactly(60L);
        now.addAndGet(30 * SECOND);
        journal.refused("anonymous", "POST /api/appointments", ErrorCode.BAD_JSON, null, NOTHING);
        assertThat(summaries()).hasSize(2);
        // Everything was accounted for: journaled one by one, or in a summary.
        long summed = summaries().stream().mapToLong(Long::longValue).sum();
        assertThat(refused() + summed).isEqualTo((long) counted("true") + (long) counted("false"));
    }

    private List<AuditEvent> events() {
        return records.journal().read(0, 100_000);
    }

    private long refused() {
        return events().stream()
                .filter(e -> e.action().equals("request.refused"))
                .count();
    }

    private List<Long> summaries() {
        return events().stream()
                .filter(e -> e.action().equals("request.refused_unrecorded"))
                .map(e -> new JsonObject(e.details()).getLong("attempts"))
                .toList();
    }

    private double counted(String journaled) {
        return metrics.get("tongban_refusals_total")
                .tag("journaled", journaled)
                .counter()
                .count();
    }
}
