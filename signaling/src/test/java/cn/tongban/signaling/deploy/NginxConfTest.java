package cn.tongban.signaling.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.application.ApplicationRoutes;
import cn.tongban.signaling.http.ClientAddress;
import cn.tongban.signaling.materials.MaterialService;
import cn.tongban.testkit.Await;
import cn.tongban.testkit.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/nginx-tongban.conf, checked by the nginx an operator installs ({@code apt-get install nginx}; .ci/run
 * installs it): {@code nginx -t}, then a real nginx with that file in front of a stand-in node that reports
 * what reached it. Only what cannot run in a test is changed in the file: its ports (loopback, free ones),
 * the certificate (a throwaway self-signed one) and the node's address; each change must match exactly once,
 * so that a reshaped file fails here instead of being tested half. "Outside" is a client on 127.0.0.2, which
 * the file's list of internal networks does not name (it names 127.0.0.1).
 */
class NginxConfTest {
    private static final String NAME = "window.example.gov.cn";
    private static final Path CONF = Path.of("..", "deploy", "nginx-tongban.conf");
    private static final String INSIDE = "127.0.0.1";
    private static final String OUTSIDE = "127.0.0.2";

    @TempDir
    static Path dir;

    private static Vertx vertx;
    private static Process nginx;
    private static int tlsPort;
    private static int httpPort;
    private static SSLContext tls;
    /** What the last request that reached the stand-in node looked like. */
    private static final AtomicReference<JsonObject> REACHED = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        int nodePort = startStandInNode();
        int[] ports = Ports.reserve(2);
        tlsPort = ports[0];
        httpPort = ports[1];

