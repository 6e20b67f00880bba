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
import org.junit.jupiter.api.AfterEach;
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

    @AfterEach
    void passAgain() {
        relay.blackout(false);
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

    /** A call: the clerk direct, the applicant through the relay; returns {clerk, applicant} once media flows. */
    private static Page[] call(String name) throws InterruptedException {
        Page clerk = E2E.browser().newPage("clerk");
        onlyCandidatesOn(clerk, "127.0.0.1");
        clerk.navigate(E2E.browser().url("/clerk"));
        clerk.fill("#username", "wujin01");
        clerk.fill("#password", "tongban2026");
        clerk.click("#login-submit");
        BrowserFixture.goAvailable(clerk);
        int flows = relay.flows();
        Page applicant = E2E.browser().newPage("applicant");
        onlyCandidatesOn(applicant, RELAY_ADDRESS);
        E2E.browser().join(applicant, "property-certificate", "cz-wujin-bdc", name, "13812345678");
        clerk.click("#take-next");
        awaitTwoWayMedia(applicant, clerk, BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(relay.flows())
                .as("the applicant reaches the bridge through the relay")
                .isGreaterThan(flows);
        return new Page[] {clerk, applicant};
    }

    /** Frames the page's camera upload has sent (bridge mode's outbound statistics). */
    private static double cameraFramesSent(Page page) {
        Object sent = page.evaluate("async () => (await window.tongban.outbound()).camera?.framesSent ?? 0");
        return ((Number) sent).doubleValue();
    }

    @Test
    void aBlackedOutApplicantRecoversByItselfThroughMediaRestart() throws Exception {
        Page[] pages = call("郑重连");
        Page clerk = pages[0];
        Page applicant = pages[1];
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

    /**
     * While the link is down the applicant presses 重试 (a restart at once) and 仅语音: when the link is back the
     * call is voice only from the applicant — no camera frame leaves, the clerk's workbench says why in words —
     * and "打开摄像头" brings the picture back to the clerk.
     */
    @Test
    void retryAndVoiceOnlyWhileTheLinkIsDownThenTheCameraBack() throws Exception {
        Page[] pages = call("冯语音");
        Page clerk = pages[0];
        Page applicant = pages[1];

        relay.blackout(true);
        assertThat(applicant.locator("#call-overlay")).hasText("网络不稳定，正在重连");
        applicant.waitForFunction("() => window.tongban.state().mediaState.restarts >= 1");
        int restarts = ((Number) applicant.evaluate("() => window.tongban.state().mediaState.restarts")).intValue();
        applicant.click("#media-retry");
        applicant.waitForFunction("n => window.tongban.state().mediaState.restarts > n", restarts);
        applicant.click("#media-audio-only");
        assertThat(applicant.locator("#audio-only-note")).isVisible();
        assertThat(applicant.locator("#toggle-cam")).hasText("打开摄像头");
        assertThat(applicant.locator("#media-audio-only")).isHidden();

        relay.blackout(false);
        applicant.waitForFunction("() => window.tongban.state().mediaState.state === 'connected'");
        assertThat(clerk.locator("#peer-camera-note")).hasText("申请人的网络不好，已改为仅语音。");
        awaitInbound(
                clerk,
                "the applicant's sound at the clerk (voice only)",
                s -> stat(s, "audio", "packetsReceived") > 50,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        double sent = cameraFramesSent(applicant);
        awaitInbound(
                applicant,
                "the clerk's camera at the applicant (it still receives video)",
                s -> stat(s, "camera", "framesDecoded") > 30,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(cameraFramesSent(applicant))
                .as("no camera frame leaves in voice only")
                .isEqualTo(sent);
        screenshot(clerk, "recovery-3-voice-only-clerk.png");

        applicant.click("#toggle-cam");
        assertThat(applicant.locator("#audio-only-note")).isHidden();
        assertThat(clerk.locator("#peer-camera-note")).isHidden();
        awaitInbound(
                clerk,
                "the applicant's camera at the clerk again",
                s -> stat(s, "camera", "framesDecoded") > 10,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(cameraFramesSent(applicant)).isGreaterThan(sent);
    }
}
