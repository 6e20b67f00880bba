package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.awaitInbound;
import static cn.tongban.e2e.BrowserFixture.screenshot;
import static cn.tongban.e2e.BrowserFixture.stat;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.config.ServerOptions;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole system in a real browser: the server runs in-process, an applicant and a clerk use
 * the real pages in two Chromium contexts with fake camera, microphone and screen, and WebRTC
 * statistics prove that media flows.
 */
class VirtualWindowE2ETest {

    @RegisterExtension
    // A clerk's lost connection keeps the session 5 s here (60 s by default), so that both outcomes — the
    // clerk comes back, the clerk does not — are seen quickly.
    static final E2eServer E2E = E2eServer.create(
            "window-e2e",
            15_000,
            b -> b.cluster(ServerOptions.Cluster.DEFAULT.withClerkGrace(java.time.Duration.ofSeconds(5))));

    @Test
    void applicantAndClerkHoldAVideoConsultationWithScreenShareChatResumeAndHangUp() throws Exception {
        // The clerk logs in and goes available.
        Page clerk = E2E.browser().clerk("clerk", "wujin01", true);
        assertThat(clerk.locator("#clerk-name")).hasText("王丽");

        // The applicant picks matter and hall, gives name and mobile, passes the device check, joins.
        Page applicant = E2E.browser().newPage("applicant");
        applicant.navigate(E2E.browser().url("/"));
        applicant.click("#matter-list [data-id='property-certificate']");
        applicant.click("#hall-list [data-id='cz-wujin-bdc']");
        assertThat(applicant.locator("#materials")).containsText("身份证");
        // Not the application form: the session generates it.
        assertThat(applicant.locator("#materials")).not().containsText("申请书");
        applicant.click("#matter-next");
        applicant.fill("#name", "张秀英");
        applicant.fill("#mobile", "13812345678");
        applicant.click("#contact-next");
        assertThat(applicant.locator("#device-status")).hasClass(Pattern.compile("\\bok\\b"));
        applicant.click("#join");
        assertThat(applicant.locator("#step-ticket")).isVisible();
        assertThat(applicant.locator("#ticket-number")).not().hasText("—");
        assertThat(applicant.locator("#ticket-eta")).containsText("分钟");
        String number = applicant.locator("#ticket-number").innerText().strip();

        // The clerk sees the ticket (masked name) and takes it.
        Locator row = clerk.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(number));
        assertThat(row).containsText("张*");
        assertThat(row).not().containsText("张秀英");
        assertThat(row).containsText("不动产登记");
        clerk.click("#take-next");

