package cn.tongban.signaling.sim;

import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.HazelcastInstance;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A discrete-event simulation of service halls that drives the real pairing engine: every arrival is a
 * {@link QueueService#join}, every clerk who is free calls {@link QueueService#take} (so the routing rule
 * and the entry-processor claims decide who is served), every service ends with {@link
 * QueueService#clerkHangup} (which feeds the observed service times the estimator uses). The clock the
 * service reads is virtual: it jumps from event to event, so a day takes as long as its events do.
 *
 * <p>Arrivals are Poisson per stream (hall × matter); service times are exponential per matter. Clerks
 * never dawdle: whenever a clerk is free and a ticket it may take is waiting, it takes it (in the real
 * console a person clicks). That is what makes the pooled single-skill case an M/M/c queue, comparable
 * with Erlang C.
 *
 * <p>Two modes: {@code days} (the hall opens empty each morning, arrivals for {@code hoursPerDay}, clerks
 * serve until the queue is empty) and {@code continuous} (the days follow each other without a night:
 * one long stationary run, with a warm-up discarded, for comparison with steady-state formulas).
 */
final class QueueSimulation {
    static final long START = Instant.parse("2026-03-02T00:30:00Z").toEpochMilli(); // a Monday, 08:30 in China

    /** Poisson arrivals for one owning hall and matter. */
    record Stream(String hallId, String matterId, double perHour) {}

    /**
     * A scenario: reference data (halls, matters, clerks, agreements, thresholds), arrival streams, the
     * true mean service minutes per matter, and how long to run.
     */
    record Scenario(
            String name,
            String refdataYaml,
            List<Stream> streams,
            Map<String, Double> serviceMinutes,
            int days,
            double hoursPerDay,
            boolean continuous,
            double warmupHours,
            long seed) {}

    /** What one queue (owning hall × matter) saw. */
    static final class QueueResult {
        final String key;
        final List<Double> waits = new ArrayList<>();
        final List<Double> etaErrors = new ArrayList<>();
        final List<Double> oldEtaErrors = new ArrayList<>();
        int overflowTakes;
        int noEta;

        QueueResult(String key) {
            this.key = key;
        }

        double meanWait() {
            return waits.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        }

        double p95Wait() {
            return quantile(waits, 0.95);
        }

        double probabilityOfWaiting() {
            return waits.stream().filter(w -> w > 0.5).count() / (double) Math.max(1, waits.size());
        }

        double etaMae() {
            return etaErrors.stream().mapToDouble(Math::abs).average().orElse(Double.NaN);
        }

        double etaBias() {
            return etaErrors.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        double oldEtaMae() {
            return oldEtaErrors.stream().mapToDouble(Math::abs).average().orElse(Double.NaN);
        }
    }

    /** The outcome of a run. */
    static final class Result {
        final Scenario scenario;
        final Map<String, QueueResult> queues = new LinkedHashMap<>();
        final QueueResult all = new QueueResult("all");
        long events;
        long tickets;
        /** Events after which a clerk was idle while a ticket it could take was waiting. */
        long idleWhileWaiting;

        double wallSeconds;

        Result(Scenario scenario) {
            this.scenario = scenario;
        }

        QueueResult queue(String hallId, String matterId) {
            return queues.get(TicketRecord.queueKey(hallId, matterId));
        }
    }

    static double quantile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return 0;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        int rank = (int) Math.ceil(q * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, rank))];
    }

    private enum Kind {
        ARRIVAL,
        DEPARTURE,
        SWEEP
    }

    private record Event(long at, long order, Kind kind, int stream, int day, String clerkId, String sessionId) {}

    private static final class SimClerk {
        final ReferenceData.ClerkProfile profile;
        String sessionId;
        long idleSince;

        SimClerk(ReferenceData.ClerkProfile profile) {
            this.profile = profile;
        }

        boolean idle() {
            return sessionId == null;
        }
    }

    /** What the simulation knows of a ticket between join and take. */
    private record Issued(String key, long at, Integer eta, Double oldEta, boolean measured) {}

    /** Runs the scenario through the real {@link QueueService} on the given (fresh) Hazelcast member. */
    static Result onCluster(Scenario sc, HazelcastInstance hz) {
        hz.getDistributedObjects().forEach(DistributedObject::destroy);
        ReferenceData data = ReferenceDataStore.fromYaml(sc.refdataYaml());
        VirtualClock clock = new VirtualClock(START);
        return run(sc, data, new Pairing.Cluster(new QueueService(hz, () -> data, clock), clock, data));
    }

    /** Runs the scenario through the same routing rule and estimator over in-memory state. */
    static Result inMemory(Scenario sc) {
        ReferenceData data = ReferenceDataStore.fromYaml(sc.refdataYaml());
        return run(sc, data, new Pairing.Memory(data));
    }

    private static Result run(Scenario sc, ReferenceData data, Pairing queue) {
        long wallStart = System.nanoTime();
        Random random = new Random(sc.seed());
        Result result = new Result(sc);
        for (Stream s : sc.streams()) {
            result.queues.putIfAbsent(
                    TicketRecord.queueKey(s.hallId(), s.matterId()),
                    new QueueResult(TicketRecord.queueKey(s.hallId(), s.matterId())));
        }

        List<SimClerk> clerks = new ArrayList<>();
        for (ReferenceData.ClerkProfile p : data.clerks()) {
            if (p.matters().isEmpty()) {
                continue;
            }
            SimClerk c = new SimClerk(p);
            queue.signIn(p);
            c.idleSince = START;
            clerks.add(c);
        }
        Map<String, SimClerk> byId = new HashMap<>();
        clerks.forEach(c -> byId.put(c.profile.id(), c));
        Map<String, Integer> waiting = new HashMap<>();
        Map<String, Issued> issued = new HashMap<>();

        long dayMillis = (long) (sc.hoursPerDay() * 3_600_000);
        long stride = sc.continuous() ? dayMillis : 24 * 3_600_000L;
        long warmupEnd = START + (long) (sc.warmupHours() * 3_600_000);
        PriorityQueue<Event> events =
                new PriorityQueue<>(Comparator.comparingLong(Event::at).thenComparingLong(Event::order));
        long[] order = {0};
        for (int i = 0; i < sc.streams().size(); i++) {
            events.add(new Event(
                    START + exp(random, sc.streams().get(i).perHour() / 3_600_000.0),
                    order[0]++,
                    Kind.ARRIVAL,
                    i,
                    0,
                    null,
                    null));
        }
        events.add(new Event(START + 600_000, order[0]++, Kind.SWEEP, 0, 0, null, null));

        while (events.stream().anyMatch(x -> x.kind() != Kind.SWEEP)) {
            Event e = events.poll();
            result.events++;
            switch (e.kind()) {
                case ARRIVAL -> {
                    Stream s = sc.streams().get(e.stream());
                    double rate = s.perHour() / 3_600_000.0;
                    long dayEnd = START + e.day() * stride + dayMillis;
                    if (e.at() >= dayEnd) {
                        // The hall closed for the day: the stream resumes next morning.
                        int next = e.day() + 1;
                        if (next < sc.days()) {
                            events.add(new Event(
                                    START + next * stride + exp(random, rate),
                                    order[0]++,
                                    Kind.ARRIVAL,
                                    e.stream(),
                                    next,
                                    null,
                                    null));
                        }
                        break;
                    }
                    events.add(new Event(
                            e.at() + exp(random, rate), order[0]++, Kind.ARRIVAL, e.stream(), e.day(), null, null));
                    Pairing.Joined j = queue.join(s.hallId(), s.matterId(), e.at());
                    result.tickets++;
                    waiting.merge(j.queueKey(), 1, Integer::sum);
                    issued.put(
                            j.ticketId(),
                            new Issued(
                                    j.queueKey(),
                                    e.at(),
                                    j.etaSeconds(),
                                    oldEstimate(j.position(), s, queue, clerks),
                                    e.at() >= warmupEnd || !sc.continuous()));
                }
                case DEPARTURE -> {
                    SimClerk c = byId.get(e.clerkId());
                    queue.finish(c.profile.id(), e.sessionId(), e.at());
                    c.sessionId = null;
                    c.idleSince = e.at();
                }
                case SWEEP -> {
                    queue.housekeeping(e.at());
                    events.add(new Event(e.at() + 600_000, order[0]++, Kind.SWEEP, 0, 0, null, null));
                    continue;
                }
            }
            dispatch(sc, data, queue, clerks, waiting, issued, events, order, random, result, e.at());
            // A clerk idle while a ticket of its own hall and matters waits would be a routing failure. (A
            // partner clerk idle beside a closed overflow is not: that is the rule.)
            if (idleWithOwnWork(clerks, waiting)) {
                result.idleWhileWaiting++;
            }
        }
        result.wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        return result;
    }

    private static boolean idleWithOwnWork(List<SimClerk> clerks, Map<String, Integer> waiting) {
        for (SimClerk c : clerks) {
            if (!c.idle()) {
                continue;
            }
            for (String m : c.profile.matters()) {
                if (waiting.getOrDefault(TicketRecord.queueKey(c.profile.hallId(), m), 0) > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether the clerk might take something: an own queue or an agreement partner's queue is not empty. */
    private static boolean couldTake(SimClerk c, ReferenceData data, Map<String, Integer> waiting) {
        for (Map.Entry<String, Integer> w : waiting.entrySet()) {
            if (w.getValue() <= 0) {
                continue;
            }
            String[] hm = w.getKey().split("\\|");
            if (!c.profile.matters().contains(hm[1])) {
                continue;
            }
            if (hm[0].equals(c.profile.hallId()) || data.routing().agreementCovers(c.profile.hallId(), hm[0], hm[1])) {
                return true;
            }
        }
        return false;
    }

    private static void dispatch(
            Scenario sc,
            ReferenceData data,
            Pairing queue,
            List<SimClerk> clerks,
            Map<String, Integer> waiting,
            Map<String, Issued> issued,
            PriorityQueue<Event> events,
            long[] order,
            Random random,
            Result result,
            long now) {
        List<SimClerk> idle = clerks.stream()
                .filter(SimClerk::idle)
                .sorted(Comparator.comparingLong((SimClerk c) -> c.idleSince).thenComparing(c -> c.profile.id()))
                .toList();
        for (SimClerk c : idle) {
            if (!couldTake(c, data, waiting)) {
                continue;
            }
            Pairing.Taken taken = queue.take(c.profile.id(), now);
            if (taken == null) {
                continue;
            }
            waiting.merge(taken.queueKey(), -1, Integer::sum);
            c.sessionId = taken.sessionId();
            Issued i = issued.remove(taken.ticketId());
            if (i.measured()) {
                double wait = (now - i.at()) / 1000.0;
                QueueResult q = result.queues.get(i.key());
                for (QueueResult r : List.of(q, result.all)) {
                    r.waits.add(wait);
                    if (i.eta() != null) {
                        r.etaErrors.add(i.eta() - wait);
                    } else {
                        r.noEta++;
                    }
                    if (i.oldEta() != null) {
                        r.oldEtaErrors.add(i.oldEta() - wait);
                    }
                    if (taken.overflow()) {
                        r.overflowTakes++;
                    }
                }
            }
            double minutes = sc.serviceMinutes().get(taken.matterId());
            events.add(new Event(
                    now + exp(random, 1 / (minutes * 60_000)),
                    order[0]++,
                    Kind.DEPARTURE,
                    0,
                    0,
                    c.profile.id(),
                    c.sessionId));
        }
    }

    /** The estimate this project showed before: (p − ½) × s / c with c the clerks on duty for the queue. */
    private static Double oldEstimate(int position, Stream s, Pairing queue, List<SimClerk> clerks) {
        long c = clerks.stream()
                .filter(x -> x.profile.hallId().equals(s.hallId())
                        && x.profile.matters().contains(s.matterId()))
                .count();
        return c == 0 ? null : (position - 0.5) * queue.serviceSeconds(s.matterId()) / c;
    }

    private static long exp(Random random, double ratePerMilli) {
        return Math.max(1, Math.round(-Math.log(1 - random.nextDouble()) / ratePerMilli));
    }

    /** The simulation's clock: set by the event loop, read by the pairing engine. */
    static final class VirtualClock extends Clock {
        private volatile long millis;

        VirtualClock(long start) {
            this.millis = start;
        }

        void set(long at) {
            millis = at;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
