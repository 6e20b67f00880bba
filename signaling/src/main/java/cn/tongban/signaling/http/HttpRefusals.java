package cn.tongban.signaling.http;

import cn.tongban.signaling.audit.RefusalJournal;
import cn.tongban.signaling.rest.HttpErrors;
import cn.tongban.signaling.store.AuditField;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/**
 * HTTP's side of the {@link RefusalJournal}, as the router's first route: once a response has ended, an
 * error it carried that is a {@linkplain cn.tongban.signaling.protocol.ErrorCode#refusal() refusal} — every
 * route writes its errors through {@link HttpErrors}, which notes them on the routing context — is
 * journaled, unless its handler journaled it itself ({@link HttpErrors#audited}). The entry names the
 * method and the route's pattern ({@code POST /api/uploads/:token}: never the request's path, which may
 * hold a token or an id), the code, the actor if a handler verified one ({@link HttpErrors#actor}, else
 * {@code anonymous}) and the client's network, masked ({@link ClientAddress#masked}). The node's one budget
 * for refusals (both transports) applies; the journal is written on a worker thread.
 */
final class HttpRefusals implements Handler<RoutingContext> {
    private static final String WATCHED = "tongban.refusals.watched";

    private final RefusalJournal journal;
    private final Function<HttpServerRequest, String> clientAddress;

    HttpRefusals(RefusalJournal journal, Function<HttpServerRequest, String> clientAddress) {
        this.journal = journal;
        this.clientAddress = clientAddress;
    }

    @Override
    public void handle(RoutingContext ctx) {
        // A rerouted request (HEAD as GET, /clerk) passes here again with the same context and end handlers.
        if (ctx.get(WATCHED) != null) {
            ctx.next();
            return;
        }
        ctx.put(WATCHED, Boolean.TRUE);
        ctx.addEndHandler(ar -> {
            HttpErrors.Sent sent = HttpErrors.sent(ctx);
            if (sent == null || sent.audited() || !sent.code().refusal()) {
                return;
            }
            String actor = sent.actor() != null ? sent.actor() : "anonymous";
            String client = ClientAddress.masked(clientAddress.apply(ctx.request()));
            journal.refused(actor, sent.route(), sent.code(), null, d -> d.and(AuditField.CLIENT, client));
        });
        ctx.next();
    }
}
