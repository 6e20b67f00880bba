package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.screenshot;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.SignatureReport;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.form.IdNumbers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Mouse;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.BoundingBox;
import com.microsoft.playwright.options.FilePayload;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.text.PDFTextStripper;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.util.Selector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tail of the guided declaration in real browsers: the applicant, at a partner hall's terminal
 * ({@code /?at=nj-gulou-zwfw}), is served by a clerk of the owning hall (Wujin); identity verified and
 * materials received, the clerk prepares the application, both read it, the applicant confirms intent with
 * the code only their page shows, draws a signature and signs with a key made in the browser (the connection
 * drops right after the signature value is sent: the page resumes and sends it again, and it counts once); the clerk
 * signs and the seal is applied; the package goes to the owning hall's node and the receipt appears on both
 * pages. The final PDF is checked by docsign's verifier and by poppler's pdfsig, and its applicant signature
 * by the browser's own public key.
 */
class SigningE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "32041219880714124" + IdNumbers.checkChar("32041219880714124");

    @RegisterExtension
    static final E2eServer E2E = E2eServer.create("sign-e2e", 20_000, b -> b);

    @Test
    void identityMaterialsIntentBrowserKeySignatureSealHandoffAndReceipt() throws Exception {
        Page clerk = loginAvailable("wujin01");
        List<String> sent = new CopyOnWriteArrayList<>();
        Page applicant = joinAtPartnerHallAndGetTaken(clerk, "张秀英", "13812345678", sent);
        fillAndSubmitDeclaration(applicant);

        // The clerk's signing panel (the workbench's 申请书 tab): nothing before the identity check.
        clerk.click("#tab-signing");
        assertThat(clerk.locator("#signing")).isVisible();
        clerk.click("#signing button[data-action='prepare']");
        assertThat(clerk.locator("#sign-notice")).hasText("身份核实通过后才能生成和签署申请书。");

        // Materials (the generated application takes no upload) and the identity check.
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='application'] .badge"))
                .hasText("签署后自动生成");
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='application'] input[type=file]"))
                .hasCount(0);
        assertThat(clerk.locator("#materials-card .mat-row[data-requirement='application'] button[data-action='doc']"))
                .hasCount(0);
        materialsAndIdentity(clerk, applicant);

        // Prepared: both read the same pages.
        clerk.click("#signing button[data-action='prepare']");
        assertThat(clerk.locator("#sign-status")).hasAttribute("data-status", "prepared");
        assertThat(applicant.locator("#signing")).isVisible();
        assertThat(applicant.locator("#sign-status")).hasAttribute("data-status", "prepared");
        awaitImages(applicant);
        awaitImages(clerk);
        assertThat(applicant.locator("#sign-preview img")).hasCount(2);
        applicant.locator("#signing").scrollIntoViewIfNeeded();
        screenshot(applicant, "sign-1-preview-applicant.png");
        screenshot(clerk, "sign-1-preview-clerk.png");

        // The clerk has no intent or signing controls, and a forged message is refused by the E2E.server().
        assertThat(
                        clerk.locator(
                                "#signing [data-action='intent'], #signing [data-action='confirm'], #signing [data-action='sign'], #sign-pad"))
                .hasCount(0);
        clerk.evaluate("() => window.tongbanSigning.send({type: 'intent_request', id: 'forged-1'})");
        clerk.evaluate("() => window.tongbanSigning.send({type: 'intent_confirm', code: '123456', id: 'forged-2'})");
        clerk.waitForFunction(
                "() => window.tongbanSigning.errors().filter(e => e.code === 'NO_CONTROL_ZONE').length >= 2");
        assertThat(errors(clerk)).contains("intent_request:NO_CONTROL_ZONE", "intent_confirm:NO_CONTROL_ZONE");

        // Intent: the code appears on the applicant's page only; a wrong one is refused.
        applicant.click("#signing button[data-action='intent']");
        assertThat(applicant.locator("#intent-code")).hasText(Pattern.compile("\\d{6}"));
        String code = applicant.locator("#intent-code").textContent();
        assertThat(clerk.locator("body")).not().containsText(code);
        assertThat(clerk.locator("#clerk-waiting")).containsText("确认码只显示在申请人屏幕上");
        screenshot(applicant, "sign-2-intent-code-applicant.png");
        applicant.fill("#intent-input", code.equals("000000") ? "000001" : "000000");
        applicant.click("#signing button[data-action='confirm']");
        assertThat(applicant.locator("#sign-notice")).hasText("确认码不正确或已过期，请重新输入或重新获取。");
        applicant.fill("#intent-input", code);
        applicant.click("#signing button[data-action='confirm']");
        assertThat(applicant.locator("#sign-status")).hasAttribute("data-status", "intent_confirmed");
        assertThat(applicant.locator("#intent-done")).containsText("您已于");
        assertThat(clerk.locator("#clerk-waiting")).containsText("申请人已于");
        screenshot(clerk, "sign-3-intent-confirmed-clerk.png");

        // A reload loses nothing: the application and the confirmed intent come back from the E2E.server().
        applicant.reload();
        assertThat(applicant.locator("#sign-status")).hasAttribute("data-status", "intent_confirmed");
        assertThat(applicant.locator("#sign-pad")).isVisible();

        // The handwritten signature, drawn with the mouse, then the browser key signs.
        assertThat(applicant.locator("#signing button[data-action='sign']")).isDisabled();
        draw(applicant.locator("#sign-pad"), applicant);
        assertThat(applicant.locator("#signing button[data-action='sign']")).isEnabled();
        screenshot(applicant, "sign-4-handwriting-applicant.png");
        // The connection drops right after the browser sends its signature value, so the answer is lost: the
        // page resumes and sends the same value again, and the server, which completed it once, says so.
        applicant.evaluate(
                """
                () => {
                  const send = WebSocket.prototype.send;
                  let dropped = false;
                  WebSocket.prototype.send = function (data) {
                    send.call(this, data);
                    if (!dropped && typeof data === 'string' && data.includes('"type":"sign_complete"')) {
                      dropped = true;
                      this.close(4000, 'test: dropped after sign_complete');
                    }
                  };
                }""");
        applicant.click("#signing button[data-action='sign']");
        // The client waits at least half a second before reconnecting: the page says what it is doing.
        applicant.waitForFunction(
                "() => window.tongbanSigning.state().working === 'sign.working.reconnect'",
                null,
                new Page.WaitForFunctionOptions().setPollingInterval(20));
        screenshot(applicant, "sign-4b-reconnecting-applicant.png");
        assertThat(applicant.locator("#sign-status")).hasAttribute("data-status", "applicant_signed");
        assertThat(clerk.locator("#sign-status")).hasAttribute("data-status", "applicant_signed");
        applicant.waitForFunction("() => window.tongbanSigning.state().busy === null");
        assertThat(applicant.evaluate("() => window.tongbanSigning.state().resends"))
                .isEqualTo(1);
        List<String> completes = sent.stream()
                .filter(f -> f.contains("\"sign_complete\""))
                .map(f -> field(f, "signature"))
                .toList();
        assertThat(completes).hasSize(2);
        assertThat(completes.get(1)).isEqualTo(completes.get(0));
        assertThat(errors(applicant)).noneMatch(e -> e.startsWith("sign"));
        assertThat(applicant.locator("#sign-notice")).not().isVisible();
        assertThat(applicant.evaluate("() => window.tongbanSigning.keyExtractable()"))
                .isEqualTo(false);
        assertThat(applicant.evaluate("() => window.tongbanSigning.exportPrivateKey()"))
                .isEqualTo("InvalidAccessError");
        awaitImages(clerk);
        screenshot(clerk, "sign-5-applicant-signed-clerk.png");

        // The clerk signs and seals; verified; handed to Wujin's node; the receipt on both pages.
        clerk.click("#signing button[data-action='seal']");
        assertThat(clerk.locator("#sign-status")).hasAttribute("data-status", "sealed");
        assertThat(applicant.locator("#sign-status")).hasAttribute("data-status", "sealed");
        assertThat(applicant.locator("#sign-verdict")).hasAttribute("data-verdict", "VALID");
        // The applicant reads it in plain words; the clerk keeps the technical verdict.
        assertThat(applicant.locator("#sign-sealed")).hasText("✔ 申请书已由您、办事员和大厅印章签署，并加盖了可信时间（证明是什么时候签的）。请下载保存。");
        assertThat(applicant.locator("#sign-verdict")).hasText("已核对：所有签名都有效，签署后申请书没有被改动过。");
        assertThat(applicant.locator("#sign-signers li[data-role='applicant']")).containsText("您：张秀英");
        assertThat(applicant.locator("#sign-signers li[data-role='seal']")).containsText("大厅印章：");
        assertThat(applicant.locator("#signing")).not().containsText("B-LTA");
        assertThat(applicant.locator("#signing")).not().containsText("签名和时间戳");
        assertThat(clerk.locator("#sign-verdict")).containsText("B-LTA");
        assertThat(applicant.locator("#sign-handoff")).hasAttribute("data-status", "delivered");
        assertThat(clerk.locator("#sign-handoff")).hasAttribute("data-status", "delivered");
        String receiptNo = applicant.locator("#receipt-no").textContent();
        assertThat(receiptNo).startsWith("HZ320412-");
        assertThat(clerk.locator("#receipt-no")).hasText(receiptNo);
        assertThat(applicant.locator("#handoff-status")).hasText("✔ 已从南京市鼓楼区政务服务中心移交常州市武进区不动产登记交易中心，对方已核验全部签名并出具回执。");
        awaitImages(applicant);
        awaitImages(clerk);
        applicant.locator("#sign-final").scrollIntoViewIfNeeded();
        screenshot(applicant, "sign-6-receipt-applicant.png");
        screenshot(clerk, "sign-6-receipt-clerk.png");

        // In English too, with no untranslated key.
        applicant.click("#lang-switch");
        assertThat(applicant.locator("#sign-title")).hasText("Review and sign the application");
        assertThat(applicant.locator("#handoff-status")).containsText("issued a receipt");
        assertThat(applicant.locator("#signing").textContent()).doesNotContainPattern("sign\\.[a-zA-Z]");
        screenshot(applicant, "sign-6-receipt-applicant-en.png");
        applicant.click("#lang-switch");

        // The applicant's copy: valid for docsign's verifier and for pdfsig; signed by the browser's key.
        byte[] pdf = download(applicant, "#sign-download");
        X509Certificate root = root(applicant);
        VerificationReport report = new PdfVerifier(List.of(root)).verify(pdf);
        assertThat(report.verdict()).as(report.toJson()).isEqualTo(Verdict.VALID);
        assertThat(report.signatures())
                .extracting(SignatureReport::fieldName)
                .startsWith("applicant", "clerk", "hallSeal");
        assertThat(report.signatures().get(0).signerCommonName()).isEqualTo("张秀英");
        assertThat(report.signatures().get(2).padesLevel()).isEqualTo("B-LTA");
        // The matter is recorded and the call is still on: the form says so (the hashes reach the audit
        // journal when the session ends), and never that the session was not recorded.
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            String text = new PDFTextStripper().getText(doc).replaceAll("\\s+", "");
            assertThat(text).contains("全程录像中").doesNotContain("本次办理未录像");
        }
        String pdfsig = pdfsig(pdf);
        assertThat(pdfsig.split("Signature Validation: Signature is Valid\\.", -1))
                .as(pdfsig)
                .hasSize(4);
        byte[] browserKey = Base64.getDecoder()
                .decode(sent.stream()
                        .filter(f -> f.contains("\"sign_begin\""))
                        .map(SigningE2ETest::publicKeyOf)
                        .reduce((a, b) -> b)
                        .orElseThrow());
        assertThat(applicantSignatureKey(pdf)).isEqualTo(browserKey);
        // The intent code never left the applicant's page except typed back, and the private key never did.
        assertThat(sent.stream().filter(f -> f.contains(code))).allMatch(f -> f.contains("intent_confirm"));

        // The receipt: sealed by the owning hall, naming the package's hash.
        byte[] receipt = download(applicant, "#receipt-download");
        VerificationReport r = new PdfVerifier(List.of(root)).verify(receipt);
        assertThat(r.verdict()).isEqualTo(Verdict.VALID);
        renderPages(pdf, "sign-7-final-application");
        renderPages(receipt, "sign-7-receipt");

        String sessionId = (String) applicant.evaluate("() => window.tongban.state().sessionId");
        assertThat(E2E.server().records().journal().forSession(sessionId))
                .extracting(AuditEvent::action)
                .containsOnlyOnce("application.applicant_signed");
        assertThat(E2E.server().records().journal().forSession(sessionId))
                .extracting(AuditEvent::action)
                .contains(
                        "application.prepared",
                        "application.intent_confirmed",
                        "application.certificate_issued",
                        "application.applicant_signed",
                        "application.sealed",
                        "handoff.received",
                        "handoff.delivered");
    }

    /**
     * The clerk ends the session after the applicant signed but before sealing: the console warns first; the
     * application then waits in the console's list (待完成的申请书), where the clerk signs, seals and hands it
     * off; the PDF and the receipt are offered there and verify. (Qingpu's clerk and matter, so that the
     * other test's ticket is not in this clerk's queue.)
     */
    @Test
    void anApplicationLeftUnsealedAtTheEndIsFinishedFromTheClerksList() throws Exception {
        Page clerk = loginAvailable("qingpu01");
        Page applicant = joinAtPartnerHallAndGetTaken(
                clerk, "sh-qingpu-xzfw", "张秀英", "13912345678", new CopyOnWriteArrayList<>());
        fillAndSubmitDeclaration(applicant);
        materialsAndIdentity(clerk, applicant);
        clerk.click("#signing button[data-action='prepare']");
        assertThat(applicant.locator("#sign-status")).hasAttribute("data-status", "prepared");
        applicant.click("#signing button[data-action='intent']");
        assertThat(applicant.locator("#intent-code")).hasText(Pattern.compile("\\d{6}"));
        applicant.fill("#intent-input", applicant.locator("#intent-code").textContent());
        applicant.click("#signing button[data-action='confirm']");
        assertThat(applicant.locator("#sign-status")).hasAttribute("data-status", "intent_confirmed");
        draw(applicant.locator("#sign-pad"), applicant);
        applicant.click("#signing button[data-action='sign']");
        assertThat(clerk.locator("#sign-status")).hasAttribute("data-status", "applicant_signed");
        String sessionId = (String) clerk.evaluate("() => window.tongban.state().sessionId");

        // Ending now: the dialog says the application is not sealed yet and where it will wait.
        clerk.click("#end-session");
        assertThat(clerk.locator("#outcome-unsealed")).isVisible();
        assertThat(clerk.locator("#outcome-unsealed")).containsText("待完成的申请书");
        screenshot(clerk, "unfinished-1-end-warning-clerk.png");
        clerk.check("#outcome-form input[value='completed']");
        clerk.click("#outcome-submit");
        assertThat(clerk.locator("#session-view")).isHidden();

        // The list, pushed at once: the application, who served it, what it waits for.
        Locator row = clerk.locator("#unfinished-rows tr");
        assertThat(row).hasCount(1);
        assertThat(row).hasAttribute("data-status", "applicant_signed");
        assertThat(row.locator(".unfinished-status")).hasText("待受理人员签名盖章");
        assertThat(row).containsText("受理人员：周敏");
        assertThat(row).containsText("张**");
        assertThat(row.locator("a")).hasText("查看申请书");
        screenshot(clerk, "unfinished-2-list-clerk.png");
        clerk.click("#lang-switch");
        assertThat(clerk.locator("#unfinished-title")).hasText("Applications to finish");
        assertThat(row.locator("button[data-action='finish']")).hasText("Sign, seal and hand off");
        assertThat(clerk.locator("#unfinished").textContent()).doesNotContainPattern("unfinished\\.[a-zA-Z]");
        screenshot(clerk, "unfinished-2-list-clerk-en.png");
        clerk.click("#lang-switch");

        // Finished from the list: signed, sealed, handed to Qingpu's node, receipt issued.
        row.locator("button[data-action='finish']").click();
        assertThat(clerk.locator("#unfinished-result")).containsText("对方已核验并出具回执（HZ310118-");
        assertThat(clerk.locator("#unfinished-rows tr")).hasCount(0);
        screenshot(clerk, "unfinished-3-finished-clerk.png");
        byte[] pdf = download(clerk, "#unfinished-pdf");
        VerificationReport report = new PdfVerifier(List.of(root(clerk))).verify(pdf);
        assertThat(report.verdict()).as(report.toJson()).isEqualTo(Verdict.VALID);
        assertThat(report.signatures())
                .extracting(SignatureReport::fieldName)
                .startsWith("applicant", "clerk", "hallSeal");
        assertThat(report.signatures().get(1).signerCommonName()).isEqualTo("周敏");
        assertThat(new PdfVerifier(List.of(root(clerk)))
                        .verify(download(clerk, "#unfinished-receipt"))
                        .verdict())
                .isEqualTo(Verdict.VALID);
        assertThat(E2E.server().records().journal().forSession(sessionId))
                .extracting(AuditEvent::action)
                .containsSubsequence(
                        "application.applicant_signed",
                        "application.left_unsealed",
                        "application.sealed",
                        "handoff.delivered");
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The three materials uploaded and received, the face still taken and the identity matched; leaves the
     * clerk's workbench on its 申请书 tab.
     */
    private static void materialsAndIdentity(Page clerk, Page applicant) throws Exception {
        // While a file is on its way its badge says so (held in the page until the screenshot is taken).
        applicant.evaluate("() => { const send = XMLHttpRequest.prototype.send;"
                + " XMLHttpRequest.prototype.send = function (body) {"
                + " XMLHttpRequest.prototype.send = send; window.releaseUpload = () => send.call(this, body); }; }");
        applicant
                .locator("#uploads input[data-requirement='idcard']")
                .setInputFiles(new FilePayload("身份证.png", "image/png", Materials.png(800, 500)));
        Locator uploading = applicant.locator("#uploads .mat-row[data-requirement='idcard'] .badge");
        assertThat(uploading).hasText("上传中…");
        uploading.scrollIntoViewIfNeeded();
        screenshot(applicant, "sign-1b-uploading-applicant.png");
        applicant.evaluate("() => window.releaseUpload()");
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='idcard'] .thumb"))
                .isVisible();
        upload(applicant, "contract", new FilePayload("购房合同.pdf", "application/pdf", Materials.pdf(false)));
        upload(applicant, "deedTax", new FilePayload("契税完税凭证.png", "image/png", Materials.png(700, 900)));
        clerk.click("#tab-materials");
        for (String req : List.of("idcard", "contract", "deedTax")) {
            clerk.locator("#materials-card .mat-row[data-requirement='" + req + "'] button[data-action='receive']")
                    .click();
            assertThat(applicant.locator("#uploads .mat-row[data-requirement='" + req + "'] .badge"))
                    .hasText("✔ 已收取");
        }
        clerk.waitForFunction("() => document.getElementById('applicant-video').videoWidth > 0");
        clerk.click("#tab-identity");
        clerk.click("#identity-card button[data-action='face']");
        assertThat(clerk.locator("#identity-card figure:nth-child(1) img")).isVisible();
        clerk.click("#identity-card button[data-action='match']");
        assertThat(applicant.locator("#identity-status")).hasText("身份核实：✔ 已通过");
        clerk.click("#tab-signing");
    }

    private static String publicKeyOf(String frame) {
        return field(frame, "publicKey");
    }

    private static String field(String frame, String name) {
        try {
            JsonNode m = JSON.readTree(frame);
            return m.get(name).asText();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> errors(Page page) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> errors =
                (List<Map<String, Object>>) page.evaluate("() => window.tongbanSigning.errors()");
        return errors.stream().map(e -> e.get("about") + ":" + e.get("code")).toList();
    }

    /** A few strokes with the mouse, as a person signs. */
    private static void draw(Locator pad, Page page) throws InterruptedException {
        // Raw mouse coordinates: wait until the pad stops moving (smooth scrolling, late layout).
        pad.scrollIntoViewIfNeeded();
        BoundingBox box = pad.boundingBox();
        for (int i = 0; i < 50; i++) {
            Thread.sleep(100);
            BoundingBox again = pad.boundingBox();
            if (again.x == box.x && again.y == box.y && again.width == box.width) {
                break;
            }
            box = again;
        }
        double x = box.x;
        double y = box.y;
        double w = box.width;
        double h = box.height;
        double[][][] strokes = {
            {{0.10, 0.30}, {0.18, 0.75}, {0.24, 0.35}, {0.30, 0.72}},
            {{0.36, 0.40}, {0.50, 0.38}, {0.44, 0.70}, {0.56, 0.66}},
            {{0.62, 0.30}, {0.66, 0.78}, {0.74, 0.42}, {0.82, 0.70}, {0.90, 0.35}},
        };
        for (double[][] stroke : strokes) {
            page.mouse().move(x + stroke[0][0] * w, y + stroke[0][1] * h);
            page.mouse().down();
            for (int i = 1; i < stroke.length; i++) {
                page.mouse().move(x + stroke[i][0] * w, y + stroke[i][1] * h, new Mouse.MoveOptions().setSteps(6));
            }
            page.mouse().up();
        }
    }

    private static void awaitImages(Page page) {
        page.waitForFunction("() => { const imgs = [...document.querySelectorAll('#sign-preview img')];"
                + " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }");
    }

    private static byte[] download(Page page, String selector) {
        String href = page.locator(selector).getAttribute("href");
        var response = page.request().get(E2E.browser().url(href));
        assertThat(response.status()).isEqualTo(200);
        return response.body();
    }

    private static X509Certificate root(Page page) throws Exception {
        byte[] der = page.request().get(E2E.browser().url("/pki/ca/root.cer")).body();
        return (X509Certificate)
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    /** The SubjectPublicKeyInfo of the certificate that made the applicant's signature. */
    private static byte[] applicantSignatureKey(byte[] pdf) throws Exception {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            PDSignature sig = doc.getSignatureDictionaries().stream()
                    .filter(s -> "ETSI.CAdES.detached".equals(s.getSubFilter()))
                    .findFirst()
                    .orElseThrow();
            CMSSignedData cms = new CMSSignedData(sig.getContents());
            SignerInformation signer =
                    cms.getSignerInfos().getSigners().iterator().next();
            @SuppressWarnings("unchecked")
            Selector<X509CertificateHolder> sid = (Selector<X509CertificateHolder>) (Selector<?>) signer.getSID();
            return cms.getCertificates()
                    .getMatches(sid)
                    .iterator()
                    .next()
                    .getSubjectPublicKeyInfo()
                    .getEncoded();
        }
    }

    private static String pdfsig(byte[] pdf) throws Exception {
        Path f = Files.createTempFile(E2E.dataDir(), "final", ".pdf");
        Files.write(f, pdf);
        Process p = new ProcessBuilder("pdfsig", "-nocert", f.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** PNGs of a PDF's pages next to the screenshots (poppler's pdftoppm), to look at what was signed. */
    private static void renderPages(byte[] pdf, String name) throws Exception {
        Files.createDirectories(BrowserFixture.SCREENSHOTS);
        Path f = Files.createTempFile(E2E.dataDir(), name, ".pdf");
        Files.write(f, pdf);
        Process p = new ProcessBuilder(
                        "pdftoppm",
                        "-png",
                        "-r",
                        "80",
                        f.toString(),
                        BrowserFixture.SCREENSHOTS.resolve(name).toString())
                .redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    private static void upload(Page applicant, String requirement, FilePayload file) {
        applicant
                .locator("#uploads input[data-requirement='" + requirement + "']")
                .setInputFiles(file);
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='" + requirement + "'] .thumb"))
                .isVisible();
    }

    private static void fillAndSubmitDeclaration(Page applicant) {
        assertThat(applicant.locator("#f-name")).hasValue("张秀英");
        applicant.check("#f-sex input[value='female']");
        applicant.fill("#f-idNumber", ID);
        applicant.selectOption("#f-address", "江苏省");
        applicant.fill("#f-address-city", "南京市");
        applicant.fill("#f-address-district", "鼓楼区");
        applicant.fill("#f-address-detail", "中山北路 100 号 2 幢 301 室");
        applicant.click("#decl-next");
        assertThat(applicant.locator("#decl-progress")).containsText("第 2 步");
        applicant.selectOption("#f-location", "江苏省");
        applicant.fill("#f-location-city", "常州市");
        applicant.fill("#f-location-district", "武进区");
        applicant.fill("#f-location-detail", "湖塘镇花园街 88 号 3 幢 1502 室");
        applicant.fill("#f-contractNo", "WJ2024-0815");
        applicant.fill("#f-contractDate", "2024-05-01");
        applicant.fill("#f-area", "118.62");
        applicant.check("#f-use input[value='residential']");
        applicant.check("#f-ownership input[value='sole']");
        applicant.click("#decl-next");
        assertThat(applicant.locator("#decl-progress")).containsText("第 3 步");
        applicant.check("#f-delivery input[value='post']");
        applicant.click("#decl-next");
        assertThat(applicant.locator("#decl-progress")).containsText("第 4 步");
        applicant.check("#f-consent");
        applicant.check("#f-intent");
        applicant.click("#decl-submit");
        applicant.click("#confirm-yes");
        assertThat(applicant.locator("#decl-done")).isVisible();
    }

    private static Page loginAvailable(String username) {
        return E2E.browser().clerk(username, username, true);
    }

    /** The applicant at a terminal of the Gulou partner hall, for a Wujin matter. */
    private static Page joinAtPartnerHallAndGetTaken(Page clerk, String name, String mobile, List<String> sent) {
        return joinAtPartnerHallAndGetTaken(clerk, "cz-wujin-bdc", name, mobile, sent);
    }

    /** The applicant at a terminal of the Gulou partner hall, for a matter of {@code hallId}. */
    private static Page joinAtPartnerHallAndGetTaken(
            Page clerk, String hallId, String name, String mobile, List<String> sent) {
        Page applicant = E2E.browser().newPage("applicant-" + name + "-" + hallId);
        applicant.onWebSocket(ws -> ws.onFrameSent(frame -> sent.add(frame.text())));
        BrowserFixture.join(
                applicant, E2E.browser().url("/?at=nj-gulou-zwfw"), "property-certificate", hallId, name, mobile);
        clerk.click("#take-next");
        assertThat(clerk.locator("#session-view")).isVisible();
        assertThat(applicant.locator("#step-call")).isVisible();
        assertThat(sent).anyMatch(f -> f.contains("\"partnerHallId\":\"nj-gulou-zwfw\""));
        return applicant;
    }
}
