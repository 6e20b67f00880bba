package cn.tongban.signaling.store;

import cn.tongban.session.audit.AuditJournal;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the live flow writes down for good: audit events and finished cases. A store failure is logged
 * and counted ({@code tongban_store_failures_total}) but never breaks a running consultation; the live
 * state in the cluster is unaffected.
 */
public final class Records {
    private static final Logger LOG = LoggerFactory.getLogger(Records.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuditJournal journal;
    private final CaseStore cases;
    private final Clock clock;
    private final Counter failures;

    public Records(AuditJournal journal, CaseStore cases, Clock clock, MeterRegistry metrics) {
        this.journal = journal;
        this.cases = cases;
        this.clock = clock;
        this.failures = Counter.builder("tongban_store_failures_total")
                .description("Audit or case records that could not be written")
                .register(metrics);
    }

    public AuditJournal journal() {
        return journal;
    }

    public CaseStore cases() {
        return cases;
    }

    /** Appends an audit event without details (see {@link #audit(String, AuditAction, String, AuditDetails)}). */
    public void audit(String actor, AuditAction action, String sessionId) {
        audit(actor, action, sessionId, AuditDetails.NONE);
    }

    /**
     * Appends an audit event. A failure is logged and counted; for a {@linkplain AuditAction#consentGated()
     * consent-gated} action it also throws {@code AUDIT_UNAVAILABLE}, so that the action does not happen.
     */
    public void audit(String actor, AuditAction action, String sessionId, AuditDetails details) {
        try {
            journal.append(actor, action.wire(), sessionId, JSON.writeValueAsString(details.asMap()));
        } catch (JsonProcessingException | RuntimeException e) {
            failures.increment();
            LOG.error("Audit event {} by {} was not recorded: {}", action, AuditText.label(actor, 128), e.toString());
            if (action.consentGated()) {
                throw new ProtocolException(
                        ErrorCode.AUDIT_UNAVAILABLE, "not done: the audit journal cannot be written; try again");
            }
        }
    }

    /** Records a finished session. */
    public void caseClosed(SessionRecord s, TicketRecord t) {
        if (s == null || t == null) {
            return;
        }
        try {
            cases.record(s, t, clock.millis());
        } catch (RuntimeException e) {
            failures.increment();
            LOG.error("Case {} was not recorded: {}", s.sessionId(), e.toString());
        }
    }
}
