package cn.tongban.signaling.queue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * The queues as Prometheus sees them, for the dashboard and alert rules in deploy/monitoring: per hall and
 * matter the tickets waiting, the longest wait and the clerks by state ({@code tongban_queue_*}, from the
 * cluster-wide queue view, so every node reports the same values: aggregate with {@code max}), and the waits
 * that ended at a clerk's take ({@code tongban_wait_seconds}, a histogram per hall, counted on the node that
 * paired them: aggregate with {@code sum}).
 */
public final class QueueMetrics {
    private static final long REFRESH_NANOS = Duration.ofSeconds(5).toNanos();

    private final MeterRegistry registry;
    private final Map<String, QueueView.QueueStats> latest = new ConcurrentHashMap<>();
    private volatile long refreshedAt = System.nanoTime() - REFRESH_NANOS;

    public QueueMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Takes the view's per-queue figures, at most every five seconds (the view is built for broadcasts anyway). */
    public void update(QueueView view) {
        long now = System.nanoTime();
        if (now - refreshedAt < REFRESH_NANOS) {
            return;
        }
        refreshedAt = now;
        List<QueueView.QueueStats> queues = view.queues();
        java.util.Set<String> gone = new java.util.HashSet<>(latest.keySet());
        for (QueueView.QueueStats q : queues) {
            gone.remove(q.hallId() + "\u0000" + q.matterId());
        }
        // A queue no longer in the view (its matter or hall left the reference data) reads zero, not its last
        // values for ever (which would keep a long-wait alert firing).
        for (String key : gone) {
            QueueView.QueueStats last = latest.get(key);
            latest.put(
                    key, new QueueView.QueueStats(last.hallId(), last.matterId(), 0, 0, null, false, 0, 0, 0, 0, 0, 0));
        }
        for (QueueView.QueueStats q : queues) {
            String key = q.hallId() + "\u0000" + q.matterId();
            if (latest.put(key, q) == null) {
                register(key, q, "tongban.queue.waiting", "Tickets waiting", QueueView.QueueStats::waiting, null);
                register(
                        key,
                        q,
                        "tongban.queue.longest.wait",
                        "How long the longest-waiting ticket has waited",
                        QueueView.QueueStats::longestWaitSeconds,
                        "seconds");
                register(key, q, "tongban.queue.clerks", "available", QueueView.QueueStats::available);
                register(key, q, "tongban.queue.clerks", "busy", QueueView.QueueStats::busy);
                register(key, q, "tongban.queue.clerks", "wrap_up", QueueView.QueueStats::wrapUp);
                register(key, q, "tongban.queue.clerks", "away", QueueView.QueueStats::away);
            }
        }
    }

    /**
     * A ticket taken by a clerk after waiting {@code waitedMillis} in the hall's queue (the registry hands back
     * the hall's timer once it exists).
     */
    public static void recordWait(MeterRegistry registry, String hallId, long waitedMillis) {
        Timer.builder("tongban.wait")
                .description("Waits from taking a ticket to a clerk's take")
                .tag("hall", hallId)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofSeconds(1))
                .maximumExpectedValue(Duration.ofHours(2))
                .register(registry)
                .record(Duration.ofMillis(Math.max(0, waitedMillis)));
    }

    private void register(
            String key,
            QueueView.QueueStats q,
            String name,
            String description,
            ToIntFunction<QueueView.QueueStats> value,
            String unit) {
        Gauge.builder(name, latest, m -> value.applyAsInt(m.get(key)))
                .description(description)
                .baseUnit(unit)
                .tag("hall", q.hallId())
                .tag("matter", q.matterId())
                .register(registry);
    }

    private void register(
            String key, QueueView.QueueStats q, String name, String state, ToIntFunction<QueueView.QueueStats> value) {
        Gauge.builder(name, latest, m -> value.applyAsInt(m.get(key)))
                .description("Signed-in clerks of the hall who serve the matter, by state")
                .tag("hall", q.hallId())
                .tag("matter", q.matterId())
                .tag("state", state)
                .register(registry);
    }
}
