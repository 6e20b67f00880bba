package cn.tongban.signaling.health;

import cn.tongban.signaling.health.HealthCheck.Level;
import cn.tongban.signaling.health.HealthCheck.Result;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's readiness: every {@link HealthCheck} run in the background at its own period, its latest
 * finding kept for {@code /health} (which therefore answers at once even while the database hangs) and
 * exported as {@code tongban_health_check{check=...}} (0 OK, 1 WARN, 2 DEGRADED, 3 DOWN).
 *
 * <p>A check gets {@code deadline} to answer; one still running then is reported DOWN ("no answer within
 * …") and is not started again until it returns, so a hung JDBC connect occupies one thread, not many. A check
 * that was fine and fails once is a WARN ("failed once, checking again"); it is DOWN when the next round fails
 * too, so a loaded host's slow moment does not take the node out of its load balancer.
 * Changes of level are logged once each (WARN and worse as warnings).
 */
public final class Readiness implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);

    private final List<HealthCheck> checks;
    private final Duration deadline;
    private final Clock clock;
    private final Map<String, Entry> latest = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tongban-readiness");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService runners = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tongban-readiness-check");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, CompletableFuture<Result>> running = new ConcurrentHashMap<>();
    private final Map<String, Boolean> failing = new ConcurrentHashMap<>();

    /** A finding and when it was made. */
    public record Entry(Result result, Instant at) {}

    /**
     * @param checks the checks, in the order {@code /health} lists them
     * @param deadline how long a check may take before it counts as DOWN
     */
    public Readiness(List<HealthCheck> checks, Duration deadline, Clock clock, MeterRegistry metrics) {
        this.checks = List.copyOf(checks);
        this.deadline = deadline;
        this.clock = clock;
        for (HealthCheck c : this.checks) {
            Gauge.builder("tongban.health.check", latest, m -> {
                        Entry e = m.get(c.name());
                        return e == null ? Level.OK.gauge() : e.result().level().gauge();
                    })
                    .tag("check", c.name())
                    .description("Readiness check result: 0 OK, 1 WARN, 2 DEGRADED, 3 DOWN")
                    .register(metrics);
        }
    }

    /** Runs every check once, waiting for each (at most its deadline), then schedules them. */
    public Readiness start() {
        runAll();
        for (HealthCheck c : checks) {
            long p = c.period().toMillis();
            scheduler.scheduleWithFixedDelay(() -> runOne(c), p, p, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Runs every check now and waits for the findings (tests, and the first round at start). */
    public void runAll() {
        for (HealthCheck c : checks) {
            runOne(c);
        }
    }

    private void runOne(HealthCheck c) {
        CompletableFuture<Result> f =
                running.computeIfAbsent(c.name(), n -> CompletableFuture.supplyAsync(() -> safely(c), runners));
        f.whenComplete((r, e) -> running.remove(c.name(), f));
        Result r;
        try {
            r = f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            r = new Result(c.timeoutLevel(), "no answer within " + deadline.toSeconds() + " s");
            // The answer, when it comes, is the finding until the next round (a check of every ten minutes
            // must not stay at its timeout that long).
            f.thenAccept(late -> scheduler.execute(() -> record(c.name(), late)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            r = new Result(c.timeoutLevel(), String.valueOf(e.getCause()));
        }
        record(c.name(), r);
    }

    private static Result safely(HealthCheck c) {
        try {
            return c.check();
        } catch (Exception e) {
            String message = e.getMessage();
            return new Result(c.timeoutLevel(), e.getClass().getSimpleName() + (message == null ? "" : ": " + message));
        }
    }

    private void record(String name, Result r) {
        Entry previous = latest.get(name);
        if (r.level() == Level.DOWN
                && (previous == null || previous.result().level() != Level.DOWN)
                && !firstRound(name)) {
            // One failing round is not yet an outage (a database busy for a few seconds on a loaded host):
            // a warning now, DOWN when the next round fails too.
            boolean confirmed = failing.put(name, Boolean.TRUE) != null;
            if (!confirmed) {
                r = new Result(Level.WARN, "failed once, checking again: " + r.detail());
            }
        } else if (r.level() != Level.DOWN) {
            failing.remove(name);
        }
        Entry before = latest.put(name, new Entry(r, clock.instant()));
        if (before == null || before.result().level() != r.level()) {
            if (r.level() == Level.OK) {
                if (before != null) {
                    LOG.info("Health check {} is OK again: {}", name, r.detail());
                }
            } else {
                LOG.warn("Health check {} is {}: {}", name, r.level(), r.detail());
            }
        }
    }

    private volatile boolean draining;

    /** The node drains before it stops: {@code /health} says DRAINING (503) from now on. */
    public void drain() {
        draining = true;
    }

    /** Whether the node drains ({@link #drain}). */
    public boolean draining() {
        return draining;
    }

    /** At start a failing check is DOWN at once: there is no earlier round to have been lucky in. */
    private boolean firstRound(String name) {
        return !latest.containsKey(name);
    }

    /** The worst level among the latest findings (OK before the first round). */
    public Level level() {
        Level worst = Level.OK;
        for (Entry e : latest.values()) {
            if (e.result().level().compareTo(worst) > 0) {
                worst = e.result().level();
            }
        }
        return worst;
    }

    /** Whether the check's latest finding is DOWN (false before its first round and for unknown checks). */
    public boolean down(String check) {
        Entry e = latest.get(check);
        return e != null && e.result().level() == Level.DOWN;
    }

    /** The latest findings by check name, in the checks' order. */
    public Map<String, Entry> findings() {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (HealthCheck c : checks) {
            Entry e = latest.get(c.name());
            if (e != null) {
                out.put(c.name(), e);
            }
        }
        return out;
    }

    /** The findings as {@code /health}'s {@code checks} object. */
    public JsonObject toJson() {
        JsonObject out = new JsonObject();
        findings()
                .forEach((name, e) -> out.put(
                        name,
                        new JsonObject()
                                .put("status", e.result().level().name())
                                .put("detail", e.result().detail())
                                .put("checkedAt", e.at().toString())));
        return out;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        runners.shutdownNow();
    }
}
