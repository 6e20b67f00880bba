package cn.tongban.signaling.http;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.signaling.appointment.AppointmentService;
import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.auth.LoginThrottle;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.cluster.ClusterView;
import cn.tongban.signaling.declaration.Declarations;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.ws.SignalingHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Clock;

/** Assembles the HTTP router in one place: health and metrics, the API, the WebSocket, static pages last. */
public final class Routes {
    private Routes() {}

    public static Router create(
            Vertx vertx,
            SignalingHandler signaling,
            AccountStore accounts,
            TokenService tokens,
            ReferenceDataStore refdata,
            Records records,
            EmbeddedPki pki,
            Declarations declarations,
            PrometheusMeterRegistry registry,
            String nodeName,
            long startedAt,
            AppointmentService appointments,
            ClusterView cluster) {
        Router router = Router.router(vertx);

        // 503 while the node is cut off from its cluster's majority, so a load balancer stops sending clients.
        router.get("/health")
                .blockingHandler(
                        ctx -> {
                            boolean serving = cluster.hasQuorum();
                            ctx.response()
                                    .setStatusCode(serving ? 200 : 503)
                                    .putHeader("content-type", "application/json")
                                    .end(new JsonObject()
                                            .put("status", serving ? "UP" : "NODE_UNAVAILABLE")
                                            .put("node", nodeName)
                                            .put("uptimeSeconds", (System.currentTimeMillis() - startedAt) / 1000)
                                            .put("cluster", cluster.health())
                                            .encode());
                        },
                        false);
        router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));

        router.get("/api/catalog").handler(new CatalogHandler(refdata));
        router.post("/api/login")
                .handler(BodyHandler.create(false).setBodyLimit(4096))
                .handler(new LoginHandler(
                        accounts,
                        tokens,
                        refdata,
                        records,
                        new LoginThrottle(cluster.map("tongban.login-failures"), Clock.systemUTC())));
        AppointmentHandler booking = new AppointmentHandler(appointments, records);
        router.get("/api/slots").handler(booking::slots);
        router.post("/api/appointments")
                .handler(BodyHandler.create(false).setBodyLimit(4096))
                .handler(booking::book);
        router.route("/pki/*")
                .handler(BodyHandler.create(false).setBodyLimit(64 * 1024))
                .handler(new PkiRoutes(pki));
        declarations.mount(router);
        router.route("/api/*").handler(ctx -> HttpErrors.send(ctx, ErrorCode.UNKNOWN_TYPE, "no such API"));

        router.get("/ws").handler(ctx -> {
            String version = ctx.request().getParam("v");
            ctx.request()
                    .toWebSocket()
                    .onSuccess(ws -> signaling.accept(ws, version))
                    .onFailure(t -> {
                        if (!ctx.response().ended()) {
                            HttpErrors.send(ctx, ErrorCode.BAD_JSON, "expected a WebSocket upgrade");
                        }
                    });
        });

        router.get("/clerk").handler(ctx -> ctx.reroute("/clerk.html"));
        router.get("/supervisor").handler(ctx -> ctx.reroute("/supervisor.html"));
        router.route("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));
        return router;
    }
}
