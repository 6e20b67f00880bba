package cn.tongban.signaling.queue;

import cn.tongban.signaling.refdata.ReferenceData;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of every queue: each waiting ticket's position and estimated wait, and the tickets each
 * clerk may take. Computed once per broadcast from the live state.
 *
 * <p>The wait estimate for the ticket at position p in a queue served by c clerks on duty (available,
 * busy or in wrap-up; not away) is {@code (p - 0.5) × s / c}, where s is the observed average service
 * time of the matter (exponentially weighted; the catalogue's {@code serviceMinutes} until sessions have
 * been observed): on average half a service is already done when the ticket reaches the head. With no
 * clerk on duty there is no honest estimate, and none is given.
 */
public final class QueueView {
    /** Position (1-based) and estimated wait of one ticket; eta is null when no clerk is on duty. */
    public record Place(int position, Integer etaSeconds) {}

    private final Map<String, Place> places;
    private final List<TicketRecord> waiting;
    private final long now;

    private QueueView(Map<String, Place> places, List<TicketRecord> waiting, long now) {
        this.places = places;
        this.waiting = waiting;
        this.now = now;
    }

    static QueueView of(
            Collection<TicketRecord> all,
            Collection<ClerkPresence> presences,
            Map<String, Double> serviceSeconds,
            ReferenceData data,
            long now) {
        Map<String, List<TicketRecord>> byQueue = new HashMap<>();
        List<TicketRecord> waiting = new ArrayList<>();
        for (TicketRecord t : all) {
            if (t.isWaiting()) {
                byQueue.computeIfAbsent(t.queueKey(), k -> new ArrayList<>()).add(t);
                waiting.add(t);
            }
        }
        Comparator<TicketRecord> order =
                Comparator.comparing(TicketRecord::returned).reversed().thenComparingLong(TicketRecord::seq);
        waiting.sort(order);
        Map<String, Integer> onDuty = new HashMap<>();
        for (ClerkPresence p : presences) {
            if (p.status() == ClerkStatus.AWAY) {
                continue;
            }
            data.clerk(p.clerkId()).ifPresent(c -> {
                for (String m : c.matters()) {
                    onDuty.merge(c.hallId() + "|" + m, 1, Integer::sum);
                }
            });
        }
        Map<String, Place> places = new HashMap<>();
        for (Map.Entry<String, List<TicketRecord>> q : byQueue.entrySet()) {
            List<TicketRecord> list = q.getValue();
            list.sort(order);
            String matterId = list.get(0).matterId();
            double service = serviceSeconds.getOrDefault(
                    matterId,
                    data.matter(matterId).map(m -> m.serviceMinutes() * 60.0).orElse(900.0));
            int clerks = onDuty.getOrDefault(q.getKey(), 0);
            for (int i = 0; i < list.size(); i++) {
                int position = i + 1;
                Integer eta = clerks == 0 ? null : (int) Math.round((position - 0.5) * service / clerks);
                places.put(list.get(i).ticketId(), new Place(position, eta));
            }
        }
        return new QueueView(places, waiting, now);
    }

    /** The place of a waiting ticket, or null if it is not waiting. */
    public Place place(String ticketId) {
        return places.get(ticketId);
    }

    /** The waiting tickets a clerk may take, in serving order. */
    public List<TicketRecord> forClerk(ReferenceData.ClerkProfile clerk) {
        return waiting.stream().filter(t -> QueueService.qualified(clerk, t)).toList();
    }

    public int totalWaiting() {
        return waiting.size();
    }

    public long now() {
        return now;
    }
}
