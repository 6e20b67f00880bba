package cn.tongban.signaling.window;

import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.appointment.AppointmentService;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Changes;
import cn.tongban.signaling.live.Client;
import cn.tongban.signaling.live.Outbox;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.live.Role;
import cn.tongban.signaling.live.Sender;
import cn.tongban.signaling.media.MediaSessions;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ErrorReason;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ScreenSource;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.protocol.SessionOutcome;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.ClerkStatus;
import cn.tongban.signaling.queue.QueueHistory;
import cn.tongban.signaling.queue.QueueMetrics;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.QueueView;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.queue.TicketStatus;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.util.Mask;
import cn.tongban.signaling.verify.ApplicantGate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtual window: tickets, clerks on duty, pairing, the end of a session and its transfer. Applicants
 * take a ticket ({@code join}), come back to it ({@code resume}) or give it up ({@code leave}); clerks sign
 * in ({@code auth}), set their status, take a ticket ({@code take}) and end the session ({@code hangup},
 * {@code outcome}) or hand it on ({@code transfer}). Waiting applicants get their place pushed, clerks their
 * queue list, at every broadcast; a connection that closes, here or on a node that left the cluster, keeps
 * an applicant's place for the resume grace and ends a clerk's duty.
 *
 * <p>Handlers run on worker threads (they block on the cluster and the database), one message of a
 * connection after another.
 */
