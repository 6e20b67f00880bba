package cn.tongban.signaling.queue;

import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.RoutingConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
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
 *
 * <h2>Cost</h2>
 *
 * The view reads the waiting tickets from an immutable snapshot of this node's {@link QueueIndex}, taken
 * once: a position is a rank (O(log n)), a queue's length and the board's figures are counts kept in the
 * index, a clerk's next tickets are the heads of the clerk's queues. Nothing in it walks all tickets except
 * {@link #waiting()} and {@link #candidatesFor} (every candidate), which only tests and the simulation use.
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

    /** The first candidates of a clerk, in serving order, and how many there are in all. */
    public record Candidates(List<Routing.Candidate> first, int total) {}

    private final QueueIndex.Snapshot snapshot;
    private final List<ClerkPresence> presences;
    private final Map<String, Double> serviceSeconds;
    private final ReferenceData data;
    private final long now;
    private final Map<String, Double> expected = new ConcurrentHashMap<>();

    QueueView(
            QueueIndex.Snapshot snapshot,
            Collection<ClerkPresence> presences,
            Map<String, Double> serviceSeconds,
            ReferenceData data) {
        this.snapshot = snapshot;
        this.presences = List.copyOf(presences);
        this.serviceSeconds = Map.copyOf(serviceSeconds);
        this.data = data;
        this.now = snapshot.now();
    }

    /**
     * Builds the view of these tickets. {@code serviceSeconds} maps a matter to its observed mean service
     * time (seconds); matters missing from it use the catalogue's typical time.
     */
    public static QueueView of(
            Collection<TicketRecord> all,
            Collection<ClerkPresence> presences,
            Map<String, Double> serviceSeconds,
            ReferenceData data,
            long now) {
        QueueIndex index = QueueIndex.of(all, now, data.routing());
        return new QueueView(index.snapshot(now, data.routing()), presences, serviceSeconds, data);
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
        return snapshot.waiting(hallId, matterId);
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
        TicketRecord t = snapshot.ticket(ticketId);
        int position = snapshot.position(t);
        if (position == 0) {
            return null;
        }
        return new Place(position, eta(t.hallId(), t.matterId(), t.language(), position));
    }

    /**
     * The ticket as this node knows it now, if it is waiting: what a push to its applicant
     * needs (the connection that holds it), without a read of the cluster's map.
     */
    public TicketRecord waitingTicket(String ticketId) {
        TicketRecord t = snapshot.ticket(ticketId);
        return t != null && t.isWaiting() ? t : null;
    }

    /** The clerk's queues (with their languages) in each part: own hall first, then overflow. */
    private List<List<RankTree.Node>> parts(ReferenceData.ClerkProfile clerk) {
        List<RankTree.Node> own = new ArrayList<>();
        List<RankTree.Node> overflow = new ArrayList<>();
        for (QueueIndex.QueueId q : snapshot.queues()) {
            if (!clerk.matters().contains(q.matterId())) {
                continue;
            }
            for (Map.Entry<String, RankTree.Node> e :
                    snapshot.queue(q.hallId(), q.matterId()).entrySet()) {
                Routing.Eligibility eligibility =
                        Routing.eligibility(clerk, q.hallId(), q.matterId(), e.getKey(), data, this);
                if (eligibility == Routing.Eligibility.OWN) {
                    own.add(e.getValue());
                } else if (eligibility == Routing.Eligibility.OVERFLOW) {
                    overflow.add(e.getValue());
                }
            }
        }
        return List.of(own, overflow);
    }

    /** The waiting tickets a clerk may take, best first, lazily (see {@link Routing#candidates}). */
    Iterator<Routing.Candidate> candidateIterator(ReferenceData.ClerkProfile clerk) {
        List<List<RankTree.Node>> parts = parts(clerk);
        Iterator<RankTree.Node> own = QueueIndex.merged(parts.get(0));
        Iterator<RankTree.Node> overflow = QueueIndex.merged(parts.get(1));
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return own.hasNext() || overflow.hasNext();
            }

            @Override
            public Routing.Candidate next() {
                if (own.hasNext()) {
                    return new Routing.Candidate(own.next().ticket, Routing.Eligibility.OWN);
                }
                if (overflow.hasNext()) {
                    return new Routing.Candidate(overflow.next().ticket, Routing.Eligibility.OVERFLOW);
                }
                throw new NoSuchElementException();
            }
        };
    }

    /** The clerk's first {@code limit} candidates and their number: O(limit + log n) per queue. */
    public Candidates candidates(ReferenceData.ClerkProfile clerk, int limit) {
        int total = 0;
        for (List<RankTree.Node> part : parts(clerk)) {
            for (RankTree.Node root : part) {
                total += RankTree.size(root);
            }
        }
        List<Routing.Candidate> first = new ArrayList<>(Math.min(limit, total));
        Iterator<Routing.Candidate> it = candidateIterator(clerk);
        while (first.size() < limit && it.hasNext()) {
            first.add(it.next());
        }
        return new Candidates(first, total);
    }

    /** The waiting tickets a clerk may take (own hall first, then overflow), in serving order. */
    public List<Routing.Candidate> candidatesFor(ReferenceData.ClerkProfile clerk) {
        return candidates(clerk, Integer.MAX_VALUE).first();
    }

    /** The waiting tickets a clerk may take, in serving order. */
    public List<TicketRecord> forClerk(ReferenceData.ClerkProfile clerk) {
        return candidatesFor(clerk).stream().map(Routing.Candidate::ticket).toList();
    }

    public int totalWaiting() {
        return snapshot.total();
    }

    /** Every waiting ticket, in serving order (a walk over all of them). */
    public List<TicketRecord> waiting() {
        List<RankTree.Node> all = new ArrayList<>();
        for (QueueIndex.QueueId q : snapshot.queues()) {
            all.addAll(snapshot.queue(q.hallId(), q.matterId()).values());
        }
        List<TicketRecord> out = new ArrayList<>(snapshot.total());
        QueueIndex.merged(all).forEachRemaining(n -> out.add(n.ticket));
        return out;
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
        List<QueueIndex.QueueId> others = new ArrayList<>(snapshot.queues());
        others.sort(Comparator.comparing(QueueIndex.QueueId::hallId).thenComparing(QueueIndex.QueueId::matterId));
        for (QueueIndex.QueueId q : others) {
            keys.putIfAbsent(TicketRecord.queueKey(q.hallId(), q.matterId()), new String[] {q.hallId(), q.matterId()});
        }
        List<QueueStats> out = new ArrayList<>();
        for (String[] k : keys.values()) {
            out.add(stats(k[0], k[1]));
        }
        return out;
    }

    private QueueStats stats(String hallId, String matterId) {
        long earliest = Long.MAX_VALUE;
        int waiting = 0;
        int claims = 0;
        int due = 0;
        for (RankTree.Node root : snapshot.queue(hallId, matterId).values()) {
            waiting += RankTree.size(root);
            earliest = Math.min(earliest, RankTree.minIssuedAt(root));
            claims += RankTree.claims(root);
            due += RankTree.due(root);
        }
        long longest = waiting == 0 ? 0 : now - earliest;
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
                waiting,
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
