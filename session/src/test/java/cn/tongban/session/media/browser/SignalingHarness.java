package cn.tongban.session.media.browser;

import cn.tongban.session.media.Bridge;
import cn.tongban.session.media.BridgeOffer;
import cn.tongban.session.media.Role;
import cn.tongban.session.media.TrackKind;
import cn.tongban.session.media.sdp.SdpException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * A tiny JDK HTTP server standing in for the signaling module in browser tests: it serves the participant
 * page and relays offers and answers between the pages and the bridge. Pages poll for new offers.
 */
final class SignalingHarness implements AutoCloseable {
    private final Bridge bridge;
    private final HttpServer server;
    /** Participant to the one bridge address its offers advertise; the others get every other address. */
    private final Map<String, String> routes = new java.util.concurrent.ConcurrentHashMap<>();

    SignalingHarness(Bridge bridge) throws IOException {
        this.bridge = bridge;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/participant.html", this::page);
        server.createContext(
                "/join",
                ex -> handle(ex, () -> {
                    Map<String, String> q = query(ex);
                    BridgeOffer o = bridge.allocateEndpoint(
                            q.get("session"), q.get("participant"), Role.valueOf(q.get("role")));
                    return json(route(o));
                }));
        server.createContext(
                "/offer",
                ex -> handle(ex, () -> {
                    Map<String, String> q = query(ex);
                    return json(route(bridge.currentOffer(q.get("session"), q.get("participant"))));
                }));
        server.createContext(
                "/answer",
                ex -> handle(ex, () -> {
                    Map<String, String> q = query(ex);
                    String sdp = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    bridge.setRemoteDescription(q.get("session"), q.get("participant"), sdp);
                    return "{}";
                }));
        server.start();
    }

    /**
     * Offers to {@code participant} advertise only the bridge's candidate on {@code address} (an impairment
     * relay in front of the bridge, say); offers to everyone else leave that address out. Call before the
     * participant joins.
     */
    void route(String participant, String address) {
        routes.put(participant, address);
    }

    private BridgeOffer route(BridgeOffer o) {
        String only = routes.get(o.participantId());
        StringBuilder sdp = new StringBuilder();
        for (String line : o.sdp().split("\r\n")) {
            if (line.startsWith("a=candidate:")) {
                String address = line.split(" ")[4];
                if (only != null ? !address.equals(only) : routes.containsValue(address)) {
                    continue;
                }
            }
            sdp.append(line).append("\r\n");
        }
        return new BridgeOffer(o.sessionId(), o.participantId(), o.version(), sdp.toString(), o.uploadMids());
    }

    String url(String session, String participant, Role role) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/participant.html?session=" + session
                + "&participant=" + participant + "&role=" + role;
    }

    String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private interface Action {
        String run() throws IOException, SdpException;
    }

    private static void handle(HttpExchange ex, Action a) throws IOException {
        int status = 200;
        String body;
        try {
            body = a.run();
        } catch (SdpException | IllegalArgumentException | IllegalStateException e) {
            status = 400;
            body = e.getMessage();
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", status == 200 ? "application/json" : "text/plain");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    private void page(HttpExchange ex) throws IOException {
        byte[] b;
        try (InputStream in = SignalingHarness.class.getResourceAsStream("/browser/participant.html")) {
            b = in.readAllBytes();
        }
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> m = new HashMap<>();
        String q = ex.getRequestURI().getRawQuery();
        if (q != null) {
            for (String kv : q.split("&")) {
                int i = kv.indexOf('=');
                if (i > 0) {
                    m.put(
                            URLDecoder.decode(kv.substring(0, i), StandardCharsets.UTF_8),
                            URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return m;
    }

    private static String json(BridgeOffer o) {
        StringBuilder mids = new StringBuilder("{");
        for (Map.Entry<TrackKind, String> e : o.uploadMids().entrySet()) {
            if (mids.length() > 1) {
                mids.append(',');
            }
            mids.append('"')
                    .append(e.getKey())
                    .append("\":\"")
                    .append(e.getValue())
                    .append('"');
        }
        mids.append('}');
        return "{\"version\":" + o.version() + ",\"sdp\":" + quote(o.sdp()) + ",\"uploadMids\":" + mids + "}";
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
