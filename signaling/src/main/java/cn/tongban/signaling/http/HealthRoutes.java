package cn.tongban.signaling.http;

import cn.tongban.signaling.health.HealthCheck.Level;
import cn.tongban.signaling.health.Readiness;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The node's health, twice: {@code GET /health} in detail for operators and monitoring (node name, uptime,
 * cluster members, every node's public URL and each readiness check's finding), and {@code GET
 * /health/status} with the status alone for whatever may be outside the hall (a load balancer). The status is
 * {@code NODE_UNAVAILABLE} while the node lacks its cluster's quorum, {@code DOWN} while a readiness check
 * says the node must not take clients (database unreachable, disk full) — both answered 503, so a load
 * balancer stops sending clients — {@code DEGRADED} while a feature is off (no font: no signing; no ffmpeg:
 * no recording; an expired certificate) and {@code UP} otherwise, both 200; {@code DRAINING} (503) while
 * the node finishes its sessions before it stops. Which route the reverse proxy
 * lets through to whom is the deployment's choice (deploy/nginx-tongban.conf).
 */
public final class HealthRoutes {
    private final BooleanSupplier serving;
    private final Readiness readiness;
    private final Supplier<JsonObject> detail;

    /**
     * @param serving whether the node serves now (it holds its cluster's quorum); may block briefly
     * @param readiness the background checks (their latest findings; reading them never blocks)
     * @param detail the detailed fields beside {@code status} and {@code checks}
     */
    public HealthRoutes(BooleanSupplier serving, Readiness readiness, Supplier<JsonObject> detail) {
        this.serving = serving;
        this.readiness = readiness;
        this.detail = detail;
    }

    /** Mounts both routes on {@code router}. */
    public void install(Router router) {
        // The quorum check asks Hazelcast: off the event loop.
        router.get("/health").blockingHandler(ctx -> answer(ctx.response(), true), false);
        router.get("/health/status").blockingHandler(ctx -> answer(ctx.response(), false), false);
    }

    private void answer(io.vertx.core.http.HttpServerResponse response, boolean detailed) {
        Level level = readiness.level();
        String status;
        if (!serving.getAsBoolean()) {
            status = "NODE_UNAVAILABLE";
        } else if (readiness.draining()) {
            status = "DRAINING";
        } else if (level == Level.DOWN) {
            status = "DOWN";
        } else if (level == Level.DEGRADED) {
            status = "DEGRADED";
        } else {
            status = "UP";
        }
        JsonObject body = new JsonObject().put("status", status);
        if (detailed) {
            body.mergeIn(detail.get());
            body.put("checks", readiness.toJson());
        }
        boolean up = status.equals("UP") || status.equals("DEGRADED");
        response.setStatusCode(up ? 200 : 503)
                .putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-store")
                .end(body.encode());
    }
}
