package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.awaitInbound;
import static cn.tongban.e2e.BrowserFixture.screenshot;
import static cn.tongban.e2e.BrowserFixture.stat;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.MediaMode;
import cn.tongban.signaling.config.ServerOptions;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.SelectOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The document camera (高拍仪) in real Chromium with three fake cameras ({@link
 * BrowserFixture#withDocumentCamera}): the clerk cannot take a document still while it is off and may only
 * ask; the page offers the cameras other than the face camera; a camera whose frames cannot be sent
 * (Chromium's fake depth camera) is turned off with a message and the next one proposed; the applicant turns
 * the document camera on; the clerk's page shows it as the document camera and captures a still that
 * provably comes from it (the document camera's corner marks, not the face camera's; its colours match the
 * document camera's preview), which both sides see and the audit trail holds with its SHA-256; a screen share replaces it and
 * turning it off takes it away. Through the bridge (default) and peer to peer.
 */
class DocumentCameraE2ETest {
    private static final String DOC = "{\"source\":\"document-camera\"}";

    @TempDir
    Path dataDir;

    @BeforeAll
    static void timeouts() {
        PlaywrightAssertions.setDefaultAssertionTimeout(20_000);
    }

    @Test
    void throughTheBridge() throws Exception {
        run(MediaMode.BRIDGE, "bridge");
    }

    @Test
    void peerToPeer() throws Exception {
        run(MediaMode.P2P, "p2p");
    }

    private void run(MediaMode mode, String name) throws Exception {
        try (TongbanServer server = TongbanServer.start(ServerOptions.builder()
                        .demo(true)
                        .host("127.0.0.1")
                        .port(0)
                        .dataDir(dataDir)
                        .mediaMode(mode)
                        .clusterName(
                                "doccam-" + name + "-" + ProcessHandle.current().pid())
                        .build());
                BrowserFixture browser = BrowserFixture.withDocumentCamera("http://127.0.0.1:" + server.port())) {
            try {
                documentCameraStill(server, browser, name);
            } catch (Throwable t) {
                browser.screenshotOpenPages("failed-doccam-" + name);
                throw t;
            }
        }
    }

    private static void documentCameraStill(TongbanServer server, BrowserFixture browser, String name)
            throws Exception {
        Page clerk = browser.clerk(name + "-clerk", "wujin01", true);
        Page applicant = browser.newPage(name + "-applicant");
        browser.join(applicant, "property-certificate", "cz-wujin-bdc", "钱七", "13512345678");
        clerk.click("#take-next");
        assertThat(applicant.locator("#step-call")).isVisible();
        assertThat(clerk.locator("#checks")).isVisible();
        awaitInbound(
                clerk,
                "the applicant's camera at the clerk (" + name + ")",
                s -> stat(s, "camera", "framesDecoded") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        String sessionId = (String) applicant.evaluate("() => window.tongban.state().sessionId");

        // Off: the clerk cannot take a document still, is told why, and can only ask.
        Locator deedTax =
                clerk.locator("#materials-card .mat-row[data-requirement='deedTax'] button[data-action='doc']");
        assertThat(clerk.locator("#doccam-state")).hasAttribute("data-on", "false");
        assertThat(clerk.locator("#doccam-state")).containsText("申请人尚未打开高拍仪");
        assertThat(deedTax).isDisabled();
        assertThat(deedTax).hasAttribute("title", "申请人没有打开高拍仪，不能拍照。请先请申请人打开高拍仪。");
        assertThat(applicant.locator("#doccam-panel")).isHidden();
        clerk.click("#tab-materials");
        clerk.click("#doccam-state button[data-action='ask-doccam']");
        assertThat(clerk.locator("#doccam-state")).containsText("已请申请人打开高拍仪");
        // The request opens the applicant's panel; the camera stays off until the applicant turns it on.
        assertThat(applicant.locator("#doccam-request")).hasText("工作人员请您打开高拍仪，以便拍摄纸质材料。");
        assertThat(applicant.locator("#doccam-preview")).isHidden();
        assertThat(applicant.evaluate("() => window.tongban.state().documentCamera"))
                .isNull();

        // The page offers the cameras other than the face camera (fake_device_0), the first one proposed.
        String faceLabel = (String)
                applicant.evaluate("() => document.getElementById('self-video').srcObject.getVideoTracks()[0].label");
        assertThat(faceLabel).isEqualTo("fake_device_0");
        Locator options = applicant.locator("#doccam-device option");
        assertThat(options).hasText(new String[] {"fake_device_1", "fake_device_2"});
        assertThat(applicant.locator("#doccam-device option:checked")).hasText("fake_device_1");
        screenshot(applicant, "doccam-" + name + "-1-asked-applicant.png");
        if (name.equals("bridge")) {
            // fake_device_1 is a depth camera: its preview shows, but WebRTC cannot encode its frames. The
            // page notices that nothing leaves, turns it off and proposes the next camera.
            applicant.click("#doccam-start");
            assertThat(applicant.locator("#doccam-status"))
                    .containsText("这个摄像头的画面无法传给工作人员", new LocatorAssertions.ContainsTextOptions().setTimeout(40_000));
            assertThat(options).hasText(new String[] {"fake_device_1（画面无法传送）", "fake_device_2"});
            assertThat(applicant.locator("#doccam-device option:checked")).hasText("fake_device_2");
            assertThat(applicant.locator("#doccam")).hasText("使用高拍仪");
            assertThat(clerk.locator("#doccam-state")).hasAttribute("data-on", "false");
            screenshot(applicant, "doccam-" + name + "-1b-not-sending-applicant.png");
        } else {
            applicant.selectOption("#doccam-device", new SelectOption().setLabel("fake_device_2"));
        }
        applicant.click("#doccam-start");
        assertThat(applicant.locator("#doccam-status")).hasText("高拍仪已打开：工作人员现在看到的是下面这个画面。");
        assertThat(applicant.locator("#doccam")).hasText("关闭高拍仪");
        assertThat(applicant.locator("#doccam-request")).isHidden();
        assertThat(applicant.evaluate("() => window.tongban.state().documentCamera.label"))
                .isEqualTo("fake_device_2");

        // The clerk's page shows it as the document camera, and decodes it.
        assertThat(clerk.locator("#screen-stage")).isVisible();
        assertThat(clerk.locator("#screen-caption")).hasText("申请人的高拍仪画面");
        assertThat(clerk.locator("#doccam-state")).hasAttribute("data-on", "true");
        assertThat(clerk.evaluate("() => window.tongban.state().secondVideo")).isEqualTo("document-camera");
        awaitInbound(
                clerk,
                "the document camera at the clerk (" + name + ")",
                s -> stat(s, "screen", "framesDecoded") > 0,
                BrowserFixture.MEDIA_TIMEOUT_MS);
        clerk.waitForFunction("() => document.getElementById('screen-video').videoWidth > 0");
        assertThat(deedTax).isEnabled();

        // References, sampled in the applicant's page: the document camera's preview and the face camera.
        applicant.waitForFunction("() => document.getElementById('doccam-preview').videoWidth > 0");
        double[] docReference = Stills.measure(applicant, "#doccam-preview");
        double[] faceReference = Stills.measure(applicant, "#self-video");
        assertThat(Stills.looksLikeDocumentCamera(docReference))
                .as("document camera preview %s", Stills.format(docReference))
                .isTrue();
        assertThat(Stills.looksLikeFaceCamera(faceReference))
                .as("face camera %s", Stills.format(faceReference))
                .isTrue();
        screenshot(applicant, "doccam-" + name + "-2-on-applicant.png");

        // The clerk captures the deed tax receipt: checked, hashed, shown to both sides.
        deedTax.click();
        assertThat(clerk.locator("#materials-card .mat-row[data-requirement='deedTax'] .thumb img"))
                .isVisible();
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='deedTax'] .meta"))
                .containsText("工作人员拍摄");
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='deedTax'] .thumb img"))
                .isVisible();
        screenshot(clerk, "doccam-" + name + "-3-captured-clerk.png");

        // The still is a JPEG of the document camera: its corner marks and colours, not the face camera's.
        String url = clerk.locator("#materials-card .mat-row[data-requirement='deedTax'] a.thumb")
                .first()
                .getAttribute("href");
        byte[] still = clerk.request().get(browser.url(url)).body();
        assertThat(still).startsWith(0xFF, 0xD8, 0xFF);
        double[] measured = Stills.measure(still);
        System.out.printf(
                "doccam %s: still %s, document camera %s, face camera %s%n",
                name, Stills.format(measured), Stills.format(docReference), Stills.format(faceReference));
        assertThat(Stills.looksLikeDocumentCamera(measured))
                .as("still %s", Stills.format(measured))
                .isTrue();
        assertThat(Math.abs(measured[1] - docReference[1]))
                .as(
                        "green of the still %s and of the document camera %s",
                        Stills.format(measured), Stills.format(docReference))
                .isLessThan(15.0);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(still));
        List<AuditEvent> trail = server.records().journal().forSession(sessionId);
        assertThat(trail.stream().filter(e -> e.action().equals("material.uploaded")))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.actor()).isEqualTo("clerk:wujin01");
                    assertThat(e.details())
                            .contains(sha)
                            .contains("DOCUMENT_STILL")
                            .contains("deedTax");
                });
        assertThat(trail)
                .extracting(AuditEvent::action)
                .containsSubsequence("document_camera.requested", "screen.started", "material.uploaded");

        // A screen share takes the slot: the document camera goes off on both sides.
        applicant.click("#share");
        assertThat(clerk.locator("#screen-caption")).hasText("申请人共享的屏幕");
        assertThat(clerk.locator("#doccam-state")).hasAttribute("data-on", "false");
        assertThat(deedTax).isDisabled();
        assertThat(applicant.locator("#doccam-panel")).isHidden();
        assertThat(applicant.locator("#doccam")).hasText("使用高拍仪");
        assertThat(applicant.locator("#sharing-note")).isVisible();
        assertThat(applicant.evaluate("() => window.tongban.state().documentCamera"))
                .isNull();

        // On again (it replaces the share), then off: the clerk sees no second video and cannot capture.
        applicant.click("#doccam");
        assertThat(applicant.locator("#doccam-request")).isHidden();
        assertThat(applicant.locator("#doccam-device option:checked")).hasText("fake_device_2");
        applicant.click("#doccam-start");
        assertThat(applicant.locator("#sharing-note")).isHidden();
        assertThat(applicant.locator("#share")).hasText("共享我的屏幕");
        assertThat(clerk.locator("#screen-caption")).hasText("申请人的高拍仪画面");
        assertThat(clerk.locator("#doccam-state")).hasAttribute("data-on", "true");
        applicant.click("#doccam");
        assertThat(clerk.locator("#screen-stage")).isHidden();
        assertThat(clerk.locator("#doccam-state")).hasAttribute("data-on", "false");
        assertThat(deedTax).isDisabled();
        assertThat(applicant.locator("#doccam-panel")).isHidden();
        List<String> expected = new ArrayList<>();
        if (name.equals("bridge")) {
            expected.addAll(List.of("screen.started " + DOC, "screen.stopped " + DOC)); // the depth camera
        }
        expected.addAll(List.of(
                "screen.started " + DOC,
                "screen.started {\"source\":\"screen\"}",
                "screen.started " + DOC,
                "screen.stopped " + DOC));
        assertThat(server.records().journal().forSession(sessionId).stream()
                        .filter(e -> e.action().startsWith("screen."))
                        .map(e -> e.action() + " " + e.details())
                        .toList())
                .isEqualTo(expected);

        clerk.click("#end-session");
        clerk.check("#outcome-dialog input[value='completed']");
        clerk.click("#outcome-submit");
        assertThat(applicant.locator("#step-end")).isVisible();
    }
}
