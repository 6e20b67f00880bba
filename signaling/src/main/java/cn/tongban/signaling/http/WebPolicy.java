package cn.tongban.signaling.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What browsers are told and asked for on every response (docs/security.md, "Edge"): a Content-Security-
 * Policy with no inline script or style, no framing, no MIME sniffing, no referrer (signed links carry
 * their signature in the URL), camera, microphone and screen capture for this origin only; and which web
 * origins' pages may open {@code /ws}. HEAD is answered as GET without a body.
 */
public final class WebPolicy {
    private final Set<String> allowedOrigins = new LinkedHashSet<>();
    /** The page origins of every node seen in this cluster since start, including nodes that left since. */
    private final Set<String> nodeOrigins = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Supplier<List<String>> servers;
    private volatile List<String> cspServers;
    private volatile String csp;

    /**
     * @param publicUrl the node's public URL, whose origin is always allowed
     * @param allowedOrigins further origins whose pages may open {@code /ws}
     * @param servers the cluster's WebSocket URLs ({@code hello.servers}): pages may connect to them
     */
    public WebPolicy(String publicUrl, List<String> allowedOrigins, Supplier<List<String>> servers) {
        this.servers = servers;
        String own = origin(publicUrl);
        if (own != null) {
            this.allowedOrigins.add(own);
        }
        for (String o : allowedOrigins) {
            String normalized = origin(o);
            if (normalized == null) {
                throw new IllegalArgumentException("not a web origin: " + o);
            }
            this.allowedOrigins.add(normalized);
        }
    }

    /** Route handler for every request: HEAD becomes GET, then the headers are set. */
    public void handle(RoutingContext ctx) {
        if (ctx.request().method() == HttpMethod.HEAD) {
            // Vert.x writes no body for a HEAD request whatever the handler writes, so GET's answer fits.
            ctx.reroute(HttpMethod.GET, ctx.request().uri());
            return;
        }
        HttpServerResponse r = ctx.response();
        r.putHeader("Content-Security-Policy", contentSecurityPolicy());
        r.putHeader("X-Content-Type-Options", "nosniff");
        r.putHeader("X-Frame-Options", "DENY");
        r.putHeader("Referrer-Policy", "no-referrer");
        r.putHeader("Cross-Origin-Opener-Policy", "same-origin");
        r.putHeader(
                "Permissions-Policy",
                "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()");
        ctx.next();
    }

    /**
     * Remembers the cluster's nodes ({@code hello.servers} URLs): pages served by any of them may connect
     * here, also after that node has left (its clients fail over here precisely when it died).
     */
    public void learn(List<String> serverUrls) {
        for (String url : serverUrls) {
            String node = origin(url);
            if (node != null) {
                nodeOrigins.add(node.replaceFirst("^ws", "http"));
            }
        }
    }

    /** True when {@code origin} served pages of a node of this cluster, present or past. */
    boolean isNodeOrigin(String origin) {
        return nodeOrigins.contains(origin(origin));
    }

    /**
     * True when a page of the request's {@code Origin} may open a WebSocket here: no Origin (not a web
     * page: other nodes, tools), the origin its Host header names, the public URL's, a configured one, or
     * a page of a node of the cluster, present or past (clients fail over between nodes).
     */
    public boolean originAllowed(HttpServerRequest request) {
        String header = request.getHeader("Origin");
        if (header == null) {
            return true;
        }
        String origin = origin(header);
        if (origin == null) {
            return false;
        }
        if (allowedOrigins.contains(origin)) {
            return true;
        }
        learn(servers.get());
        if (nodeOrigins.contains(origin)) {
            return true;
        }
        String host = request.getHeader("Host");
        if (host == null) {
            return false;
        }
        String scheme = origin.substring(0, origin.indexOf(':'));
        return origin.equals(origin(scheme + "://" + host));
    }

    String contentSecurityPolicy() {
        List<String> now = servers.get();
        String cached = csp;
        if (cached != null && now.equals(cspServers)) {
            return cached;
        }
        // Pages fail over to the cluster's other nodes (hello.servers), which may be other origins.
        StringBuilder connect = new StringBuilder("'self'");
        Set<String> sources = new LinkedHashSet<>();
        for (String url : now) {
            String ws = origin(url);
            if (ws != null) {
                sources.add(ws);
                sources.add(ws.replaceFirst("^ws", "http"));
            }
        }
        for (String o : allowedOrigins) {
            sources.add(o);
            sources.add(o.replaceFirst("^http", "ws"));
        }
        sources.forEach(s -> connect.append(' ').append(s));
        String policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
                + " media-src 'self' blob:; connect-src " + connect + "; font-src 'self'; worker-src 'self';"
                + " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        cspServers = now;
        csp = policy;
        return policy;
    }

    /** {@code scheme://host[:port]} in lower case without a default port, or null when not a URL with a host. */
    public static String origin(String url) {
        if (url == null) {
            return null;
        }
        try {
            URI u = new URI(url.strip());
            String scheme = u.getScheme();
            String host = u.getHost();
            if (scheme == null || host == null) {
                return null;
            }
            scheme = scheme.toLowerCase(Locale.ROOT);
            int port = u.getPort();
            boolean secure = scheme.equals("https") || scheme.equals("wss");
            if (port == (secure ? 443 : 80)) {
                port = -1;
            }
            return scheme + "://" + host.toLowerCase(Locale.ROOT) + (port < 0 ? "" : ":" + port);
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
