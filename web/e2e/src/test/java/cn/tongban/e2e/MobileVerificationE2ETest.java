package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.screenshot;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.testkit.SmsProvider;
import com.microsoft.playwright.Page;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The applicant's mobile verification in a real browser, on a server that verifies numbers and sends its SMS
 * through the generic HTTP gateway to a provider endpoint of the test: ask for a code, a wrong code refused,
 * the right one lets the applicant on to a ticket; a second applicant from the same address, past its free
 * code, gets theirs only after the page solved the proof-of-work challenge.
 */
class MobileVerificationE2ETest {
    private static final SmsProvider SMS = new SmsProvider();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final E2eServer E2E = E2eServer.create(
            "verify-e2e",
            15_000,
            b -> b.applicants(ServerOptions.Applicants.verified(SMS.url(), null)
                    .withAddressLimits(1, 60)
                    .withChallengeBits(12)));

    @AfterAll
    static void stopProvider() {
        SMS.close();
    }

    @Test
    void anApplicantVerifiesTheirNumberBySmsBeforeTakingATicket() throws Exception {
        Page applicant = E2E.browser().newPage("applicant");
        toContactStep(applicant, "张秀英", "13812345678");
        assertThat(applicant.locator("#verify-block")).isVisible();
        applicant.click("#contact-next");
        assertThat(applicant.locator("#sms-code-error")).hasText("请先点击“获取验证码”，再填写短信中的 6 位数字。");

        applicant.click("#send-code");
        String code = SMS.lastTo("13812345678", WAIT).code();
        assertThat(applicant.locator("#sms-code-status")).containsText("138****5678");
        assertThat(applicant.locator("#send-code")).isDisabled();
        assertThat(applicant.locator("#send-code")).containsText("秒后可重新获取");
        screenshot(applicant, "verify-contact-applicant.png");

        applicant.fill("#sms-code", code.equals("000000") ? "000001" : "000000");
        applicant.click("#contact-next");
        assertThat(applicant.locator("#sms-code-error")).hasText("验证码不正确，请核对短信后重新填写。");
        applicant.fill("#sms-code", code);
        applicant.click("#contact-next");
        assertThat(applicant.locator("#device-status")).hasClass(Pattern.compile("\\bok\\b"));
        applicant.click("#join");
        assertThat(applicant.locator("#step-ticket")).isVisible();
        assertThat(applicant.locator("#ticket-number")).not().hasText("—");

        Page second = E2E.browser().newPage("second");
        toContactStep(second, "李明", "13987654321");
        second.click("#send-code");
        // This address has used its one free code: the SMS comes only once the page solved a challenge.
        String secondCode = SMS.lastTo("13987654321", WAIT).code();
        assertThat(SMS.countTo("13987654321")).isEqualTo(1);
        second.fill("#sms-code", secondCode);
        second.click("#contact-next");
        assertThat(second.locator("#device-status")).hasClass(Pattern.compile("\\bok\\b"));
        // Back on the contact step the number shows as verified (the token is kept for the tab).
        second.click("#device-back");
        assertThat(second.locator("#verified-note")).isVisible();
        assertThat(second.locator("#verify-block")).isHidden();
        // Another number typed in needs its own code.
        second.fill("#mobile", "13911112222");
        assertThat(second.locator("#verify-block")).isVisible();
        second.fill("#mobile", "13987654321");
        second.click("#contact-next");
        second.click("#join");
        assertThat(second.locator("#step-ticket")).isVisible();
    }

    private static void toContactStep(Page page, String name, String mobile) {
        page.navigate(E2E.browser().url("/"));
        page.click("#matter-list [data-id='property-certificate']");
        page.click("#hall-list [data-id='cz-wujin-bdc']");
        page.click("#matter-next");
        page.fill("#name", name);
        page.fill("#mobile", mobile);
    }
}
