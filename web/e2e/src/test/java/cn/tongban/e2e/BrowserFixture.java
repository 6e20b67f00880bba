package cn.tongban.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import cn.tongban.testkit.Chromium;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One headless Chromium (the system browser, no download) with the flags that make WebRTC work
 * on loopback with fake camera, microphone and screen (see ENVIRONMENT.md).
 */
final class BrowserFixture implements AutoCloseable {

    static final Path SCREENSHOTS = Paths.get("target", "screenshots");
    /**
     * How long a test waits for media to flow (frames decoded, packets received). An upper bound for "it
     * works", not a speed target: on a loaded CI machine the first call after a server start takes several
     * times longer than on a quiet one, and how long media takes to start is measured by benchmarks.
     */
    static final long MEDIA_TIMEOUT_MS = 45_000;

    private final Chromium chromium;
    private final Browser browser;
    /**
     * A second Chromium without {@code --use-fake-ui-for-media-stream}, for pages that refuse a permission:
     * that flag accepts every camera and microphone request whatever the permission says. Launched on first
     * use.
     */
    private final List<String> strictFlags;

    private Chromium strict;
    private final String baseUrl;
    private final List<BrowserContext> contexts = new ArrayList<>();
    private final Map<String, Page> pages = new LinkedHashMap<>();
    /** What the pages' Content-Security-Policy refused: a feature the policy breaks fails its test. */
    private final List<String> policyViolations = java.util.Collections.synchronizedList(new ArrayList<>());

    BrowserFixture(String baseUrl) {
        this(baseUrl, Chromium.FLAGS);
    }

    /**
     * A browser with three fake cameras ({@code device-count=3}; Chromium's fake capture factory gives
     * device 0 I420 frames, device 1 Y16 — a depth camera whose frames WebRTC cannot encode — and device 2
     * MJPEG). {@code fake_device_0}, the default of a plain {@code getUserMedia}, shows a pac-man on green
     * with bright green corner marks; {@code fake_device_2}, the document camera of the tests, plain green
     * with yellow-to-black corner marks ({@link Stills} tells them apart).
     */
    static BrowserFixture withDocumentCamera(String baseUrl) {
        List<String> flags = Chromium.FLAGS.stream()
                .map(f -> f.equals("--use-fake-device-for-media-stream")
                        ? "--use-fake-device-for-media-stream=device-count=3"
                        : f)
                .toList();
        return new BrowserFixture(baseUrl, flags);
    }

    private BrowserFixture(String baseUrl, List<String> flags) {
        this.baseUrl = baseUrl;
        this.chromium = Chromium.launch(flags);
        this.browser = chromium.browser();
        this.strictFlags = flags.stream()
                .filter(f -> !f.startsWith("--use-fake-ui-for-media-stream"))
                .toList();
    }

    /**
     * A fresh browser context (its own cookies and sessionStorage) whose camera and microphone
     * permission counts as granted before any RTCPeerConnection exists: without it Chromium
     * gathers no loopback ICE candidates.
     */
    Page newPage(String name) {
        return newPage(name, List.of("camera", "microphone"), false);
    }

    /**
     * A fresh browser context with only {@code granted} of camera and microphone allowed; the others are refused
     * as a person refuses them ({@code getUserMedia} fails with {@code NotAllowedError}). A page that refuses
     * something lives in a second Chromium without the fake UI, which would accept every request (it keeps the
     * fake devices): there a permission not granted is asked for, and a headless browser's prompt says no.
     */
    Page newPage(String name, List<String> granted, boolean refusesTheRest) {
        Browser owner = browser;
        if (refusesTheRest) {
            if (strict == null) {
                strict = Chromium.launch(strictFlags);
            }
            owner = strict.browser();
        }
        BrowserContext context = owner.newContext(
                new Browser.NewContextOptions().setViewportSize(1280, 860).setLocale("zh-CN"));
        if (!granted.isEmpty()) {
            context.grantPermissions(granted, new BrowserContext.GrantPermissionsOptions().setOrigin(baseUrl));
        }
        contexts.add(context);
        Page page = context.newPage();
        pages.put(name, page);
        page.onConsoleMessage(message -> {
            if (!message.type().equals("debug")) {
                System.out.printf("[%s console.%s] %s%n", name, message.type(), message.text());
            }
            if (message.text().contains("Content Security Policy")) {
                policyViolations.add(name + ": " + message.text());
            }
        });
        page.onPageError(error -> System.out.printf("[%s page error] %s%n", name, error));
        return page;
    }

    String url(String path) {
        return baseUrl + path;
    }

    /**
     * A clerk's console in a page of its own (named {@code pageName}), signed in as {@code user} (the
     * embedded default's password) and, if {@code available}, set available for tickets.
     */
    Page clerk(String pageName, String user, boolean available) {
        Page clerk = newPage(pageName);
        clerk.navigate(url("/clerk"));
        clerk.fill("#username", user);
        clerk.fill("#password", "tongban2026");
        clerk.click("#login-submit");
        assertThat(clerk.locator("#status-pill")).isVisible();
        if (available) {
            goAvailable(clerk);
        }
        return clerk;
    }

