package cn.tongban.signaling.audit;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Records;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * The one place refused requests reach the audit journal, for both transports: the WebSocket's
 * ({@code ws/Refusals}) and HTTP's (the router's first handler, {@code http/HttpRefusals}). Only
 * {@linkplain ErrorCode#refusal() refusals} are journaled, as {@link AuditAction#REQUEST_REFUSED} with the
 * attempt, the code and what the transport knows of the sender — never free text, which may quote what the
 * client typed. One node-wide budget for both keeps a flood of refused requests from filling the journal:
 * beyond {@value #RATE} a second (bursts of {@value #BURST}) refusals are counted
 * ({@code tongban_refusals_total{journaled="false"}}), and journaled as one {@link
 * AuditAction#REQUEST_REFUSED_UNRECORDED} entry a minute at most. The budget is decided where the refusal
 * is sent, at once; only the entries within it go to the worker threads that write the journal, so a flood
 * does not queue up work there ahead of everybody else's.
 */
public final class RefusalJournal {
    public static final int RATE = 10;
    public static final int BURST = 100;
    private static final long SUMMARY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Records records;
    private final Executor writer;
    private final LongSupplier nanoTime;
    private final Counter journaled;
    private final Counter overBudget;
    // The token bucket and the count of refusals not journaled one by one; guarded by this.
    private double tokens = BURST;
    private long lastRefill;
    private long unrecorded;
    private long lastSummary;

    /**
     * @param writer runs the journal's writes, which block on the database: off the event loop (e.g. on
     *     Vert.x's worker threads)
     */
    public RefusalJournal(Records records, MeterRegistry metrics, Executor writer) {
        this(records, metrics, writer, System::nanoTime);
    }

    RefusalJournal(Records records, MeterRegistry metrics, Executor writer, LongSupplier nanoTime) {
        this.records = records;
        this.writer = writer;
        this.nanoTime = nanoTime;
        long now = nanoTime.getAsLong();
        this.lastRefill = now;
        this.lastSummary = now;
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
     * Journals that {@code actor}'s request was refused with {@code code}, if that is a refusal and the
     * budget allows; beyond it only counts it. The caller has left out refusals its handlers journaled
     * themselves. Does not block: the entry is written by the {@code writer}.
     *
     * @param actor who sent it, as the journal names actors ({@code clerk:<id>}, {@code anonymous}, …)
     * @param attempt what was attempted: a message type, or an HTTP method and route pattern — never the
     *     raw path (it may hold a token)
     * @param sessionId the session the request named, or null
     * @param extra adds what the transport knows after the attempt and the code (the connection, the
     *     client's masked address)
     */
    public void refused(
            String actor, String attempt, ErrorCode code, String sessionId, UnaryOperator<AuditDetails> extra) {
        if (!code.refusal()) {
            return;
        }
        long now = nanoTime.getAsLong();
        boolean within;
        long summary = 0;
        synchronized (this) {
            tokens = Math.min(BURST, tokens + (now - lastRefill) * RATE / 1e9);
            lastRefill = now;
            within = tokens >= 1;
            if (within) {
                tokens -= 1;
            } else {
                unrecorded++;
            }
            if (now - lastSummary >= SUMMARY_NANOS && unrecorded > 0) {
                summary = unrecorded;
                unrecorded = 0;
                lastSummary = now;
            }
        }
        if (!within) {
            overBudget.increment();
        } else {
            journaled.increment();
        }
        if (summary == 0 && !within) {
            return;
        }
        long unrecordedBefore = summary;
        String attempted = attempt == null ? "?" : attempt;
        writer.execute(() -> {
            if (unrecordedBefore > 0) {
                records.audit(
                        "server",
                        AuditAction.REQUEST_REFUSED_UNRECORDED,
                        null,
                        AuditDetails.of(AuditField.ATTEMPTS, unrecordedBefore));
            }
            if (within) {
                records.audit(
                        actor,
                        AuditAction.REQUEST_REFUSED,
                        sessionId,
                        extra.apply(
                                AuditDetails.of(AuditField.ATTEMPT, attempted).and(AuditField.CODE, code.code())));
            }
        });
    }
}
