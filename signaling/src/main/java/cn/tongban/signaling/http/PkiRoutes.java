package cn.tongban.signaling.http;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.rest.HttpErrors;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PKI's public services at the URLs inside our certificates ({@code /pki/...}, see {@link
 * Routes}): CA certificates, CRLs, OCSP (RFC 6960) and the time-stamp authority (RFC 3161). Signing work
 * runs on a worker thread. An unknown CA is 404.
 */
final class PkiRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(PkiRoutes.class);

    private final EmbeddedPki pki;

    PkiRoutes(EmbeddedPki pki) {
        this.pki = pki;
    }

    /** {@code GET /pki/ca/{id}.cer}: a CA certificate ({@code root} or a hall id). */
    void caCertificate(RoutingContext ctx) {
        String id = ctx.pathParam("param0");
        answer(ctx, "application/pkix-cert", () -> pki.caCertificate(id).getEncoded());
    }

    /** {@code GET /pki/crl/{id}.crl}: that CA's current CRL. */
    void crl(RoutingContext ctx) {
        String id = ctx.pathParam("param0");
        answer(ctx, "application/pkix-crl", () -> pki.crl(id));
    }

    /** {@code POST /pki/ocsp/{hallId}}: an OCSP request ({@code application/ocsp-request}). */
    void ocsp(RoutingContext ctx) {
        byte[] body = body(ctx);
        answer(ctx, "application/ocsp-response", () -> pki.ocspResponder().respond(body));
    }

    /** {@code POST /pki/tsa}: a time-stamp query ({@code application/timestamp-query}). */
    void timestamp(RoutingContext ctx) {
        byte[] body = body(ctx);
        answer(ctx, "application/timestamp-reply", () -> pki.timestampAuthority()
                .respond(body));
    }

    private static byte[] body(RoutingContext ctx) {
        return ctx.body() == null || ctx.body().buffer() == null
                ? new byte[0]
                : ctx.body().buffer().getBytes();
    }

    private static void answer(RoutingContext ctx, String contentType, Callable<byte[]> work) {
        ctx.vertx().executeBlocking(work, false).onComplete(ar -> {
            if (ar.failed()) {
                if (ar.cause() instanceof DocsignException e && e.error() == DocsignError.PKI_REQUEST_INVALID) {
                    HttpErrors.send(ctx, ErrorCode.NOT_FOUND, e.getMessage());
                    return;
                }
                LOG.error("PKI request {} failed", ctx.request().path(), ar.cause());
                HttpErrors.send(ctx, ErrorCode.INTERNAL, "the PKI could not answer");
                return;
            }
            ctx.response()
                    .putHeader("content-type", contentType)
                    .putHeader("cache-control", "no-cache")
                    .end(Buffer.buffer(ar.result()));
        });
    }
}
