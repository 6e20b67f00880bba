package cn.tongban.signaling.verify;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.rest.HttpErrors;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.util.Mask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/**
 * The applicant's mobile verification over HTTP (docs/protocol.md, "Mobile verification"):
 *
 * <ul>
 *   <li>{@code GET /api/verify}: {@code {required, codeLength, resendSeconds}} — whether tickets and bookings
 *       need a verified number on this server;
 *   <li>{@code POST /api/verify/code} {@code {mobile[, challenge, nonce]}}: sends a code, 202 {@code
 *       {resendAfter, validFor}}; 429 {@code CHALLENGE_REQUIRED} carries {@code challenge} and {@code bits}
 *       to solve and send along with the same request again;
 *   <li>{@code POST /api/verify/confirm} {@code {mobile, code}}: 200 {@code {mobileToken, validFor}}, the token
 *       that {@code join} and {@code POST /api/appointments} carry.
 * </ul>
 */
public final class VerifyRoutes {
    private final MobileVerification verification;
    private final Records records;
    private final Function<HttpServerRequest, String> clientOf;
    private final Counter sent;
    private final Counter notSent;

    /** {@code verification} null: the server asks for no verified number (the routes say so). */
    public VerifyRoutes(
            MobileVerification verification,
            Records records,
            Function<HttpServerRequest, String> clientOf,
            MeterRegistry metrics) {
        this.verification = verification;
        this.records = records;
        this.clientOf = clientOf;
        this.sent = Counter.builder("tongban_sms_codes_total")
                .tag("outcome", "sent")
                .description("Verification codes handed to the SMS gateway")
                .register(metrics);
        this.notSent = Counter.builder("tongban_sms_codes_total")
                .tag("outcome", "failed")
                .description("Verification codes handed to the SMS gateway")
                .register(metrics);
    }

    public void settings(RoutingContext ctx) {
        ctx.response()
                .putHeader("content-type", "application/json; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .end(new JsonObject()
                        .put("required", verification != null)
                        .put("codeLength", 6)
                        .put("resendSeconds", MobileVerification.RESEND_SECONDS)
                        .encode());
    }

    public void requestCode(RoutingContext ctx) {
        JsonObject body = body(ctx);
        if (body == null || verification == null) {
            return;
        }
        String mobile = string(body, "mobile");
        String challenge = string(body, "challenge");
        String nonce = string(body, "nonce");
        String address = clientOf.apply(ctx.request());
        ctx.vertx()
                .executeBlocking(() -> verification.requestCode(mobile, address, challenge, nonce), false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        if (ar.cause() instanceof VerificationException ve && ve.code() == ErrorCode.SMS_UNAVAILABLE) {
                            notSent.increment();
                        }
                        fail(ctx, ar.cause());
                        return;
                    }
                    sent.increment();
                    ctx.response()
                            .setStatusCode(202)
                            .putHeader("content-type", "application/json; charset=utf-8")
                            .putHeader("cache-control", "no-store")
                            .end(new JsonObject()
                                    .put("resendAfter", ar.result().resendAfterSeconds())
                                    .put("validFor", ar.result().validSeconds())
                                    .encode());
                });
    }

    public void confirm(RoutingContext ctx) {
        JsonObject body = body(ctx);
        if (body == null || verification == null) {
            return;
        }
        String mobile = string(body, "mobile");
        String code = string(body, "code");
        ctx.vertx()
                .executeBlocking(
                        () -> {
                            MobileVerification.Verified v = verification.confirm(mobile, code);
                            records.audit("applicant:" + Mask.mobile(mobile), AuditAction.MOBILE_VERIFIED, null);
                            return v;
                        },
                        false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        fail(ctx, ar.cause());
                        return;
                    }
                    ctx.response()
                            .putHeader("content-type", "application/json; charset=utf-8")
                            .putHeader("cache-control", "no-store")
                            .end(new JsonObject()
                                    .put("mobileToken", ar.result().mobileToken())
                                    .put("validFor", ar.result().validSeconds())
                                    .encode());
                });
    }

    /** The request's JSON object, or null after answering the error (also when verification is off). */
    private JsonObject body(RoutingContext ctx) {
        if (verification == null) {
            HttpErrors.send(ctx, ErrorCode.NOT_FOUND, "this server does not verify mobile numbers");
            return null;
        }
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            body = null;
        }
        if (body == null) {
            HttpErrors.send(ctx, ErrorCode.BAD_JSON, "the body must be a JSON object");
        }
        return body;
    }

    /** A string field, or null when absent or of another type (the service says which field is wrong). */
    private static String string(JsonObject body, String field) {
        Object v = body.getValue(field);
        return v instanceof String s ? s : null;
    }

    private static void fail(RoutingContext ctx, Throwable t) {
        if (t instanceof VerificationException ve) {
            if (ve.challenge() != null) {
                if (!ctx.response().ended()) {
                    ctx.response()
                            .setStatusCode(ve.code().httpStatus())
                            .putHeader("content-type", "application/json; charset=utf-8")
                            .putHeader("cache-control", "no-store")
                            .end(new JsonObject()
                                    .put(
                                            "error",
                                            new JsonObject()
                                                    .put("code", ve.code().code())
                                                    .put("message", ve.getMessage())
                                                    .put(
                                                            "challenge",
                                                            ve.challenge().challenge())
                                                    .put("bits", ve.challenge().bits()))
                                    .encode());
                }
            } else if (ve.retryAfterSeconds() > 0) {
                HttpErrors.retryLater(ctx, ve.code(), ve.retryAfterSeconds(), ve.getMessage());
            } else {
                HttpErrors.send(ctx, ve.code(), ve.reason(), ve.getMessage());
            }
        } else if (t instanceof ProtocolException pe) {
            HttpErrors.send(ctx, pe.code(), pe.getMessage());
        } else {
            HttpErrors.send(ctx, ErrorCode.INTERNAL, "internal error; no code was sent");
        }
    }
}
