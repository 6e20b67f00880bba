package cn.tongban.e2e;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One server and one browser for an end-to-end test class. Before the class: the server in this JVM on a
 * free port with a fresh data directory, and a headless Chromium pointed at it. After a failed test:
 * screenshots of every page it left open ({@code target/screenshots/failed-<test>-<page>.png}). After each
 * test: its pages closed, so no applicant lingers in a queue. After the class: both stopped. Register it
 * as a static field:
 *
 * <pre>{@code @RegisterExtension
 * static final E2eServer E2E = E2eServer.create("p2p-e2e", 20_000, b -> b.mediaMode(MediaMode.P2P));}</pre>
 */
final class E2eServer implements BeforeAllCallback, AfterTestExecutionCallback, AfterEachCallback, AfterAllCallback {
    private final String name;
    private final int assertionTimeoutMs;
    private final UnaryOperator<ServerOptions.Builder> options;
    private final Function<String, BrowserFixture> browsers;
    private Path dataDir;
    private TongbanServer server;
    private BrowserFixture browser;

    private E2eServer(
            String name,
            int assertionTimeoutMs,
            UnaryOperator<ServerOptions.Builder> options,
            Function<String, BrowserFixture> browsers) {
        this.name = name;
        this.assertionTimeoutMs = assertionTimeoutMs;
        this.options = options;
        this.browsers = browsers;
    }

    /**
     * {@code name} names the data directory and the (single-member) cluster; {@code assertionTimeoutMs} is
     * Playwright's default for its assertions; {@code options} adds to the defaults (loopback, port 0).
     */
    static E2eServer create(String name, int assertionTimeoutMs, UnaryOperator<ServerOptions.Builder> options) {
        return new E2eServer(name, assertionTimeoutMs, options, BrowserFixture::new);
    }

    /** The same with a browser of three fake cameras ({@link BrowserFixture#withDocumentCamera}). */
    static E2eServer withDocumentCamera(
            String name, int assertionTimeoutMs, UnaryOperator<ServerOptions.Builder> options) {
        return new E2eServer(name, assertionTimeoutMs, options, BrowserFixture::withDocumentCamera);
    }

    TongbanServer server() {
        return server;
    }

    BrowserFixture browser() {
        return browser;
    }

    Path dataDir() {
        return dataDir;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        PlaywrightAssertions.setDefaultAssertionTimeout(assertionTimeoutMs);
        dataDir = Files.createTempDirectory("tongban-" + name + "-");
        server = TongbanServer.start(options.apply(ServerOptions.builder()
                        .demo(true)
                        .host("127.0.0.1")
                        .port(0)
                        .dataDir(dataDir)
                        .nodeName(name)
                        .clusterName(name + "-" + ProcessHandle.current().pid())
                        // A clerk's closed page ends a live session at once here, as before the grace: the
                        // classes reuse clerk accounts across tests. VirtualWindowE2ETest sets its own grace.
                        .cluster(ServerOptions.Cluster.DEFAULT.withClerkGrace(java.time.Duration.ZERO)))
                .build());
        browser = browsers.apply("http://127.0.0.1:" + server.port());
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isPresent() && browser != null) {
            browser.screenshotOpenPages(
                    "failed-" + context.getRequiredTestMethod().getName());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (browser != null) {
            browser.closeContexts();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
