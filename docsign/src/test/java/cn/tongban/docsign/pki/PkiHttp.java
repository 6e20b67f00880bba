package cn.tongban.docsign.pki;

import cn.tongban.docsign.DocsignError;
import cn.tongban.docsign.DocsignException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The embedded PKI's public HTTP services for docsign's tests, on the JDK's HTTP server: the same URLs
 * the certificates name and the Tongban server serves ({@code signaling}'s {@code PkiRoutes}).
 */
public final class PkiHttp {
    private PkiHttp() {}

    /** Serves {@code pki} under {@code /pki} of {@code http}; {@code seen} is told each path first. */
    public static void serve(HttpServer http, Supplier<EmbeddedPki> pki, Consumer<String> seen) {
        http.createContext("/pki", ex -> {
            String path = ex.getRequestURI().getPath().substring("/pki".length());
            seen.accept(path);
            byte[] body = ex.getRequestBody().readAllBytes();
            try {
                answer(ex, pki.get(), ex.getRequestMethod(), path, body);
            } catch (DocsignException e) {
                reply(ex, e.error() == DocsignError.PKI_REQUEST_INVALID ? 404 : 500, "text/plain", e.getMessage());
            } catch (Exception e) {
                reply(ex, 500, "text/plain", e.toString());
            }
        });
    }

    public static void serve(HttpServer http, EmbeddedPki pki) {
        serve(http, () -> pki, path -> {});
    }

    private static void answer(HttpExchange ex, EmbeddedPki pki, String method, String path, byte[] body)
            throws Exception {
        if (method.equals("GET") && path.matches("/ca/[a-z0-9-]+\\.cer")) {
            reply(
                    ex,
                    200,
                    "application/pkix-cert",
                    pki.caCertificate(path.substring(4, path.length() - 4)).getEncoded());
        } else if (method.equals("GET") && path.matches("/crl/[a-z0-9-]+\\.crl")) {
            reply(ex, 200, "application/pkix-crl", pki.crl(path.substring(5, path.length() - 4)));
        } else if (method.equals("POST") && path.matches("/ocsp/[a-z0-9-]+")) {
            reply(ex, 200, "application/ocsp-response", pki.ocspResponder().respond(body));
        } else if (method.equals("POST") && path.equals("/tsa")) {
            reply(
                    ex,
                    200,
                    "application/timestamp-reply",
                    pki.timestampAuthority().respond(body));
        } else {
            reply(ex, 404, "text/plain", "not found");
        }
    }

    private static void reply(HttpExchange ex, int status, String type, String text) throws IOException {
        reply(ex, status, type, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }
}
