package cn.tongban.signaling.supervisor;

import cn.tongban.signaling.queue.QueueHistory;
import cn.tongban.signaling.refdata.ReferenceData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One hall day of the queue history as the supervisor's board shows it ({@code GET /api/supervisor/today}) and
 * exports it ({@code GET /api/supervisor/today.csv}). Pure given its inputs.
 *
 * <p>Per queue (owning hall × matter): the minute samples as columns, the day's takes with the median and the
 * 90th percentile of their waits (nearest rank: the smallest wait that at least half, or 90 %, of the takes
 * did not exceed), and the service level: the share of takes that waited no longer than the queue's
 * {@link AlertThreshold}.
 */
public final class DayReport {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** One queue's day. */
    public record Queue(
            String hallId,
            String matterId,
            int thresholdSeconds,
            List<QueueHistory.Sample> samples,
            long[] waitsMs,
            int withinThreshold) {
        /** The nearest-rank percentile of the waits in whole seconds (rounded), or null without takes. */
        public Long percentileSeconds(int percent) {
            if (waitsMs.length == 0) {
                return null;
            }
            int rank = (int) Math.ceil(percent / 100.0 * waitsMs.length);
            return Math.round(waitsMs[Math.max(0, rank - 1)] / 1000.0);
        }

        /** Takes within the threshold over all takes, or null without takes. */
        public Double serviceLevel() {
            return waitsMs.length == 0 ? null : (double) withinThreshold / waitsMs.length;
        }
    }

    private final LocalDate day;
    private final long from;
    private final long to;
    private final List<Queue> queues;
    private final List<QueueHistory.Wait> waits;
    private final List<QueueHistory.Sample> samples;
    private final ReferenceData data;

    private DayReport(
            LocalDate day,
            long from,
            long to,
            List<Queue> queues,
            List<QueueHistory.Wait> waits,
            List<QueueHistory.Sample> samples,
            ReferenceData data) {
        this.day = day;
        this.from = from;
        this.to = to;
        this.queues = queues;
        this.waits = waits;
        this.samples = samples;
        this.data = data;
    }

    /** The hall day holding {@code now}, from the history. */
    public static DayReport today(QueueHistory history, ReferenceData data, long now) {
        long[] day = QueueHistory.dayOf(now);
        return of(day[0], day[1], history.waits(day[0], day[1]), history.samples(day[0], day[1]), data);
    }

    /** The day {@code [from, to)} of these takes and samples. */
    public static DayReport of(
            long from, long to, List<QueueHistory.Wait> waits, List<QueueHistory.Sample> samples, ReferenceData data) {
        Map<String, String[]> keys = new LinkedHashMap<>();
        for (ReferenceData.Matter m : data.matters()) {
            for (String h : m.owningHalls()) {
                keys.put(h + "\u0000" + m.id(), new String[] {h, m.id()});
            }
        }
        for (QueueHistory.Sample s : samples) {
            keys.putIfAbsent(s.hallId() + "\u0000" + s.matterId(), new String[] {s.hallId(), s.matterId()});
        }
        for (QueueHistory.Wait w : waits) {
            keys.putIfAbsent(w.hallId() + "\u0000" + w.matterId(), new String[] {w.hallId(), w.matterId()});
        }
        List<Queue> queues = new ArrayList<>();
        for (String[] k : keys.values()) {
            int threshold = AlertThreshold.seconds(data.routing(), k[1]);
            List<QueueHistory.Sample> mine = samples.stream()
                    .filter(s -> s.hallId().equals(k[0]) && s.matterId().equals(k[1]))
                    .toList();
            long[] ms = waits.stream()
                    .filter(w -> w.hallId().equals(k[0]) && w.matterId().equals(k[1]))
                    .mapToLong(QueueHistory.Wait::waitedMs)
                    .sorted()
                    .toArray();
            int within =
                    (int) Arrays.stream(ms).filter(w -> w <= threshold * 1000L).count();
            queues.add(new Queue(k[0], k[1], threshold, mine, ms, within));
        }
        LocalDate day = Instant.ofEpochMilli(from).atZone(QueueHistory.ZONE).toLocalDate();
        return new DayReport(day, from, to, queues, waits, samples, data);
    }

    public List<Queue> queues() {
        return queues;
    }

    public LocalDate day() {
        return day;
    }

