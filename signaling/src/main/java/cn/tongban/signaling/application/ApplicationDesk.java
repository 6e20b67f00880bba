package cn.tongban.signaling.application;

import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.live.Sender;
import cn.tongban.signaling.protocol.ClientMessage;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.queue.TicketStatus;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.util.Mask;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clerk console's list of unfinished applications (待完成的申请书), outside any session: no signed
 * application is stranded when its session ends before the clerk's signature and the seal, and no refused
 * hand-off is left without a way forward.
 *
 * <ul>
 *   <li>{@code list_applications}: the hall's applications signed by the applicant and waiting for the
 *       clerk's signature and seal (their session has ended), and sealed ones whose hand-off was refused or is
 *       still being retried.
 *   <li>{@code app_finish}: a clerk of the hall that accepted the application — the hall whose clerk served the
 *       session (受理) — who handles its matter signs, seals (the owning hall's e-seal, as in the session),
 *       verifies and hands it off ({@link Sealing}: one claim per application, so two clerks or nodes finishing
 *       it at once seal it once).
 *   <li>{@code handoff_resend}: a clerk of that hall, or of the partner hall that sends the package, puts a
 *       refused hand-off back in the outbox ({@link HandoffOutbox}) and this node tries it at once.
 * </ul>
 *
 * Refusals have stable codes: {@code NO_SUCH_APPLICATION}, {@code APPLICATION_OTHER_HALL}, {@code
 * NOT_QUALIFIED} (the clerk does not handle the matter), {@code WRONG_STATE} (not signed yet, already sealed,
 * being sealed, or its session still running — then the session's clerk seals it there). Every action is
 * audited. Called on a worker thread by the signaling handler, which checked that the sender is a signed-in
 * clerk; methods block (database, signing, the hand-off's HTTP request).
 */
public final class ApplicationDesk {
    private static final Logger LOG = LoggerFactory.getLogger(ApplicationDesk.class);

    private final ApplicationStore store;
    private final SigningService signing;
    private final HandoffOutbox outbox;
    private final QueueService queue;
    private final Supplier<ReferenceData> refdata;
    private final Records records;

    ApplicationDesk(
            ApplicationStore store,
            SigningService signing,
            HandoffOutbox outbox,
            QueueService queue,
            Supplier<ReferenceData> refdata,
            Records records) {
        this.store = store;
        this.signing = signing;
        this.outbox = outbox;
        this.queue = queue;
        this.refdata = refdata;
        this.records = records;
    }

    /** The clerk console's messages about the hall's unfinished applications (outside any session). */
    public void register(Registry r) {
        r.on(
                ClientMessage.ListApplications.class,
                Access.CLERK,
                (from, m) -> signing.send(from.connId(), list(clerk(from), m.id())));
        r.on(ClientMessage.AppFinish.class, Access.CLERK, (from, m) -> finish(clerk(from), from.connId(), m));
        r.on(ClientMessage.HandoffResend.class, Access.CLERK, (from, m) -> resend(clerk(from), from.connId(), m));
    }

    private ReferenceData.ClerkProfile clerk(Sender from) {
        return refdata.get()
                .clerk(from.clerkId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.AUTH_FAILED, "this account is no longer a clerk"));
    }

    /**
     * A session ended (hang-up by either side, the applicant or the clerk lost): if its application was signed
     * by the applicant but not sealed, that is recorded ({@code application.left_unsealed}) and the clerk's
     * console, if connected, gets the list it now appears in. Blocking; never throws.
     */
    public void sessionEnded(SessionRecord s, String by, String reason) {
        try {
            store.forTicket(s.ticketId())
                    .filter(a -> a.status() == ApplicationStore.Status.APPLICANT_SIGNED
                            || a.status() == ApplicationStore.Status.SEALING)
                    .ifPresent(a -> {
                        LOG.warn(
                                "Session {} ended ({} by {}) with application {} signed by the applicant but not sealed",
                                s.sessionId(),
                                reason,
                                by,
                                a.applicationId());
                        records.audit(
                                "server",
                                AuditAction.APPLICATION_LEFT_UNSEALED,
                                s.sessionId(),
                                AuditDetails.of(AuditField.APPLICATION, a.applicationId())
                                        .and(AuditField.CLERK, s.clerkId())
                                        .and(AuditField.ENDED_BY, by)
                                        .and(AuditField.REASON, reason));
                        ReferenceData.ClerkProfile clerk =
                                refdata.get().clerk(s.clerkId()).orElse(null);
                        String conn = queue.presence(s.clerkId())
                                .map(ClerkPresence::connId)
                                .orElse(null);
                        if (clerk != null && conn != null) {
                            signing.send(conn, list(clerk, null));
                        }
                    });
        } catch (RuntimeException e) {
            LOG.error("Session {}: checking its application at the end failed", s.sessionId(), e);
        }
    }

    // ---------------------------------------------------------------- list

    ServerMessage.Applications list(ReferenceData.ClerkProfile clerk, String re) {
        List<ServerMessage.ApplicationSummary> out = new ArrayList<>();
        for (ApplicationStore.Row a : store.unfinished(HandoffOutbox.LIST_LIMIT)) {
            boolean ownHall = clerk.hallId().equals(acceptingHall(a));
            boolean sealed = a.status() == ApplicationStore.Status.SEALED;
            if (!ownHall && !(sealed && clerk.hallId().equals(sendingHall(a)))) {
                continue;
            }
            if (!sealed && live(a)) {
                continue; // in a running session: its clerk signs and seals it there
            }
            if (sealed && a.handoff() == ApplicationStore.Handoff.PENDING && a.handoffAttempts() == 0) {
                continue; // just sealed, its first hand-off under way: nothing has gone wrong
            }
            out.add(summary(a, clerk));
        }
        return new ServerMessage.Applications(out, re);
    }

    private ServerMessage.ApplicationSummary summary(ApplicationStore.Row a, ReferenceData.ClerkProfile clerk) {
        String action = null;
        if (signing.sealing().claimable(a) && mayFinish(clerk, a)) {
            action = "finish";
        } else if (a.status() == ApplicationStore.Status.SEALED
                && a.handoff() == ApplicationStore.Handoff.REFUSED
                && mayResend(clerk, a)) {
            action = "resend";
        }
        return new ServerMessage.ApplicationSummary(
                a.applicationId(),
                a.sessionId(),
                a.matterId(),
                a.hallId(),
                a.partnerHallId(),
                a.clerkId(),
                signing.clerkName(a.clerkId()),
                Mask.name(signing.applicantName(a)),
                HandoffOutbox.status(a),
                a.applicantSignedAt(),
                a.updatedAt(),
                signing.previews(a),
                signing.pdfUrl(a),
                signing.handoffMessage(a),
                action);
    }

    // ---------------------------------------------------------------- finish

    private void finish(ReferenceData.ClerkProfile clerk, String connId, ClientMessage.AppFinish m) {
        ApplicationStore.Row app = find(m.applicationId());
        String actor = "clerk:" + clerk.id();
        if (!clerk.hallId().equals(acceptingHall(app))) {
            throw refused(
                    actor,
                    app,
                    "app_finish",
                    new ProtocolException(
                            ErrorCode.APPLICATION_OTHER_HALL,
                            "only clerks of " + signing.hallName(acceptingHall(app)) + " may finish this application"));
        }
        if (!clerk.matters().contains(app.matterId())) {
            throw refused(
                    actor,
                    app,
                    "app_finish",
                    new ProtocolException(ErrorCode.NOT_QUALIFIED, "you do not handle this application's matter"));
        }
        if (live(app)) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE, "its session is still running: the session's clerk seals it there");
        }
        Sealing.Sealed done = signing.sealing().seal(app, clerk, actor, applicantName(app), "console");
        signing.verifiedNow(done.row().finalSha256(), done.report());
        signing.send(connId, signing.message(done.row(), m.id()));
        signing.notifyParties(done.row());
        signing.handoff().file(done.row());
        afterHandoff(connId, clerk, m.applicationId());
    }

    // ---------------------------------------------------------------- resend

    private void resend(ReferenceData.ClerkProfile clerk, String connId, ClientMessage.HandoffResend m) {
        ApplicationStore.Row app = find(m.applicationId());
        String actor = "clerk:" + clerk.id();
        if (!mayResend(clerk, app)) {
            throw refused(
                    actor,
                    app,
                    "handoff_resend",
                    new ProtocolException(
                            ErrorCode.APPLICATION_OTHER_HALL,
                            "only clerks of " + signing.hallName(acceptingHall(app))
                                    + (sendingHall(app) == null ? "" : " or " + signing.hallName(sendingHall(app)))
                                    + " may resend this application"));
        }
        HandoffOutbox.Resend r = outbox.resend(app.applicationId(), actor, "console");
        if (r == HandoffOutbox.Resend.NOT_SEALED) {
            throw new ProtocolException(
                    ErrorCode.WRONG_STATE, "the application is not sealed: there is nothing to send yet");
        }
        if (r == HandoffOutbox.Resend.RESENT) {
            LOG.info("Hand-off of {} resent by {}", app.applicationId(), actor);
            signing.handoff().retryNow(app.applicationId());
        }
        // Resending what is pending or delivered changes nothing: the answer shows where it stands.
        ApplicationStore.Row now = store.find(app.applicationId()).orElseThrow();
        signing.send(connId, signing.message(now, m.id()));
        signing.send(connId, list(clerk, null));
    }

    // ---------------------------------------------------------------- helpers

    private void afterHandoff(String connId, ReferenceData.ClerkProfile clerk, String applicationId) {
        store.find(applicationId).ifPresent(row -> signing.send(connId, signing.message(row, null)));
        signing.send(connId, list(clerk, null));
    }

    private ApplicationStore.Row find(String applicationId) {
        return store.find(applicationId)
                .orElseThrow(
                        () -> new ProtocolException(ErrorCode.NO_SUCH_APPLICATION, "no application " + applicationId));
    }

    /**
     * The hall that accepted the application (受理): the hall of the clerk who served its session and prepared
     * it — the owning hall's window, or a partner hall's under an overflow agreement.
     */
    private String acceptingHall(ApplicationStore.Row a) {
        return refdata.get()
                .clerk(a.clerkId())
                .map(ReferenceData.ClerkProfile::hallId)
                .orElse(a.hallId());
    }

    /** The partner hall whose seal signs the hand-off, or null when the owning hall files it itself. */
    private static String sendingHall(ApplicationStore.Row a) {
        return Handoff.needed(a.hallId(), a.partnerHallId()) ? a.partnerHallId() : null;
    }

    private boolean mayFinish(ReferenceData.ClerkProfile clerk, ApplicationStore.Row a) {
        return clerk.hallId().equals(acceptingHall(a)) && clerk.matters().contains(a.matterId());
    }

    private boolean mayResend(ReferenceData.ClerkProfile clerk, ApplicationStore.Row a) {
        return clerk.hallId().equals(acceptingHall(a)) || clerk.hallId().equals(sendingHall(a));
    }

    /** Whether the application's ticket is in a running session now (its clerk seals it there). */
    private boolean live(ApplicationStore.Row a) {
        return queue.ticket(a.ticketId())
                .filter(t -> t.status() == TicketStatus.IN_SESSION && t.sessionId() != null)
                .flatMap(t -> queue.session(t.sessionId()))
                .filter(s -> s.state() == SessionState.ACTIVE)
                .isPresent();
    }

    /** The applicant's name: as the ticket has it while the ticket lives, else as declared on the form. */
    private String applicantName(ApplicationStore.Row a) {
        return queue.ticket(a.ticketId())
                .map(TicketRecord::name)
                .filter(Objects::nonNull)
                .orElseGet(() -> signing.applicantName(a));
    }

    /** Journals a refused attempt on an application; returns {@code e}, marked journaled, to throw. */
    private ProtocolException refused(String actor, ApplicationStore.Row a, String attempt, ProtocolException e) {
        LOG.warn("Refused {} of {} by {} ({})", attempt, a.applicationId(), actor, e.code());
        records.audit(
                actor,
                AuditAction.APPLICATION_REFUSED,
                a.sessionId(),
                AuditDetails.of(AuditField.APPLICATION, a.applicationId())
                        .and(AuditField.ATTEMPT, attempt)
                        .and(AuditField.CODE, e.code().code()));
        return e.audited();
    }
}
