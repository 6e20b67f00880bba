package cn.tongban.signaling.queue;

import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.RoutingConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A snapshot of every queue: each waiting ticket's position and estimated wait, the tickets each clerk
 * may take, the expected wait of each queue (which opens overflow) and the supervisor's board. Computed
 * once per broadcast (and per take) from the live state; pure given its inputs.
 *
 * <h2>Estimated wait</h2>
 *
 * For a ticket at position {@code p} of its queue (owning hall × matter, in {@link Routing#servingOrder}),
 * with {@code s} the mean time a clerk is occupied per ticket of the matter (observed service time,
 * exponentially weighted, plus the configured wrap-up; the catalogue's {@code serviceMinutes} until
 * sessions have been observed), {@code a} the qualified clerks now available and {@code c} the capacity
 * of the qualified clerks on duty (available, busy or in wrap-up; not away):
 *
 * <pre>  eta = max(0, p − a) × s / c</pre>
 *
 * With every clerk busy, a ticket needs {@code p} departures, which come at rate {@code c / s}; idle
 * clerks take the first {@code a} tickets at once. A clerk who serves several queues counts in each in
 * proportion to that queue's share of the tickets waiting for the clerk ({@code (n_Q + 1) / (N + 1)}),
 * since the clerk takes them in arrival order. "Qualified" includes speaking the ticket's language.
 * Partner clerks helping on overflow are not counted, so the estimate errs long when overflow is open.
 * With no qualified clerk on duty there is no honest estimate, and none is given.
 */
public final class QueueView implements Routing.Load {
    /** Position (1-based) and estimated wait of one ticket; eta is null when no clerk is on duty. */
    public record Place(int position, Integer etaSeconds) {}

    /**
     * One queue as the supervisor sees it: waiting tickets, the longest wait so far, the expected wait of a
     * new arrival (null: no clerk on duty), whether partner clerks may help, and the hall's clerks for the
     * matter by state.
     */
    public record QueueStats(
            String hallId,
            String matterId,
            int waiting,
            int longestWaitSeconds,
            Integer expectedWaitSeconds,
            boolean overflowOpen,
            int priorityClaims,
            int appointmentsDue,
            int available,
            int busy,
            int wrapUp,
            int away) {}

    /** A signed-in clerk as the supervisor sees it. */
    public record ClerkState(String clerkId, String hallId, ClerkStatus status, long since, String sessionId) {}

    private final Map<String, Place> places;
    private final List<TicketRecord> waiting;
    private final Map<String, List<TicketRecord>> byQueue;
    private final List<ClerkPresence> presences;
    private final Map<String, Double> serviceSeconds;
    private final ReferenceData data;
    private final long now;
    private final Map<String, Double> expected = new ConcurrentHashMap<>();

    private QueueView(
            List<TicketRecord> waiting,
            Map<String, List<TicketRecord>> byQueue,
            List<ClerkPresence> presences,
            Map<String, Double> serviceSeconds,
            ReferenceData data,
            long now) {
        this.waiting = waiting;
        this.byQueue = byQueue;
        this.presences = presences;
        this.serviceSeconds = serviceSeconds;
        this.data = data;
        this.now = now;
        this.places = new HashMap<>();
        for (List<TicketRecord> list : byQueue.values()) {
            for (int i = 0; i < list.size(); i++) {
                TicketRecord t = list.get(i);
                places.put(t.ticketId(), new Place(i + 1, eta(t.hallId(), t.matterId(), t.language(), i + 1)));
            }
        }
    }

    /**
     * Builds the view. {@code serviceSeconds} maps a matter to its observed mean service time (seconds);
     * matters missing from it use the catalogue's typical time.
     */
    public static QueueView of(
            Collection<TicketRecord> all,
            Collection<ClerkPresence> presences,
            Map<String, Double> serviceSeconds,
            ReferenceData data,
            long now) {
        Map<String, List<TicketRecord>> byQueue = new LinkedHashMap<>();
        List<TicketRecord> waiting = new ArrayList<>();
        for (TicketRecord t : all) {
            if (t.isWaiting()) {
                byQueue.computeIfAbsent(t.queueKey(), k -> new ArrayList<>()).add(t);
                waiting.add(t);
            }
        }
        Comparator<TicketRecord> order = Routing.servingOrder(now, data.routing());
        waiting.sort(order);
        byQueue.values().forEach(l -> l.sort(order));
        return new QueueView(waiting, byQueue, List.copyOf(presences), Map.copyOf(serviceSeconds), data, now);
    }

    // ---------------------------------------------------------------- estimates

    /** Mean seconds a clerk is occupied per ticket of the matter (service plus wrap-up). */
    public double occupancySeconds(String matterId) {
        double service = serviceSeconds.getOrDefault(
                matterId,
                data.matter(matterId).map(m -> m.serviceMinutes() * 60.0).orElse(900.0));
        return service + data.routing().wrapUpSeconds();
    }

    private int waitingIn(String hallId, String matterId) {
        List<TicketRecord> l = byQueue.get(TicketRecord.queueKey(hallId, matterId));
        return l == null ? 0 : l.size();
    }

    /**
     * The estimated wait of the ticket at {@code position} of a queue; null with no qualified clerk on
     * duty. {@code language} null means any language (the queue as a whole).
     */
    Integer eta(String hallId, String matterId, String language, int position) {
        double capacity = 0;
        int available = 0;
        RoutingConfig config = data.routing();
        for (ClerkPresence p : presences) {
            ClerkStatus status = p.statusAt(now);
            if (status == ClerkStatus.AWAY) {
                continue;
            }
            ReferenceData.ClerkProfile c = data.clerk(p.clerkId()).orElse(null);
            if (c == null
                    || !c.hallId().equals(hallId)
                    || !c.matters().contains(matterId)
                    || (language != null && !config.speaks(c, language))) {
                continue;
            }
            int mine = 0;
            for (String m : c.matters()) {
                mine += waitingIn(hallId, m);
            }
            int here = waitingIn(hallId, matterId);
            // A new arrival (position beyond the queue) adds one ticket both here and to the clerk's total.
            int extra = position > here ? 1 : 0;
            capacity += (here + extra) == 0 ? 1 : (double) (here + extra) / (mine + extra);
            if (status == ClerkStatus.AVAILABLE) {
                available++;
            }
        }
        if (capacity <= 0) {
            return null;
        }
        double eta = Math.max(0, position - available) * occupancySeconds(matterId) / capacity;
        return (int) Math.round(eta);
    }

    @Override
    public double expectedWaitSeconds(String hallId, String matterId) {
        return expected.computeIfAbsent(TicketRecord.queueKey(hallId, matterId), k -> {
            Integer eta = eta(hallId, matterId, null, waitingIn(hallId, matterId) + 1);
            return eta == null ? Double.POSITIVE_INFINITY : eta;
        });
    }

    // ---------------------------------------------------------------- per ticket, per clerk

    /** The place of a waiting ticket, or null if it is not waiting. */
    public Place place(String ticketId) {
        return places.get(ticketId);
    }

    /** The waiting tickets a clerk may take (own hall first, then overflow), in serving order. */
    public List<Routing.Candidate> candidatesFor(ReferenceData.ClerkProfile clerk) {
        return Routing.candidates(waiting, clerk, now, data, this);
    }

    /** The waiting tickets a clerk may take, in serving order. */
    public List<TicketRecord> forClerk(ReferenceData.ClerkProfile clerk) {
        return candidatesFor(clerk).stream().map(Routing.Candidate::ticket).toList();
    }

    public int totalWaiting() {
        return waiting.size();
    }

    /** Every waiting ticket, in serving order. */
    public List<TicketRecord> waiting() {
        return waiting;
    }

    public long now() {
        return now;
    }

    // ---------------------------------------------------------------- supervisor

    /** Every queue of the catalogue (owning hall × matter), plus any other holding tickets. */
    public List<QueueStats> queues() {
        Map<String, String[]> keys = new LinkedHashMap<>();
        for (ReferenceData.Matter m : data.matters()) {
            for (String h : m.owningHalls()) {
                keys.put(TicketRecord.queueKey(h, m.id()), new String[] {h, m.id()});
            }
        }
        for (List<TicketRecord> l : byQueue.values()) {
            TicketRecord t = l.get(0);
            keys.putIfAbsent(t.queueKey(), new String[] {t.hallId(), t.matterId()});
        }
        List<QueueStats> out = new ArrayList<>();
        for (String[] k : keys.values()) {
            out.add(stats(k[0], k[1]));
        }
        return out;
    }

    private QueueStats stats(String hallId, String matterId) {
        List<TicketRecord> list = byQueue.getOrDefault(TicketRecord.queueKey(hallId, matterId), List.of());
        long longest = 0;
        int claims = 0;
        int due = 0;
        for (TicketRecord t : list) {
            longest = Math.max(longest, now - t.issuedAt());
            if (t.priorityGroup() != null) {
                claims++;
            }
            if (t.appointmentDue(now)) {
                due++;
            }
        }
        int[] byState = new int[ClerkStatus.values().length];
        for (ClerkPresence p : presences) {
            ReferenceData.ClerkProfile c = data.clerk(p.clerkId()).orElse(null);
            if (c != null && c.hallId().equals(hallId) && c.matters().contains(matterId)) {
                byState[p.statusAt(now).ordinal()]++;
            }
        }
        double expected = expectedWaitSeconds(hallId, matterId);
        return new QueueStats(
                hallId,
                matterId,
                list.size(),
                (int) Math.max(0, longest / 1000),
                Double.isInfinite(expected) ? null : (int) expected,
                Routing.overflowOpen(hallId, matterId, data.routing(), this),
                claims,
                due,
                byState[ClerkStatus.AVAILABLE.ordinal()],
                byState[ClerkStatus.BUSY.ordinal()],
                byState[ClerkStatus.WRAP_UP.ordinal()],
                byState[ClerkStatus.AWAY.ordinal()]);
    }

    /** Every signed-in clerk with the status as of this view, ordered by hall and id. */
    public List<ClerkState> clerks() {
        return presences.stream()
                .map(p -> new ClerkState(
                        p.clerkId(),
                        data.clerk(p.clerkId())
                                .map(ReferenceData.ClerkProfile::hallId)
                                .orElse(""),
                        p.statusAt(now),
                        p.since(),
                        p.sessionId()))
                .sorted(Comparator.comparing(ClerkState::hallId).thenComparing(ClerkState::clerkId))
                .toList();
    }
}
