package cn.tongban.signaling.queue;

import cn.tongban.session.model.Outcome;
import cn.tongban.signaling.cluster.HazelcastFactory;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.HazelcastInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The queue's cost as the queue grows: a program (test scope, not a timed unit test), run by hand as
 * docs/benchmarks.md "Queue" describes. Everything goes through {@link QueueService} on one real Hazelcast
 * member in this JVM (so every map call is local: no network, no WebSocket, no JSON).
 *
 * <p>For each number of waiting tickets (default 100, 1,000, 10,000, 50,000; one hall, one matter, eight
 * clerks, the system clock):
 *
 * <ul>
 *   <li><b>join</b>: {@code join} plus the new ticket's {@code view().place()} — what the server does before
 *       it answers a {@code join}; the ticket is given up again (untimed), so the queue keeps its size;
 *   <li><b>take</b>: a clerk's {@code take} of the next ticket; then (untimed) the clerk hangs up and a new
 *       ticket joins, so the queue keeps its size;
 *   <li><b>positions</b>: one {@code view()} and the place of every waiting ticket — a broadcast's work if
 *       every applicant were on this node (the old pusher also read each ticket from the map; not included).
 * </ul>
 *
 * Then <b>joins per second at saturation</b>: {@code threads} threads joining (with place) back to back for
 * {@code seconds}, starting from 1,000 waiting. Each phase stops after its sample count or 20 s. The load
 * average ({@code /proc/loadavg}) is printed with every line: the machine is shared.
 *
 * <p>Arguments: sizes (comma-separated, default {@code 100,1000,10000,50000}), threads (20), seconds (10).
 */
public final class QueueBenchmark {
    private static final String HALL = "bench-hall";
    private static final String MATTER = "bench-matter";
    private static final int CLERKS = 8;
    private static final long PHASE_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final HazelcastInstance hz;
    private final ReferenceData data;
    private final AtomicInteger conns = new AtomicInteger();
    private QueueService queue;

    private QueueBenchmark(HazelcastInstance hz, ReferenceData data) {
        this.hz = hz;
        this.data = data;
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length > 0
                ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {100, 1_000, 10_000, 50_000};
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path dir = Files.createTempDirectory("queue-bench");
        StringBuilder yaml = new StringBuilder(
                """
                routing: {wrapUpSeconds: 0}
                halls:
                  - {id: bench-hall, name: 基准大厅}
                matters:
                  - {id: bench-matter, name: 基准事项, ticketPrefix: B, serviceMinutes: 10, owningHalls: [bench-hall], materials: []}
                clerks:
                  list:
                """);
        for (int i = 0; i < CLERKS; i++) {
            yaml.append("    - {id: clerk")
                    .append(i)
                    .append(", name: 办事员")
                    .append(i)
                    .append(", hallId: bench-hall, matters: [bench-matter]}\n");
        }
        Files.writeString(dir.resolve("refdata.yaml"), yaml);
        ReferenceData data = ReferenceDataStore.open(dir, true).current();
        HazelcastInstance hz = HazelcastFactory.create(ServerOptions.builder()
                .demo(true)
                .nodeName("queue-bench")
                .clusterName("queue-bench-" + ProcessHandle.current().pid())
                .build());
        try {
            QueueBenchmark bench = new QueueBenchmark(hz, data);
            System.out.println("warm-up (discarded)");
            bench.sizes(new int[] {1_000}, 300, false);
            System.out.println();
            System.out.println("| waiting | operation | samples | p50 ms | p99 ms | max ms | load average |");
            System.out.println("| ---: | --- | ---: | ---: | ---: | ---: | --- |");
            bench.sizes(sizes, 500, true);
            System.out.println();
            bench.saturation(1_000, threads, seconds);
        } finally {
            hz.shutdown();
        }
    }

    private void fresh() {
        hz.getDistributedObjects().forEach(DistributedObject::destroy);
        queue = new QueueService(hz, () -> data, Clock.systemUTC());
        for (int i = 0; i < CLERKS; i++) {
            queue.clerkSignedIn("clerk" + i, "conn-clerk" + i);
        }
    }

