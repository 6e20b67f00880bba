package cn.tongban.signaling.application;

import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The hand-off outbox as a person works it — the clerk console's list ({@link ApplicationDesk}) and {@code
 * tongban.jar handoff list|resend} on the database: which applications need someone, and sending a refused
 * package again once its cause is fixed. Works on the database alone, so the command-line tool needs no
 * running node: a resent package is due at once and the next retry round of any node (every 5 s) sends it.
 *
 * <p>Resending is a conditional update ({@code REFUSED} → {@code PENDING}): two people, or a person and the
 * command line, resending at once send it once; resending what is already pending or delivered changes
 * nothing. Each resend is audited ({@code handoff.resent}).
 */
public final class HandoffOutbox {
    /** At most this many rows are listed (oldest change first). */
    static final int LIST_LIMIT = 500;

    /** Writes one audit event (actor, action, session, alternating keys and values). */
    @FunctionalInterface
    public interface Auditor {
        void audit(String actor, AuditAction action, String sessionId, AuditDetails details);
    }

    /** What {@link #resend} did. */
    public enum Resend {
        /** Back in the outbox, due now. */
        RESENT,
        /** Nothing to do: it is waiting in the outbox already (being retried). */
        ALREADY_PENDING,
        /** Nothing to do: the owning hall accepted it (receipt issued). */
        ALREADY_DELIVERED,
        /** Not sealed yet: there is no package to send (finish it first). */
        NOT_SEALED,
        /** No application has that number. */
        NO_SUCH_APPLICATION
    }

    /**
     * One application that needs a person. {@code status}: {@code applicant_signed}, {@code sealing} or {@code
     * sealed}; {@code handoff}: {@code pending}, {@code refused} (or absent before sealing); times in epoch ms.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(
            String applicationId,
            String sessionId,
            String matterId,
            String owningHallId,
            String fromHallId,
            String clerkId,
            String status,
            Long applicantSignedAt,
            String handoff,
            String reason,
            int attempts,
            Long nextAttemptAt,
            long updatedAt) {}

    private final ApplicationStore store;
    private final Auditor audit;
    private final Clock clock;

    /** On a migrated database; {@code audit} receives every resend. */
    public HandoffOutbox(DataSource db, Auditor audit, Clock clock) {
        this(new ApplicationStore(db), audit, clock);
    }

    HandoffOutbox(ApplicationStore store, Auditor audit, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
    }

    /** Applications signed by the applicant but not sealed, and sealed ones whose hand-off is refused or pending. */
    public List<Entry> list() {
        return store.unfinished(LIST_LIMIT).stream().map(HandoffOutbox::entry).toList();
    }

    /** Sends a refused hand-off again; {@code actor} is who asks ({@code clerk:<id>}, {@code operator:<name>}). */
    public Resend resend(String applicationId, String actor, String via) {
        ApplicationStore.Row app = store.find(applicationId).orElse(null);
        if (app == null) {
            return Resend.NO_SUCH_APPLICATION;
        }
        if (app.status() != ApplicationStore.Status.SEALED || app.handoff() == null) {
            return Resend.NOT_SEALED;
        }
        if (!store.resend(applicationId, clock.millis())) {
            // Refused no more: someone resent it first, or it was never refused.
            ApplicationStore.Row now = store.find(applicationId).orElse(app);
            return now.receiptNo() != null ? Resend.ALREADY_DELIVERED : Resend.ALREADY_PENDING;
        }
        audit.audit(
                actor,
                AuditAction.HANDOFF_RESENT,
                app.sessionId(),
                AuditDetails.of(AuditField.APPLICATION, applicationId)
                        .and(AuditField.TO, app.hallId())
                        .and(AuditField.REFUSED_FOR, app.handoffReason())
                        .and(AuditField.ATTEMPTS, app.handoffAttempts())
                        .and(AuditField.VIA, via));
        return Resend.RESENT;
    }

    static Entry entry(ApplicationStore.Row a) {
        return new Entry(
                a.applicationId(),
                a.sessionId(),
                a.matterId(),
                a.hallId(),
                a.partnerHallId() == null ? a.hallId() : a.partnerHallId(),
                a.clerkId(),
                status(a),
                a.applicantSignedAt(),
                a.status() == ApplicationStore.Status.SEALED && a.handoff() != null
                        ? a.handoff().name().toLowerCase(Locale.ROOT)
                        : null,
                a.handoffReason(),
                a.handoffAttempts(),
                a.handoffNextAt(),
                a.updatedAt());
    }

    static String status(ApplicationStore.Row a) {
        return a.status().name().toLowerCase(Locale.ROOT);
    }
}
