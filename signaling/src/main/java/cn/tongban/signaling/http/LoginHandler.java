package cn.tongban.signaling.http;

import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.auth.LoginThrottle;
import cn.tongban.signaling.auth.PasswordRules;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ErrorReason;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.rest.HttpErrors;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
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
 *
 * <p>A right password that somebody else chose for the clerk ({@link AccountStore.Check#CHANGE_REQUIRED}) is
 * answered {@code PASSWORD_CHANGE_REQUIRED} without a token; {@code POST /api/login/password} then takes it
 * with a new password of the clerk's own ({@link PasswordRules}) and signs the clerk in. Every attempt is
 * journaled with the client's address ({@code client}); never a password.
 */
final class LoginHandler implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(LoginHandler.class);

    static final int CHECKS_AT_ONCE = Math.max(2, Runtime.getRuntime().availableProcessors());
    static final int CHECKS_WAITING = 32;
    private static final int MAX_USERNAME = 64;
    private static final int MAX_PASSWORD = PasswordRules.MAX_LENGTH;

    /**
     * What the pool found: the throttle's verdict, the password check, the rule a new password broke, and the
     * clerk and token of a success.
     */
    private record Result(
            LoginThrottle.Verdict verdict,
            AccountStore.Check check,
            ErrorReason weak,
            ReferenceData.ClerkProfile clerk,
            String token) {
        static Result refused(LoginThrottle.Verdict verdict, AccountStore.Check check) {
            return new Result(verdict, check, null, null, null);
        }
    }

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

    private final java.util.function.BooleanSupplier storeDown;

    LoginHandler(
            Vertx vertx,
            AccountStore accounts,
            TokenService tokens,
            ReferenceDataStore refdata,
            Records records,
            LoginThrottle throttle,
            Function<HttpServerRequest, String> clientAddress,
            java.util.function.BooleanSupplier storeDown,
            MeterRegistry metrics) {
        this.storeDown = storeDown;
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

    /** {@code POST /api/login}: {@code {"username","password"}}. */
    @Override
    public void handle(RoutingContext ctx) {
        signIn(ctx, false);
    }

    /**
     * {@code POST /api/login/password}: {@code {"username","password","newPassword"}} — the clerk's current
     * password (or the one-time password) and a new one of their own; answered like a sign-in, with a token,
     * once the new password is set. The way out of {@code PASSWORD_CHANGE_REQUIRED}, and a clerk's own change
     * of password at any time.
     */
    void changePassword(RoutingContext ctx) {
        signIn(ctx, true);
    }

    private void signIn(RoutingContext ctx, boolean change) {
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
        if (!(p instanceof String password) || password.isEmpty() || password.length() > MAX_PASSWORD) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "password: is required");
            return;
        }
        String newPassword = null;
        if (change) {
            if (!(body.getValue("newPassword") instanceof String np) || np.isEmpty()) {
                HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "newPassword: is required");
                return;
            }
            newPassword = np;
        }
        String user = username.strip().toLowerCase(Locale.ROOT);
        if (user.length() > MAX_USERNAME) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, "username: is too long");
            return;
        }
        String address = clientAddress.apply(ctx.request());
        // Client-chosen text: escaped for the log and the journal.
        String shown = Mask.printable(user);
        String actor = "clerk:" + shown;
        AuditDetails from = AuditDetails.of(AuditField.CLIENT, address);
        if (storeDown.getAsBoolean()) {
            // The accounts and the throttle live in the database: say so now rather than after the pool's
            // connection timeout (30 s), and never as a wrong password.
            HttpErrors.send(ctx, ErrorCode.STORE_UNAVAILABLE, "the database does not answer; try again in a minute");
            return;
        }
        if (inFlight.incrementAndGet() > CHECKS_AT_ONCE + CHECKS_WAITING) {
            inFlight.decrementAndGet();
            HttpErrors.send(ctx, ErrorCode.RATE_LIMITED, "too many sign-ins at once; try again in a moment");
            return;
        }
        String wanted = newPassword;
        // The throttle's counts (database) and the password check are blocking: both on the sign-in pool.
        // Only failures are counted, so clerks signing in at once from one address hold nobody up.
        checks.executeBlocking(
                        () -> {
                            LoginThrottle.Verdict verdict = throttle.attempt(user, address);
                            if (verdict.outcome() != LoginThrottle.Outcome.ALLOWED) {
                                throttled.increment();
                                if (verdict.outcome() == LoginThrottle.Outcome.LOCKED) {
                                    records.audit(actor, AuditAction.CLERK_LOGIN_LOCKED, null, from);
                                }
                                return Result.refused(verdict, null);
                            }
                            passwordChecks.increment();
                            AccountStore.Check check = accounts.check(user, password);
                            ReferenceData.ClerkProfile clerk = check == AccountStore.Check.WRONG
                                    ? null
                                    : refdata.current().clerk(user).orElse(null);
                            if (clerk == null) {
                                records.audit(actor, AuditAction.CLERK_LOGIN_FAILED, null, from);
                                if (throttle.recordFailure(user, address)) {
                                    LOG.warn(
                                            "Account {} locked after {} failed sign-ins in a row;"
                                                    + " `tongban.jar account unlock` clears it",
                                            shown,
                                            LoginThrottle.LOCK_AFTER);
                                    records.audit(actor, AuditAction.CLERK_ACCOUNT_LOCKED, null, from);
                                }
                                return Result.refused(verdict, AccountStore.Check.WRONG);
                            }
                            // The right password: whatever follows, this was no guess.
                            throttle.recordSuccess(user, address);
                            if (check == AccountStore.Check.EXPIRED) {
                                records.audit(actor, AuditAction.CLERK_PASSWORD_EXPIRED, null, from);
                                return Result.refused(verdict, check);
                            }
                            if (wanted != null) {
                                ErrorReason weak = PasswordRules.problem(user, wanted, password)
                                        .orElse(null);
                                if (weak != null) {
                                    return new Result(verdict, check, weak, null, null);
                                }
                                accounts.setPassword(user, wanted);
                                records.audit(actor, AuditAction.CLERK_PASSWORD_CHANGED, null, from);
                            } else if (check == AccountStore.Check.CHANGE_REQUIRED) {
                                records.audit(actor, AuditAction.CLERK_PASSWORD_CHANGE_REQUIRED, null, from);
                                return Result.refused(verdict, check);
                            }
                            records.audit(actor, AuditAction.CLERK_LOGIN, null, from);
                            return new Result(verdict, AccountStore.Check.OK, null, clerk, tokens.issue(clerk.id()));
                        },
                        false)
                .onComplete(ar -> {
                    inFlight.decrementAndGet();
                    if (ar.failed() && ar.cause() instanceof SplitBrainProtectionException) {
                        HttpErrors.send(
                                ctx, ErrorCode.NODE_UNAVAILABLE, "this node is cut off from its cluster; try another");
                        return;
                    }
                    if (ar.failed() && databaseUnreachable(ar.cause())) {
                        LOG.warn(
                                "Sign-in of {} could not be checked: {}",
                                shown,
                                ar.cause().toString());
                        HttpErrors.send(
                                ctx,
                                ErrorCode.STORE_UNAVAILABLE,
                                "the database does not answer; try again in a minute");
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
                    answer(ctx, ar.result(), shown);
                });
    }

    /** A failure to reach the database (the pool's timeout, a refused or broken connection), not a bug in a query. */
    static boolean databaseUnreachable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.sql.SQLTransientConnectionException
                    || c instanceof java.sql.SQLNonTransientConnectionException) {
                return true;
            }
            if (c instanceof java.sql.SQLException e
                    && e.getSQLState() != null
                    && e.getSQLState().startsWith("08")) {
                return true;
            }
        }
        return false;
    }

    private void answer(RoutingContext ctx, Result r, String shown) {
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
        if (r.check() == AccountStore.Check.WRONG) {
            LOG.info("Failed login for clerk {}", shown);
            // Journaled on the pool as clerk.login_failed: not again as request.refused.
            HttpErrors.audited(ctx);
            HttpErrors.send(ctx, ErrorCode.AUTH_FAILED, "wrong user name or password");
            return;
        }
        if (r.check() == AccountStore.Check.EXPIRED) {
            HttpErrors.audited(ctx);
            HttpErrors.send(
                    ctx,
                    ErrorCode.PASSWORD_EXPIRED,
                    "this one-time password has expired; an administrator can issue a new one");
            return;
        }
        if (r.weak() != null) {
            HttpErrors.send(ctx, ErrorCode.PASSWORD_TOO_WEAK, r.weak().wire(), PasswordRules.describe(r.weak()));
            return;
        }
        if (r.check() == AccountStore.Check.CHANGE_REQUIRED) {
            HttpErrors.audited(ctx);
            HttpErrors.send(
                    ctx,
                    ErrorCode.PASSWORD_CHANGE_REQUIRED,
                    "set a password of your own first (POST /api/login/password)");
            return;
        }
        ReferenceData data = refdata.current();
        ReferenceData.ClerkProfile clerk = r.clerk();
        String hallName =
                data.hall(clerk.hallId()).map(ReferenceData.Hall::name).orElse(clerk.hallId());
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
                                        .put("supervisor", data.routing().isSupervisor(clerk.id()))
                                        .put("demo", data.initialPassword() != null))
                        .encode());
    }
}
