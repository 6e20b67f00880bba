package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.awaitInbound;
import static cn.tongban.e2e.BrowserFixture.awaitTwoWayMedia;
import static cn.tongban.e2e.BrowserFixture.screenshot;
import static cn.tongban.e2e.BrowserFixture.stat;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.protocol.ScreenSource;
import com.microsoft.playwright.Page;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A call that goes on without a camera, and a screen share that does not outlive a reload (issue #13, item 2):
 * in bridge mode (the default), real Chromium, real media.
 */
class CallResilienceE2ETest {

    @RegisterExtension
    static final E2eServer E2E = E2eServer.create("resilience-e2e", 30_000, b -> b);

    /** The applicant's page from the start through matter, hall and contact details to the device check. */
    private static void toDeviceStep(Page applicant, String name) {
        applicant.navigate(E2E.browser().url("/"));
        applicant.click("#matter-list [data-id='property-certificate']");
        applicant.click("#hall-list [data-id='cz-wujin-bdc']");
        applicant.click("#matter-next");
        applicant.fill("#name", name);
        applicant.fill("#mobile", "13812345678");
        applicant.click("#contact-next");
    }

    /**
     * Camera permission refused: the page offers voice only (the applicant chooses it), the ticket is taken
     * with the microphone alone, the clerk takes it, sound flows both ways and the clerk's workbench says in
     * words that the applicant is on voice only. With the microphone refused too there is no ticket, and the
     * page says what to do in this browser (Chrome on a desktop: the icon at the far left of the address bar);
     * a phone, Safari on iOS, WeChat's browser and Firefox each get their own sentence.
     */
    @Test
    void withoutTheCameraTheApplicantQueuesByVoiceAndTheClerkIsTold() throws Exception {
        Page refused = E2E.browser().newPage("refused", List.of(), true);
        toDeviceStep(refused, "钱多多");
        assertThat(refused.locator("#device-status")).containsText("您没有允许使用麦克风");
        assertThat(refused.locator("#device-status")).containsText("请点击地址栏最左边的图标");
        assertThat(refused.locator("#device-status")).hasClass(Pattern.compile("\\berror\\b"));
        assertThat(refused.locator("#device-skip")).isHidden();
        assertThat(refused.locator("#device-retry")).isVisible();
        assertThat(refused.locator("#join")).isDisabled();
        // The help sentence fits the device and browser family.
        @SuppressWarnings("unchecked")
        Map<String, String> help = (Map<String, String>)
                refused.evaluate(
                        """
                async () => {
                  const { allowHelpKey } = await import('/assets/media-state.js');
                  return {
                    iphone: allowHelpKey('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 5),
                    ipad: allowHelpKey('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 5),
                    wechat: allowHelpKey('Mozilla/5.0 (Linux; Android 13; V2171A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36 XWEB/1160065 MicroMessenger/8.0.47.2560 WeChat/arm64', 5),
                    android: allowHelpKey('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36', 5),
                    edge: allowHelpKey('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0', 0),
                    firefox: allowHelpKey('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0', 0),
                    mac: allowHelpKey('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 0),
                  };
                }
                """);
        assertThat(help)
                .containsEntry("iphone", "device.allow.ios")
                .containsEntry("ipad", "device.allow.ios")
                .containsEntry("wechat", "device.allow.wechat")
                .containsEntry("android", "device.allow.android")
                .containsEntry("edge", "device.allow.edge")
                .containsEntry("firefox", "device.allow.firefox")
                .containsEntry("mac", "device.allow.safari");

        Page clerk = E2E.browser().clerk("clerk", "wujin01", true);
        Page applicant = E2E.browser().newPage("applicant", List.of("microphone"), true);
        toDeviceStep(applicant, "孙语音");
        assertThat(applicant.locator("#device-status")).containsText("您没有允许使用摄像头。麦克风正常");
        assertThat(applicant.locator("#device-status")).containsText("请点击地址栏最左边的图标");
        assertThat(applicant.locator("#join")).isDisabled();
        applicant.click("#device-skip");
        assertThat(applicant.locator("#device-status")).hasText("麦克风正常。您将只用语音办理：工作人员听得到您，但看不到您。");
        applicant.click("#join");
        assertThat(applicant.locator("#ticket-number")).not().hasText("—");

        clerk.click("#take-next");
        assertThat(applicant.locator("#step-call")).isVisible();
        awaitInbound(
                applicant,
                "the clerk's sound and camera at the voice-only applicant",
                s -> stat(s, "audio", "packetsReceived") > 0 && stat(s, "camera", "framesDecoded") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        awaitInbound(
                clerk,
                "the voice-only applicant's sound at the clerk",
                s -> stat(s, "audio", "packetsReceived") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(clerk.locator("#peer-camera-note")).hasText("申请人仅用语音：没有摄像头，或没有允许使用摄像头。");
        assertThat(clerk.locator("#call-overlay")).isHidden(); // the media state: 已接通
        assertThat(applicant.locator("#toggle-cam")).isDisabled();
        assertThat(applicant.locator("#call-overlay")).isHidden();
        Object state = applicant.evaluate("() => window.tongban.state().mediaState.state");
        assertThat(state).isEqualTo("connected");
        screenshot(clerk, "voice-only-clerk.png");
        screenshot(applicant, "voice-only-applicant.png");
    }

    /**
     * The applicant shares the screen and reloads: the share ended with the page, so the server's roster, the
     * clerk's workbench and the audit trail agree it is off (no black panel for anyone), and the applicant is
     * asked to share again — only the applicant starts it; sharing again is shown as before.
     */
    @Test
    void aReloadEndsTheScreenShareForEveryoneAndAsksToShareAgain() throws Exception {
        Page clerk = E2E.browser().clerk("clerk", "wujin01", true);
        Page applicant = E2E.browser().newPage("applicant");
        E2E.browser().join(applicant, "property-certificate", "cz-wujin-bdc", "周共享", "13812345678");
        clerk.click("#take-next");
        awaitTwoWayMedia(applicant, clerk, BrowserFixture.MEDIA_TIMEOUT_MS);
        String sessionId = (String) clerk.evaluate("() => window.tongban.state().sessionId");

        applicant.click("#share");
        assertThat(clerk.locator("#screen-stage")).isVisible();
        awaitInbound(
                clerk,
                "screen frames at the clerk",
                s -> stat(s, "screen", "framesDecoded") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(E2E.server().media().screenOf(sessionId)).isEqualTo(ScreenSource.SCREEN);

        applicant.evaluate("() => window.tongban.pc().tongbanOld = true");
        applicant.reload();
        assertThat(applicant.locator("#step-call")).isVisible();
        assertThat(applicant.locator("#notice")).hasText("页面刷新后，屏幕共享已停止，工作人员现在看不到您的屏幕。如需继续，请再点击“共享我的屏幕”。");
        applicant.waitForFunction("() => window.tongban.pc() && !window.tongban.pc().tongbanOld");
        awaitTwoWayMedia(applicant, clerk, BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(applicant.locator("#sharing-note")).isHidden();
        assertThat(clerk.locator("#screen-stage")).isHidden();
        assertThat(clerk.evaluate("() => window.tongban.state().secondVideo")).isNull();
        assertThat(E2E.server().media().screenOf(sessionId)).isNull();
        List<String> actions = E2E.server().records().journal().forSession(sessionId).stream()
                .map(AuditEvent::action)
                .filter(a -> a.startsWith("screen.") || a.equals("ticket.resumed"))
                .toList();
        assertThat(actions).containsExactly("screen.started", "ticket.resumed", "screen.stopped");

        applicant.click("#share");
        assertThat(clerk.locator("#screen-stage")).isVisible();
        awaitInbound(
                clerk,
                "screen frames at the clerk after sharing again",
                s -> stat(s, "screen", "framesDecoded") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(E2E.server().media().screenOf(sessionId)).isEqualTo(ScreenSource.SCREEN);
    }

    /**
     * The recovery's timing, driven through {@code MediaWatch} in the page with a clock of the test's own and
     * peer connections that only report states (the media of the other tests is real; here only the schedule is
     * under test): a first connection that does not come up in 15 s is restarted; tries follow after 10 s plus
     * 2, 4, 8 s; after the fourth, 10 s later, 已断开; 重试 starts over at once; a connection back is 已接通; a
     * disconnection shorter than 4 s restarts nothing; the third recovery within two minutes asks for audio only.
     */
    @Test
    void theRecoveryFollowsItsScheduleAndGivesUpInWords() {
        Page page = E2E.browser().newPage("schedule");
        page.navigate(E2E.browser().url("/"));
        @SuppressWarnings("unchecked")
        Map<String, Object> run = (Map<String, Object>)
                page.evaluate(
                        """
                async () => {
                  const { MediaWatch } = await import('/assets/media-state.js');
                  let time = 0;
                  const restarts = [];
                  let audioOnly = 0;
                  const fakePc = (state) =>
                    Object.assign(new EventTarget(), {
                      connectionState: state,
                      iceConnectionState: 'checking',
                      getStats: async () => new Map([['in', { type: 'inbound-rtp', packetsReceived: time }]]),
                    });
                  let call = { pc: fakePc('connecting') };
                  const watch = new MediaWatch({
                    call: () => call,
                    restart: () => {
                      restarts.push(time);
                      call = { pc: fakePc('connecting') };
                    },
                    now: () => time,
                    onRepeatedFailures: () => audioOnly++,
                    tickMs: 3600000, // no tick of its own: the steps below look
                  });
                  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
                  const at = async (ms, state) => {
                    time += ms;
                    if (state) call.pc.connectionState = state;
                    await watch.check();
                    await settle();
                    return watch.state;
                  };
                  const seen = {};
                  watch.start();
                  await settle();
                  seen.start = watch.state;
                  seen.at14s = await at(14000);
                  seen.at15s = await at(1000);
                  for (const step of [9000, 3000, 14000, 18000, 9000]) await at(step);
                  seen.beforeGivingUp = watch.state;
                  seen.restartsBeforeGivingUp = [...restarts];
                  seen.gaveUp = await at(1000);
                  seen.stillFailed = await at(60000);
                  watch.retry();
                  await settle();
                  seen.afterRetry = watch.state;
                  seen.restartsAfterRetry = restarts.length;
                  seen.back = await at(500, 'connected');
                  seen.shortDrop = await at(1000, 'disconnected');
                  seen.shortDropRestarts = restarts.length;
                  seen.shortDropBack = await at(3000, 'connected');
                  for (let i = 0; i < 2; i++) {
                    await at(1000, 'failed');
                    await at(500, 'connected');
                  }
                  seen.recovered = watch.recovered;
                  seen.audioOnly = audioOnly;
                  watch.stop();
                  seen.stopped = watch.state;
                  return seen;
                }
                """);
        assertThat(run)
                .containsEntry("start", "connecting")
                .containsEntry("at14s", "connecting")
                .containsEntry("at15s", "reconnecting")
                .containsEntry("beforeGivingUp", "reconnecting")
                .containsEntry("gaveUp", "failed")
                .containsEntry("stillFailed", "failed")
                .containsEntry("afterRetry", "reconnecting")
                .containsEntry("restartsAfterRetry", 5)
                .containsEntry("back", "connected")
                .containsEntry("shortDrop", "reconnecting")
                .containsEntry("shortDropRestarts", 5)
                .containsEntry("shortDropBack", "connected")
                .containsEntry("recovered", 3)
                .containsEntry("audioOnly", 1);
        assertThat(run.get("restartsBeforeGivingUp")).isEqualTo(List.of(15000, 27000, 41000, 59000));
        assertThat(run.get("stopped")).isNull();
    }
}
