package cn.tongban.signaling.queue;

import static cn.tongban.signaling.schema.Fields.name;

import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionEvent;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.schema.CompactType;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import java.util.List;

/**
 * The Compact schema of the queue's cluster state: tickets ({@code tongban.tickets}), sessions ({@code
 * tongban.sessions}), clerk presence ({@code tongban.clerks}), service times ({@code tongban.service-time})
 * and the {@link QueueProcessors}. The resume index and the ticket counters hold strings and integers.
 * Type and field names are part of the cluster's protocol between builds: see docs/cluster.md, "Cluster
 * state and rolling upgrades", before changing anything here.
 */
public final class QueueSchema {
    private QueueSchema() {}

    /** The ticket. */
    static final CompactType<TicketRecord> TICKET = CompactType.of(
            "tongban.Ticket",
            TicketRecord.class,
            (w, t) -> {
                w.writeString("ticketId", t.ticketId());
                w.writeString("number", t.number());
                w.writeString("matterId", t.matterId());
                w.writeString("hallId", t.hallId());
                w.writeString("partnerHallId", t.partnerHallId());
                w.writeString("name", t.name());
                w.writeString("mobile", t.mobile());
                w.writeInt64("seq", t.seq());
                w.writeInt64("issuedAt", t.issuedAt());
                w.writeString("status", name(t.status()));
                w.writeBoolean("returned", t.returned());
                w.writeString("connId", t.connId());
                w.writeInt64("disconnectedAt", t.disconnectedAt());
                w.writeString("resumeHash", t.resumeHash());
                w.writeString("sessionId", t.sessionId());
                w.writeString("clerkId", t.clerkId());
                w.writeInt64("endedAt", t.endedAt());
                w.writeString("language", t.language());
                w.writeString("priorityGroup", t.priorityGroup());
                w.writeString("appointmentId", t.appointmentId());
                w.writeInt64("appointmentAt", t.appointmentAt());
                w.writeString("priorityVerdict", t.priorityVerdict());
                w.writeInt64("version", t.version());
            },
            r -> new TicketRecord(
                    r.string("ticketId"),
                    r.string("number"),
                    r.string("matterId"),
                    r.string("hallId"),
                    r.string("partnerHallId"),
                    r.string("name"),
                    r.string("mobile"),
                    r.int64("seq", 0),
                    r.int64("issuedAt", 0),
                    r.enumeration("status", TicketStatus.class),
                    r.bool("returned", false),
                    r.string("connId"),
                    r.int64("disconnectedAt", 0),
                    r.string("resumeHash"),
                    r.string("sessionId"),
                    r.string("clerkId"),
                    r.int64("endedAt", 0),
                    r.string("language"),
                    r.string("priorityGroup"),
                    r.string("appointmentId"),
                    r.int64("appointmentAt", 0),
                    r.string("priorityVerdict"),
                    r.int64("version", 1)));

    /** The session. */
    static final CompactType<SessionRecord> SESSION = CompactType.of(
            "tongban.Session",
            SessionRecord.class,
            (w, s) -> {
                w.writeString("sessionId", s.sessionId());
                w.writeString("ticketId", s.ticketId());
                w.writeString("clerkId", s.clerkId());
                w.writeString("clerkConnId", s.clerkConnId());
                w.writeString("state", name(s.state()));
                w.writeInt64("startedAt", s.startedAt());
                w.writeInt64("endedAt", s.endedAt());
                w.writeString("outcome", name(s.outcome()));
                w.writeString("note", s.note());
                w.writeString("endedBy", s.endedBy());
                w.writeString("endReason", s.endReason());
                w.writeInt64("version", s.version());
            },
            r -> new SessionRecord(
                    r.string("sessionId"),
                    r.string("ticketId"),
                    r.string("clerkId"),
                    r.string("clerkConnId"),
                    r.enumeration("state", SessionState.class),
                    r.int64("startedAt", 0),
                    r.int64("endedAt", 0),
                    r.enumeration("outcome", Outcome.class),
                    r.string("note"),
                    r.string("endedBy"),
                    r.string("endReason"),
                    r.int64("version", 1)));

