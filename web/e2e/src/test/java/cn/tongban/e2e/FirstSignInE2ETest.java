package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.screenshot;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.store.Database;
import com.microsoft.playwright.Page;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A clerk's first sign-in with a one-time password ({@code tongban.jar account reset}) in a real browser: the
 * clerk page asks for a password of the clerk's own, shows the server's rule that a weak one broke, and opens
 * the console once it is set.
 */
class FirstSignInE2ETest {
    @RegisterExtension
    static final E2eServer E2E = E2eServer.create("first-sign-in-e2e", 15_000, b -> b);

    @Test
    void aOneTimePasswordLeadsToTheChangeOfPasswordAndThenToTheConsole() throws Exception {
        String oneTime;
        try (Database db = Database.open(Database.defaultUrl(E2E.dataDir()), null, null)) {
            oneTime = AccountStore.open(db.dataSource(), E2E.dataDir())
                    .issueOneTimePassword("wujin02", Duration.ofHours(24));
        }
        Page clerk = E2E.browser().newPage("clerk");
        clerk.navigate(E2E.browser().url("/clerk"));
        clerk.fill("#username", "wujin02");
        clerk.fill("#password", oneTime);
        clerk.click("#login-submit");
        assertThat(clerk.locator("#password-view")).isVisible();
        assertThat(clerk.locator("#login-view")).isHidden();
        assertThat(clerk.locator("#console-view")).isHidden();

        // Two different entries are caught in the page; a weak password by the server, with its rule.
        clerk.fill("#pw-new", "Window-pass-42");
        clerk.fill("#pw-again", "Window-pass-43");
        clerk.click("#password-submit");
        assertThat(clerk.locator("#password-error")).hasText("两次输入的新密码不一致。");
        clerk.fill("#pw-new", "wujin02-window");
        clerk.fill("#pw-again", "wujin02-window");
        clerk.click("#password-submit");
        assertThat(clerk.locator("#password-error")).hasText("新密码不能包含工号。");
        screenshot(clerk, "first-sign-in-clerk.png");
        assertThat(clerk.locator("#console-view")).isHidden();

        clerk.fill("#pw-new", "Window-pass-42");
        clerk.fill("#pw-again", "Window-pass-42");
        clerk.click("#password-submit");
        assertThat(clerk.locator("#console-view")).isVisible();
        assertThat(clerk.locator("#status-pill")).isVisible();
        assertThat(clerk.locator("#password-view")).isHidden();
        // This server runs the demo reference data: the page says so.
        assertThat(clerk.locator("#demo-notice")).isVisible();
        assertThat(clerk.locator("#demo-notice")).hasText("演示账号");

        // The one-time password is spent; the new one signs in.
        try (Database db = Database.open(Database.defaultUrl(E2E.dataDir()), null, null)) {
            AccountStore accounts = AccountStore.open(db.dataSource(), E2E.dataDir());
            org.assertj.core.api.Assertions.assertThat(accounts.check("wujin02", oneTime))
                    .isEqualTo(AccountStore.Check.WRONG);
            org.assertj.core.api.Assertions.assertThat(accounts.check("wujin02", "Window-pass-42"))
                    .isEqualTo(AccountStore.Check.OK);
        }
    }
}
