package cn.tongban.signaling.sim;

import cn.tongban.session.model.Outcome;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.ClerkStatus;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.QueueView;
import cn.tongban.signaling.queue.Routing;
import cn.tongban.signaling.queue.ServiceTimeEstimate;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.queue.TicketStatus;
import cn.tongban.signaling.refdata.ReferenceData;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the simulation needs from a pairing engine. Two implementations decide with the same production
 * code: {@link Cluster} is the real {@link QueueService} on a Hazelcast member (entry processors and all);
 * {@link Memory} keeps the state in plain maps but routes with {@link Routing} and estimates with {@link
 * QueueView}, for runs too long for the cluster path's per-event cost. A test checks that both give the
 * same waits for the same seed.
 */
interface Pairing {
    /** A joined ticket, with the estimate shown to the applicant. */
    record Joined(String ticketId, String queueKey, int position, Integer etaSeconds) {}

    /** A claimed ticket. */
    record Taken(
            String ticketId, String queueKey, String matterId, long issuedAt, boolean overflow, String sessionId) {}

    void signIn(ReferenceData.ClerkProfile clerk);

    Joined join(String hallId, String matterId, long now);

    /** The clerk's next ticket, or null when there is none it may take. */
    Taken take(String clerkId, long now);

    void finish(String clerkId, String sessionId, long now);

    /** The service time the estimator uses for the matter (observed mean, or the catalogue's). */
    double serviceSeconds(String matterId);

    void housekeeping(long now);

    /** The real engine: {@link QueueService} over Hazelcast, reading the simulation's virtual clock. */
    final class Cluster implements Pairing {
        private final QueueService queue;
        private final QueueSimulation.VirtualClock clock;
        private final ReferenceData data;
        private int applicants;

        Cluster(QueueService queue, QueueSimulation.VirtualClock clock, ReferenceData data) {
            this.queue = queue;
            this.clock = clock;
            this.data = data;
        }

        private static String conn(String clerkId) {
            return "sim-" + clerkId;
        }

        @Override
        public void signIn(ReferenceData.ClerkProfile clerk) {
            queue.clerkSignedIn(clerk.id(), conn(clerk.id()));
            queue.setStatus(clerk.id(), conn(clerk.id()), ClerkStatus.AVAILABLE);
        }

        @Override
        public Joined join(String hallId, String matterId, long now) {
            clock.set(now);
            QueueService.Joined j = queue.join(
                    new QueueService.JoinRequest(matterId, hallId, null, "模拟", "13800000000"), "app-" + applicants++);
            QueueView.Place place = queue.view().place(j.ticket().ticketId());
            return new Joined(j.ticket().ticketId(), j.ticket().queueKey(), place.position(), place.etaSeconds());
        }

        @Override
        public Taken take(String clerkId, long now) {
            clock.set(now);
            QueueService.Taken t;
            try {
                t = queue.take(clerkId, conn(clerkId), null);
            } catch (ProtocolException e) {
                if (e.code() == ErrorCode.QUEUE_EMPTY) {
                    return null;
                }
                throw e;
            }
            return new Taken(
                    t.ticket().ticketId(),
                    t.ticket().queueKey(),
                    t.ticket().matterId(),
                    t.ticket().issuedAt(),
                    t.overflow(),
                    t.session().sessionId());
        }

        @Override
        public void finish(String clerkId, String sessionId, long now) {
            clock.set(now);
            queue.clerkHangup(clerkId, sessionId, Outcome.COMPLETED, null);
        }

        @Override
        public double serviceSeconds(String matterId) {
            return queue.serviceSeconds()
                    .getOrDefault(matterId, data.matter(matterId).orElseThrow().serviceMinutes() * 60.0);
        }

        @Override
        public void housekeeping(long now) {
            clock.set(now);
            queue.sweep();
        }
    }

    /** The same routing and estimates over plain maps: no cluster, no serialization. */
    final class Memory implements Pairing {
        private final ReferenceData data;
        private final Map<String, TicketRecord> waiting = new LinkedHashMap<>();
        private final Map<String, ClerkPresence> presences = new LinkedHashMap<>();
        private final Map<String, ServiceTimeEstimate> service = new HashMap<>();
        private final Map<String, Taken> sessions = new HashMap<>();
        private long seq;