    /** A signed-in clerk. */
    static final CompactType<ClerkPresence> CLERK = CompactType.of(
            "tongban.ClerkPresence",
            ClerkPresence.class,
            (w, c) -> {
                w.writeString("clerkId", c.clerkId());
                w.writeString("connId", c.connId());
                w.writeString("status", name(c.status()));
                w.writeString("chosen", name(c.chosen()));
                w.writeString("sessionId", c.sessionId());
                w.writeInt64("since", c.since());
                w.writeInt64("wrapUntil", c.wrapUntil());
            },
            r -> new ClerkPresence(
                    r.string("clerkId"),
                    r.string("connId"),
                    r.enumeration("status", ClerkStatus.class),
                    r.enumeration("chosen", ClerkStatus.class),
                    r.string("sessionId"),
                    r.int64("since", 0),
                    r.int64("wrapUntil", 0)));

    /** A matter's observed service time. */
    static final CompactType<ServiceTimeEstimate> SERVICE_TIME = CompactType.of(
            "tongban.ServiceTime",
            ServiceTimeEstimate.class,
            (w, e) -> {
                w.writeFloat64("mean", e.mean());
                w.writeInt64("count", e.count());
            },
            r -> new ServiceTimeEstimate(r.float64("mean", 0), r.int64("count", 0)));

