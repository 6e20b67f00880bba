package cn.tongban.signaling.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The node's health, twice: {@code GET /health} in detail for operators and monitoring (node name, uptime,
 * cluster members and every node's public URL), and {@code GET /health/status} with the status alone for
 * whatever may be outside the hall (a load balancer). Both answer 503 while the node lacks its cluster's
 * quorum, so a load balancer stops sending clients; which of them the reverse proxy lets through to whom is
 * the deployment's choice (deploy/nginx-tongban.conf).
 */
public final class HealthRoutes {
    private final BooleanSupplier serving;
    private final Supplier<JsonObject> detail;

    /**
     * @param serving whether the node serves now (it holds its cluster's quorum); may block briefly
     * @param detail the detailed fields beside {@code status}
     */
    public HealthRoutes(BooleanSupplier serving, Supplier<JsonObject> detail) {
        this.serving = serving;
        this.detail = detail;
    }

    /** Mounts both routes on {@code router}. */
    public void install(Router router) {
        // The quorum check asks Hazelcast: off the event loop.
        router.get("/health").blockingHandler(ctx -> answer(ctx.response(), true), false);
        router.get("/health/status").blockingHandler(ctx -> answer(ctx.response(), false), false);
    }

    private void answer(io.vertx.core.http.HttpServerResponse response, boolean detailed) {
        boolean up = serving.getAsBoolean();
        JsonObject body = new JsonObject().put("status", up ? "UP" : "NODE_UNAVAILABLE");
        if (detailed) {
            body.mergeIn(detail.get());
        }
        response.setStatusCode(up ? 200 : 503)
                .putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-store")
                .end(body.encode());
    }
}
