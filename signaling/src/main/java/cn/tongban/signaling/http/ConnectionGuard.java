package cn.tongban.signaling.http;

import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.rest.HttpErrors;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds what one client can hold of the HTTP server: at most {@link ServerOptions.Edge#maxConnectionsPerAddress}
 * connections (HTTP and WebSocket alike) per client address, and no connection that takes longer than
 * {@link ServerOptions.Edge#requestHeadSeconds} to send a request head or sits that long between requests
 * (slow-header clients that would otherwise hold a socket for ever).
 *
 * <p>A connection from a trusted proxy is counted for the client its first request names in
 * {@code X-Forwarded-For}; one from anyone else, for its peer address, as soon as it is accepted. Install
 * it as the server's connection handler, wrap the request handler with {@link #requests} and make
 * {@link #watchEnd} the router's first route; a WebSocket upgrade hands the connection's place over with
 * {@link #upgraded}.
 */
public final class ConnectionGuard implements Handler<HttpConnection> {
    private final Vertx vertx;
    private final ClientAddress addresses;
    private final int maxPerAddress;
    private final long requestHeadMs;
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    private final Map<HttpConnection, Admission> admissions = new ConcurrentHashMap<>();
    private final Counter refusedPerAddress;
    private final Counter timedOut;

    public ConnectionGuard(Vertx vertx, ServerOptions.Edge edge, ClientAddress addresses, MeterRegistry metrics) {
        this.vertx = vertx;
        this.addresses = addresses;
        this.maxPerAddress = edge.maxConnectionsPerAddress();
        this.requestHeadMs = edge.requestHeadSeconds() * 1000L;
        this.refusedPerAddress = Counter.builder("tongban_http_connections_refused_total")
                .description("HTTP connections closed by the edge limits")
                .tag("reason", "per_address")
                .register(metrics);
        this.timedOut = Counter.builder("tongban_http_connections_refused_total")
                .description("HTTP connections closed by the edge limits")
                .tag("reason", "request_head_timeout")
                .register(metrics);
    }

    @Override
    public void handle(HttpConnection conn) {
        String peer = conn.remoteAddress().hostAddress();
        Admission a = new Admission(conn);
        if (!addresses.isTrustedProxy(peer) && !a.admit(peer)) {
            // Over the limit before a byte was read: closing costs less than an answer.
            refusedPerAddress.increment();
            conn.close();
            return;
        }
        admissions.put(conn, a);
        conn.closeHandler(v -> a.release());
        a.awaitRequest();
    }

    /** The client address of a request: its peer, or the client a trusted proxy names ({@link ClientAddress}). */
    public String clientOf(HttpServerRequest req) {
        io.vertx.core.net.SocketAddress peer = req.connection().remoteAddress();
        return addresses.client(peer == null ? null : peer.hostAddress(), req.getHeader("X-Forwarded-For"));
    }

    /** {@code next}, behind the per-address count of proxied clients and the request-head deadline. */
    public Handler<HttpServerRequest> requests(Handler<HttpServerRequest> next) {
        return req -> {
            Admission a = admissions.get(req.connection());
            if (a != null) {
                a.requestArrived();
                if (a.client == null) {
                    String client = addresses.client(
                            req.connection().remoteAddress().hostAddress(), req.getHeader("X-Forwarded-For"));
                    if (!a.admit(client)) {
                        refusedPerAddress.increment();
                        req.response().putHeader("connection", "close");
                        HttpErrors.send(
                                req.response(),
                                ErrorCode.TOO_MANY_CONNECTIONS,
                                null,
                                "this address already holds " + maxPerAddress + " connections");
                        return;
                    }
                }
            }
            next.handle(req);
        };
    }

    /**
     * First route of the router: once this request's response has ended, the connection has
     * {@link ServerOptions.Edge#requestHeadSeconds} for its next request head. (Through the routing context:
     * the response's own end handler is the router's to set.)
     */
    public void watchEnd(RoutingContext ctx) {
        Admission a = admissions.get(ctx.request().connection());
        if (a != null) {
            ctx.addEndHandler(ar -> a.awaitRequest());
        }
        ctx.next();
    }

    /**
     * The request's connection became a WebSocket: no more request heads to wait for, and HTTP's close
     * event no longer fires for it. Returns what to run when the WebSocket closes.
     */
    public Runnable upgraded(HttpServerRequest request) {
        Admission a = admissions.get(request.connection());
        if (a == null) {
            return () -> {};
        }
        a.upgraded = true;
        a.cancelTimer();
        return a::release;
    }

    /** The upgrade {@link #upgraded announced} failed: the connection stays HTTP. */
    public void notUpgraded(HttpServerRequest request) {
        Admission a = admissions.get(request.connection());
        if (a != null) {
            a.upgraded = false;
            a.awaitRequest();
        }
    }

    /** One connection's place in the count and its request-head timer; used on the connection's event loop. */
    private final class Admission {
        final HttpConnection conn;
        String client;
        boolean upgraded;
        boolean released;
        long timer = -1;

        Admission(HttpConnection conn) {
            this.conn = conn;
        }

        boolean admit(String address) {
            // Connections of one address arrive on several event loops: count and check in one step.
            boolean[] admitted = {false};
            perAddress.compute(address, (k, n) -> {
                int held = n == null ? 0 : n;
                if (held >= maxPerAddress) {
                    return n;
                }
                admitted[0] = true;
                return held + 1;
            });
            if (admitted[0]) {
                client = address;
            }
            return admitted[0];
        }

        void awaitRequest() {
            if (upgraded || released) {
                return;
            }
            cancelTimer();
            timer = vertx.setTimer(requestHeadMs, id -> {
                timer = -1;
                timedOut.increment();
                conn.close();
            });
        }

        void requestArrived() {
            cancelTimer();
        }

        void cancelTimer() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }

        void release() {
            if (released) {
                return;
            }
            released = true;
            cancelTimer();
            admissions.remove(conn);
            if (client != null) {
                perAddress.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
    }
}
