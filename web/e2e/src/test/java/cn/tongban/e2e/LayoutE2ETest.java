package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.awaitInbound;
import static cn.tongban.e2e.BrowserFixture.stat;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.e2e.Layout.Expect;
import cn.tongban.e2e.Layout.Size;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Layouts that fit (issue #13): in each state of a call — waiting, in the call, the applicant's screen shared,
 * co-browsing, the chat open — the clerk's workbench at 1366×768 and 1920×1080 and the applicant's page at
 * those sizes and on a phone (390×844) are measured in Chromium ({@link Layout}): the workbench never scrolls,
 * the call controls are in the window (the applicant's also with the page scrolled to its end), nothing sits
 * on top of anything else, the self view covers at most a small share of the other side's video. Each check
 * takes a picture ({@code target/screenshots/layout/}; web/README.md shows them from {@code
 * web/README-screens/}, refreshed with {@code -Dtongban.readmeScreens=true}).
 */
class LayoutE2ETest {

    @RegisterExtension
    static final E2eServer E2E = E2eServer.create("layout-e2e", 15_000, b -> b);

    /** The applicant's call controls and the clerk's video: always in the window. */
    private static final String[] APPLICANT_CONTROLS = {
        "#remote-video", "#toggle-mic", "#toggle-cam", "#share", "#doccam", "#chat-toggle", "#hangup"
    };
    /** The clerk's call: the applicant, the self view, the end button, the stage's and the panel's tabs. */
    private static final String[] CLERK_CONTROLS = {
        "#applicant-video", "#self-video", "#end-session", "#view-camera", "#tab-identity", "#tab-chat", "#tab-session"
    };

    @Test
    void theClerksWorkbenchAndTheApplicantsCallPageFitTheirWindowsInEveryStateOfACall() throws Exception {
        Page clerk = E2E.browser().clerk("clerk", "wujin01", true);
        Page applicant = E2E.browser().newPage("applicant");
        String number = E2E.browser().join(applicant, "property-certificate", "cz-wujin-bdc", "张秀英", "13812345678");
        assertThat(clerk.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(number)))
                .isVisible();

        // 1. Waiting: the ticket, and the queue with it.
        for (Size size : Layout.ALL) {
            Layout.check(applicant, "layout-1-waiting-applicant", size, Expect.page());
        }
        for (Size size : Layout.DESKTOPS) {
            Layout.check(clerk, "layout-1-waiting-clerk", size, Expect.page().controls("#take-next", "#status-toggle"));
        }

        // 2. In the call, after a line of chat each way: unread counts on the clerk's chat tab and the
        // applicant's chat button until they are opened.
        clerk.click("#take-next");
        BrowserFixture.awaitTwoWayMedia(applicant, clerk, BrowserFixture.MEDIA_TIMEOUT_MS);
        assertThat(clerk.locator("#tab-identity")).hasAttribute("aria-selected", "true");
        applicant.click("#chat-toggle");
        applicant.fill("#chat-input", "您好，我想办理产权证");
        applicant.press("#chat-input", "Enter");
        applicant.click("#chat-close");
        assertThat(clerk.locator("#chat-unread")).hasText("1");
        clerk.click("#tab-chat");
        assertThat(clerk.locator("#chat-unread")).isHidden();
        assertThat(clerk.locator("#chat-log")).containsText("您好，我想办理产权证");
        clerk.fill("#chat-input", "请先出示您的身份证");
        clerk.press("#chat-input", "Enter");
        assertThat(applicant.locator("#chat-unread")).hasText("1");
        clerk.click("#tab-identity");
        awaitVideos(applicant, clerk);
        checkCall(applicant, clerk, "layout-2-call", List.of());

        // 3. The applicant shares the screen: it takes the clerk's stage at once, with a notice.
        applicant.click("#share");
        assertThat(clerk.locator("#stage-alert")).hasText("申请人开始共享屏幕");
        assertThat(clerk.locator("#stage")).hasAttribute("data-view", "screen");
        awaitInbound(
                clerk,
                "screen frames at the clerk",
                s -> stat(s, "screen", "framesDecoded") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        awaitVideos(applicant, clerk);
        checkCall(applicant, clerk, "layout-3-screen", List.of("#screen-video", "#view-screen", "#screen-full"));

        // 4. Co-browsing: the clerk puts the form mirror on the stage and points; the applicant sees the pointer.
        clerk.click("#view-form");
        assertThat(clerk.locator("#stage-form #cobrowse")).isVisible();
        assertThat(clerk.locator("#tab-form")).isHidden(); // it is on the stage, not in the panel
        clerk.click("#mode-pointer");
        assertThat(applicant.locator("#decl-banner")).containsText("正在用指针为您指示");
        checkCall(applicant, clerk, "layout-4-cobrowse", List.of("#view-form", "#mode-view", "#mode-control"));
        // "放回侧栏": the form goes back to the panel's form tab, the applicant's camera back on the stage.
        clerk.click("#form-to-panel");
        assertThat(clerk.locator("#stage")).hasAttribute("data-view", "camera");
        assertThat(clerk.locator("#tab-form")).hasAttribute("aria-selected", "true");
        assertThat(clerk.locator("#pane-form #cobrowse")).isVisible();

        // 5. The applicant's chat drawer, on a phone and on a desktop, with the latest line in view.
        applicant.click("#chat-toggle");
        assertThat(applicant.locator("#chat-unread")).isHidden();
        assertThat(applicant.locator("#chat-log .line").last()).isInViewport();
        List<String> withChat = new ArrayList<>(List.of(APPLICANT_CONTROLS));
        withChat.addAll(List.of("#chat-input", "#chat-close"));
        Expect drawer = Expect.page()
                .controls(withChat.toArray(String[]::new))
                .alsoScrolledToEnd()
                .selfView("#self-video", "#remote-video")
                .within("#dock-live", "#chat-drawer");
        Layout.check(applicant, "layout-5-chat-applicant", Layout.PHONE, drawer);
        Layout.check(applicant, "layout-5-chat-applicant", Layout.SMALL_DESKTOP, drawer);
        assertThat(applicant.locator("#chat-log .line").last()).isInViewport(); // still, in the resized drawer

        // 6. The workbench in English (longer words) still fits; the share ends with a notice.
        clerk.click("#lang-switch");
        Layout.check(clerk, "layout-6-english-clerk", Layout.SMALL_DESKTOP, clerkExpect(List.of()));
        clerk.click("#lang-switch");
        applicant.click("#share");
        assertThat(clerk.locator("#stage-alert")).hasText("申请人已停止共享屏幕");
    }

    /**
     * The measure itself fails where it should (a check that cannot fail proves nothing): on a page made for
     * it, each defect alone — two buttons on top of each other, a control below the window, a control under
     * another element, a page taller than the window, a self view over 10 % of the remote video.
     */
    @Test
    void theMeasureFindsEachDefectItLooksFor() {
        Page page = E2E.browser().newPage("synthetic");
        String base = "<!doctype html><body style='margin:0'>";
        Size size = Layout.SMALL_DESKTOP;
        page.setContent(base + "<button style='position:absolute;left:10px;top:10px;width:100px'>a</button>"
                + "<button style='position:absolute;left:60px;top:20px;width:100px'>b</button>");
        assertThatThrownBy(() -> Layout.verify(page, "synthetic", size, Expect.page()))
                .hasMessageContaining("on top of each other");
        page.setContent(base + "<div style='height:900px'></div><button id=low>low</button>");
        assertThatThrownBy(() ->
                        Layout.verify(page, "synthetic", size, Expect.page().controls("#low")))
                .hasMessageContaining("outside the window");
        page.setContent(base + "<button id=under style='position:absolute;left:10px;top:10px'>under</button>"
                + "<div style='position:absolute;left:0;top:0;width:300px;height:100px;background:red'></div>");
        assertThatThrownBy(() ->
                        Layout.verify(page, "synthetic", size, Expect.page().controls("#under")))
                .hasMessageContaining("covered by div");
        page.setContent(base + "<div style='height:2000px'></div>");
        assertThatThrownBy(() ->
                        Layout.verify(page, "synthetic", size, Expect.page().noPageScroll()))
                .hasMessageContaining("the page scrolls");
        page.setContent(
                base + "<video id=remote style='position:absolute;left:0;top:0;width:400px;height:200px'></video>"
                        + "<video id=self style='position:absolute;left:300px;top:100px;width:200px;height:150px'></video>");
        assertThatThrownBy(() ->
                        Layout.verify(page, "synthetic", size, Expect.page().selfView("#self", "#remote")))
                .hasMessageContaining("self view covers");
        page.setContent(base + "<button>alone</button>");
        assertThatCode(() ->
                        Layout.verify(page, "synthetic", size, Expect.page().noPageScroll()))
                .doesNotThrowAnyException();
    }

    /** The applicant's page at every size, then the clerk's workbench at both desktop sizes. */
    private static void checkCall(Page applicant, Page clerk, String name, List<String> clerkControls)
            throws Exception {
        for (Size size : Layout.ALL) {
            Layout.check(
                    applicant,
                    name + "-applicant",
                    size,
                    Expect.page()
                            .controls(APPLICANT_CONTROLS)
                            .alsoScrolledToEnd()
                            .selfView("#self-video", "#remote-video"));
        }
        for (Size size : Layout.DESKTOPS) {
            Layout.check(clerk, name + "-clerk", size, clerkExpect(clerkControls));
        }
    }

    private static Expect clerkExpect(List<String> more) {
        List<String> controls = new ArrayList<>(List.of(CLERK_CONTROLS));
        controls.addAll(more);
        return Expect.page()
                .noPageScroll()
                .controls(controls.toArray(String[]::new))
                .selfView("#self-video", "#applicant-video");
    }

    /** Waits until every video the pages show has a picture (for the screenshots). */
    private static void awaitVideos(Page... pages) {
        for (Page page : pages) {
            page.waitForFunction(
                    "() => [...document.querySelectorAll('video')].filter(v => v.checkVisibility())"
                            + ".every(v => v.videoWidth > 0 && !v.paused)",
                    null,
                    new Page.WaitForFunctionOptions().setTimeout(BrowserFixture.MEDIA_TIMEOUT_MS));
        }
    }
}
