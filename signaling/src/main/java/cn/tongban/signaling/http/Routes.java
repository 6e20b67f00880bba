package cn.tongban.signaling.http;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.application.ApplicationRoutes;
import cn.tongban.signaling.appointment.AppointmentRoutes;
import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.auth.LoginThrottle;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.cluster.ClusterView;
import cn.tongban.signaling.form.FormsHandler;
import cn.tongban.signaling.health.Readiness;
import cn.tongban.signaling.materials.MaterialRoutes;
import cn.tongban.signaling.materials.MaterialService;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.rest.HttpErrors;
import cn.tongban.signaling.store.Records;
import cn.tongban.signaling.supervisor.SupervisorRoutes;
import cn.tongban.signaling.verify.VerifyRoutes;
import cn.tongban.signaling.ws.SignalingHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * Every HTTP route of the server, in one place: health and metrics, the API (each feature's handlers), the
 * PKI's public services, the WebSocket, and the static pages last.
 */
public final class Routes {
    private Routes() {}

    /** The features' HTTP handlers, as the server built them. */
    public record Handlers(
            FormsHandler forms,
            MaterialRoutes materials,
            ApplicationRoutes applications,
            AppointmentRoutes appointments,
            VerifyRoutes verify,
            SupervisorRoutes supervisor) {}

    public static Router create(
            Vertx vertx,
            SignalingHandler signaling,
            Handlers features,
            AccountStore accounts,
            TokenService tokens,
            LoginThrottle throttle,
            ReferenceDataStore refdata,
            Records records,
            EmbeddedPki pki,
            PrometheusMeterRegistry registry,
            Readiness readiness,
            String nodeName,
            long startedAt,
            ClusterView cluster,
            WebPolicy policy,
            ConnectionGuard guard) {
        Router router = Router.router(vertx);
        router.route().handler(new HttpRefusals(signaling.refusalJournal(), guard::clientOf));
        router.route().handler(guard::watchEnd);
        router.route().handler(policy::handle);

        // 503 while the node is cut off from its cluster's majority, so a load balancer stops sending clients.
        new HealthRoutes(cluster::hasQuorum, readiness, () -> new JsonObject()
                        .put("node", nodeName)
                        // The jar's version (its manifest's Implementation-Version; "dev" outside the jar).
                        .put("version", TongbanServer.version())
                        .put("uptimeSeconds", (System.currentTimeMillis() - startedAt) / 1000)
                        .put("cluster", cluster.health()))
                .install(router);
        router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));

        // Before any session: the catalogue, clerks' sign-in, applicants' mobile verification, appointments.
        router.get("/api/catalog")
                .handler(new CatalogHandler(refdata, features.forms().catalog()));
        LoginHandler login = new LoginHandler(
                vertx,
                accounts,
                tokens,
                refdata,
                records,
                throttle,
                guard::clientOf,
                () -> readiness.down("database"),
                registry);
        router.post("/api/login")
                .handler(BodyHandler.create(false).setBodyLimit(4096))
                .handler(login);
        router.post("/api/login/password")
                .handler(BodyHandler.create(false).setBodyLimit(4096))
                .handler(login::changePassword);
        AuthHandler auth = new AuthHandler(tokens, records);
        router.post("/api/auth/refresh").blockingHandler(auth::refresh, false);
        router.post("/api/auth/logout").blockingHandler(auth::logout, false);
        router.get("/api/verify").handler(features.verify()::settings);
        router.post("/api/verify/code")
                .handler(BodyHandler.create(false).setBodyLimit(4096))
                .handler(features.verify()::requestCode);
        router.post("/api/verify/confirm")
                .handler(BodyHandler.create(false).setBodyLimit(4096))
                .handler(features.verify()::confirm);
        router.get("/api/slots").handler(features.appointments()::slots);
        router.post("/api/appointments")
                .handler(BodyHandler.create(false).setBodyLimit(4096))
                .handler(features.appointments()::book);

        // The guided declaration: forms, uploads, materials.
        router.get("/api/forms/:matterId").handler(features.forms());
        router.post("/api/uploads/:token")
                .handler(BodyHandler.create(false).setBodyLimit(MaterialService.MAX_BYTES))
                .handler(features.materials()::upload)
                .failureHandler(features.materials()::uploadFailed);
        router.get("/api/materials/:id/content").handler(features.materials()::content);

        // Signed applications (by signed links) and the hand-off from other halls' nodes.
        router.get("/api/applications/:id/pages/:n").handler(features.applications()::page);
        router.get("/api/applications/:id/pdf").handler(features.applications()::pdf);
        router.get("/api/applications/:id/receipt").handler(features.applications()::receipt);
        router.post("/api/handoff")
                .handler(BodyHandler.create(false).setBodyLimit(ApplicationRoutes.MAX_PACKAGE_BYTES))
                .handler(features.applications()::handoff)
                .failureHandler(features.applications()::handoffFailed);
        // The supervisor's day: the queues' history for the board's charts and its CSV export.
        router.get("/api/supervisor/today").blockingHandler(features.supervisor()::today, false);
        router.get("/api/supervisor/today.csv").blockingHandler(features.supervisor()::todayCsv, false);
        router.route("/api/*").handler(ctx -> HttpErrors.send(ctx, ErrorCode.UNKNOWN_TYPE, "no such API"));

        // The embedded PKI's public services: CA certificates, CRLs, OCSP, the time-stamp authority.
        PkiRoutes pkiRoutes = new PkiRoutes(pki);
        router.getWithRegex("/pki/ca/([a-z0-9-]+)\\.cer").handler(pkiRoutes::caCertificate);
        router.getWithRegex("/pki/crl/([a-z0-9-]+)\\.crl").handler(pkiRoutes::crl);
        router.postWithRegex("/pki/ocsp/([a-z0-9-]+)")
                .handler(BodyHandler.create(false).setBodyLimit(64 * 1024))
                .handler(pkiRoutes::ocsp);
        router.post("/pki/tsa")
                .handler(BodyHandler.create(false).setBodyLimit(64 * 1024))
                .handler(pkiRoutes::timestamp);
        router.route("/pki/*").handler(ctx -> HttpErrors.send(ctx, ErrorCode.NOT_FOUND, "no such PKI service"));

        router.get("/ws").handler(ctx -> {
            if (!policy.originAllowed(ctx.request())) {
                HttpErrors.send(ctx, ErrorCode.ORIGIN_NOT_ALLOWED, "pages of this origin may not connect here");
                return;
            }
            String version = ctx.request().getParam("v");
            Runnable closed = guard.upgraded(ctx.request());
            ctx.request()
                    .toWebSocket()
                    .onSuccess(ws -> signaling.accept(ws, version, closed))
                    .onFailure(t -> {
                        guard.notUpgraded(ctx.request());
                        if (!ctx.response().ended()) {
                            HttpErrors.send(ctx, ErrorCode.BAD_JSON, "expected a WebSocket upgrade");
                        }
                    });
        });

        router.get("/clerk").handler(ctx -> ctx.reroute("/clerk.html"));
        router.get("/supervisor").handler(ctx -> ctx.reroute("/supervisor.html"));
        // Pages and assets: revalidated on every load by their content's ETag, so an upgrade shows at once.
        StaticAssets.install(router, vertx);
        return router;
    }
}
