package cn.tongban.signaling.http;

import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.auth.LoginThrottle;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.rest.HttpErrors;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.Records;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/login}: checks a clerk's password and issues a session token.
 *
 * <p>Checking a password costs Argon2's 19 MiB and tens of milliseconds of CPU by design, so checks run on
 * a pool of their own, as many at once as there are cores, with a bounded wait behind them: a flood of
 * sign-ins is answered {@code RATE_LIMITED} beyond that instead of occupying the worker threads every
 * WebSocket message and {@code /health} need.
 */
final class LoginHandler implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(LoginHandler.class);

    static final int CHECKS_AT_ONCE = Math.max(2, Runtime.getRuntime().availableProcessors());
    static final int CHECKS_WAITING = 32;

    private static final int OK = 0;
    private static final int FAILED = 1;
    private static final int LOCKED = 2;

    private final AccountStore accounts;
    private final TokenService tokens;
    private final ReferenceDataStore refdata;
    private final LoginThrottle throttle;
    private final Records records;
    private final WorkerExecutor checks;
    private final AtomicInteger inFlight = new AtomicInteger();

    LoginHandler(
            Vertx vertx,
            AccountStore accounts,
            TokenService tokens,
            ReferenceDataStore refdata,
            Records records,
            LoginThrottle throttle) {
        this.records = records;
        this.accounts = accounts;
        this.tokens = tokens;
        this.refdata = refdata;
        this.throttle = throttle;
        this.checks = vertx.createSharedWorkerExecutor("tongban-login", CHECKS_AT_ONCE);
    }

    @Override
    public void handle(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            HttpErrors.send(ctx, ErrorCode.BAD_JSON, "the body must be a JSON object");
            return;
        }
        if (body == null) {
            HttpErrors.send(ctx, ErrorCode.BAD_JSON, "the body must be a JSON object");
            return;
        }
        Object u = body.getValue("username");
        Object p = body.getValue("password");
        if (!(u instanceof String username) || username.isBlank() || username.length() > 64) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "username: is required");
            return;
        }
        if (!(p instanceof String password) || password.isEmpty() || password.length() > 256) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "password: is required");
            return;
        }
        String user = username.strip().toLowerCase(java.util.Locale.ROOT);
        if (inFlight.incrementAndGet() > CHECKS_AT_ONCE + CHECKS_WAITING) {
            inFlight.decrementAndGet();
            HttpErrors.send(ctx, ErrorCode.RATE_LIMITED, "too many sign-ins at once; try again in a moment");
            return;
        }
        // The throttle's counts are cluster-wide (a Hazelcast map) and the password check is slow: both off
        // the event loop, on the sign-in pool.
        checks.executeBlocking(
                        () -> {
                            if (throttle.isLocked(user)) {
                                records.audit("clerk:" + user, AuditAction.CLERK_LOGIN_LOCKED, null);
                                return LOCKED;
                            }
                            boolean ok = accounts.verify(user, password)
                                    && refdata.current().clerk(user).isPresent();
                            records.audit(
                                    "clerk:" + user,
                                    ok ? AuditAction.CLERK_LOGIN : AuditAction.CLERK_LOGIN_FAILED,
                                    null);
                            if (ok) {
                                throttle.recordSuccess(user);
                            } else {
                                throttle.recordFailure(user);
                            }
                            return ok ? OK : FAILED;
                        },
                        false)
                .onComplete(ar -> {
                    inFlight.decrementAndGet();
                    if (ar.failed() && ar.cause() instanceof SplitBrainProtectionException) {
                        HttpErrors.send(
                                ctx, ErrorCode.NODE_UNAVAILABLE, "this node is cut off from its cluster; try another");
                        return;
                    }
                    if (ar.succeeded() && ar.result() == LOCKED) {
                        HttpErrors.send(ctx, ErrorCode.LOGIN_LOCKED, "too many failed attempts; try again in a minute");
                        return;
                    }
                    ReferenceData data = refdata.current();
                    ReferenceData.ClerkProfile clerk = data.clerk(user).orElse(null);
                    if (ar.failed() || ar.result() != OK || clerk == null) {
                        LOG.info("Failed login for clerk {}", user);
                        HttpErrors.send(ctx, ErrorCode.AUTH_FAILED, "wrong user name or password");
                        return;
                    }
                    String hallName = data.hall(clerk.hallId())
                            .map(ReferenceData.Hall::name)
                            .orElse(clerk.hallId());
                    ctx.response()
                            .putHeader("content-type", "application/json; charset=utf-8")
                            .putHeader("cache-control", "no-store")
                            .end(new JsonObject()
                                    .put("token", tokens.issue(clerk.id()))
                                    .put(
                                            "clerk",
                                            new JsonObject()
                                                    .put("clerkId", clerk.id())
                                                    .put("name", clerk.name())
                                                    .put("hallId", clerk.hallId())
                                                    .put("hallName", hallName)
                                                    .put("matters", new JsonArray(clerk.matters()))
                                                    .put("languages", new JsonArray(clerk.languages()))
                                                    .put(
                                                            "supervisor",
                                                            data.routing().isSupervisor(clerk.id())))
                                    .encode());
                });
    }
}
