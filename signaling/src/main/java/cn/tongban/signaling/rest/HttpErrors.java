package cn.tongban.signaling.rest;

import cn.tongban.signaling.protocol.ErrorCode;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes errors over HTTP as {@code {"error":{"code","message"[,"reason"]}}} with the code's HTTP status:
 * the one error writer of every HTTP route. Nothing is written to a response that has ended.
 *
 * <p>An error written through a routing context is also noted on it ({@link #sent}) — its code and the
 * pattern of the route that answered — for the router's first handler to journal once the response has
 * ended, if the code is a {@linkplain ErrorCode#refusal() refusal} (docs/security.md, "Audit"). A handler
 * that journals its refusal itself, with details only it knows, says so with {@link #audited} first.
 */
public final class HttpErrors {
    private static final String SENT = "tongban.error";
    private static final String AUDITED = "tongban.error.audited";
    private static final String ACTOR = "tongban.actor";

    /**
     * The error a request was answered with.
     *
     * @param code its code
     * @param route the method and the pattern of the route that answered ({@code POST /api/uploads/:token}),
     *     never the request's own path, which may hold a token
     * @param audited whether the handler journaled it itself
     * @param actor who sent the request, when a handler verified it ({@code clerk:<id>}), else null
     */
    public record Sent(ErrorCode code, String route, boolean audited, String actor) {}

    /** What {@link #send} notes on the context. */
    private record Noted(ErrorCode code, String route) {}

    private HttpErrors() {}

    /** Says that the refusal about to be sent was journaled by the handler itself: it is not journaled again. */
    public static void audited(RoutingContext ctx) {
        ctx.put(AUDITED, Boolean.TRUE);
    }

    /** Names who sent the request once a handler has verified it (e.g. {@code clerk:<id>} of a bearer token). */
    public static void actor(RoutingContext ctx, String actor) {
        ctx.put(ACTOR, actor);
    }

    /** The error the request was answered with through this class, or null. */
    public static Sent sent(RoutingContext ctx) {
        Object noted = ctx.get(SENT);
        if (!(noted instanceof Noted n)) {
            return null;
        }
        return new Sent(n.code(), n.route(), Boolean.TRUE.equals(ctx.get(AUDITED)), ctx.get(ACTOR));
    }

    public static void send(RoutingContext ctx, ErrorCode code, String message) {
        send(ctx, code, null, message);
    }

    /** With {@code reason}, a finer, stable cause (e.g. why an upload or a hand-off was refused), or null. */
    public static void send(RoutingContext ctx, ErrorCode code, String reason, String message) {
        if (!ctx.response().ended()) {
            note(ctx, code);
        }
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
        note(ctx, code);
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

    /** Before the response ends: the router's end handlers run as it ends. */
    private static void note(RoutingContext ctx, ErrorCode code) {
        ctx.put(SENT, new Noted(code, ctx.request().method() + " " + pattern(ctx.currentRoute())));
    }

    /**
     * The pattern of a route as it was declared: its path with its parameters' names ({@code
     * /api/uploads/:token}, {@code /api/*}), its regular expression, or {@code *} for a route of every path.
     */
    static String pattern(Route route) {
        if (route == null) {
            return "?";
        }
        String path = route.getPath();
        if (path != null) {
            return route.isExactPath() ? path : path + "*";
        }
        String name = route.getName();
        return name != null ? name : "*";
    }
}
