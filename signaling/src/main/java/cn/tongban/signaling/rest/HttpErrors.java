package cn.tongban.signaling.rest;

import cn.tongban.signaling.protocol.ErrorCode;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes errors over HTTP as {@code {"error":{"code","message"[,"reason"]}}} with the code's HTTP status:
 * the one error writer of every HTTP route. Nothing is written to a response that has ended.
 */
public final class HttpErrors {
    private HttpErrors() {}

    public static void send(RoutingContext ctx, ErrorCode code, String message) {
        send(ctx, code, null, message);
    }

    /** With {@code reason}, a finer, stable cause (e.g. why an upload or a hand-off was refused), or null. */
    public static void send(RoutingContext ctx, ErrorCode code, String reason, String message) {
        send(ctx.response(), code, reason, message);
    }

    /**
     * An error to retry later ({@code LOGIN_THROTTLED}): the wait in seconds as the {@code Retry-After}
     * header and as {@code retryAfter} in the error object.
     */
    public static void retryLater(RoutingContext ctx, ErrorCode code, long seconds, String message) {
        HttpServerResponse response = ctx.response();
        if (response.ended()) {
            return;
        }
        response.setStatusCode(code.httpStatus())
                .putHeader("content-type", "application/json; charset=utf-8")
                .putHeader("retry-after", Long.toString(seconds))
                .end(new JsonObject()
                        .put(
                                "error",
                                new JsonObject()
                                        .put("code", code.code())
                                        .put("message", message)
                                        .put("retryAfter", seconds))
                        .encode());
    }

    /** For a response outside the router (e.g. refused before routing). */
    public static void send(HttpServerResponse response, ErrorCode code, String reason, String message) {
        if (response.ended()) {
            return;
        }
        JsonObject err = new JsonObject().put("code", code.code()).put("message", message);
        if (reason != null) {
            err.put("reason", reason);
        }
        response.setStatusCode(code.httpStatus())
                .putHeader("content-type", "application/json; charset=utf-8")
                .end(new JsonObject().put("error", err).encode());
    }
}
