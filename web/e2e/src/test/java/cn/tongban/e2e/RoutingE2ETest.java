package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.screenshot;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Routing in a real browser: the applicant chooses a language and claims priority, the clerk sees the
 * claim and checks it, and the supervisor's board follows the queue live.
 */
class RoutingE2ETest {
    @RegisterExtension
    static final E2eServer E2E = E2eServer.create("routing-e2e", 15_000, b -> b);

    private static Page login(String page, String username) {
        Page p = E2E.browser().newPage(page);
        p.navigate(E2E.browser().url(page.equals("supervisor") ? "/supervisor" : "/clerk"));
        p.fill("#username", username);
        p.fill("#password", "tongban2026");
        p.click("#login-submit");
        return p;
    }

    @Test
    void theSupervisorWatchesAPriorityApplicantBeServedInTheirLanguage() throws Exception {
        // A clerk account that is no supervisor is refused with its stable code.
        Page refused = login("supervisor", "wujin02");
        assertThat(refused.locator("#login-error")).hasText("此账号没有队列监控权限。");
        assertThat(refused.locator("#board-view")).isHidden();

        Page supervisor = login("supervisor", "supervisor01");
        assertThat(supervisor.locator("#board-view")).isVisible();
        Locator queue = supervisor.locator("#queue-rows tr[data-queue='cz-wujin-bdc|business-startup']");
        assertThat(queue).containsText("常州市武进区不动产登记交易中心");
        assertThat(queue.locator("td.waiting")).hasText("0");
        assertThat(queue).containsText("无人在岗");

        // The applicant asks for the Changzhou dialect and claims priority (aged 70+).
        Page applicant = E2E.browser().newPage("applicant");
        applicant.navigate(E2E.browser().url("/"));
        applicant.click("#matter-list [data-id='business-startup']");
        applicant.click("#hall-list [data-id='cz-wujin-bdc']");
        applicant.click("#matter-next");
        applicant.fill("#name", "王秀兰");
        applicant.fill("#mobile", "13912345678");
        applicant.selectOption("#language", "changzhou");
        applicant.check("#priority-list input[value='elderly']");
        applicant.check("#priority-list input[value='disabled']");
        // One claim at most: ticking another replaces the first.
        assertThat(applicant.locator("#priority-list input[value='elderly']"))
                .not()
                .isChecked();
        applicant.check("#priority-list input[value='elderly']");
        applicant.fill("#appointment", "12#");
        applicant.click("#contact-next");
        assertThat(applicant.locator("#appointment-error")).hasText("预约码是 8 位字母或数字。");
        applicant.fill("#appointment", "");
        screenshot(applicant, "routing-contact-applicant.png");
        applicant.click("#contact-next");
        assertThat(applicant.locator("#device-status")).hasClass(Pattern.compile("\\bok\\b"));
        applicant.click("#join");
        assertThat(applicant.locator("#step-ticket")).isVisible();
        assertThat(applicant.locator("#ticket-routing")).hasText("已申请优先：70 岁以上老人");

        // The board shows the waiting ticket and its priority claim, live.
        assertThat(queue.locator("td.waiting")).hasText("1");
        assertThat(queue).containsText("1 / 0");

        // wujin01 speaks the Changzhou dialect; the queue row shows the claim.
        Page clerk = login("clerk", "wujin01");
        assertThat(clerk.locator("#status-pill")).isVisible();
        if (!"available".equals(clerk.locator("#status-pill").getAttribute("data-status"))) {
            clerk.click("#status-toggle");
        }
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "available");
        assertThat(clerk.locator("#queue-rows tr .badge.priority")).hasText("优先");
        assertThat(supervisor.locator("#clerk-rows tr[data-clerk='wujin01'] td.status"))
                .hasText("可接待");
        screenshot(supervisor, "routing-board-supervisor.png");

        clerk.click("#take-next");
        assertThat(clerk.locator("#session-view")).isVisible();
        assertThat(clerk.locator("#s-language")).hasText("语言: 常州话");
        assertThat(clerk.locator("#s-priority-text")).hasText("优先申请: 70 岁以上老人");
        clerk.click("#priority-confirm");
        assertThat(clerk.locator("#s-priority-text")).containsText("已核实属实");
        assertThat(clerk.locator("#priority-confirm")).isHidden();
        screenshot(clerk, "routing-session-clerk.png");
        assertThat(supervisor.locator("#clerk-rows tr[data-clerk='wujin01'] td.status"))
                .hasText("办理中");
        assertThat(queue.locator("td.waiting")).hasText("0");
        // Back to the queue's head at the partner hall Qingpu (it owns business-startup too), from the session tab.
        clerk.click("#tab-session");
        clerk.selectOption("#transfer-hall", "sh-qingpu-xzfw");
        clerk.click("#transfer-go");
        assertThat(clerk.locator("#session-view")).isHidden();
        assertThat(clerk.locator("#status-pill")).hasAttribute("data-status", "wrap_up");
        assertThat(applicant.locator("#step-ticket")).isVisible();
        assertThat(applicant.locator("#notice")).containsText("上海市青浦区行政服务中心");
        assertThat(supervisor.locator("#queue-rows tr[data-queue='sh-qingpu-xzfw|business-startup'] td.waiting"))
                .hasText("1");

        // The board in English has no untranslated string.
        supervisor.click("#lang-switch");
        assertThat(supervisor.locator("#board-view h2").first()).hasText("Queues of every hall");
        screenshot(supervisor, "routing-board-supervisor-en.png");
    }
}