    /** Every type of this package kept in or sent through the cluster. */
    public static List<CompactSerializer<?>> types() {
        return List.of(
                TICKET,
                SESSION,
                CLERK,
                SERVICE_TIME,
                CompactType.of(
                        "tongban.ticket.Resume",
                        QueueProcessors.Resume.class,
                        (w, p) -> {
                            w.writeString("oldHash", p.oldHash());
                            w.writeString("newHash", p.newHash());
                            w.writeString("connId", p.connId());
                        },
                        r -> new QueueProcessors.Resume(r.string("oldHash"), r.string("newHash"), r.string("connId"))),
                CompactType.of(
                        "tongban.ticket.Leave",
                        QueueProcessors.Leave.class,
                        (w, p) -> {
                            w.writeString("connId", p.connId());
                            w.writeInt64("at", p.at());
                        },
                        r -> new QueueProcessors.Leave(r.string("connId"), r.int64("at", 0))),
                CompactType.of(
                        "tongban.ticket.Disconnect",
                        QueueProcessors.Disconnect.class,
                        (w, p) -> {
                            w.writeString("connId", p.connId());
                            w.writeInt64("at", p.at());
                        },
                        r -> new QueueProcessors.Disconnect(r.string("connId"), r.int64("at", 0))),
                CompactType.of(
                        "tongban.ticket.Claim",
                        QueueProcessors.Claim.class,
                        (w, p) -> {
                            w.writeString("sessionId", p.sessionId());
                            w.writeString("clerkId", p.clerkId());
                        },
                        r -> new QueueProcessors.Claim(r.string("sessionId"), r.string("clerkId"))),
                CompactType.of(
                        "tongban.ticket.BackToHead",
                        QueueProcessors.BackToHead.class,
                        (w, p) -> {
                            w.writeString("sessionId", p.sessionId());
                            w.writeString("hallId", p.hallId());
                        },
                        r -> new QueueProcessors.BackToHead(r.string("sessionId"), r.string("hallId"))),
                CompactType.of(
                        "tongban.ticket.MoveToSession",
                        QueueProcessors.MoveToSession.class,
                        (w, p) -> {
                            w.writeString("sessionId", p.sessionId());
                            w.writeString("newSessionId", p.newSessionId());
                            w.writeString("clerkId", p.clerkId());
                        },
                        r -> new QueueProcessors.MoveToSession(
                                r.string("sessionId"), r.string("newSessionId"), r.string("clerkId"))),
                CompactType.of(
                        "tongban.ticket.Finish",
                        QueueProcessors.Finish.class,
                        (w, p) -> {
                            w.writeString("sessionId", p.sessionId());
                            w.writeString("status", name(p.status()));
                            w.writeInt64("at", p.at());
                        },
                        r -> new QueueProcessors.Finish(
                                r.string("sessionId"), r.enumeration("status", TicketStatus.class), r.int64("at", 0))),
                CompactType.of(
                        "tongban.ticket.PriorityVerdict",
                        QueueProcessors.PriorityVerdict.class,
                        (w, p) -> {
                            w.writeString("sessionId", p.sessionId());
                            w.writeString("verdict", p.verdict());
                        },
                        r -> new QueueProcessors.PriorityVerdict(r.string("sessionId"), r.string("verdict"))),
                CompactType.of(
                        "tongban.ticket.Expire",
                        QueueProcessors.Expire.class,
                        (w, p) -> w.writeInt64("at", p.at()),
                        r -> new QueueProcessors.Expire(r.int64("at", 0))),
                CompactType.of(
                        "tongban.clerk.Choose",
                        QueueProcessors.Choose.class,
                        (w, p) -> {
                            w.writeString("connId", p.connId());
                            w.writeString("choice", name(p.choice()));
                            w.writeInt64("at", p.at());
                        },
                        r -> new QueueProcessors.Choose(
                                r.string("connId"), r.enumeration("choice", ClerkStatus.class), r.int64("at", 0))),
                CompactType.of(
                        "tongban.clerk.Reserve",
                        QueueProcessors.Reserve.class,
                        (w, p) -> {
                            w.writeString("connId", p.connId());
                            w.writeString("sessionId", p.sessionId());
                            w.writeInt64("at", p.at());
                        },
                        r -> new QueueProcessors.Reserve(r.string("connId"), r.string("sessionId"), r.int64("at", 0))),
                CompactType.of(
                        "tongban.clerk.ReserveTarget",
                        QueueProcessors.ReserveTarget.class,
                        (w, p) -> {
                            w.writeString("sessionId", p.sessionId());
                            w.writeInt64("at", p.at());
                        },
                        r -> new QueueProcessors.ReserveTarget(r.string("sessionId"), r.int64("at", 0))),
                CompactType.of(
                        "tongban.clerk.ReleaseReservation",
                        QueueProcessors.ReleaseReservation.class,
                        (w, p) -> {
                            w.writeString("sessionId", p.sessionId());
                            w.writeInt64("at", p.at());
                        },
                        r -> new QueueProcessors.ReleaseReservation(r.string("sessionId"), r.int64("at", 0))),
                CompactType.of(
                        "tongban.clerk.SetStatus",
                        QueueProcessors.SetStatus.class,
                        (w, p) -> {
                            w.writeString("sessionId", p.sessionId());
                            w.writeString("status", name(p.status()));
                            w.writeInt64("at", p.at());
                        },
                        r -> new QueueProcessors.SetStatus(
                                r.string("sessionId"), r.enumeration("status", ClerkStatus.class), r.int64("at", 0))),
                CompactType.of(
                        "tongban.clerk.WrapUp",
                        QueueProcessors.WrapUp.class,
                        (w, p) -> {
                            w.writeString("sessionId", p.sessionId());
                            w.writeInt64("at", p.at());
                            w.writeInt64("wrapMillis", p.wrapMillis());
                        },
                        r -> new QueueProcessors.WrapUp(
                                r.string("sessionId"), r.int64("at", 0), r.int64("wrapMillis", 0))),
                CompactType.of(
                        "tongban.clerk.EndWrapUp",
                        QueueProcessors.EndWrapUp.class,
                        (w, p) -> w.writeInt64("at", p.at()),
                        r -> new QueueProcessors.EndWrapUp(r.int64("at", 0))),
                CompactType.of(
                        "tongban.clerk.SignOut",
                        QueueProcessors.SignOut.class,
                        (w, p) -> w.writeString("connId", p.connId()),
                        r -> new QueueProcessors.SignOut(r.string("connId"))),
                CompactType.of(
                        "tongban.clerk.TakeOver",
                        QueueProcessors.TakeOver.class,
                        (w, p) -> {
                            w.writeString("oldConnId", p.oldConnId());
                            w.writeString("sessionId", p.sessionId());
                            w.writeString("connId", p.connId());
                            w.writeInt64("at", p.at());
                        },
                        r -> new QueueProcessors.TakeOver(
                                r.string("oldConnId"), r.string("sessionId"), r.string("connId"), r.int64("at", 0))),
                CompactType.of(
                        "tongban.session.Transition",
                        QueueProcessors.Transition.class,
                        (w, p) -> {
                            w.writeString("event", name(p.event()));
                            w.writeInt64("at", p.at());
                            w.writeString("by", p.by());
                            w.writeString("reason", p.reason());
                            w.writeString("outcome", name(p.outcome()));
                            w.writeString("note", p.note());
                        },
                        r -> new QueueProcessors.Transition(
                                r.enumeration("event", SessionEvent.class),
                                r.int64("at", 0),
                                r.string("by"),
                                r.string("reason"),
                                r.enumeration("outcome", Outcome.class),
                                r.string("note"))),
                CompactType.of(
                        "tongban.counter.NextNumber",
                        QueueProcessors.NextNumber.class,
                        (w, p) -> {},
                        r -> new QueueProcessors.NextNumber()),
                CompactType.of(
                        "tongban.serviceTime.Add",
                        QueueProcessors.AddServiceTime.class,
                        (w, p) -> w.writeFloat64("seconds", p.seconds()),
                        r -> new QueueProcessors.AddServiceTime(r.float64("seconds", 0))));
    }
}