        Memory(ReferenceData data) {
            if (data.routing().wrapUpSeconds() != 0) {
                throw new IllegalArgumentException("the in-memory pairing has no timed wrap-up");
            }
            this.data = data;
        }

        private QueueView view(long now) {
            Map<String, Double> means = new HashMap<>();
            service.forEach((m, e) -> means.put(m, e.mean()));
            return QueueView.of(waiting.values(), presences.values(), means, data, now);
        }

        @Override
        public void signIn(ReferenceData.ClerkProfile clerk) {
            presences.put(
                    clerk.id(),
                    new ClerkPresence(
                            clerk.id(), "sim-" + clerk.id(), ClerkStatus.AVAILABLE, ClerkStatus.AVAILABLE, null, 0));
        }

        @Override
        public Joined join(String hallId, String matterId, long now) {
            long n = ++seq;
            TicketRecord t = new TicketRecord(
                    "m-" + n,
                    "A" + n,
                    matterId,
                    hallId,
                    null,
                    "模拟",
                    "13800000000",
                    n,
                    now,
                    TicketStatus.WAITING,
                    false,
                    "app-" + n,
                    0,
                    "h" + n,
                    null,
                    null,
                    0,
                    data.routing().defaultLanguage().id(),
                    null,
                    null,
                    0,
                    null,
                    1);
            waiting.put(t.ticketId(), t);
            QueueView.Place place = view(now).place(t.ticketId());
            return new Joined(t.ticketId(), t.queueKey(), place.position(), place.etaSeconds());
        }

        @Override
        public Taken take(String clerkId, long now) {
            ReferenceData.ClerkProfile profile = data.clerk(clerkId).orElseThrow();
            // As QueueService does: the clerk reserves itself (busy) first, then the rule ranks, so the
            // queues' expected waits already count this clerk as busy.
            ClerkPresence before = presences.get(clerkId);
            presences.put(
                    clerkId,
                    new ClerkPresence(
                            clerkId, "sim-" + clerkId, ClerkStatus.BUSY, ClerkStatus.AVAILABLE, "reserved", now));
            QueueView view = view(now);
            Optional<Routing.Candidate> next = Routing.next(view.waiting(), profile, now, data, view);
            if (next.isEmpty()) {
                presences.put(clerkId, before);
                return null;
            }
            TicketRecord t = waiting.remove(next.get().ticket().ticketId());
            String sessionId = "s-" + t.seq();
            Taken taken = new Taken(
                    t.ticketId(),
                    t.queueKey(),
                    t.matterId(),
                    now,
                    next.get().eligibility() == Routing.Eligibility.OVERFLOW,
                    sessionId);
            sessions.put(sessionId, taken);
            presences.put(
                    clerkId,
                    new ClerkPresence(
                            clerkId, "sim-" + clerkId, ClerkStatus.BUSY, ClerkStatus.AVAILABLE, sessionId, now));
            return new Taken(t.ticketId(), t.queueKey(), t.matterId(), t.issuedAt(), taken.overflow(), sessionId);
        }

        @Override
        public void finish(String clerkId, String sessionId, long now) {
            Taken s = sessions.remove(sessionId);
            // As QueueService records it: take to outcome, clipped.
            double seconds = ServiceTimeEstimate.clip((now - s.issuedAt()) / 1000.0);
            service.merge(s.matterId(), ServiceTimeEstimate.NONE.add(seconds), (old, one) -> old.add(seconds));
            presences.put(
                    clerkId,
                    new ClerkPresence(
                            clerkId, "sim-" + clerkId, ClerkStatus.AVAILABLE, ClerkStatus.AVAILABLE, null, now));
        }

        @Override
        public double serviceSeconds(String matterId) {
            ServiceTimeEstimate e = service.get(matterId);
            return e != null ? e.mean() : data.matter(matterId).orElseThrow().serviceMinutes() * 60.0;
        }

        @Override
        public void housekeeping(long now) {
            // Nothing is retained after it ends.
        }
    }
}
