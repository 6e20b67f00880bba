package cn.tongban.signaling.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.queue.QueueHistory;
import cn.tongban.signaling.queue.QueueView;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Database;
import cn.tongban.testkit.MutableClock;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queue history on a real (embedded) database and the day the supervisor's board reads from it: known
 * waits give known median, 90th percentile and service level; samples are written once per minute whoever
 * writes; the hall's day is Beijing time; old rows go; the CSV has its byte-order mark and escapes.
 */
class DayReportTest {
    private static final String WUJIN = "cz-wujin-bdc";
    private static final String PROPERTY = "property-certificate"; // overflow threshold 20 minutes
    private static final String GULOU = "nj-gulou-zwfw";
    private static final String SOCIAL = "social-insurance-transfer"; // no overflow threshold: 15 minutes
    private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
    /** 2026-12-08 10:00 in the halls. */
    private static final long TEN =
            ZonedDateTime.of(2026, 12, 8, 10, 0, 0, 0, SHANGHAI).toInstant().toEpochMilli();

    private Database db;
    private MutableClock clock;
    private QueueHistory history;
    private ReferenceData data;

    @BeforeEach
    void open() throws Exception {
        db = Database.open("jdbc:h2:mem:history-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", null, null);
        clock = new MutableClock();
        at(TEN);
        history = new QueueHistory(db.dataSource(), clock);
        data = ReferenceDataStore.builtIn();
    }

    @AfterEach
    void close() {
        db.close();
    }

    private void at(long ms) {
        clock.advance(ms - clock.millis());
    }

    private void take(long at, String hall, String matter, long waitedMs) {
        at((at));
        history.recordTake(hall, matter, waitedMs);
    }

    private static QueueView.QueueStats stats(String hall, String matter, int waiting, int longest, int busy) {
        return new QueueView.QueueStats(hall, matter, waiting, longest, null, false, 0, 0, 1, busy, 0, 2);
    }

    @Test
    void knownWaitsGiveTheirMedianPercentileAndServiceLevel() {
        // Ten takes at Wujin (threshold 20 min = 1200 s): 60 s … 1500 s; two of them above the threshold.
        long[] waits = {60, 120, 180, 240, 300, 600, 900, 1200, 1260, 1500};
        for (int i = 0; i < waits.length; i++) {
            take(TEN + i * 1000L, WUJIN, PROPERTY, waits[i] * 1000);
        }
        // Gulou (15 min = 900 s): 900 s is within, 900.001 s is not.
        take(TEN + 20_000, GULOU, SOCIAL, 900_000);
        take(TEN + 21_000, GULOU, SOCIAL, 900_001);
        // Yesterday (Beijing) and tomorrow do not count.
        take(TEN - 10 * 3_600_000L - 1, WUJIN, PROPERTY, 5_000_000);
        take(TEN + 14 * 3_600_000L, WUJIN, PROPERTY, 5_000_000);

        DayReport day = DayReport.today(history, data, TEN);
        assertThat(day.day()).hasToString("2026-12-08");
        DayReport.Queue wujin = queue(day, WUJIN, PROPERTY);
        assertThat(wujin.thresholdSeconds()).isEqualTo(1200);
        assertThat(wujin.waitsMs()).hasSize(10);
        assertThat(wujin.percentileSeconds(50)).isEqualTo(300L); // 5th of 10
        assertThat(wujin.percentileSeconds(90)).isEqualTo(1260L); // 9th of 10
        assertThat(wujin.serviceLevel()).isEqualTo(0.8);
        DayReport.Queue gulou = queue(day, GULOU, SOCIAL);
        assertThat(gulou.thresholdSeconds()).isEqualTo(AlertThreshold.DEFAULT_SECONDS);
        assertThat(gulou.withinThreshold()).isEqualTo(1);
        assertThat(gulou.serviceLevel()).isEqualTo(0.5);
        DayReport.Queue none = queue(day, "sh-qingpu-xzfw", PROPERTY);
        assertThat(none.serviceLevel()).isNull();
        assertThat(none.percentileSeconds(50)).isNull();

        JsonObject json = day.toJson();
        JsonObject w = json.getJsonArray("queues").stream()
                .map(JsonObject.class::cast)
                .filter(q -> q.getString("hallId").equals(WUJIN)
                        && q.getString("matterId").equals(PROPERTY))
                .findFirst()
                .orElseThrow();
        assertThat(w.getInteger("takes")).isEqualTo(10);
        assertThat(w.getLong("medianWaitSeconds")).isEqualTo(300L);
        assertThat(w.getLong("p90WaitSeconds")).isEqualTo(1260L);
        assertThat(w.getDouble("serviceLevel")).isEqualTo(0.8);
        assertThat(w.getString("hallName")).isEqualTo("常州市武进区不动产登记交易中心");
        assertThat(json.getString("zone")).isEqualTo("Asia/Shanghai");
    }

