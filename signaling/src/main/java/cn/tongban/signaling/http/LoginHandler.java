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
import cn.tongban.signaling.util.Mask;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/login}: checks a clerk's password and issues a session token.
 *
 * <p>Checking a password costs Argon2's 19 MiB and tens of milliseconds of CPU by design, so checks run on
 * a pool of their own, as many at once as there are cores, with a bounded wait behind them: a flood of
 * sign-ins is answered {@code RATE_LIMITED} beyond that instead of occupying the worker threads every
 * WebSocket message and {@code /health} need.
 *
 * <p>Before any password is checked the attempt goes through the {@link LoginThrottle}, by the client's
 * address ({@link ClientAddress}) and the account: an attempt that must wait is answered {@code
 * LOGIN_THROTTLED} with {@code Retry-After}, one on a locked account {@code LOGIN_LOCKED}, both without
 * running Argon2 ({@code tongban_login_password_checks_total} counts the checks that ran).
 */
final class LoginHandler implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(LoginHandler.class);

    static final int CHECKS_AT_ONCE = Math.max(2, Runtime.getRuntime().availableProcessors());
    static final int CHECKS_WAITING = 32;
    private static final int MAX_USERNAME = 64;

    /** What the pool found: the throttle's verdict, and the clerk and token of a success. */
    private record Result(LoginThrottle.Verdict verdict, ReferenceData.ClerkProfile clerk, String token) {}

    private final AccountStore accounts;
    private final TokenService tokens;
    private final ReferenceDataStore refdata;
    private final LoginThrottle throttle;
    private final Records records;
    private final Function<HttpServerRequest, String> clientAddress;
    private final WorkerExecutor checks;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter passwordChecks;
    private final Counter throttled;

    LoginHandler(
            Vertx vertx,
            AccountStore accounts,
            TokenService tokens,
            ReferenceDataStore refdata,
            Records records,
            LoginThrottle throttle,
            Function<HttpServerRequest, String> clientAddress,
            MeterRegistry metrics) {
        this.records = records;
        this.accounts = accounts;
        this.tokens = tokens;
        this.refdata = refdata;
        this.throttle = throttle;
        this.clientAddress = clientAddress;
        this.checks = vertx.createSharedWorkerExecutor("tongban-login", CHECKS_AT_ONCE);
        this.passwordChecks = Counter.builder("tongban_login_password_checks_total")
                .description("Sign-in attempts whose password was checked (Argon2)")
                .register(metrics);
        this.throttled = Counter.builder("tongban_login_throttled_total")
                .description("Sign-in attempts refused unchecked: throttled or on a locked account")
                .register(metrics);
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
        if (!(u instanceof String username) || username.isBlank() || username.length() > MAX_USERNAME) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "username: is required");
            return;
        }
        if (!(p instanceof String password) || password.isEmpty() || password.length() > 256) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "password: is required");
            return;
        }
        String user = username.strip().toLowerCase(Locale.ROOT);
        if (user.length() > MAX_USERNAME) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "username: is too long");
            return;
        }
        String address = clientAddress.apply(ctx.request());
        // Client-chosen text: escaped for the log and the journal.
        String shown = Mask.printable(user);
        if (inFlight.incrementAndGet() > CHECKS_AT_ONCE + CHECKS_WAITING) {
            inFlight.decrementAndGet();
            HttpErrors.send(ctx, ErrorCode.RATE_LIMITED, "too many sign-ins at once; try again in a moment");
            return;
        }
        // The throttle's counts (database) and the password check are blocking: both on the sign-in pool.
        // Only failures are counted, so clerks signing in at once from one address hold nobody up.
        checks.executeBlocking(
                        () -> {
                            LoginThrottle.Verdict verdict = throttle.attempt(user, address);
                            if (verdict.outcome() != LoginThrottle.Outcome.ALLOWED) {
                                throttled.increment();
                                if (verdict.outcome() == LoginThrottle.Outcome.LOCKED) {
                                    records.audit("clerk:" + shown, AuditAction.CLERK_LOGIN_LOCKED, null);
                                }
                                return new Result(verdict, null, null);
                            }
                            passwordChecks.increment();
                            boolean ok = accounts.verify(user, password);
                            ReferenceData.ClerkProfile clerk =
                                    ok ? refdata.current().clerk(user).orElse(null) : null;
                            records.audit(
                                    "clerk:" + shown,
                                    clerk != null ? AuditAction.CLERK_LOGIN : AuditAction.CLERK_LOGIN_FAILED,
                                    null);
                            if (clerk == null) {
                                if (throttle.recordFailure(user, address)) {
                                    LOG.warn(
                                            "Account {} locked after {} failed sign-ins in a row;"
                                                    + " `tongban.jar account unlock` clears it",
                                            shown,
                                            LoginThrottle.LOCK_AFTER);
                                    records.audit("clerk:" + shown, AuditAction.CLERK_ACCOUNT_LOCKED, null);
                                }
                                return new Result(verdict, null, null);
                            }
                            throttle.recordSuccess(user, address);
                            return new Result(verdict, clerk, tokens.issue(clerk.id()));
                        },
                        false)
                .onComplete(ar -> {
                    inFlight.decrementAndGet();
                    if (ar.failed() && ar.cause() instanceof SplitBrainProtectionException) {
                        HttpErrors.send(
                                ctx, ErrorCode.NODE_UNAVAILABLE, "this node is cut off from its cluster; try another");
                        return;
                    }
                    if (ar.failed()) {
                        LOG.warn(
                                "Sign-in of {} could not be checked: {}",
                                shown,
                                ar.cause().toString());
                        HttpErrors.send(ctx, ErrorCode.INTERNAL, "the sign-in could not be checked; try again");
                        return;
                    }
                    Result r = ar.result();
                    if (r.verdict().outcome() == LoginThrottle.Outcome.LOCKED) {
                        // Journaled on the pool as clerk.login_locked.
                        HttpErrors.audited(ctx);
                        HttpErrors.send(
                                ctx,
                                ErrorCode.LOGIN_LOCKED,
                                "this account is locked after too many failed sign-ins; an administrator can unlock it");
                        return;
                    }
                    if (r.verdict().outcome() == LoginThrottle.Outcome.THROTTLED) {
                        HttpErrors.retryLater(
                                ctx,
                                ErrorCode.LOGIN_THROTTLED,
                                r.verdict().retryAfterSeconds(),
                                "too many sign-in attempts; wait before trying again");
                        return;
                    }
                    if (r.clerk() == null) {
                        LOG.info("Failed login for clerk {}", shown);
                        // Journaled on the pool as clerk.login_failed: not again as request.refused.
                        HttpErrors.audited(ctx);
                        HttpErrors.send(ctx, ErrorCode.AUTH_FAILED, "wrong user name or password");
                        return;
                    }
                    ReferenceData data = refdata.current();
                    ReferenceData.ClerkProfile clerk = r.clerk();
                    String hallName = data.hall(clerk.hallId())
                            .map(ReferenceData.Hall::name)
                            .orElse(clerk.hallId());
                    ctx.response()
                            .putHeader("content-type", "application/json; charset=utf-8")
                            .putHeader("cache-control", "no-store")
                            .end(new JsonObject()
                                    .put("token", r.token())
                                    .put("expiresIn", TokenService.TTL_SECONDS)
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