public final class VirtualWindow {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualWindow.class);

    /** Something else that must know when a session ended (not by a transfer), e.g. unsealed applications. */
    @FunctionalInterface
    public interface SessionEnds {
        void ended(SessionRecord s, String by, String reason);
    }

    private final QueueService queue;
    private final TokenService tokens;
    private final ReferenceDataStore refdata;
    private final Records records;
    private final MediaSessions media;
    private final AppointmentService appointments;
    private final ApplicantGate gate;
    private final Outbox outbox;
    private final Changes changes;
    private final List<SessionEnds> onSessionEnded;
    private final long clerkGraceMs;
    private final Later later;
    /** Further attempts to end a clerk's grace when the cluster refused one (5 s apart). */
    private static final int GRACE_RETRIES = 12;

    private final Counter pairings;
    private final MeterRegistry metrics;
    private final QueueHistory history;
    /** What each clerk connection of this node was last shown of its queue (to push only changes). */
    private final Map<String, String> lastQueueView = new ConcurrentHashMap<>();
    /** What each applicant connection of this node was last pushed at a broadcast (to push only changes). */
    private final Map<String, String> lastPlace = new ConcurrentHashMap<>();

    /** Runs blocking work after a delay (a timer, then a worker thread). */
    @FunctionalInterface
    public interface Later {
        void run(long delayMs, Runnable blocking);
    }

    /**
     * @param appointments check-in on {@code join} and the no-show release in {@link #sweep}
     * @param onSessionEnded told after media and records when a session ends other than by a transfer
     * @param clerkGraceMs how long a live session waits for its clerk after the clerk's connection closed
     * @param later runs the end of that wait
     * @param history where each take's wait is kept for the supervisor's charts
     */
    public VirtualWindow(
            QueueService queue,
            TokenService tokens,
            ReferenceDataStore refdata,
            Records records,
            MediaSessions media,
            AppointmentService appointments,
            ApplicantGate gate,
            Outbox outbox,
            Changes changes,
            List<SessionEnds> onSessionEnded,
            long clerkGraceMs,
            Later later,
            MeterRegistry metrics,
            QueueHistory history) {
        this.clerkGraceMs = clerkGraceMs;
        this.history = history;
        this.later = later;
        this.gate = gate;
        this.queue = queue;
        this.tokens = tokens;
        this.refdata = refdata;
        this.records = records;
        this.media = media;
        this.appointments = appointments;
        this.outbox = outbox;
        this.changes = changes;
        this.onSessionEnded = List.copyOf(onSessionEnded);
        this.metrics = metrics;
        this.pairings = Counter.builder("tongban_pairings_total")
                .description("Tickets taken by clerks")
                .register(metrics);
    }

    /** The window's messages, its pushes at every broadcast, and what a closed connection means. */
    public void register(Registry r) {
        r.on(ClientMessage.Join.class, Access.APPLICANT, this::join);
        r.on(ClientMessage.Resume.class, Access.APPLICANT, this::resume);
        r.on(ClientMessage.Leave.class, Access.APPLICANT, this::leave);
        r.on(ClientMessage.Auth.class, Access.CLERK_SIGN_IN, this::auth);
        r.on(ClientMessage.SetStatus.class, Access.CLERK, this::setStatus);
        r.on(ClientMessage.Take.class, Access.CLERK, this::take);
        r.on(ClientMessage.Hangup.class, Access.PARTY, this::hangup);
        r.on(ClientMessage.Outcome.class, Access.CLERK, this::outcome);
        r.on(ClientMessage.Transfer.class, Access.CLERK, this::transfer);
        r.on(ClientMessage.PriorityCheck.class, Access.CLERK, this::priorityCheck);
        r.onBroadcast(Role.APPLICANT, this::pushPlace);
        r.onBroadcast(Role.CLERK, this::pushQueue);
        r.onClosed(this::disconnected);
    }

    private void disconnected(Sender c) {
        lastQueueView.remove(c.connId());
        lastPlace.remove(c.connId());
        if (c.role() == Role.APPLICANT && c.ticketId() != null) {
            applicantConnectionLost(c.ticketId(), c.connId());
        } else if (c.role() == Role.CLERK && c.clerkId() != null) {
            clerkConnectionClosed(c.clerkId(), c.connId());
        }
    }

    /**
     * The clerk's connection on this node closed. A clerk without a live session leaves duty at once. A live
     * session is not ended by a dropped connection: the applicant is told the clerk is away, and the clerk has
     * the grace to sign in again on any node, which takes the session over ({@link #auth}); only then is it
     * aborted as {@code clerk_lost}. If this node dies during the grace, the surviving nodes see the
     * connection's node gone and give the same grace again ({@code ClusterDuty}).
     */
    private void clerkConnectionClosed(String clerkId, String connId) {
        SessionRecord live = queue.presence(clerkId)
                .filter(p -> connId.equals(p.connId()) && p.sessionId() != null)
                .flatMap(p -> queue.session(p.sessionId()))
                .filter(s -> s.state() == SessionState.ACTIVE)
                .orElse(null);
        if (live == null || clerkGraceMs == 0) {
            clerkConnectionLost(clerkId, connId);
            return;
        }
        // A helper or supervisor on this connection leaves the session it joined; the clerk's own stays.
        media.connectionClosed(connId);
        LOG.info(
                "Clerk {}'s connection closed; session {} waits {} s for the clerk",
                clerkId,
                live.sessionId(),
                clerkGraceMs / 1000);
        clerkConnectionOrphaned(live.sessionId());
        endGraceLater(clerkId, connId, clerkGraceMs, GRACE_RETRIES);
    }

    /**
     * Ends the clerk's grace after {@code delayMs}: if the clerk has not come back, the session is aborted.
     * Tried again a few times if the cluster refuses meanwhile (no quorum for a moment, a migration), so
     * that a session is never left waiting for a clerk who is gone.
     */
    private void endGraceLater(String clerkId, String connId, long delayMs, int retries) {
        later.run(delayMs, () -> {
            try {
                clerkConnectionLost(clerkId, connId);
            } catch (RuntimeException e) {
                if (retries <= 0) {
                    throw e;
                }
                LOG.warn("Ending the grace of clerk {} failed ({}); trying again in 5 s", clerkId, e.toString());
                endGraceLater(clerkId, connId, 5_000, retries - 1);
            }
        });
    }

    /** A waiting applicant's current place, if this connection still holds the ticket. */
    private void pushPlace(Client c, QueueView view, boolean force) {
        if (c.ticketId() == null) {
            return;
        }
        QueueView.Place place = view.place(c.ticketId());
        if (place == null) {
            return;
        }
        // The ticket as the view's index knows it: no read of the cluster's map per applicant.
        TicketRecord t = view.waitingTicket(c.ticketId());
        if (t == null || !c.connId().equals(t.connId())) {
            return;
        }
        // An unchanged place (same ticket version, position and estimate) is sent again only by the forced
        // broadcast every few seconds: most applicants' places do not change at most broadcasts.
        String key = t.version() + " " + place.position() + " " + place.etaSeconds();
        if (!key.equals(lastPlace.put(c.connId(), key)) || force) {
            c.send(ticketMessage(t, place, null, null));
        }
    }

    private void setStatus(Client c, ClientMessage.SetStatus s) {
        ClerkPresence p = queue.setStatus(
                c.clerkId(),
                c.connId(),
                s.status() == ClientMessage.ClerkStatusChoice.AVAILABLE ? ClerkStatus.AVAILABLE : ClerkStatus.AWAY);
        c.send(clerkMessage(p, s.id()));
        changes.queuesChanged();
    }

    private void outcome(Client c, ClientMessage.Outcome o) {
        SessionRecord s = queue.recordOutcome(c.clerkId(), o.sessionId(), outcome(o.outcome()), o.note());
        LOG.info("Session {} outcome {}", s.sessionId(), s.outcome());
        records.audit(
                "clerk:" + c.clerkId(),
                AuditAction.SESSION_CLOSED,
                s.sessionId(),
                AuditDetails.of(AuditField.OUTCOME, s.outcome().name()));
        records.caseClosed(s, queue.ticket(s.ticketId()).orElse(null));
        queue.presence(c.clerkId()).ifPresent(p -> c.send(clerkMessage(p, o.id())));
        // The applicant may still be on the thank-you page: tell them how the matter was closed.
        queue.ticket(s.ticketId())
                .filter(t -> t.connId() != null)
                .ifPresent(t -> outbox.send(t.connId(), ticketMessage(t, null, null, wireOutcome(s.outcome()), null)));
        changes.queuesChanged();
    }

    /**
     * The applicant's connection {@code connId} is gone — closed here, or held by a node that left the
     * cluster: the ticket keeps its place for the resume grace and the clerk of a live session is told.
     * Does nothing if the ticket has moved to another connection meanwhile. Blocking.
     */
    public void applicantConnectionLost(String ticketId, String connId) {
        queue.applicantDisconnected(ticketId, connId).ifPresent(t -> {
            LOG.info(
                    "Applicant of ticket {} disconnected; holding the place for {} s",
                    t.number(),
                    QueueService.RESUME_GRACE_MS / 1000);
            if (t.status() == TicketStatus.IN_SESSION) {
                queue.session(t.sessionId())
                        .filter(s -> s.state() == SessionState.ACTIVE)
                        .ifPresent(s -> {
                            toClerk(s, new ServerMessage.Peer(s.sessionId(), "disconnected"));
                            media.applicantDisconnected(s.sessionId(), connId);
                        });
            }
        });
        changes.queuesChanged();
    }

    /**
     * The clerk's connection {@code connId} is gone for good (no session, or its grace is over): the clerk
     * leaves duty and a live session is aborted (the applicant goes back to the head of the queue). Does
     * nothing if the clerk has signed in on another connection meanwhile. Blocking.
     */
    public void clerkConnectionLost(String clerkId, String connId) {
        // A helper or supervisor on this connection leaves the session it joined.
        media.connectionClosed(connId);
        queue.clerkDisconnected(clerkId, connId).ifPresent(lost -> {
            LOG.info("Clerk {} disconnected", clerkId);
            notifyClerkLost(lost);
        });
        changes.queuesChanged();
    }

    /** The applicant of a live session whose clerk's connection or node failed is told the clerk is away. Blocking. */
    public void clerkConnectionOrphaned(String sessionId) {
        queue.session(sessionId)
                .filter(s -> s.state() == SessionState.ACTIVE)
                .flatMap(s -> queue.ticket(s.ticketId()))
                .filter(t -> t.connId() != null)
                .ifPresent(t -> outbox.send(t.connId(), new ServerMessage.Peer(sessionId, "disconnected")));
    }

    /**
     * Sessions whose media bridge's node left the cluster continue on this node's bridge, if this node is the
     * one that takes them over: both pages are told to build new peer connections ({@code paired} with
     * {@code resumed: true}) and get offers from this bridge, without a reload. Run at every membership
     * change and every few seconds ({@code ClusterDuty}). Blocking.
     */
    public void bridgesDeparted() {
        for (String sessionId : media.sessionsOnDepartedBridges()) {
            try {
                moveMedia(sessionId);
            } catch (RuntimeException e) {
                // One session's trouble must not keep the others on a dead bridge. A session moved but not
                // offered is offered again when a party resumes, signs in again or sends media_restart.
                LOG.error("Moving the media of session {} failed", sessionId, e);
            }
        }
    }

    private void moveMedia(String sessionId) {
        SessionRecord s = queue.session(sessionId)
                .filter(x -> x.state() == SessionState.ACTIVE)
                .orElse(null);
        TicketRecord t = s == null ? null : queue.ticket(s.ticketId()).orElse(null);
        if (t == null || !media.takeOverBridge(sessionId)) {
            return;
        }
        // Read again: a resume may have moved the applicant to another connection meanwhile.
        TicketRecord now = queue.ticket(s.ticketId()).orElse(t);
        LOG.info("Session {} (ticket {}): media moved to this node's bridge", sessionId, now.number());
        if (now.connId() != null) {
            outbox.send(now.connId(), media.paired(applicantPaired(s, now, refdata.current(), true, null)));
        }
        toClerk(s, media.paired(clerkPaired(s, now, true, null)));
        media.sessionMoved(s, now);
    }

    private void notifyClerkLost(QueueService.ClerkLost lost) {
        if (lost.ticket() == null || lost.session() == null) {
            return;
        }
        TicketRecord t = lost.ticket();
        LOG.info(
                "Session {} aborted: clerk lost; ticket {} back to the head of its queue",
                lost.session().sessionId(),
                t.number());
        records.audit(
                "server",
                AuditAction.SESSION_ABORTED,
                lost.session().sessionId(),
                AuditDetails.of(AuditField.REASON, "clerk_lost")
                        .and(AuditField.CLERK, lost.session().clerkId())
                        .and(AuditField.TICKET, t.number()));
        records.caseClosed(lost.session(), t);
        sessionEnded(lost.session(), "server", "clerk_lost");
        if (t.connId() != null) {
            outbox.send(
                    t.connId(),
                    new ServerMessage.Ended(
                            lost.session().sessionId(),
                            "server",
                            "clerk_lost",
                            false,
                            null,
                            null,
                            lost.session().version()));
            QueueView view = queue.view();
            outbox.send(t.connId(), ticketMessage(t, view.place(t.ticketId()), null, null));
        }
    }

    private void join(Client c, ClientMessage.Join j) {
        if (c.ticketId() != null
                && queue.ticket(c.ticketId()).map(t -> !t.status().isFinal()).orElse(false)) {
            throw new ProtocolException(ErrorReason.TICKET_HELD, "you already hold a ticket");
        }
        gate.check(j.mobileToken(), j.mobile());
        QueueService.Joined joined = joinWithAppointment(c, j);
        TicketRecord t = joined.ticket();
        QueueView view = queue.view();
        ServerMessage.Ticket msg = ticketMessage(t, view.place(t.ticketId()), joined.resumeToken(), j.id());
        // The answer (with the resume token) is queued before the broadcaster can see this connection's
        // ticket, so no position update overtakes it.
        c.send(msg);
        c.becomeApplicant(t.ticketId());
        LOG.info(
                "Ticket {} issued for {} at {} (applicant {}, {})",
                t.number(),
                t.matterId(),
                t.hallId(),
                Mask.name(t.name()),
                Mask.mobile(t.mobile()));
        records.audit(
                "applicant:" + t.number(),
                AuditAction.TICKET_ISSUED,
                null,
                AuditDetails.of(AuditField.TICKET, t.ticketId())
                        .and(AuditField.MATTER, t.matterId())
                        .and(AuditField.HALL, t.hallId())
                        .and(AuditField.PARTNER_HALL, t.partnerHallId())
                        .and(AuditField.APPLICANT, Mask.name(t.name()))
                        .and(AuditField.LANGUAGE, t.language())
                        .and(AuditField.APPOINTMENT, t.appointmentId()));
        if (t.priorityGroup() != null) {
            // A claim the clerk checks at service time (priority message); recorded either way.
            records.audit(
                    "applicant:" + t.number(),
                    AuditAction.PRIORITY_CLAIMED,
                    null,
                    AuditDetails.of(AuditField.TICKET, t.ticketId()).and(AuditField.GROUP, t.priorityGroup()));
        }
        changes.queuesChanged();
    }

    /** Issues the ticket, checking in the appointment first when the applicant gives a booking code. */
    private QueueService.Joined joinWithAppointment(Client c, ClientMessage.Join j) {
        QueueService.JoinRequest request = new QueueService.JoinRequest(
                j.matterId(),
                j.hallId(),
                j.partnerHallId(),
                j.name(),
                j.mobile(),
                j.language(),
                j.priorityGroup(),
                null,
                0);
        if (j.appointmentCode() == null) {
            return queue.join(request, c.connId());
        }
        AppointmentService service = appointments;
        if (service == null) {
            throw new ProtocolException(ErrorCode.NO_SUCH_APPOINTMENT, "appointments are not enabled on this server");
        }
        queue.validate(request);
        AppointmentService.CheckedIn in = service.checkIn(j.appointmentCode(), j.hallId(), j.matterId(), j.mobile());
        try {
            QueueService.Joined joined = queue.join(
                    new QueueService.JoinRequest(
                            j.matterId(),
                            j.hallId(),
                            j.partnerHallId(),
                            j.name(),
                            j.mobile(),
                            j.language(),
                            j.priorityGroup(),
                            in.appointmentId(),
                            in.slotStart()),
                    c.connId());
            records.audit(
                    "applicant:" + joined.ticket().number(),
                    AuditAction.APPOINTMENT_CHECKED_IN,
                    null,
                    AuditDetails.of(AuditField.APPOINTMENT, in.appointmentId()).and(AuditField.SLOT, in.slotStart()));
            return joined;
        } catch (RuntimeException e) {
            service.undoCheckIn(in.appointmentId());
            throw e;
        }
    }

    private void resume(Client c, ClientMessage.Resume r) {
        if (c.ticketId() != null
                && queue.ticket(c.ticketId()).map(t -> !t.status().isFinal()).orElse(false)) {
            throw new ProtocolException(ErrorReason.TICKET_HELD, "you already hold a ticket");
        }
        QueueService.Resumed resumed = queue.resume(r.resumeToken(), c.connId());
        TicketRecord t = resumed.ticket();
        if (resumed.supersededConnId() != null) {
            outbox.supersede(resumed.supersededConnId());
        }
        QueueView view = queue.view();
        ServerMessage.Ticket msg = ticketMessage(t, view.place(t.ticketId()), resumed.resumeToken(), r.id());
        c.send(msg);
        c.becomeApplicant(t.ticketId());
        LOG.info("Ticket {} resumed", t.number());
        records.audit(
                "applicant:" + t.number(),
                AuditAction.TICKET_RESUMED,
                t.sessionId(),
                AuditDetails.of(AuditField.TICKET, t.ticketId()));
        SessionRecord s = resumed.session();
        if (s != null) {
            // Before paired: a page that still shares says screen again after it, and that must win.
            ScreenSource ended = media.screenEndedByResume(s.sessionId());
            if (ended != null) {
                records.audit(
                        "applicant:" + t.number(),
                        AuditAction.SCREEN_STOPPED,
                        s.sessionId(),
                        AuditDetails.of(AuditField.SOURCE, ended.wire()));
            }
            ReferenceData data = refdata.current();
            c.send(media.paired(applicantPaired(s, t, data, true, null)));
            media.chat().lines(s.sessionId()).forEach(c::send);
            toClerk(s, new ServerMessage.Peer(s.sessionId(), "reconnected"));
            toClerk(s, media.paired(clerkPaired(s, t, true, null)));
            media.sessionResumed(s, t);
        }
        changes.queuesChanged();
    }

    private void leave(Client c, ClientMessage.Leave l) {
        if (c.ticketId() == null) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "you hold no ticket");
        }
        TicketRecord t = queue.leave(c.ticketId(), c.connId());
        LOG.info("Ticket {} cancelled by the applicant", t.number());
        records.audit(
                "applicant:" + t.number(),
                AuditAction.TICKET_CANCELLED,
                null,
                AuditDetails.of(AuditField.TICKET, t.ticketId()));
        c.send(ticketMessage(t, null, null, l.id()));
        c.dropTicket();
        changes.queuesChanged();
    }

    private void auth(Client c, ClientMessage.Auth a) {
        if (c.role() != null) {
            throw new ProtocolException(ErrorCode.WRONG_STATE, "this connection is already signed in");
        }
        String clerkId = tokens.clerkOf(a.token());
        if (refdata.current().clerk(clerkId).isEmpty()) {
            throw new ProtocolException(ErrorCode.AUTH_FAILED, "this account is no longer a clerk");
        }
        QueueService.SignedIn in = queue.clerkSignedIn(clerkId, c.connId());
        c.becomeClerk(clerkId);
        if (in.superseded() != null && !in.superseded().connId().equals(c.connId())) {
            outbox.supersede(in.superseded().connId());
            if (!in.resumedSession()) {
                notifyClerkLost(queue.abortClerkSession(in.superseded()));
            }
        }
        LOG.info("Clerk {} signed in", clerkId);
        records.audit(
                "clerk:" + clerkId,
                AuditAction.CLERK_SIGNED_IN,
                null,
                AuditDetails.of(AuditField.CONNECTION, c.connId()));
        c.send(clerkMessage(in.presence(), a.id()));
        if (in.resumedSession()) {
            resumeClerkSession(c, in.presence().sessionId());
        }
        if (in.presence().status() == ClerkStatus.WRAP_UP && in.presence().sessionId() != null) {
            // The outcome of a session that ended while this clerk was away is still owed.
            queue.session(in.presence().sessionId())
                    .ifPresent(s -> c.send(new ServerMessage.Ended(
                            s.sessionId(), s.endedBy(), s.endReason(), true, null, null, s.version())));
        }
        pushQueue(c, queue.view(), true);
        changes.queuesChanged();
    }

    /** The clerk's live session continues on this connection: both ends renegotiate as after a resume. */
    private void resumeClerkSession(Client c, String sessionId) {
        SessionRecord s = queue.session(sessionId).orElse(null);
        TicketRecord t = s == null ? null : queue.ticket(s.ticketId()).orElse(null);
        if (s == null || t == null) {
            return;
        }
        LOG.info("Clerk {} took session {} over on a new connection", c.clerkId(), sessionId);
        records.audit(
                "clerk:" + c.clerkId(),
                AuditAction.SESSION_CLERK_RECONNECTED,
                sessionId,
                AuditDetails.of(AuditField.CONNECTION, c.connId()));
        c.send(media.paired(clerkPaired(s, t, true, null)));
        media.chat().lines(sessionId).forEach(c::send);
        if (t.connId() != null) {
            outbox.send(t.connId(), new ServerMessage.Peer(sessionId, "reconnected"));
            outbox.send(t.connId(), media.paired(applicantPaired(s, t, refdata.current(), true, null)));
        }
        media.sessionResumed(s, t);
    }

    private void take(Client c, ClientMessage.Take m) {
        media.requireNotJoined(c.connId());
        QueueService.Taken taken = queue.take(c.clerkId(), c.connId(), m.ticketId());
        pairings.increment();
        TicketRecord t = taken.ticket();
        long waited = System.currentTimeMillis() - t.issuedAt();
        QueueMetrics.recordWait(metrics, t.hallId(), waited);
        history.recordTake(t.hallId(), t.matterId(), waited);
        SessionRecord s = taken.session();
        LOG.info("Clerk {} took ticket {}: session {}", c.clerkId(), t.number(), s.sessionId());
        records.audit(
                "clerk:" + c.clerkId(),
                AuditAction.SESSION_PAIRED,
                s.sessionId(),
                AuditDetails.of(AuditField.TICKET, t.ticketId())
                        .and(AuditField.NUMBER, t.number())
                        .and(AuditField.MATTER, t.matterId())
                        .and(AuditField.HALL, t.hallId())
                        .and(AuditField.OVERFLOW, taken.overflow() ? Boolean.TRUE : null));
        if (taken.overflow()) {
            records.audit(
                    "clerk:" + c.clerkId(),
                    AuditAction.QUEUE_OVERFLOW_TAKE,
                    s.sessionId(),
                    AuditDetails.of(AuditField.TICKET, t.ticketId())
                            .and(AuditField.OWNING_HALL, t.hallId())
                            .and(
                                    AuditField.CLERK_HALL,
                                    refdata.current()
                                            .clerk(c.clerkId())
                                            .map(ReferenceData.ClerkProfile::hallId)
                                            .orElse(null)));
        }
        c.send(media.paired(clerkPaired(s, t, false, m.id())));
        queue.presence(c.clerkId()).ifPresent(p -> c.send(clerkMessage(p, null)));
        if (t.connId() != null) {
            outbox.send(t.connId(), ticketMessage(t, null, null, null));
            outbox.send(t.connId(), media.paired(applicantPaired(s, t, refdata.current(), false, null)));
        }
        media.sessionStarted(s, t);
        changes.queuesChanged();
    }

    private void hangup(Client c, ClientMessage.Hangup h) {
        if (!c.isClerk()) {
            SessionRecord s = queue.applicantHangup(c.ticketId(), c.connId(), h.sessionId());
            LOG.info("Session {} ended by the applicant", s.sessionId());
            records.audit(
                    "applicant:"
                            + queue.ticket(c.ticketId())
                                    .map(TicketRecord::number)
                                    .orElse("?"),
                    AuditAction.SESSION_ENDED,
                    s.sessionId(),
                    AuditDetails.of(AuditField.REASON, "hangup"));
            c.send(new ServerMessage.Ended(s.sessionId(), "applicant", "hangup", false, null, h.id(), s.version()));
            queue.ticket(c.ticketId()).ifPresent(t -> c.send(ticketMessage(t, null, null, null)));
            toClerk(s, new ServerMessage.Ended(s.sessionId(), "applicant", "hangup", true, null, null, s.version()));
            sessionEnded(s, "applicant", "hangup");
            queue.presence(s.clerkId())
                    .filter(p -> p.connId() != null)
                    .ifPresent(p -> outbox.send(p.connId(), clerkMessage(p, null)));
        } else {
            SessionRecord s = queue.clerkHangup(c.clerkId(), h.sessionId(), outcome(h.outcome()), h.note());
            LOG.info("Session {} ended by clerk {} with outcome {}", s.sessionId(), c.clerkId(), s.outcome());
            records.audit(
                    "clerk:" + c.clerkId(),
                    AuditAction.SESSION_CLOSED,
                    s.sessionId(),
                    AuditDetails.of(AuditField.REASON, "hangup")
                            .and(AuditField.OUTCOME, s.outcome().name()));
            records.caseClosed(s, queue.ticket(s.ticketId()).orElse(null));
            c.send(new ServerMessage.Ended(s.sessionId(), "clerk", "hangup", false, null, h.id(), s.version()));
            queue.presence(c.clerkId()).ifPresent(p -> c.send(clerkMessage(p, null)));
            queue.ticket(s.ticketId()).filter(t -> t.connId() != null).ifPresent(t -> {
                SessionOutcome told = wireOutcome(s.outcome());
                outbox.send(
                        t.connId(),
                        new ServerMessage.Ended(s.sessionId(), "clerk", "hangup", false, told, null, s.version()));
                outbox.send(t.connId(), ticketMessage(t, null, null, told, null));
            });
            sessionEnded(s, "clerk", "hangup");
        }
        changes.queuesChanged();
    }

    /** A session ended (not by a transfer): its media stop; an application it leaves unsealed is flagged. */
    private void sessionEnded(SessionRecord s, String by, String reason) {
        media.sessionEnded(s.sessionId(), by, reason);
        onSessionEnded.forEach(hook -> hook.ended(s, by, reason));
    }

    private void toClerk(SessionRecord s, ServerMessage msg) {
        queue.presence(s.clerkId())
                .filter(p -> s.sessionId().equals(p.sessionId()))
                .ifPresent(p -> outbox.send(p.connId(), msg));
    }

    private static Outcome outcome(SessionOutcome o) {
        return o == null ? null : Outcome.valueOf(o.name());
    }

    private static ServerMessage.Ticket ticketMessage(TicketRecord t, QueueView.Place place, String token, String re) {
        return ticketMessage(t, place, token, null, re);
    }

    private static SessionOutcome wireOutcome(Outcome o) {
        return o == null ? null : SessionOutcome.valueOf(o.name());
    }

    private static ServerMessage.Ticket ticketMessage(
            TicketRecord t, QueueView.Place place, String token, SessionOutcome outcome, String re) {
        ServerMessage.TicketState state =
                switch (t.status()) {
                    case WAITING -> ServerMessage.TicketState.WAITING;
                    case IN_SESSION -> ServerMessage.TicketState.IN_SESSION;
                    case DONE -> ServerMessage.TicketState.DONE;
                    case CANCELLED -> ServerMessage.TicketState.CANCELLED;
                    case EXPIRED -> ServerMessage.TicketState.EXPIRED;
                };
        return new ServerMessage.Ticket(
                t.ticketId(),
                t.number(),
                t.matterId(),
                t.hallId(),
                state,
                place == null ? null : place.position(),
                place == null ? null : place.etaSeconds(),
                token,
                outcome,
                re,
                t.language(),
                t.priorityGroup(),
                t.appointmentAt() > 0 ? t.appointmentAt() : null,
                t.version());
    }

    private ServerMessage.Clerk clerkMessage(ClerkPresence p, String re) {
        ReferenceData.ClerkProfile profile =
                refdata.current().clerk(p.clerkId()).orElseThrow();
        ServerMessage.ClerkStatus status =
                switch (p.status()) {
                    case AVAILABLE -> ServerMessage.ClerkStatus.AVAILABLE;
                    case AWAY -> ServerMessage.ClerkStatus.AWAY;
                    case BUSY -> ServerMessage.ClerkStatus.BUSY;
                    case WRAP_UP -> ServerMessage.ClerkStatus.WRAP_UP;
                };
        return new ServerMessage.Clerk(
                profile.id(),
                profile.name(),
                profile.hallId(),
                profile.matters(),
                status,
                re,
                p.status() == ClerkStatus.WRAP_UP && p.wrapUntil() > 0 ? p.wrapUntil() : null);
    }

    private static ServerMessage.Paired clerkPaired(SessionRecord s, TicketRecord t, boolean resumed, String re) {
        return new ServerMessage.Paired(
                s.sessionId(),
                "clerk",
                true,
                resumed,
                new ServerMessage.PeerInfo(
                        t.name(), Mask.mobile(t.mobile()), null, null, t.language(), t.priorityGroup()),
                t.ticketId(),
                t.number(),
                t.matterId(),
                t.hallId(),
                re,
                null,
                s.version());
    }

    private static ServerMessage.Paired applicantPaired(
            SessionRecord s, TicketRecord t, ReferenceData data, boolean resumed, String re) {
        String clerkName =
                data.clerk(s.clerkId()).map(ReferenceData.ClerkProfile::name).orElse(s.clerkId());
        String hallName = data.hall(t.hallId()).map(ReferenceData.Hall::name).orElse(t.hallId());
        return new ServerMessage.Paired(
                s.sessionId(),
                "applicant",
                false,
                resumed,
                new ServerMessage.PeerInfo(clerkName, null, hallName, s.clerkId()),
                t.ticketId(),
                t.number(),
                t.matterId(),
                t.hallId(),
                re,
                null,
                s.version());
    }

    private void pushQueue(Client c, QueueView view, boolean force) {
        ReferenceData.ClerkProfile profile =
                refdata.current().clerk(c.clerkId()).orElse(null);
        if (profile == null) {
            return;
        }
        QueueView.Candidates candidates = view.candidates(profile, 200);
        List<ServerMessage.QueueEntry> entries = candidates.first().stream()
                .map(cand -> {
                    TicketRecord t = cand.ticket();
                    return new ServerMessage.QueueEntry(
                            t.ticketId(),
                            t.number(),
                            t.matterId(),
                            t.hallId(),
                            (int) Math.max(0, (view.now() - t.issuedAt()) / 1000),
                            Mask.name(t.name()),
                            t.connected(),
                            t.returned(),
                            t.language(),
                            t.priorityGroup(),
                            t.appointmentAt() > 0 ? t.appointmentAt() : null,
                            cand.eligibility() == cn.tongban.signaling.queue.Routing.Eligibility.OVERFLOW
                                    ? Boolean.TRUE
                                    : null);
                })
                .toList();
        ServerMessage.Queue msg = new ServerMessage.Queue(entries, candidates.total());
        // Compare without the waiting times, which change every second.
        String key = entries.stream()
                .map(e -> e.ticketId() + e.connected() + e.returned())
                .reduce("", String::concat);
        if (force || !key.equals(lastQueueView.get(c.connId()))) {
            lastQueueView.put(c.connId(), key);
            c.send(msg);
        }
    }

    /** Runs the periodic sweep and notifies clerks whose applicant did not come back. Blocking. */
    public void sweep() {
        QueueService.Sweep sweep = queue.sweep();
        for (SessionRecord s : sweep.applicantLost()) {
            LOG.info("Session {} ended: the applicant did not come back", s.sessionId());
            records.audit(
                    "server",
                    AuditAction.SESSION_ENDED,
                    s.sessionId(),
                    AuditDetails.of(AuditField.REASON, "applicant_lost"));
            toClerk(
                    s,
                    new ServerMessage.Ended(s.sessionId(), "server", "applicant_lost", true, null, null, s.version()));
            sessionEnded(s, "server", "applicant_lost");
            queue.presence(s.clerkId()).ifPresent(p -> outbox.send(p.connId(), clerkMessage(p, null)));
        }
        for (TicketRecord t : sweep.expiredWaiting()) {
            LOG.info("Ticket {} expired: the applicant did not come back", t.number());
            records.audit(
                    "server",
                    AuditAction.TICKET_EXPIRED,
                    null,
                    AuditDetails.of(AuditField.TICKET, t.ticketId()).and(AuditField.NUMBER, t.number()));
        }
        if (!sweep.applicantLost().isEmpty() || !sweep.expiredWaiting().isEmpty()) {
            changes.queuesChanged();
        }
        RoutingSweep.after(sweep, appointments, records, this::clerkUpdate);
        if (!sweep.wrapUpEnded().isEmpty() || !sweep.outcomeExpired().isEmpty()) {
            changes.queuesChanged();
        }
    }

    /** Sends a clerk their current state, wherever their connection is. */
    private void clerkUpdate(ClerkPresence p) {
        if (p.connId() != null) {
            outbox.send(p.connId(), clerkMessage(p, null));
        }
    }

    private void transfer(Client c, ClientMessage.Transfer m) {
        QueueService.Transferred moved = m.toClerkId() != null
                ? queue.transferToClerk(c.clerkId(), m.sessionId(), m.toClerkId())
                : queue.transferToQueue(c.clerkId(), m.sessionId(), m.toHallId());
        TicketRecord t = moved.ticket();
        ReferenceData data = refdata.current();
        LOG.info(
                "Session {} transferred by clerk {} to {}",
                m.sessionId(),
                c.clerkId(),
                m.toClerkId() != null ? m.toClerkId() : m.toHallId());
        records.audit(
                "clerk:" + c.clerkId(),
                AuditAction.SESSION_TRANSFERRED,
                m.sessionId(),
                AuditDetails.of(AuditField.TICKET, t.ticketId())
                        .and(AuditField.TO_CLERK, m.toClerkId())
                        .and(AuditField.TO_HALL, moved.next() == null ? t.hallId() : null)
                        .and(
                                AuditField.NEW_SESSION,
                                moved.next() == null ? null : moved.next().sessionId()));
        records.caseClosed(moved.ended(), t);
        c.send(new ServerMessage.Ended(
                m.sessionId(),
                "clerk",
                "transferred",
                false,
                null,
                m.id(),
                moved.ended().version()));
        media.sessionEnded(m.sessionId(), "clerk", "transferred");
        queue.presence(c.clerkId()).ifPresent(p -> c.send(clerkMessage(p, null)));
        if (moved.next() != null) {
            SessionRecord next = moved.next();
            String toName = data.clerk(next.clerkId())
                    .map(ReferenceData.ClerkProfile::name)
                    .orElse(next.clerkId());
            if (t.connId() != null) {
                outbox.send(t.connId(), new ServerMessage.Transferred(m.sessionId(), toName, null));
                outbox.send(t.connId(), media.paired(applicantPaired(next, t, data, false, null)));
            }
            queue.presence(next.clerkId()).ifPresent(p -> {
                outbox.send(p.connId(), media.paired(clerkPaired(next, t, false, null)));
                outbox.send(p.connId(), clerkMessage(p, null));
            });
            // The new session's media lives on this node's bridge (the node that created the session).
            media.sessionStarted(next, t);
        } else if (t.connId() != null) {
            outbox.send(t.connId(), new ServerMessage.Transferred(m.sessionId(), null, t.hallId()));
            outbox.send(t.connId(), ticketMessage(t, queue.view().place(t.ticketId()), null, null));
        }
        changes.queuesChanged();
    }

    private void priorityCheck(Client c, ClientMessage.PriorityCheck m) {
        boolean confirmed = m.verdict() == ClientMessage.PriorityVerdict.CONFIRMED;
        TicketRecord t = queue.checkPriority(c.clerkId(), m.sessionId(), confirmed);
        records.audit(
                "clerk:" + c.clerkId(),
                confirmed ? AuditAction.PRIORITY_CONFIRMED : AuditAction.PRIORITY_REJECTED,
                m.sessionId(),
                AuditDetails.of(AuditField.TICKET, t.ticketId()).and(AuditField.GROUP, t.priorityGroup()));
        c.send(new ServerMessage.Pong(m.id()));
    }
}
