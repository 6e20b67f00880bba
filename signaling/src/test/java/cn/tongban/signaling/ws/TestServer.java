package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One server for a WebSocket test class, in this JVM on port 0 with a fresh data directory, and the steps
 * every such test takes: signing a clerk in, an applicant taking a ticket, plain HTTP, the audit trail.
 * Register it as a static field:
 *
 * <pre>{@code @RegisterExtension
 * static final TestServer IT = TestServer.create("routing-it", b -> b);}</pre>
 */
final class TestServer implements BeforeAllCallback, AfterAllCallback {
    /** Prepares the data directory before the server starts (e.g. writes a {@code refdata.yaml}). */
    @FunctionalInterface
    interface Setup {
        void prepare(Path dataDir) throws Exception;
    }

    static final String PASSWORD = "tongban2026";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String name;
    private final UnaryOperator<ServerOptions.Builder> options;
    private final Setup setup;
    private Path dataDir;
    private TongbanServer server;

    private TestServer(String name, UnaryOperator<ServerOptions.Builder> options, Setup setup) {
        this.name = name;
        this.options = options;
        this.setup = setup;
    }

    /**
     * {@code name} names the node, its data directory and its single-member cluster; {@code options} adds to
     * the defaults (loopback, port 0).
     */
    static TestServer create(String name, UnaryOperator<ServerOptions.Builder> options) {
        return new TestServer(name, options, dir -> {});
    }

    static TestServer create(String name, UnaryOperator<ServerOptions.Builder> options, Setup setup) {
        return new TestServer(name, options, setup);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dataDir = Files.createTempDirectory("tongban-" + name + "-");
        setup.prepare(dataDir);
        server = TongbanServer.start(options.apply(ServerOptions.builder()
                        .demo(true)
                        .port(0)
                        .host("127.0.0.1")
                        .dataDir(dataDir)
                        .nodeName(name)
                        .clusterName(name + "-" + ProcessHandle.current().pid())
                        // A clerk's closed connection ends a live session at once here, as before the grace:
                        // tests reuse clerks across cases. Tests of the grace set their own.
                        .cluster(ServerOptions.Cluster.DEFAULT.withClerkGrace(java.time.Duration.ZERO)))
                .build());
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (server != null) {
            server.close();
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    TongbanServer server() {
        return server;
    }

    Path dataDir() {
        return dataDir;
    }

    int port() {
        return server.port();
    }

    /** An HTTP request to this server: GET when {@code body} is null, else {@code method} with a JSON body. */
    HttpResponse<String> http(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .header("content-type", "application/json");
        b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return http("POST", path, body);
    }

    /** A clerk's session token (the embedded default's password). */
    String login(String user) throws Exception {
        HttpResponse<String> r =
                post("/api/login", "{\"username\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}");
        assertThat(r.statusCode()).as("login of " + user + ": " + r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("token");
    }

    /** A new connection, after its {@code hello}. */
    WsTestClient connect(Vertx vertx) throws Exception {
        return WsTestClient.connect(vertx, port());
    }

    /** A clerk signed in ({@code away}) and, if {@code available}, set available for tickets. */
    WsTestClient clerk(Vertx vertx, String user, boolean available) throws Exception {
        WsTestClient c = connect(vertx);
        c.send("{\"type\":\"auth\",\"id\":\"auth\",\"token\":\"" + login(user) + "\"}");
        assertThat(c.expect(ServerMessage.Clerk.class, m -> "auth".equals(m.re()))
                        .status())
                .isIn(
                        ServerMessage.ClerkStatus.AWAY,
                        ServerMessage.ClerkStatus.BUSY,
                        ServerMessage.ClerkStatus.WRAP_UP);
        if (available) {
            c.send("{\"type\":\"status\",\"id\":\"avail\",\"status\":\"available\"}");
            assertThat(c.expect(ServerMessage.Clerk.class, m -> "avail".equals(m.re()))
                            .status())
                    .isEqualTo(ServerMessage.ClerkStatus.AVAILABLE);
        }
        return c;
    }

    /**
     * An applicant who sent {@code join} (id {@code j}) for the matter at the hall, with {@code extra} JSON
     * members appended (e.g. {@code ,"language":"changzhou"}); the answer is left for the test to read.
     */
    WsTestClient applicant(Vertx vertx, String matter, String hall, String name, String extra) throws Exception {
        WsTestClient a = connect(vertx);
        a.send("{\"type\":\"join\",\"id\":\"j\",\"matterId\":\"" + matter + "\",\"hallId\":\"" + hall + "\",\"name\":\""
                + name + "\",\"mobile\":\"13812345678\"" + extra + "}");
        return a;
    }

    /** The audit trail of a session. */
    List<AuditEvent> audit(String sessionId) {
        return server.records().journal().forSession(sessionId);
    }

    /** The actions of a session's audit trail, in order. */
    List<String> actions(String sessionId) {
        return audit(sessionId).stream().map(AuditEvent::action).toList();
    }
}
