package cn.tongban.signaling.supervisor;

import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.queue.QueueHistory;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.rest.HttpErrors;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.store.StoreException;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's day over HTTP, for a supervisor's token only ({@code Authorization: Bearer <token>}):
 * {@code GET /api/supervisor/today} (JSON) and {@code GET /api/supervisor/today.csv} (see {@link DayReport}).
 * Both read the database: blocking handlers. Query parameters are ignored: the day is always today's.
 */
public final class SupervisorRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisorRoutes.class);
    private static final String BEARER = "Bearer ";

    private final TokenService tokens;
    private final ReferenceDataStore refdata;
    private final Records records;
    private final QueueHistory history;
    private final Clock clock;

    public SupervisorRoutes(
            TokenService tokens, ReferenceDataStore refdata, Records records, QueueHistory history, Clock clock) {
        this.tokens = tokens;
        this.refdata = refdata;
        this.records = records;
        this.history = history;
        this.clock = clock;
    }

    public void today(RoutingContext ctx) {
        DayReport report = report(ctx);
        if (report != null) {
            ctx.response()
                    .putHeader("content-type", "application/json; charset=utf-8")
                    .putHeader("cache-control", "no-store")
                    .end(report.toJson().encode());
        }
    }

    public void todayCsv(RoutingContext ctx) {
        DayReport report = report(ctx);
        if (report != null) {
            ctx.response()
                    .putHeader("content-type", "text/csv; charset=utf-8")
                    .putHeader("content-disposition", "attachment; filename=\"tongban-" + report.day() + ".csv\"")
                    .putHeader("cache-control", "no-store")
                    .end(Buffer.buffer(report.toCsv()));
        }
    }

    /** Today's report for a supervisor; null after answering with an error. */
    private DayReport report(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || header.length() == BEARER.length()
                || header.length() > 4096) {
            HttpErrors.send(ctx, ErrorCode.UNAUTHENTICATED, "send the session token as Authorization: Bearer <token>");
            return null;
        }
        try {
            String clerkId =
                    tokens.check(header.substring(BEARER.length()).strip()).clerkId();
            HttpErrors.actor(ctx, "clerk:" + clerkId);
            if (!refdata.current().routing().isSupervisor(clerkId)) {
                records.audit("clerk:" + clerkId, AuditAction.SUPERVISOR_REFUSED, null);
                HttpErrors.audited(ctx);
                HttpErrors.send(ctx, ErrorCode.NOT_SUPERVISOR, "this account may not read the queues' history");
                return null;
            }
            return DayReport.today(history, refdata.current(), clock.millis());
        } catch (ProtocolException e) {
            HttpErrors.send(ctx, e.code(), e.getMessage());
            return null;
        } catch (StoreException e) {
            LOG.warn("Could not read the queue history: {}", e.toString());
            HttpErrors.send(ctx, ErrorCode.STORE_UNAVAILABLE, "the queue history cannot be read now");
            return null;
        }
    }
}
