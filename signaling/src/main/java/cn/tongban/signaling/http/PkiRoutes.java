package cn.tongban.signaling.http;

import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.rest.HttpErrors;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /pki/*}: the embedded PKI's public services — CA certificates, CRLs, OCSP (RFC 6960) and the
 * time-stamp authority (RFC 3161) — that the URLs inside our certificates point to. Signing work runs
 * on a worker thread.
 */
final class PkiRoutes implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(PkiRoutes.class);

    private final EmbeddedPki pki;

    PkiRoutes(EmbeddedPki pki) {
        this.pki = pki;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String method = ctx.request().method().name();
        String path = ctx.request().path().substring("/pki".length());
        byte[] body = ctx.body() == null || ctx.body().buffer() == null
                ? new byte[0]
                : ctx.body().buffer().getBytes();
        ctx.vertx().executeBlocking(() -> pki.handle(method, path, body), false).onComplete(ar -> {
            if (ar.failed()) {
                LOG.error("PKI request {} {} failed", method, path, ar.cause());
                HttpErrors.send(ctx, ErrorCode.INTERNAL, "the PKI could not answer");
                return;
            }
            EmbeddedPki.HttpResult r = ar.result();
            ctx.response()
                    .setStatusCode(r.status())
                    .putHeader("content-type", r.contentType())
                    .putHeader("cache-control", "no-cache")
                    .end(Buffer.buffer(r.body()));
        });
    }
}
