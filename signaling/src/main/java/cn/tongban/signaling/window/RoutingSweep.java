package cn.tongban.signaling.window;

import cn.tongban.signaling.appointment.AppointmentService;
import cn.tongban.signaling.queue.ClerkPresence;
import cn.tongban.signaling.queue.QueueService;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.util.Mask;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the periodic sweep's routing results mean for people and records. Blocking; run on a worker. */
final class RoutingSweep {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingSweep.class);

    private RoutingSweep() {}

    /**
     * Tells clerks whose timed wrap-up ended, records outcomes that expired (the clerk never came back),
     * and releases appointment no-shows (audited, each once across nodes).
     */
    static void after(
            QueueService.Sweep sweep,
            AppointmentService appointments,
            Records records,
            Consumer<ClerkPresence> tellClerk) {
        sweep.wrapUpEnded().forEach(tellClerk);
        for (SessionRecord s : sweep.outcomeExpired()) {
            LOG.info("Session {}: the outcome owed by clerk {} expired", s.sessionId(), s.clerkId());
            records.audit(
                    "server",
                    AuditAction.SESSION_OUTCOME_EXPIRED,
                    s.sessionId(),
                    AuditDetails.of(AuditField.CLERK, s.clerkId()));
        }
        if (appointments == null) {
            return;
        }
        try {
            for (AppointmentService.Appointment a : appointments.releaseNoShows()) {
                LOG.info("Appointment {} released: no-show", a.appointmentId());
                records.audit(
                        "server",
                        AuditAction.APPOINTMENT_NO_SHOW,
                        null,
                        AuditDetails.of(AuditField.APPOINTMENT, a.appointmentId())
                                .and(AuditField.HALL, a.hallId())
                                .and(AuditField.MATTER, a.matterId())
                                .and(AuditField.SLOT, a.start())
                                .and(AuditField.APPLICANT, Mask.name(a.name())));
            }
        } catch (RuntimeException e) {
            LOG.error("Releasing appointment no-shows failed: {}", e.toString());
        }
    }
}
