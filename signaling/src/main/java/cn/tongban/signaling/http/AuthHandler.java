package cn.tongban.signaling.http;

import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.rest.HttpErrors;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.Records;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A signed-in clerk's token over HTTP, sent as {@code Authorization: Bearer <token>}: {@code POST
 * /api/auth/refresh} exchanges a valid token for a fresh one (the short-lived tokens of {@link
 * TokenService}), {@code POST /api/auth/logout} signs the clerk out by revoking every token issued to them
 * so far, on every node. Both block on the database: blocking handlers.
 */
final class AuthHandler {
    private static final Logger LOG = LoggerFactory.getLogger(AuthHandler.class);
    private static final String BEARER = "Bearer ";

    private final TokenService tokens;
    private final Records records;

    AuthHandler(TokenService tokens, Records records) {
        this.tokens = tokens;
        this.records = records;
    }

    void refresh(RoutingContext ctx) {
        String token = bearer(ctx);
        if (token == null) {
            return;
        }
        try {
            // Checked first, so that a refusal of a valid but too old sign-in names its clerk in the journal.
            HttpErrors.actor(ctx, "clerk:" + tokens.check(token).clerkId());
            String fresh = tokens.refresh(token);
            ctx.response()
                    .putHeader("content-type", "application/json; charset=utf-8")
                    .putHeader("cache-control", "no-store")
                    .end(new JsonObject()
                            .put("token", fresh)
                            .put("expiresIn", TokenService.TTL_SECONDS)
                            .encode());
        } catch (ProtocolException e) {
            HttpErrors.send(ctx, e.code(), e.getMessage());
        }
    }

    void logout(RoutingContext ctx) {
        String token = bearer(ctx);
        if (token == null) {
            return;
        }
        try {
            String clerkId = tokens.check(token).clerkId();
            HttpErrors.actor(ctx, "clerk:" + clerkId);
            tokens.revoke(clerkId);
            records.audit("clerk:" + clerkId, AuditAction.CLERK_LOGOUT, null);
            LOG.info("Clerk {} signed out", clerkId);
            ctx.response().setStatusCode(204).end();
        } catch (ProtocolException e) {
            HttpErrors.send(ctx, e.code(), e.getMessage());
        }
    }

    /** The bearer token of the request; null after answering {@code UNAUTHENTICATED} when there is none. */
    private static String bearer(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || header.length() == BEARER.length()
                || header.length() > 4096) {
            HttpErrors.send(ctx, ErrorCode.UNAUTHENTICATED, "send the session token as Authorization: Bearer <token>");
            return null;
        }
        return header.substring(BEARER.length()).strip();
    }
}
