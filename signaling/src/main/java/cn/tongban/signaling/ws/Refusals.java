package cn.tongban.signaling.ws;

import cn.tongban.signaling.live.Client;
import cn.tongban.signaling.live.Role;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one place refused requests reach the audit journal. Every error the WebSocket transport sends for a
 * {@linkplain cn.tongban.signaling.protocol.ErrorCode#refusal() refusal} passes here — whichever handler
 * threw it, or the codec — unless the handler journaled it itself with details only it knows ({@link
 * ProtocolException#audited()}). A node-wide budget keeps a flood of refused messages from filling the
 * journal: beyond {@value #RATE} a second (bursts of {@value #BURST}) refusals are counted, and journaled
 * as one summary entry a minute.
 */
final class Refusals {
    static final int RATE = 10;
    static final int BURST = 100;
    private static final long SUMMARY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Map<Class<?>, Optional<Method>> SESSION_IDS = new ConcurrentHashMap<>();

    private final Records records;
    private final RateLimiter budget;
    private final AtomicLong unrecorded = new AtomicLong();
    private final Counter journaled;
    private final Counter overBudget;
    private long lastSummary;

    Refusals(Records records, MeterRegistry metrics) {
        this.records = records;
        this.budget = new RateLimiter(RATE, BURST, System.nanoTime());
        this.lastSummary = System.nanoTime();
        this.journaled = Counter.builder("tongban_refusals_total")
                .tag("journaled", "true")
                .description("Refused requests")
                .register(metrics);
        this.overBudget = Counter.builder("tongban_refusals_total")
                .tag("journaled", "false")
                .description("Refused requests")
                .register(metrics);
    }

    /**
     * Journals that {@code c}'s message of type {@code type} was refused with {@code e}, if it is a refusal
     * and not journaled already. Blocks on the database: call it off the event loop.
     *
     * @param message the decoded message, for its session, or null when it could not be decoded
     */
    void refused(Client c, String type, Object message, ProtocolException e) {
        if (e.isAudited() || !e.code().refusal()) {
            return;
        }
        long now = System.nanoTime();
        boolean within;
        long summary = 0;
        synchronized (this) {
            within = budget.tryAcquire(now);
            if (!within) {
                unrecorded.incrementAndGet();
            }
            if (now - lastSummary >= SUMMARY_NANOS && unrecorded.get() > 0) {
                summary = unrecorded.getAndSet(0);
                lastSummary = now;
            }
        }
        if (summary > 0) {
            records.audit(
                    "server",
                    AuditAction.REQUEST_REFUSED_UNRECORDED,
                    null,
                    AuditDetails.of(AuditField.ATTEMPTS, summary));
        }
        if (!within) {
            overBudget.increment();
            return;
        }
        journaled.increment();
        // No free text: the reason a codec gives may quote what the client typed (personal data).
        records.audit(
                actor(c),
                AuditAction.REQUEST_REFUSED,
                sessionOf(message),
                AuditDetails.of(AuditField.ATTEMPT, type == null ? "?" : type)
                        .and(AuditField.CODE, e.code().code())
                        .and(AuditField.CONNECTION, c.connId()));
    }

    /** Who the connection is, as the journal names actors. */
    static String actor(Client c) {
        Role role = c.role();
        if (role == Role.CLERK) {
            return "clerk:" + c.clerkId();
        }
        if (role == Role.SUPERVISOR) {
            return "supervisor";
        }
        if (role == Role.APPLICANT) {
            return "ticket:" + c.ticketId();
        }
        return "anonymous";
    }

    /** The {@code sessionId} of a message that names one (a record component of that name), else null. */
    static String sessionOf(Object message) {
        if (message == null || !message.getClass().isRecord()) {
            return null;
        }
        Optional<Method> accessor = SESSION_IDS.computeIfAbsent(message.getClass(), k -> {
            for (RecordComponent rc : k.getRecordComponents()) {
                if (rc.getName().equals("sessionId") && rc.getType() == String.class) {
                    return Optional.of(rc.getAccessor());
                }
            }
            return Optional.empty();
        });
        try {
            return accessor.isPresent() ? (String) accessor.get().invoke(message) : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