        assertThat(clerk.locator("#session-view")).isVisible();
        assertThat(clerk.locator("#s-name")).hasText("张秀英");
        assertThat(clerk.locator("#s-mobile")).containsText("****");
        assertThat(applicant.locator("#step-call")).isVisible();
        assertThat(applicant.locator("#peer-name")).hasText("王丽");
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "busy");

        // Media flows both ways: video frames decoded and audio packets received on each side.
        awaitTwoWayMedia(applicant, clerk);
        assertThat(applicant.locator("#call-overlay")).isHidden();
        assertThat(clerk.locator("#call-overlay")).isHidden();

        // The applicant shares the (fake) screen; the clerk decodes it on the screen transceiver and shows it large.
        applicant.click("#share");
        assertThat(applicant.locator("#sharing-note")).isVisible();
        assertThat(clerk.locator("#screen-stage")).isVisible();
        awaitInbound(
                clerk,
                "screen frames at the clerk",
                s -> stat(s, "screen", "framesDecoded") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(clerk.locator("#session-media")).hasClass(Pattern.compile("\\bscreen-on\\b"));

        // Chat both ways appears on both pages (the applicant's chat drawer, the clerk's chat tab).
        applicant.click("#chat-toggle");
        applicant.fill("#chat-input", "您好，我想办理产权证");
        applicant.press("#chat-input", "Enter");
        clerk.click("#tab-chat");
        clerk.fill("#chat-input", "请出示您的身份证");
        clerk.press("#chat-input", "Enter");
        for (Page page : new Page[] {applicant, clerk}) {
            assertThat(page.locator("#chat-log")).containsText("您好，我想办理产权证");
            assertThat(page.locator("#chat-log")).containsText("请出示您的身份证");
        }
        assertThat(applicant.locator("#chat-log .line.mine")).hasText(Pattern.compile("您好，我想办理产权证"));
        assertThat(clerk.locator("#chat-log .line.mine")).hasText(Pattern.compile("请出示您的身份证"));

        // Let a few frames of the shared screen render before taking the pictures.
        Thread.sleep(1500);
        screenshot(applicant, "call-applicant.png");
        screenshot(clerk, "call-clerk.png");

        // The applicant reloads mid-call: the ticket and the session resume on fresh peer connections.
        applicant.evaluate("() => window.tongban.pc().tongbanOld = true");
        clerk.evaluate("() => window.tongban.pc().tongbanOld = true");
        applicant.reload();
        assertThat(applicant.locator("#step-call")).isVisible();
        assertThat(applicant.locator("#call-number")).hasText(number);
        applicant.waitForFunction("() => window.tongban.pc() && !window.tongban.pc().tongbanOld");
        clerk.waitForFunction("() => window.tongban.pc() && !window.tongban.pc().tongbanOld");
        awaitTwoWayMedia(applicant, clerk);
        assertThat(clerk.locator("#screen-stage")).isHidden();
        // The conversation is still there after the reload.
        assertThat(applicant.locator("#chat-log .line")).hasCount(2);
        assertThat(applicant.locator("#chat-log .line.mine")).hasText(Pattern.compile("您好，我想办理产权证"));
        assertThat(applicant.locator("#chat-log")).containsText("请出示您的身份证");

        // The applicant's network drops: the page shows it, reconnects by itself and the call resumes.
        applicant.evaluate("() => window.tongban.pc().tongbanOld = true");
        applicant.evaluate("() => window.tongban.dropConnection()");
        applicant.waitForFunction("() => window.tongban.state().wsHistory.slice(-2).join() === 'reconnecting,open'");
        assertThat(applicant.locator("#conn-banner")).isHidden();
        applicant.waitForFunction("() => window.tongban.pc() && !window.tongban.pc().tongbanOld");
        awaitTwoWayMedia(applicant, clerk);
        // The lines sent again after the resume are not shown twice.
        assertThat(applicant.locator("#chat-log .line")).hasCount(2);
        assertThat(clerk.locator("#chat-log .line")).hasCount(2);

        // The clerk hangs up with an outcome: into the timed wrap-up; the applicant sees the end state.
        clerk.click("#end-session");
        assertThat(clerk.locator("#outcome-dialog")).isVisible();
        clerk.click("#outcome-submit");
        assertThat(clerk.locator("#outcome-error")).isVisible(); // an outcome is required
        clerk.check("#outcome-dialog input[value='completed']");
        clerk.click("#outcome-submit");
        assertThat(clerk.locator("#outcome-dialog")).isHidden();
        assertThat(clerk.locator("#session-view")).isHidden();
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "wrap_up");
        assertThat(clerk.locator("#status-pill")).containsText("秒后自动可接待");
        // The clerk ends the wrap-up early.
        assertThat(clerk.locator("#status-toggle")).hasText("整理完毕，开始接待");
        clerk.click("#status-toggle");
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "available");
        assertThat(applicant.locator("#step-end")).isVisible();
        assertThat(applicant.locator("#end-text")).hasText("工作人员已结束本次办理。");
        assertThat(applicant.locator("#end-outcome")).hasText("办理结果：已办结");
        assertThat(applicant.locator("#again")).isVisible();
        assertThat(applicant.evaluate("() => sessionStorage.getItem('tongban.resumeToken')"))
                .isNull();
        screenshot(applicant, "end-applicant.png");

        // The console in English has no untranslated string either.
        clerk.click("#lang-switch");
        assertThat(clerk.locator("#take-next")).hasText("Take next");
        assertThat(rawI18nKeys(clerk)).isEmpty();
    }

    @Test
    void applicantFormValidatesAndSpeaksEnglishAndLeavingCancelsTheTicket() throws Exception {
        Page applicant = E2E.browser().newPage("applicant2");
        applicant.navigate(E2E.browser().url("/"));
        screenshot(applicant, "step1-applicant.png");
        applicant.click("#matter-list [data-id='property-certificate']");
        // Only the matter's owning halls are offered.
        assertThat(applicant.locator("#hall-list [data-id]")).hasCount(2);
        applicant.click("#hall-list [data-id='cz-wujin-bdc']");
        applicant.click("#matter-next");

        applicant.fill("#name", "李四");
        applicant.fill("#mobile", "12345");
        applicant.click("#contact-next");
        assertThat(applicant.locator("#mobile-error")).isVisible();
        assertThat(applicant.locator("#step-contact")).isVisible();

        applicant.click("#lang-switch");
        assertThat(applicant.locator("#contact-next")).hasText("Next");
        assertThat(applicant.locator("#mobile-error")).containsText("11-digit");
        assertThat(rawI18nKeys(applicant)).isEmpty();
        applicant.click("#lang-switch");
        assertThat(applicant.locator("#contact-next")).hasText("下一步");

        applicant.fill("#mobile", "13912345678");
        applicant.click("#contact-next");
        assertThat(applicant.locator("#join")).isEnabled();
        screenshot(applicant, "device-applicant.png");
        applicant.click("#join");
        assertThat(applicant.locator("#ticket-number")).not().hasText("—");
        screenshot(applicant, "ticket-applicant.png");

        applicant.click("#leave");
        applicant.click("#confirm-yes");
        assertThat(applicant.locator("#step-end")).isVisible();
        assertThat(applicant.locator("#end-text")).hasText("您已离开队列，号码已作废。");
        Object token = applicant.evaluate("() => sessionStorage.getItem('tongban.resumeToken')");
        assertThat(token).isNull();

        // "Take a new ticket" starts over with the matter, on the same connection.
        applicant.click("#again");
        assertThat(applicant.locator("#step-matter")).isVisible();
        applicant.click("#matter-next"); // the previous choice is kept
        assertThat(applicant.locator("#name")).hasValue("李四");
    }

    @Test
    void waitingTicketSurvivesReloadAndApplicantHangUpAsksTheClerkForTheOutcome() throws Exception {
        Page clerk = loginAvailable("wujin01");
        // The clerk's login survives a reload of the console (token in sessionStorage).
        clerk.reload();
        assertThat(clerk.locator("#clerk-name")).hasText("王丽");
        assertThat(clerk.locator("#login-view")).isHidden();
        BrowserFixture.goAvailable(clerk);

        // A waiting applicant reloads: same ticket. Then the tab closes: the clerk sees it disconnected.
        Page first = E2E.browser().newPage("applicant3");
        String firstNumber = join(first, "property-certificate", "cz-wujin-bdc", "王五", "13712345678");
        first.reload();
        assertThat(first.locator("#step-ticket")).isVisible();
        assertThat(first.locator("#ticket-number")).hasText(firstNumber);
        first.close();
        Locator firstRow = clerk.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(firstNumber));
        assertThat(firstRow.locator(".badge.disconnected")).isVisible();
        assertThat(firstRow.locator("button")).isDisabled();

        // Another applicant joins; "take next" skips the disconnected ticket.
        Page second = E2E.browser().newPage("applicant4");
        String secondNumber = join(second, "property-certificate", "cz-wujin-bdc", "赵六", "13612345678");
        assertThat(clerk.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(secondNumber)))
                .isVisible();
        clerk.click("#take-next");
        assertThat(clerk.locator("#s-number")).hasText(secondNumber);
        assertThat(second.locator("#step-call")).isVisible();

        // The applicant hangs up (with confirmation); the clerk must record an outcome.
        second.click("#hangup");
        assertThat(second.locator("#confirm-dialog")).isVisible();
        second.click("#confirm-no");
        assertThat(second.locator("#step-call")).isVisible();
        second.click("#hangup");
        second.click("#confirm-yes");
        assertThat(second.locator("#step-end")).isVisible();
        assertThat(second.locator("#end-text")).hasText("您已结束本次视频办理。");

        assertThat(clerk.locator("#outcome-dialog")).isVisible();
        assertThat(clerk.locator("#outcome-cancel")).isHidden();
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "wrap_up");
        clerk.check("#outcome-dialog input[value='follow_up']");
        clerk.fill("#outcome-note", "缺少购房合同");
        clerk.click("#outcome-submit");
        assertThat(clerk.locator("#outcome-dialog")).isHidden();
        assertThat(clerk.locator("#notice")).isHidden(); // the server accepted the outcome
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "wrap_up");
        clerk.click("#status-toggle");
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "available");
        screenshot(clerk, "queue-clerk.png");
        // The applicant, still on the thank-you page, learns the outcome the clerk recorded.
        assertThat(second.locator("#end-outcome")).hasText("办理结果：需后续跟进");
    }

    @Test
    void aClerkWhoseNetworkDropsIsBackInTheSameCall() throws Exception {
        // Another hall and matter than the other tests: this queue is this test's alone.
        Page clerk = loginAvailable("gulou01");
        Page applicant = E2E.browser().newPage("applicant5");
        String number = join(applicant, "social-insurance-transfer", "nj-gulou-zwfw", "孙七", "13512345678");
        assertThat(clerk.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(number)))
                .isVisible();
        clerk.click("#take-next");
        assertThat(applicant.locator("#step-call")).isVisible();
        awaitTwoWayMedia(applicant, clerk);
        String sessionId =
                applicant.evaluate("() => window.tongban.state().sessionId").toString();
        applicant.evaluate("() => { window.callBefore = window.tongban.call(); }");

        // The clerk's network drops; the console reconnects by itself and takes its session over: the same
        // call goes on (new peer connections), nobody is sent back to the queue.
        clerk.evaluate("() => window.tongban.dropConnection()");
        applicant.waitForFunction(
                "() => window.tongban.call() !== null && window.tongban.call() !== window.callBefore");
        assertThat(applicant.locator("#step-call")).isVisible();
        assertThat(applicant.evaluate("() => window.tongban.state().sessionId")).isEqualTo(sessionId);
        assertThat(clerk.locator("#s-number")).hasText(number);
        awaitTwoWayMedia(applicant, clerk);
        clerk.click("#tab-chat");
        clerk.fill("#chat-input", "刚才网络断了一下，我们继续");
        clerk.press("#chat-input", "Enter");
        assertThat(applicant.locator("#chat-log")).containsText("刚才网络断了一下，我们继续");
        clerk.click("#end-session");
        clerk.check("#outcome-dialog input[value='completed']");
        clerk.click("#outcome-submit");
        assertThat(applicant.locator("#step-end")).isVisible();
    }

    @Test
    void aClerkWhoDoesNotComeBackSendsTheApplicantBackToTheHeadOfTheQueue() throws Exception {
        // A hall and matter of its own again: Wuhu's housing-fund transfer.
        Page clerk = loginAvailable("wuhu01");
        Page applicant = E2E.browser().newPage("applicant6");
        String number = join(applicant, "housing-fund-transfer", "ah-wuhu-zwfw", "孙八", "13512345679");
        assertThat(clerk.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(number)))
                .isVisible();
        clerk.click("#take-next");
        assertThat(applicant.locator("#step-call")).isVisible();

        // The clerk's console is gone (the page closed): the applicant is told at once that the clerk is
        // away, then — the clerk not back within the grace — waits again, first in line, with an honest wait.
        clerk.close();
        assertThat(applicant.locator("#call-overlay")).hasText("对方网络不稳定，正在等待重新连接…");
        assertThat(applicant.locator("#step-ticket")).isVisible();
        assertThat(applicant.locator("#notice")).hasText("工作人员的网络中断了。您已被排回队列最前面，请稍候。");
        assertThat(applicant.locator("#ticket-number")).hasText(number);
        assertThat(applicant.locator("#ticket-position")).hasText("下一位就是您");

        // The clerk signs in again: the ticket is marked as returned and can be taken again.
        Page again = loginAvailable("wuhu01");
        Locator row = again.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(number));
        assertThat(row.locator(".badge.returned")).isVisible();
        row.locator("button").click();
        assertThat(applicant.locator("#step-call")).isVisible();
        assertThat(again.locator("#s-number")).hasText(number);
        awaitTwoWayMedia(applicant, again);
    }

    /** Visible texts that look like untranslated keys ("ticket.eta"): a string missing from i18n.js. */
    private static List<?> rawI18nKeys(Page page) {
        Object found = page.evaluate("() => [...document.querySelectorAll('body *')]"
                + ".filter(el => el.offsetParent !== null && el.children.length === 0)"
                + ".map(el => el.textContent.trim() || el.placeholder || '')"
                + ".filter(text => /^[a-z]+(\\.[a-zA-Z_]+)+$/.test(text))");
        return (List<?>) found;
    }

    private static Page loginAvailable(String username) {
        return E2E.browser().clerk(username, username, true);
    }

    private static String join(Page applicant, String matterId, String hallId, String name, String mobile) {
        return E2E.browser().join(applicant, matterId, hallId, name, mobile);
    }

    private static void awaitTwoWayMedia(Page applicant, Page clerk) throws InterruptedException {
        BrowserFixture.awaitTwoWayMedia(applicant, clerk, BrowserFixture.MEDIA_TIMEOUT_MS);
    }
}
