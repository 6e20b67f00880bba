package cn.tongban.signaling.http;

import cn.tongban.signaling.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Writes errors over HTTP as {@code {"error":{"code","message"}}} with the code's HTTP status. */
final class HttpErrors {
    private HttpErrors() {}

    static void send(RoutingContext ctx, ErrorCode code, String message) {
        ctx.response()
                .setStatusCode(code.httpStatus())
                .putHeader("content-type", "application/json; charset=utf-8")
                .end(new JsonObject()
                        .put("error", new JsonObject().put("code", code.code()).put("message", message))
                        .encode());
    }
}