        run(List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                dir.resolve("key.pem").toString(),
                "-out",
                dir.resolve("cert.pem").toString(),
                "-days",
                "1",
                "-subj",
                "/CN=" + NAME,
                "-addext",
                "subjectAltName=DNS:" + NAME));
        String site = Files.readString(CONF);
        site = once(site, "server 127.0.0.1:8080;", "server 127.0.0.1:" + nodePort + ";");
        site = once(site, "listen 443 ssl http2;", "listen 127.0.0.1:" + tlsPort + " ssl http2;");
        site = once(site, "listen [::]:443 ssl http2;", "");
        site = once(site, "listen 80;", "listen 127.0.0.1:" + httpPort + ";");
        site = once(site, "listen [::]:80;", "");
        site = once(
                site, "/etc/tongban/tls/fullchain.pem", dir.resolve("cert.pem").toString());
        site = once(site, "/etc/tongban/tls/privkey.pem", dir.resolve("key.pem").toString());
        Files.writeString(dir.resolve("site.conf"), site);
        // The main file's part as Debian's nginx.conf has it, with everything the process writes in the temp dir.
        Files.createDirectories(dir.resolve("logs"));
        String main = ("root".equals(System.getProperty("user.name")) ? "user root;\n" : "")
                + "pid DIR/nginx.pid;\nerror_log DIR/logs/error.log;\nevents {}\nhttp {\n  access_log off;\n"
                + "  client_body_temp_path DIR/body;\n  proxy_temp_path DIR/proxy;\n  fastcgi_temp_path DIR/fastcgi;\n"
                + "  uwsgi_temp_path DIR/uwsgi;\n  scgi_temp_path DIR/scgi;\n  include DIR/site.conf;\n}\n";
        Files.writeString(dir.resolve("nginx.conf"), main.replace("DIR", dir.toString()));

        String check = run(nginx("-t"));
        assertThat(check).contains("syntax is ok").contains("test is successful");

        List<String> cmd = new java.util.ArrayList<>(nginx("-g", "daemon off;"));
        nginx = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("logs/stdout.log").toFile())
                .start();
        Await.until("nginx listening on " + tlsPort, Duration.ofSeconds(20), () -> {
            assertThat(nginx.isAlive()).as("nginx exited: " + log()).isTrue();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(INSIDE, tlsPort), 1000);
                return s.isConnected();
            } catch (IOException e) {
                return false;
            }
        });

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
            trust.setCertificateEntry(
                    "test", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), new SecureRandom());
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly();
            }
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void port80OnlyRedirectsToTheConfiguredNameOverHttps() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(INSIDE, httpPort), 5000);
            Response r =
                    exchange(s, "GET /clerk?x=1 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", null);
            assertThat(r.status).isEqualTo(301);
            assertThat(r.headers.get("location")).isEqualTo("https://" + NAME + "/clerk?x=1");
        }
    }

    @Test
    void tls12And13WithForwardSecretAeadSuitesOnlyAndHsts() throws Exception {
        for (String version : List.of("TLSv1.3", "TLSv1.2")) {
            try (SSLSocket s = socket(INSIDE, new String[] {version}, null)) {
                s.startHandshake();
                assertThat(s.getSession().getProtocol()).isEqualTo(version);
                if (version.equals("TLSv1.2")) {
                    assertThat(s.getSession().getCipherSuite())
                            .startsWith("TLS_ECDHE_")
                            .containsAnyOf("_GCM_", "CHACHA20");
                }
            }
        }
        // A CBC suite, which nginx's own default list would take, is refused.
        assertThatThrownBy(() -> {
                    try (SSLSocket s = socket(
                            INSIDE, new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"
                            })) {
                        s.startHandshake();
                    }
                })
                .isInstanceOf(SSLHandshakeException.class);
        Response page = request(OUTSIDE, "GET", "/clerk", Map.of(), null);
        assertThat(page.status).isEqualTo(200);
        assertThat(page.headers.get("strict-transport-security")).isEqualTo("max-age=31536000");
        // Also on nginx's own refusals.
        Response refused = request(OUTSIDE, "POST", "/pki/tsa", Map.of(), new byte[10]);
        assertThat(refused.headers.get("strict-transport-security")).isEqualTo("max-age=31536000");
    }

    @Test
    void bodiesUpToTheNodesOwnLimitsPassAndOneByteMoreIsRefusedByNginx() throws Exception {
        // The limits the node enforces itself (Routes.java): materials, hand-off packages, everything else.
        assertThat(MaterialService.MAX_BYTES).isEqualTo(10 << 20);
        assertThat(ApplicationRoutes.MAX_PACKAGE_BYTES).isEqualTo(64 << 20);
        assertPassesUpTo("/api/uploads/some-token", MaterialService.MAX_BYTES);
        assertPassesUpTo("/api/handoff", ApplicationRoutes.MAX_PACKAGE_BYTES);
        assertPassesUpTo("/pki/ocsp/wujin", 64 * 1024);
        assertPassesUpTo("/api/login", 64 * 1024);
    }

    @Test
    void theTsaTheDetailedHealthAndTheMetricsAreForTheHallsNetworksOnly() throws Exception {
        for (String path : List.of("/health", "/metrics")) {
            assertThat(request(OUTSIDE, "GET", path, Map.of(), null).status)
                    .as(path)
                    .isEqualTo(403);
            assertReached(request(INSIDE, "GET", path, Map.of(), null), "GET", path);
        }
        assertThat(request(OUTSIDE, "POST", "/pki/tsa", Map.of(), new byte[40]).status)
                .isEqualTo(403);
        assertReached(request(INSIDE, "POST", "/pki/tsa", Map.of(), new byte[40]), "POST", "/pki/tsa");
        // The node (Vert.x) also answers these with trailing slashes, and nginx normalises dot segments and
        // escapes before it matches: none of these spellings may get past it from outside.
        for (String path : List.of("/health/", "/health//", "/metrics/", "/health/.", "/%68ealth", "/x/../health")) {
            assertThat(request(OUTSIDE, "GET", path, Map.of(), null).status)
                    .as(path)
                    .isEqualTo(403);
        }
        for (String path : List.of("/pki/tsa/", "/pki/tsa//", "/pki/./tsa", "/pki/ts%61")) {
            assertThat(request(OUTSIDE, "POST", path, Map.of(), new byte[40]).status)
                    .as(path)
                    .isEqualTo(403);
        }
        // Public on purpose: the load balancer's status, and what verifiers fetch by the certificates' URLs.
        assertReached(request(OUTSIDE, "GET", "/health/status", Map.of(), null), "GET", "/health/status");
        assertReached(request(OUTSIDE, "GET", "/pki/ca/root.cer", Map.of(), null), "GET", "/pki/ca/root.cer");
        assertReached(request(OUTSIDE, "GET", "/pki/crl/wujin.crl", Map.of(), null), "GET", "/pki/crl/wujin.crl");
        assertReached(request(OUTSIDE, "POST", "/pki/ocsp/wujin", Map.of(), new byte[100]), "POST", "/pki/ocsp/wujin");
    }

    @Test
    void theNodeLearnsTheClientsAddressAndTheHostFromTheProxy() throws Exception {
        Response r = request(OUTSIDE, "GET", "/api/catalog", Map.of("X-Forwarded-For", "203.0.113.9"), null);
        JsonObject seen = assertReached(r, "GET", "/api/catalog");
        assertThat(seen.getString("host")).isEqualTo(NAME);
        String forwarded = seen.getString("xff");
        assertThat(forwarded).isEqualTo("203.0.113.9, " + OUTSIDE);
        // What the node makes of it with the documented --trusted-proxy 127.0.0.1: the client, not its claim.
        assertThat(new ClientAddress(List.of("127.0.0.1")).client(INSIDE, forwarded))
                .isEqualTo(OUTSIDE);
    }

    @Test
    void theWebSocketIsUpgradedAndCarriesMessagesBothWays() throws Exception {
        try (SSLSocket s = socket(OUTSIDE, null, null)) {
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            out.write(("GET /ws?v=1 HTTP/1.1\r\nHost: " + NAME + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                            + "Origin: https://" + NAME + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Response head = readHead(in);
            assertThat(head.status).isEqualTo(101);
            assertThat(head.headers.get("upgrade")).isEqualToIgnoringCase("websocket");
            // A masked text frame (RFC 6455 section 5.2) "ping", echoed by the stand-in node unmasked.
            byte[] payload = "ping".getBytes(StandardCharsets.UTF_8);
            byte[] mask = {1, 2, 3, 4};
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x81);
            frame.write(0x80 | payload.length);
            frame.write(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i % 4]);
            }
            out.write(frame.toByteArray());
            out.flush();
            assertThat(in.read()).isEqualTo(0x81);
            int length = in.read();
            assertThat(new String(in.readNBytes(length), StandardCharsets.UTF_8))
                    .isEqualTo("echo ping");
        }
    }

    // --- the stand-in node ---

    private static int startStandInNode() throws Exception {
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            if (req.path().equals("/ws")) {
                req.toWebSocket().onSuccess(ws -> ws.textMessageHandler(m -> ws.writeTextMessage("echo " + m)));
                return;
            }
            long[] length = {0};
            req.handler(b -> length[0] += b.length());
            req.endHandler(v -> {
                JsonObject seen = new JsonObject()
                        .put("method", req.method().name())
                        .put("uri", req.uri())
                        .put("host", req.getHeader("Host"))
                        .put("xff", req.getHeader("X-Forwarded-For"))
                        .put("length", length[0]);
                REACHED.set(seen);
                req.response().putHeader("content-type", "application/json").end(seen.encode());
            });
        });
        return server.listen(0, INSIDE)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .actualPort();
    }

    private static JsonObject assertReached(Response r, String method, String uri) {
        assertThat(r.status).as(method + " " + uri + ": " + r.body()).isEqualTo(200);
        JsonObject seen = new JsonObject(r.body());
        assertThat(seen.getString("method")).isEqualTo(method);
        assertThat(seen.getString("uri")).isEqualTo(uri);
        return seen;
    }

    private static void assertPassesUpTo(String path, int limit) throws Exception {
        REACHED.set(null);
        Response over = request(OUTSIDE, "POST", path, Map.of(), new byte[limit + 1]);
        assertThat(over.status).as(path + " with " + (limit + 1) + " bytes").isEqualTo(413);
        assertThat(REACHED.get()).as("nothing reaches the node").isNull();
        JsonObject seen = assertReached(request(OUTSIDE, "POST", path, Map.of(), new byte[limit]), "POST", path);
        assertThat(seen.getLong("length")).isEqualTo(limit);
    }

    // --- HTTP/1.1 by hand: the JDK's client cannot choose its source address ---

    private record Response(int status, Map<String, String> headers, byte[] content) {
        String body() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private static SSLSocket socket(String source, String[] protocols, String[] suites) throws IOException {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress(INSIDE, tlsPort), 5000);
        s.setSoTimeout(60_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(NAME)));
        p.setApplicationProtocols(new String[] {"http/1.1"});
        if (protocols != null) {
            p.setProtocols(protocols);
        }
        if (suites != null) {
            p.setCipherSuites(suites);
        }
        s.setSSLParameters(p);
        return s;
    }

    private static Response request(String source, String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + NAME + "\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            // Asks first, so that a refusal comes before the body instead of cutting it off.
            head.append("Content-Length: ").append(body.length).append("\r\nExpect: 100-continue\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        try (SSLSocket s = socket(source, null, null)) {
            return exchange(s, head.toString(), body);
        }
    }

    private static Response exchange(Socket s, String head, byte[] body) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = new BufferedInputStream(s.getInputStream());
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Response r = readHead(in);
        if (body != null && r.status == 100) {
            out.write(body);
            out.flush();
            r = readHead(in);
        }
        String length = r.headers.get("content-length");
        byte[] content = length != null ? in.readNBytes(Integer.parseInt(length)) : in.readAllBytes();
        return new Response(r.status, r.headers, content);
    }

    private static Response readHead(InputStream in) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                String l = line.toString(StandardCharsets.US_ASCII).stripTrailing();
                line.reset();
                if (l.isEmpty()) {
                    break;
                }
                lines.add(l);
            } else {
                line.write(c);
            }
        }
        assertThat(lines).as("a response").isNotEmpty();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            int colon = l.indexOf(':');
            headers.put(
                    l.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    l.substring(colon + 1).strip());
        }
        return new Response(Integer.parseInt(lines.get(0).split(" ")[1]), headers, new byte[0]);
    }

    // --- files and processes ---

    private static String once(String text, String from, String to) {
        int at = text.indexOf(from);
        assertThat(at).as("deploy/nginx-tongban.conf has " + from).isNotNegative();
        assertThat(text.indexOf(from, at + 1))
                .as("deploy/nginx-tongban.conf has " + from + " once")
                .isNegative();
        return text.replace(from, to);
    }

    private static List<String> nginx(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                // Debian's, also when /usr/sbin is not on a non-root user's PATH.
                Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx",
                "-p",
                dir.toString(),
                "-c",
                dir.resolve("nginx.conf").toString(),
                "-e",
                dir.resolve("logs/error.log").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String run(List<String> cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            String tool = Path.of(cmd.get(0)).getFileName().toString();
            throw new AssertionError(tool + " is not installed (apt-get install " + tool + "; .ci/run installs it)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ":\n" + out).isZero();
        return out;
    }

    private static String log() {
        try {
            return Files.readString(dir.resolve("logs/stdout.log")) + Files.readString(dir.resolve("logs/error.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
