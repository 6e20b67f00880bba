package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.awaitInbound;
import static cn.tongban.e2e.BrowserFixture.stat;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.config.MediaMode;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pages in peer-to-peer mode ({@code --media-mode p2p}): browser to browser, the server relays SDP
 * and ICE. Nothing is recorded, so the applicant is not told so even for a matter whose policy records.
 */
class PeerToPeerE2ETest {

    @RegisterExtension
    static final E2eServer E2E = E2eServer.create("p2p-e2e", 20_000, b -> b.mediaMode(MediaMode.P2P));

    @Test
    void applicantAndClerkTalkBrowserToBrowserAndNothingIsRecorded() throws Exception {
        assertThat(E2E.server().media().bridge()).isNull();
        Page clerk = E2E.browser().clerk("p2p-clerk", "wujin02", true);

        Page applicant = E2E.browser().newPage("p2p-applicant");
        applicant.navigate(E2E.browser().url("/"));
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
        BrowserFixture.awaitTwoWayMedia(applicant, clerk, BrowserFixture.MEDIA_TIMEOUT_MS);
        applicant.click("#share");
        awaitInbound(
                clerk,
                "the shared screen at the clerk",
                s -> stat(s, "screen", "framesDecoded") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(applicant.locator("#call-recording")).isHidden();
        assertThat(applicant.locator("#call-participants")).isHidden();
        assertThat(clerk.locator("#invite-form")).isHidden();
        assertThat(clerk.locator("#s-recording")).isHidden();

        clerk.click("#end-session");
        clerk.check("#outcome-dialog input[value='completed']");
        clerk.click("#outcome-submit");
        assertThat(applicant.locator("#step-end")).isVisible();
        assertThat(Files.exists(E2E.dataDir().resolve("recordings"))).isFalse();
    }
}
