package cn.tongban.signaling.queue;

import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.RoutingConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The routing rule: which waiting ticket a clerk takes next. Pure functions of the waiting tickets, the
 * clerk's skills, the clock, the configuration and the queues' expected waits, so the same code decides
 * in the pairing engine ({@link QueueService#take}) and in the queue simulation, and can be tested
 * without a cluster.
 *
 * <h2>Who may take a ticket</h2>
 *
 * A clerk may take a ticket when the matter is one of the clerk's matters, the clerk speaks the
 * ticket's language, and either the clerk works at the ticket's owning hall ({@link Eligibility#OWN}),
 * or an agreement between the clerk's hall and the owning hall covers the matter and the owning hall's
 * expected wait for that matter exceeds the matter's overflow threshold ({@link Eligibility#OVERFLOW}).
 * A matter without a threshold never overflows.
 *
 * <h2>Serving order</h2>
 *
 * Among the tickets a clerk may take, the clerk's own hall comes first (overflow tickets are taken only
 * when no own ticket waits: partner halls help with spare capacity, they do not make their own
 * applicants wait for another hall's). Within each part:
 *
 * <ol>
 *   <li>tickets sent back to the head (clerk lost, or transferred back to the queue);
 *   <li>appointment holders whose slot has begun, earliest slot first;
 *   <li>everyone else by <em>effective arrival</em> {@code issuedAt − bonus(priorityGroup)}, earliest
 *       first, then by the cluster-wide sequence.
 * </ol>
 *
 * The last rule is "score = waited time + priority bonus, highest first" written so that it does not
 * depend on the clock: a claimed priority is a head start of {@code bonusSeconds}. Within one group it
 * is plain FIFO. Nobody starves: a ticket that has waited {@code w} seconds can only be overtaken by
 * priority tickets that arrived less than {@code bonus} seconds after it, so its extra delay is bounded
 * by the service of those (and of the appointments due meanwhile), however many priority tickets come
 * later.
 */
public final class Routing {
    private Routing() {}

    /** Whether (and why) a clerk may take a ticket. */
    public enum Eligibility {
        /** The clerk's own hall owns the ticket's queue. */
        OWN,
        /** A partner hall's ticket the clerk may take because that queue overflows. */
        OVERFLOW,
        /** The clerk does not handle the matter. */
        NOT_QUALIFIED,
        /** The clerk does not speak the ticket's language. */
        LANGUAGE,
        /** The clerk's hall has no agreement with the owning hall for this matter. */
        NO_AGREEMENT,
        /** An agreement exists but the owning hall's expected wait is below the matter's threshold. */
        OVERFLOW_CLOSED;

        public boolean allowed() {
            return this == OWN || this == OVERFLOW;
        }
    }

    /** The expected wait of a newly arriving ticket in each owning hall's queue, in seconds. */
    @FunctionalInterface
    public interface Load {
        /** Seconds; {@link Double#POSITIVE_INFINITY} when no clerk of the hall is on duty for the matter. */
        double expectedWaitSeconds(String hallId, String matterId);

        Load NONE = (h, m) -> 0;
    }

    /** Whether the clerk may take the ticket now. */
    public static Eligibility eligibility(
            ReferenceData.ClerkProfile clerk, TicketRecord t, ReferenceData data, Load load) {
        return eligibility(clerk, t.hallId(), t.matterId(), t.language(), data, load);
    }

    /**
     * Whether the clerk may take the tickets of a queue (owning hall × matter) in a language now: the same
     * for every ticket of the queue in that language.
     */
    public static Eligibility eligibility(
            ReferenceData.ClerkProfile clerk,
            String hallId,
            String matterId,
            String language,
            ReferenceData data,
            Load load) {
        RoutingConfig config = data.routing();
        if (!clerk.matters().contains(matterId)) {
            return Eligibility.NOT_QUALIFIED;
        }
        if (!config.speaks(clerk, language)) {
            return Eligibility.LANGUAGE;
        }
        if (clerk.hallId().equals(hallId)) {
            return Eligibility.OWN;
        }
        if (!config.agreementCovers(clerk.hallId(), hallId, matterId)) {
            return Eligibility.NO_AGREEMENT;
        }
        return overflowOpen(hallId, matterId, config, load) ? Eligibility.OVERFLOW : Eligibility.OVERFLOW_CLOSED;
    }

    /** Whether partner clerks may help with this owning hall's queue for the matter right now. */
    public static boolean overflowOpen(String hallId, String matterId, RoutingConfig config, Load load) {
        OptionalLong threshold = config.overflowThresholdSeconds(matterId);
        return threshold.isPresent() && load.expectedWaitSeconds(hallId, matterId) > threshold.getAsLong();
    }

    /** The serving order within one part (own or overflow) of a clerk's candidates. */
    public static Comparator<TicketRecord> servingOrder(long now, RoutingConfig config) {
        return Comparator.comparing(TicketRecord::returned)
                .reversed()
                .thenComparing(t -> !t.appointmentDue(now))
                .thenComparingLong(t -> t.appointmentDue(now) ? t.appointmentAt() : 0)
                .thenComparingLong(t -> effectiveArrival(t, config))
                .thenComparingLong(TicketRecord::seq);
    }

    /** {@code issuedAt − bonus}: the arrival time a priority claim makes the ticket count as. */
    public static long effectiveArrival(TicketRecord t, RoutingConfig config) {
        return t.issuedAt() - config.bonusSeconds(t.priorityGroup()) * 1000L;
    }

    /** A ticket the clerk may take, and on which ground. */
    public record Candidate(TicketRecord ticket, Eligibility eligibility) {}

    /**
     * Every waiting ticket the clerk may take, best first: own tickets, then overflow tickets, each in
     * {@link #servingOrder}. Disconnected applicants keep their place in the list but are not handed out
     * (see {@link #next}).
     */
    public static List<Candidate> candidates(
            Collection<TicketRecord> tickets,
            ReferenceData.ClerkProfile clerk,
            long now,
            ReferenceData data,
            Load load) {
        List<TicketRecord> own = new ArrayList<>();
        List<TicketRecord> overflow = new ArrayList<>();
        for (TicketRecord t : tickets) {
            if (!t.isWaiting()) {
                continue;
            }
            Eligibility e = eligibility(clerk, t, data, load);
            if (e == Eligibility.OWN) {
                own.add(t);
            } else if (e == Eligibility.OVERFLOW) {
                overflow.add(t);
            }
        }
        Comparator<TicketRecord> order = servingOrder(now, data.routing());
        own.sort(order);
        overflow.sort(order);
        List<Candidate> out = new ArrayList<>(own.size() + overflow.size());
        own.forEach(t -> out.add(new Candidate(t, Eligibility.OWN)));
        overflow.forEach(t -> out.add(new Candidate(t, Eligibility.OVERFLOW)));
        return out;
    }

    /** The tickets the clerk would take, in order, leaving out applicants who are disconnected. */
    public static List<Candidate> takeable(
            Collection<TicketRecord> tickets,
            ReferenceData.ClerkProfile clerk,
            long now,
            ReferenceData data,
            Load load) {
        return candidates(tickets, clerk, now, data, load).stream()
                .filter(c -> c.ticket().connected())
                .toList();
    }

    /** The ticket this clerk takes next, if any. */
    public static Optional<Candidate> next(
            Collection<TicketRecord> tickets,
            ReferenceData.ClerkProfile clerk,
            long now,
            ReferenceData data,
            Load load) {
        return takeable(tickets, clerk, now, data, load).stream().findFirst();
    }
}