    /** Sets a signed-in console available (if it is not already). */
    static void goAvailable(Page clerk) {
        assertThat(clerk.locator("#status-pill")).isVisible();
        if (!"available".equals(clerk.locator("#status-pill").getAttribute("data-status"))) {
            clerk.click("#status-toggle");
        }
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "available");
    }

    /**
     * Walks an applicant's page from {@code startUrl} (the start page, e.g. with {@code ?at=<partner hall>})
     * through the three steps (matter and hall, name and mobile, device check) and joins the queue; returns
     * the ticket number shown.
     */
    static String join(Page applicant, String startUrl, String matterId, String hallId, String name, String mobile) {
        applicant.navigate(startUrl);
        applicant.click("#matter-list [data-id='" + matterId + "']");
        applicant.click("#hall-list [data-id='" + hallId + "']");
        applicant.click("#matter-next");
        applicant.fill("#name", name);
        applicant.fill("#mobile", mobile);
        applicant.click("#contact-next");
        assertThat(applicant.locator("#join")).isEnabled();
        applicant.click("#join");
        assertThat(applicant.locator("#ticket-number")).not().hasText("—");
        return applicant.locator("#ticket-number").innerText().strip();
    }

    /** {@link #join(Page, String, String, String, String, String)} on this browser's server. */
    String join(Page applicant, String matterId, String hallId, String name, String mobile) {
        return join(applicant, url("/"), matterId, hallId, name, mobile);
    }

    /** Waits until both pages decode the other's camera (with its frame size) and receive its sound. */
    static void awaitTwoWayMedia(Page applicant, Page clerk, long timeoutMs) throws InterruptedException {
        for (Page page : new Page[] {applicant, clerk}) {
            String who = page == applicant ? "applicant" : "clerk";
            try {
                awaitInbound(
                        page,
                        "camera frames and audio packets at the " + who,
                        // The frame size appears in the statistics a moment after the first decoded frames.
                        s -> stat(s, "camera", "framesDecoded") > 0
                                && stat(s, "camera", "frameWidth") > 0
                                && stat(s, "audio", "packetsReceived") > 0,
                        timeoutMs);
            } catch (AssertionError e) {
                // What the other side's connection did tells half the story of media that did not arrive.
                Page other = page == applicant ? clerk : applicant;
                throw new AssertionError(
                        e.getMessage() + "; the other page's state: "
                                + other.evaluate("() => JSON.stringify(window.tongban.state())") + "; its transport: "
                                + other.evaluate("async () => JSON.stringify(await window.tongban.transport?.())"),
                        e);
            }
        }
    }

    static void screenshot(Page page, String fileName) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(SCREENSHOTS.resolve(fileName))
                .setFullPage(true));
    }

    /**
     * Polls {@code window.tongban.inbound()} (per-transceiver inbound-rtp statistics) until the
     * predicate holds; fails with the last statistics seen.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> awaitInbound(
            Page page, String what, Predicate<Map<String, Object>> predicate, long timeoutMs)
            throws InterruptedException {
        long started = System.currentTimeMillis();
        long deadline = started + timeoutMs;
        Object last = null;
        while (System.currentTimeMillis() < deadline) {
            last = page.evaluate("() => window.tongban.inbound()");
            if (last instanceof Map<?, ?> stats && predicate.test((Map<String, Object>) stats)) {
                System.out.printf("%s after %d ms%n", what, System.currentTimeMillis() - started);
                return (Map<String, Object>) stats;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what + "; last inbound stats: "
                + last + "; state: " + page.evaluate("() => JSON.stringify(window.tongban.state())")
                + "; transport: " + page.evaluate("async () => JSON.stringify(await window.tongban.transport?.())"));
    }

    /** A numeric field of one transceiver's inbound statistics, 0 when absent. */
    static double stat(Map<String, Object> stats, String transceiver, String field) {
        if (stats.get(transceiver) instanceof Map<?, ?> entry && entry.get(field) instanceof Number number) {
            return number.doubleValue();
        }
        return 0;
    }

    /** Closes the contexts opened since the last call (their pages, sockets and peer connections). */
    void closeContexts() {
        contexts.forEach(BrowserContext::close);
        contexts.clear();
        pages.clear();
        assertNoPolicyViolations();
    }

    private void assertNoPolicyViolations() {
        List<String> seen;
        synchronized (policyViolations) {
            seen = List.copyOf(policyViolations);
            policyViolations.clear();
        }
        if (!seen.isEmpty()) {
            throw new AssertionError("the Content-Security-Policy refused what a page needs: " + seen);
        }
    }

    /** Screenshots of every page still open, named {@code <prefix>-<page>.png}; for failed tests. */
    void screenshotOpenPages(String prefix) {
        pages.forEach((name, page) -> {
            if (!page.isClosed()) {
                try {
                    screenshot(page, prefix + "-" + name + ".png");
                } catch (Exception e) {
                    System.out.printf("[%s] no screenshot: %s%n", name, e);
                }
            }
        });
    }

    @Override
    public void close() {
        if (strict != null) {
            strict.close();
        }
        chromium.close();
        assertNoPolicyViolations();
    }
}
