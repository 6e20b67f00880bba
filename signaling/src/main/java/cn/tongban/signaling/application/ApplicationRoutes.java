package cn.tongban.signaling.application;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.rest.HttpErrors;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of signed applications:
 *
 * <ul>
 *   <li>{@code GET /api/applications/:id/pages/:n?sha&exp&sig} — a page of a version of the application as
 *       PNG; {@code GET /api/applications/:id/pdf?sha&exp&sig} — the final PDF (download); {@code GET
 *       /api/applications/:id/receipt?sha&exp&sig} — the receipt. All by the signed links of the {@code
 *       application} message (two hours).
 *   <li>{@code POST /api/handoff} — another hall's node hands over a sealed application (body: the PDF;
 *       headers {@code X-Tongban-Manifest}, {@code X-Tongban-Signature}); {@code 201} with the receipt, {@code
 *       401 HANDOFF_UNAUTHENTICATED}, {@code 422 HANDOFF_REFUSED} with {@code reason}.
 * </ul>
 */
public final class ApplicationRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(ApplicationRoutes.class);
    /** Largest package accepted: the form plus every material (10 MiB each) embedded. */
    public static final int MAX_PACKAGE_BYTES = 64 << 20;

    private final SigningService signing;
    private final HandoffReceiver receiver;

    ApplicationRoutes(SigningService signing, HandoffReceiver receiver) {
        this.signing = signing;
        this.receiver = receiver;
    }

    /** {@code GET /api/applications/:id/pages/:n}: a page of a version of the application as PNG. */
    public void page(RoutingContext ctx) {
        String sha = signedSha(ctx, signing);
        if (sha == null) {
            return;
        }
        int page;
        try {
            page = Integer.parseInt(ctx.pathParam("n"));
        } catch (NumberFormatException e) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, null, "no such page");
            return;
        }
        ctx.vertx()
                .executeBlocking(() -> signing.file(sha).map(pdf -> signing.preview(sha, page, pdf)), false)
                .onSuccess(png -> serve(ctx, png, "image/png", null))
                .onFailure(t -> fail(ctx, t));
    }

    /** {@code GET /api/applications/:id/pdf}: the final PDF, as a download. */
    public void pdf(RoutingContext ctx) {
        download(ctx, ".pdf");
    }

    /** {@code GET /api/applications/:id/receipt}: the owning hall's receipt, as a download. */
    public void receipt(RoutingContext ctx) {
        download(ctx, "-receipt.pdf");
    }

    private void download(RoutingContext ctx, String suffix) {
        String sha = signedSha(ctx, signing);
        if (sha != null) {
            String id = ctx.pathParam("id");
            ctx.vertx()
                    .executeBlocking(() -> signing.file(sha), false)
                    .onSuccess(pdf -> serve(ctx, pdf, "application/pdf", id + suffix))
                    .onFailure(t -> fail(ctx, t));
        }
    }

    /** {@code POST /api/handoff}, behind a body handler limited to {@link #MAX_PACKAGE_BYTES}. */
    public void handoff(RoutingContext ctx) {
        byte[] body =
                ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        String manifest = ctx.request().getHeader("x-tongban-manifest");
        String signature = ctx.request().getHeader("x-tongban-signature");
        ctx.vertx()
                .executeBlocking(() -> receiver.receive(manifest, signature, body), false)
                .onSuccess(a -> ctx.response()
                        .setStatusCode(201)
                        .putHeader("content-type", "application/json; charset=utf-8")
                        .end(new JsonObject()
                                .put("applicationId", a.applicationId())
                                .put("receiptNo", a.receiptNo())
                                .put("receivedAt", a.receivedAt())
                                .put("verdict", a.verdict())
                                .put("pdfSha256", a.pdfSha256())
                                .put("receiptSha256", a.receiptSha256())
                                .put("receipt", Base64.getEncoder().encodeToString(a.receipt()))
                                .encode()))
                .onFailure(t -> {
                    if (t instanceof HallSignature.Untrusted u) {
                        LOG.warn("Hand-off refused: unauthenticated ({})", u.getMessage());
                        HttpErrors.send(ctx, ErrorCode.HANDOFF_UNAUTHENTICATED, null, u.getMessage());
                    } else if (t instanceof HandoffReceiver.Refused r) {
                        HttpErrors.send(ctx, ErrorCode.HANDOFF_REFUSED, r.reason, r.getMessage());
                    } else {
                        fail(ctx, t);
                    }
                });
    }

    /** The failure handler of {@link #handoff}: a package over the limit is refused as too large. */
    public void handoffFailed(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            HttpErrors.send(ctx, ErrorCode.HANDOFF_REFUSED, "PACKAGE_TOO_LARGE", "larger than " + MAX_PACKAGE_BYTES);
        } else {
            fail(ctx, ctx.failure());
        }
    }

    /** The {@code sha} of a request whose signed link is valid, else answers 401 and returns null. */
    private static String signedSha(RoutingContext ctx, SigningService signing) {
        String sha = ctx.request().getParam("sha");
        if (sha == null
                || !sha.matches("[0-9a-f]{64}")
                || !signing.urls()
                        .valid(
                                ctx.request().path() + "?sha=" + sha,
                                ctx.request().getParam("exp"),
                                ctx.request().getParam("sig"))) {
            HttpErrors.send(ctx, ErrorCode.UNAUTHENTICATED, null, "the link is invalid or has expired");
            return null;
        }
        return sha;
    }

    private static void serve(RoutingContext ctx, Optional<byte[]> bytes, String type, String download) {
        if (bytes.isEmpty()) {
            HttpErrors.send(ctx, ErrorCode.NO_SUCH_TICKET, null, "no such file");
            return;
        }
        var r = ctx.response()
                .putHeader("content-type", type)
                .putHeader("x-content-type-options", "nosniff")
                .putHeader("cache-control", "private, max-age=600");
        if (download != null) {
            r.putHeader("content-disposition", "attachment; filename=\"" + download + "\"");
        }
        r.end(Buffer.buffer(bytes.get()));
    }

    private static void fail(RoutingContext ctx, Throwable t) {
        if (t instanceof IllegalArgumentException) {
            HttpErrors.send(ctx, ErrorCode.INVALID_FIELD, null, t.getMessage());
            return;
        }
        LOG.error("Application request failed", t);
        HttpErrors.send(ctx, ErrorCode.INTERNAL, null, "internal error");
    }
}
