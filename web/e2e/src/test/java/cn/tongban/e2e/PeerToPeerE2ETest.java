package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.awaitInbound;
import static cn.tongban.e2e.BrowserFixture.stat;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.ServerOptions;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.media.MediaMode;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pages in peer-to-peer mode ({@code --media-mode p2p}): browser to browser, the server relays SDP
 * and ICE. Nothing is recorded, so the applicant is not told so even for a matter whose policy records.
 */
class PeerToPeerE2ETest {
    private static final long MEDIA_TIMEOUT_MS = 30_000;

    @TempDir
    static Path dataDir;

    private static TongbanServer server;
    private static BrowserFixture browser;

    @BeforeAll
    static void start() throws Exception {
        PlaywrightAssertions.setDefaultAssertionTimeout(20_000);
        server = TongbanServer.start(ServerOptions.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .mediaMode(MediaMode.P2P)
                .build());
        browser = new BrowserFixture("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.closeContexts();
            browser.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void applicantAndClerkTalkBrowserToBrowserAndNothingIsRecorded() throws Exception {
        assertThat(server.media().bridge()).isNull();
        Page clerk = browser.newPage("p2p-clerk");
        clerk.navigate(browser.url("/clerk"));
        clerk.fill("#username", "wujin02");
        clerk.fill("#password", "tongban2026");
        clerk.click("#login-submit");
        assertThat(clerk.locator("#status-pill")).isVisible();
        clerk.click("#status-toggle");
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "available");

        Page applicant = browser.newPage("p2p-applicant");
        applicant.navigate(browser.url("/"));
        applicant.click("#matter-list [data-id='property-certificate']");
        applicant.click("#hall-list [data-id='cz-wujin-bdc']");
        applicant.click("#matter-next");
        applicant.fill("#name", "周八");
        applicant.fill("#mobile", "13412345678");
        applicant.click("#contact-next");
        assertThat(applicant.locator("#join")).isEnabled();
        assertThat(applicant.locator("#device-recording")).isHidden();
        applicant.click("#join");
        String number = applicant.locator("#ticket-number").innerText().strip();
        assertThat(applicant.locator("#ticket-recording")).isHidden();
        assertThat(clerk.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(number)))
                .isVisible();

        clerk.click("#take-next");
        assertThat(applicant.locator("#step-call")).isVisible();
        assertThat(applicant.evaluate("() => window.tongban.state().media")).isEqualTo("p2p");
        for (Page page : new Page[] {applicant, clerk}) {
            awaitInbound(
                    page,
                    "camera frames and sound, browser to browser",
                    s -> stat(s, "camera", "framesDecoded") > 0 && stat(s, "audio", "packetsReceived") > 0,
                    MEDIA_TIMEOUT_MS);
        }
        applicant.click("#share");
        awaitInbound(
                clerk, "the shared screen at the clerk", s -> stat(s, "screen", "framesDecoded") > 0, MEDIA_TIMEOUT_MS);
        assertThat(applicant.locator("#call-recording")).isHidden();
        assertThat(applicant.locator("#call-participants")).isHidden();
        assertThat(clerk.locator("#invite-form")).isHidden();
        assertThat(clerk.locator("#s-recording")).isHidden();

        clerk.click("#end-session");
        clerk.check("#outcome-dialog input[value='completed']");
        clerk.click("#outcome-submit");
        assertThat(applicant.locator("#step-end")).isVisible();
        assertThat(Files.exists(dataDir.resolve("recordings"))).isFalse();
    }
}
