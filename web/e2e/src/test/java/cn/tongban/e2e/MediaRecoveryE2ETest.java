package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.awaitInbound;
import static cn.tongban.e2e.BrowserFixture.awaitTwoWayMedia;
import static cn.tongban.e2e.BrowserFixture.screenshot;
import static cn.tongban.e2e.BrowserFixture.stat;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.config.MediaMode;
import cn.tongban.signaling.config.MediaOptions;
import cn.tongban.testkit.Ports;
import cn.tongban.testkit.UdpImpairment;
import com.microsoft.playwright.Page;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pages recover media by themselves (issue #12 item 3, #13 item 2). The bridge binds 127.0.0.1 and also
 * offers 127.0.0.2, where a {@link UdpImpairment} relay listens on the bridge's port and forwards to it. The
 * applicant's page reaches the bridge only through the relay (an init script keeps only the 127.0.0.2
 * candidate of each offer, as a network where only that address is routed would), the clerk's only directly.
 * The relay then drops everything: the applicant's page says "网络不稳定，正在重连", sends {@code media_restart}
 * and, when the relay passes again, is back on a new endpoint without a reload, with frames decoded both ways.
 */
@Tag("impaired-network")
class MediaRecoveryE2ETest {
    private static final String RELAY_ADDRESS = "127.0.0.2";
    private static final int PORT = Ports.reserve();
    private static UdpImpairment relay;

    @RegisterExtension
    static final E2eServer E2E = E2eServer.create(
            "recovery-e2e",
            30_000,
            b -> b.media(new MediaOptions(
                    MediaMode.BRIDGE, PORT, List.of("127.0.0.1"), List.of(RELAY_ADDRESS), null, "ffmpeg")));

    @BeforeAll
    static void startRelay() throws Exception {
        relay = new UdpImpairment(
                new InetSocketAddress(InetAddress.getByName(RELAY_ADDRESS), PORT),
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), PORT));
    }

    @AfterAll
    static void stopRelay() {
        if (relay != null) {
            relay.close();
        }
    }

    /** Makes the page apply only the bridge's candidates on {@code address}. */
    private static void onlyCandidatesOn(Page page, String address) {
        page.addInitScript(
                """
                (() => {
                  const apply = RTCPeerConnection.prototype.setRemoteDescription;
                  RTCPeerConnection.prototype.setRemoteDescription = function (description, ...rest) {
                    if (description && description.sdp) {
                      const sdp = description.sdp
                        .split('\\r\\n')
                        .filter((line) => !line.startsWith('a=candidate:') || line.includes(' %s '))
                        .join('\\r\\n');
                      description = { type: description.type, sdp };
                    }
                    return apply.call(this, description, ...rest);
                  };
                })();
                """
                        .formatted(address));
    }

    @Test
    void aBlackedOutApplicantRecoversByItselfThroughMediaRestart() throws Exception {
        Page clerk = E2E.browser().newPage("clerk");
        onlyCandidatesOn(clerk, "127.0.0.1");
        clerk.navigate(E2E.browser().url("/clerk"));
        clerk.fill("#username", "wujin01");
        clerk.fill("#password", "tongban2026");
        clerk.click("#login-submit");
        BrowserFixture.goAvailable(clerk);
        Page applicant = E2E.browser().newPage("applicant");
        onlyCandidatesOn(applicant, RELAY_ADDRESS);
        E2E.browser().join(applicant, "property-certificate", "cz-wujin-bdc", "郑重连", "13812345678");
        clerk.click("#take-next");
        awaitTwoWayMedia(applicant, clerk, BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(relay.flows())
                .as("the applicant reaches the bridge through the relay")
                .isPositive();
        long before = ((Number) applicant.evaluate("() => window.tongban.state().offerVersion")).longValue();
        assertThat(applicant.locator("#call-overlay")).isHidden();

        // Nothing passes: ICE goes disconnected, the page says so and, after a few seconds, restarts.
        relay.blackout(true);
        assertThat(applicant.locator("#call-overlay")).hasText("网络不稳定，正在重连");
        assertThat(applicant.locator("#media-retry")).isVisible();
        screenshot(applicant, "recovery-1-reconnecting-applicant.png");
        applicant.waitForFunction("() => window.tongban.state().mediaState.restarts >= 1");
        // The clerk's own link is fine, but nothing comes from the applicant: it says the network is unstable.
        assertThat(clerk.locator("#call-overlay")).hasText("网络不稳定");
        screenshot(clerk, "recovery-1-unstable-clerk.png");

        relay.blackout(false);
        applicant.waitForFunction("() => window.tongban.state().mediaState.state === 'connected'");
        assertThat(applicant.locator("#call-overlay")).isHidden();
        long after = ((Number) applicant.evaluate("() => window.tongban.state().offerVersion")).longValue();
        assertThat(after / 1_000_000)
                .as("a new endpoint (epoch) after media_restart")
                .isGreaterThan(before / 1_000_000);
        awaitInbound(
                applicant,
                "the clerk's camera and sound at the applicant again",
                s -> stat(s, "camera", "framesDecoded") > 10 && stat(s, "audio", "packetsReceived") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        Map<String, Object> atClerk = awaitInbound(
                clerk,
                "the applicant's camera at the clerk again",
                s -> stat(s, "camera", "framesDecoded") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        double frames = stat(atClerk, "camera", "framesDecoded");
        awaitInbound(
                clerk,
                "the applicant's camera frames at the clerk growing",
                s -> stat(s, "camera", "framesDecoded") > frames + 10,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(clerk.locator("#call-overlay")).isHidden();
        @SuppressWarnings("unchecked")
        List<String> history = (List<String>) applicant.evaluate("() => window.tongban.state().mediaState.history");
        assertThat(history).containsSubsequence("connected", "reconnecting", "connected");
        assertThat(applicant.evaluate("() => window.tongban.state().wsHistory.includes('reconnecting')"))
                .as("no reload and no signaling reconnect: the media alone was restarted")
                .isEqualTo(false);
        screenshot(applicant, "recovery-2-connected-applicant.png");
    }
}