    /** The day as JSON: per queue the threshold, the takes' figures and the minute samples as columns. */
    public JsonObject toJson() {
        JsonArray out = new JsonArray();
        for (Queue q : queues) {
            JsonArray at = new JsonArray();
            JsonArray waiting = new JsonArray();
            JsonArray longest = new JsonArray();
            JsonArray available = new JsonArray();
            JsonArray busy = new JsonArray();
            JsonArray wrapUp = new JsonArray();
            JsonArray away = new JsonArray();
            for (QueueHistory.Sample s : q.samples()) {
                at.add(s.minuteAt());
                waiting.add(s.waiting());
                longest.add(s.longestWaitSeconds());
                available.add(s.available());
                busy.add(s.busy());
                wrapUp.add(s.wrapUp());
                away.add(s.away());
            }
            out.add(new JsonObject()
                    .put("hallId", q.hallId())
                    .put("hallName", hallName(q.hallId()))
                    .put("matterId", q.matterId())
                    .put("matterName", matterName(q.matterId()))
                    .put("thresholdSeconds", q.thresholdSeconds())
                    .put("takes", q.waitsMs().length)
                    .put("medianWaitSeconds", q.percentileSeconds(50))
                    .put("p90WaitSeconds", q.percentileSeconds(90))
                    .put("withinThreshold", q.withinThreshold())
                    .put("serviceLevel", q.serviceLevel())
                    .put(
                            "samples",
                            new JsonObject()
                                    .put("at", at)
                                    .put("waiting", waiting)
                                    .put("longestWaitSeconds", longest)
                                    .put("available", available)
                                    .put("busy", busy)
                                    .put("wrapUp", wrapUp)
                                    .put("away", away)));
        }
        return new JsonObject()
                .put("day", day.toString())
                .put("zone", QueueHistory.ZONE.getId())
                .put("from", from)
                .put("to", to)
                .put("queues", out);
    }

    /**
     * The day as CSV (RFC 4180, CRLF), UTF-8 with a byte-order mark so that spreadsheet programs read the
     * Chinese names right: one table, a row per take ({@code kind} {@code take}, with {@code waited_seconds})
     * and per minute sample ({@code sample}, with the queue's figures), in time order, local time.
     */
    public byte[] toCsv() {
        StringBuilder sb = new StringBuilder("\uFEFF");
        row(
                sb,
                "kind",
                "time",
                "hall_id",
                "hall_name",
                "matter_id",
                "matter_name",
                "waited_seconds",
                "waiting",
                "longest_wait_seconds",
                "available",
                "busy",
                "wrap_up",
                "away");
        int w = 0;
        int s = 0;
        while (w < waits.size() || s < samples.size()) {
            boolean takeNext = s >= samples.size()
                    || (w < waits.size()
                            && waits.get(w).takenAt() < samples.get(s).minuteAt());
            if (takeNext) {
                QueueHistory.Wait t = waits.get(w++);
                row(
                        sb,
                        "take",
                        time(t.takenAt()),
                        t.hallId(),
                        hallName(t.hallId()),
                        t.matterId(),
                        matterName(t.matterId()),
                        String.format(java.util.Locale.ROOT, "%.1f", t.waitedMs() / 1000.0),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "");
            } else {
                QueueHistory.Sample m = samples.get(s++);
                row(
                        sb,
                        "sample",
                        time(m.minuteAt()),
                        m.hallId(),
                        hallName(m.hallId()),
                        m.matterId(),
                        matterName(m.matterId()),
                        "",
                        Integer.toString(m.waiting()),
                        Integer.toString(m.longestWaitSeconds()),
                        Integer.toString(m.available()),
                        Integer.toString(m.busy()),
                        Integer.toString(m.wrapUp()),
                        Integer.toString(m.away()));
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private String hallName(String hallId) {
        return data.hall(hallId).map(ReferenceData.Hall::name).orElse(hallId);
    }

    private String matterName(String matterId) {
        return data.matter(matterId).map(ReferenceData.Matter::name).orElse(matterId);
    }

    private static String time(long at) {
        return Instant.ofEpochMilli(at).atZone(QueueHistory.ZONE).format(TIME);
    }

    private static void row(StringBuilder sb, String... cells) {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(cell(cells[i]));
        }
        sb.append("\r\n");
    }

    /** Quoted when needed; text a spreadsheet would run as a formula is led by an apostrophe. */
    static String cell(String v) {
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }
}