    @Test
    void samplesAreWrittenOncePerMinuteWhicheverNodeWrites() throws Exception {
        List<QueueView.QueueStats> first = List.of(stats(WUJIN, PROPERTY, 3, 400, 1), stats(GULOU, SOCIAL, 0, 0, 0));
        assertThat(history.sample(TEN, first)).isEqualTo(2);
        // A second node sampling the same minute (other figures a moment later) changes nothing.
        QueueHistory otherNode = new QueueHistory(db.dataSource(), clock);
        assertThat(otherNode.sample(TEN, List.of(stats(WUJIN, PROPERTY, 4, 401, 1))))
                .isZero();
        history.sample(TEN + 60_000, List.of(stats(WUJIN, PROPERTY, 5, 460, 2)));

        DayReport.Queue wujin = queue(DayReport.today(history, data, TEN), WUJIN, PROPERTY);
        assertThat(wujin.samples())
                .extracting(QueueHistory.Sample::minuteAt, QueueHistory.Sample::waiting, QueueHistory.Sample::busy)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(TEN, 3, 1),
                        org.assertj.core.groups.Tuple.tuple(TEN + 60_000, 5, 2));
        JsonObject samples = DayReport.today(history, data, TEN).toJson().getJsonArray("queues").stream()
                .map(JsonObject.class::cast)
                .filter(q -> q.getString("hallId").equals(WUJIN)
                        && q.getString("matterId").equals(PROPERTY))
                .findFirst()
                .orElseThrow()
                .getJsonObject("samples");
        assertThat(samples.getJsonArray("longestWaitSeconds").encode()).isEqualTo("[400,460]");
        assertThat(samples.getJsonArray("away").encode()).isEqualTo("[2,2]");
        // Only ids and numbers are kept: no column could hold a name.
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM queue_sample")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(3);
        }
    }

    @Test
    void theSamplerWritesEachMinuteOnceAndOldRowsGo() {
        at((TEN + 5_000));
        QueueView.QueueStats q = stats(WUJIN, PROPERTY, 1, 5, 0);
        // No tickets, no clerks: every queue of the catalogue at zero.
        QueueView view = QueueView.of(List.of(), List.of(), java.util.Map.of(), data, TEN);
        int queues = view.queues().size();
        assertThat(history.sampleIfDue(() -> view)).isTrue();
        at((TEN + 30_000));
        assertThat(history.sampleIfDue(() -> view)).isFalse();
        at((TEN + 61_000));
        assertThat(history.sampleIfDue(() -> view)).isTrue();
        assertThat(history.samples(TEN, TEN + 120_000))
                .extracting(QueueHistory.Sample::minuteAt)
                .containsOnly(TEN, TEN + 60_000)
                .hasSize(2 * queues);

        long old = TEN - QueueHistory.KEEP.toMillis() - 60_000;
        take(old, WUJIN, PROPERTY, 1000);
        history.sample(old, List.of(q));
        assertThat(history.prune(TEN - QueueHistory.KEEP.toMillis())).isEqualTo(2);
        assertThat(history.waits(0, Long.MAX_VALUE)).isEmpty();
        assertThat(history.samples(0, Long.MAX_VALUE)).hasSize(2 * queues);
    }

    @Test
    void theCsvHasAByteOrderMarkOneRowPerTakeAndSampleInTimeOrder() {
        take(TEN + 30_000, WUJIN, PROPERTY, 61_500);
        history.sample(TEN, List.of(stats(WUJIN, PROPERTY, 2, 90, 1)));
        history.sample(TEN + 60_000, List.of(stats(WUJIN, PROPERTY, 1, 30, 1)));

        byte[] csv = DayReport.today(history, data, TEN).toCsv();
        assertThat(Arrays.copyOf(csv, 3)).containsExactly(0xEF, 0xBB, 0xBF);
        String text = new String(csv, 3, csv.length - 3, StandardCharsets.UTF_8);
        assertThat(text.split("\r\n"))
                .containsExactly(
                        "kind,time,hall_id,hall_name,matter_id,matter_name,waited_seconds,waiting,"
                                + "longest_wait_seconds,available,busy,wrap_up,away",
                        "sample,2026-12-08 10:00:00,cz-wujin-bdc,常州市武进区不动产登记交易中心,property-certificate,"
                                + "不动产登记—产权证办理,,2,90,1,1,0,2",
                        "take,2026-12-08 10:00:30,cz-wujin-bdc,常州市武进区不动产登记交易中心,property-certificate,"
                                + "不动产登记—产权证办理,61.5,,,,,,",
                        "sample,2026-12-08 10:01:00,cz-wujin-bdc,常州市武进区不动产登记交易中心,property-certificate,"
                                + "不动产登记—产权证办理,,1,30,1,1,0,2");
    }

    @Test
    void cellsAreQuotedAndFormulasDisarmed() {
        assertThat(DayReport.cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(DayReport.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(DayReport.cell("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
        assertThat(DayReport.cell("\t=1+1")).isEqualTo("'\t=1+1");
        assertThat(DayReport.cell("-1")).isEqualTo("'-1");
        assertThat(DayReport.cell("普通")).isEqualTo("普通");
    }

    @Test
    void theAlertIsAboveTheThresholdOnly() {
        assertThat(AlertThreshold.passed(1200, 1200)).isFalse();
        assertThat(AlertThreshold.passed(1201, 1200)).isTrue();
        assertThat(AlertThreshold.seconds(data.routing(), PROPERTY)).isEqualTo(1200);
        assertThat(AlertThreshold.seconds(data.routing(), SOCIAL)).isEqualTo(900);
    }

    @Test
    void theReferenceDataSetsThresholdsPerMatterAndByDefault() throws Exception {
        String yaml;
        try (var in = ReferenceDataStore.class.getResourceAsStream("/tongban/refdata.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ReferenceData custom = ReferenceDataStore.fromYaml(yaml.replace(
                "  defaultAlertMinutes: 15\n",
                "  defaultAlertMinutes: 25\n  alertMinutes:\n    property-certificate: 5\n"));
        // Its own alert threshold before the overflow's; the default for the rest.
        assertThat(AlertThreshold.seconds(custom.routing(), PROPERTY)).isEqualTo(300);
        assertThat(AlertThreshold.seconds(custom.routing(), "business-startup")).isEqualTo(900);
        assertThat(AlertThreshold.seconds(custom.routing(), SOCIAL)).isEqualTo(1500);
        take(TEN, WUJIN, PROPERTY, 301_000);
        take(TEN + 1, WUJIN, PROPERTY, 300_000);
        assertThat(queue(DayReport.today(history, custom, TEN), WUJIN, PROPERTY).serviceLevel())
                .isEqualTo(0.5);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReferenceDataStore.fromYaml(
                        yaml.replace("  defaultAlertMinutes: 15\n", "  alertMinutes:\n    no-such-matter: 5\n")))
                .hasMessageContaining("routing.alertMinutes: unknown matter no-such-matter");
    }

    private static DayReport.Queue queue(DayReport day, String hall, String matter) {
        return day.queues().stream()
                .filter(q -> q.hallId().equals(hall) && q.matterId().equals(matter))
                .findFirst()
                .orElseThrow();
    }
}