    private void sizes(int[] sizes, int samples, boolean print) throws Exception {
        for (int n : sizes) {
            fresh();
            fill(n);
            report(n, "join + place", joins(samples), print);
            report(n, "take", takes(samples), print);
            report(n, "positions of all", positions(Math.max(3, samples / 50)), print);
        }
    }

    private QueueService.JoinRequest request() {
        return new QueueService.JoinRequest(MATTER, HALL, null, "张秀英", "13812345678");
    }

    private String conn() {
        return "c-bench-" + conns.incrementAndGet();
    }

    /** Joins {@code n} tickets (untimed) with a few threads. */
    private void fill(int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            int per = (n + 3) / 4;
            for (int w = 0; w < 4; w++) {
                int count = Math.min(per, n - w * per);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < count; i++) {
                        queue.join(request(), conn());
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private long[] joins(int samples) {
        List<Long> out = new ArrayList<>();
        long until = System.nanoTime() + PHASE_NANOS;
        while (out.size() < samples && System.nanoTime() < until) {
            String conn = conn();
            long t0 = System.nanoTime();
            QueueService.Joined j = queue.join(request(), conn);
            QueueView.Place place = queue.view().place(j.ticket().ticketId());
            out.add(System.nanoTime() - t0);
            if (place == null) {
                throw new IllegalStateException("a new ticket has no place");
            }
            queue.leave(j.ticket().ticketId(), conn);
        }
        return toArray(out);
    }

    private long[] takes(int samples) {
        List<Long> out = new ArrayList<>();
        long until = System.nanoTime() + PHASE_NANOS;
        while (out.size() < samples && System.nanoTime() < until) {
            String clerk = "clerk" + (out.size() % CLERKS);
            String conn = "conn-" + clerk;
            queue.setStatus(clerk, conn, ClerkStatus.AVAILABLE);
            long t0 = System.nanoTime();
            QueueService.Taken taken = queue.take(clerk, conn, null);
            out.add(System.nanoTime() - t0);
            queue.clerkHangup(clerk, taken.session().sessionId(), Outcome.COMPLETED, null);
            queue.join(request(), conn());
        }
        return toArray(out);
    }

    private long[] positions(int samples) {
        List<Long> out = new ArrayList<>();
        long until = System.nanoTime() + PHASE_NANOS;
        while (out.size() < samples && System.nanoTime() < until) {
            long t0 = System.nanoTime();
            QueueView view = queue.view();
            int placed = 0;
            for (TicketRecord t : view.waiting()) {
                if (view.place(t.ticketId()) != null) {
                    placed++;
                }
            }
            out.add(System.nanoTime() - t0);
            if (placed != view.totalWaiting()) {
                throw new IllegalStateException("placed " + placed + " of " + view.totalWaiting());
            }
        }
        return toArray(out);
    }

    private void saturation(int start, int threads, int seconds) throws Exception {
        fresh();
        fill(start);
        String loadBefore = load();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger joined = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int w = 0; w < threads; w++) {
            done.add(pool.submit(() -> {
                while (!stop.get()) {
                    QueueService.Joined j = queue.join(request(), conn());
                    queue.view().place(j.ticket().ticketId());
                    joined.incrementAndGet();
                }
            }));
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        stop.set(true);
        for (Future<?> f : done) {
            f.get();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        System.out.printf(
                Locale.ROOT,
                "saturation: %d threads, %.1f s, %d joins (+ place) from %d waiting to %d: %.0f joins/s;"
                        + " load average before %s, after %s%n",
                threads,
                elapsed,
                joined.get(),
                start,
                queue.view().totalWaiting(),
                joined.get() / elapsed,
                loadBefore,
                load());
    }

    private static long[] toArray(List<Long> l) {
        return l.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static void report(int n, String what, long[] sorted, boolean print) {
        if (!print || sorted.length == 0) {
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "| %,d | %s | %d | %.2f | %.2f | %.2f | %s |%n",
                n,
                what,
                sorted.length,
                ms(sorted[sorted.length / 2]),
                ms(sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)]),
                ms(sorted[sorted.length - 1]),
                load());
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }
}
