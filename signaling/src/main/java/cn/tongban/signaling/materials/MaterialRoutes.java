package cn.tongban.signaling.materials;

import cn.tongban.signaling.protocol.Codec;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.rest.HttpErrors;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of materials: {@code POST /api/uploads/:token} (the file's bytes as the body, any content
 * type: the type is judged from the bytes) answering {@code 201} with the {@code material} message, and
 * {@code GET /api/materials/:id/content?exp&sig} (the signed URL from that message) serving the file.
 * Errors are {@code {"error":{"code","message","reason"}}} with the code's HTTP status.
 */
public final class MaterialRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(MaterialRoutes.class);

    private final MaterialService service;

    public MaterialRoutes(MaterialService service) {
        this.service = service;
    }

    /** {@code POST /api/uploads/:token}, behind a body handler limited to {@link MaterialService#MAX_BYTES}. */
    public void upload(RoutingContext ctx) {
        byte[] body =
                ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        String token = ctx.pathParam("token");
        ctx.vertx()
                .executeBlocking(() -> service.accept(token, body), false)
                .onSuccess(m -> ctx.response()
                        .setStatusCode(201)
                        .putHeader("content-type", "application/json; charset=utf-8")
                        .end(Codec.encode(service.message(m, null))))
                .onFailure(t -> fail(ctx, t));
    }

    /** The failure handler of {@link #upload}: a body over the limit is {@code UPLOAD_TOO_LARGE}. */
    public void uploadFailed(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            HttpErrors.send(
                    ctx, ErrorCode.UPLOAD_TOO_LARGE, null, "larger than " + MaterialService.MAX_BYTES + " bytes");
        } else {
            fail(ctx, ctx.failure());
        }
    }

    /** {@code GET /api/materials/:id/content?exp&sig}: the file, by the signed link of the material message. */
    public void content(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!service.urlValid(id, ctx.request().getParam("exp"), ctx.request().getParam("sig"))) {
            HttpErrors.send(ctx, ErrorCode.UNAUTHENTICATED, null, "the link is invalid or has expired");
            return;
        }
        ctx.vertx()
                .executeBlocking(() -> service.find(id).map(m -> new Object[] {m, service.content(m)}), false)
                .onSuccess(found -> {
                    if (found.isEmpty()) {
                        HttpErrors.send(ctx, ErrorCode.NO_SUCH_TICKET, null, "no such material");
                        return;
                    }
                    MaterialStore.Material m = (MaterialStore.Material) found.get()[0];
                    byte[] bytes = (byte[]) found.get()[1];
                    ctx.response()
                            .putHeader("content-type", m.mime())
                            .putHeader("x-content-type-options", "nosniff")
                            .putHeader("cache-control", "private, max-age=600")
                            .putHeader(
                                    "content-disposition",
                                    "inline; filename=\"" + m.materialId()
                                            + (m.mime().equals("application/pdf")
                                                    ? ".pdf"
                                                    : m.mime().equals("image/png") ? ".png" : ".jpg")
                                            + "\"")
                            .end(io.vertx.core.buffer.Buffer.buffer(bytes));
                })
                .onFailure(t -> fail(ctx, t));
    }

    private static void fail(RoutingContext ctx, Throwable t) {
        if (t instanceof UploadException u) {
            HttpErrors.send(ctx, u.code(), u.reason(), u.getMessage());
        } else {
            LOG.error("Material request failed", t);
            HttpErrors.send(ctx, ErrorCode.INTERNAL, null, "internal error; nothing was stored");
        }
    }
}
