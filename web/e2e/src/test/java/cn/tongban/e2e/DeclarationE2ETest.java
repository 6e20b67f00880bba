package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.screenshot;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.form.DeclarationForm;
import cn.tongban.signaling.form.FieldRules;
import cn.tongban.signaling.form.FieldType;
import cn.tongban.signaling.form.FormCatalog;
import cn.tongban.signaling.form.IdNumbers;
import cn.tongban.signaling.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.FilePayload;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The guided declaration and co-browsing in real browsers: the applicant's wizard with its draft on
 * the server, the clerk's live mirror, pointer, consent, control used and revoked mid-typing, masked
 * sensitive values, forged clerk messages, and the browser's rules checked against the server's.
 */
class DeclarationE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Female (even sequence digit), born 1988-07-14 in Wujin; check character from the algorithm. */
    private static final String ID = "32041219880714124" + IdNumbers.checkChar("32041219880714124");
    /** A value typed into a sensitive field that must never leave the applicant's E2E.browser(). */
    private static final String SECRET = "739146";

    /** Three fake cameras: the applicant's document camera is a camera of its own (fake_device_2). */
    @RegisterExtension
    static final E2eServer E2E = E2eServer.withDocumentCamera("decl-e2e", 15_000, b -> b);

    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();

    @BeforeAll
    static void captureLogs() {
        LOGS.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
    }

    @AfterAll
    static void stopCapturingLogs() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
    }

    @Test
    void applicantFillsTheWizardTheClerkMirrorsItAndAReloadLosesNothing() throws Exception {
        Page clerk = loginAvailable("wujin02");
        Page applicant = joinAndGetTaken(clerk, "张秀英", "13812345678");
        List<String> framesSent = FRAMES_SENT.get(applicant);

        // The wizard opens with the name and mobile from the ticket; the mirror shows the same.
        assertThat(applicant.locator("#declaration")).isVisible();
        assertThat(applicant.locator("#decl-title")).hasText("不动产登记申请书");
        assertThat(applicant.locator("#decl-progress")).hasText("申报表 · 第 1 步，共 4 步");
        assertThat(applicant.locator("#f-name")).hasValue("张秀英");
        clerk.click("#tab-form"); // the workbench's form tab
        assertThat(clerk.locator("#cobrowse")).isVisible();
        assertThat(clerk.locator("#m-name")).hasValue("张秀英");
        assertThat(clerk.locator("#m-name")).isDisabled(); // view only

        // Browser-side rules: a wrong check digit and a missing answer are caught before leaving the step.
        applicant.fill("#f-idNumber", ID.substring(0, 17) + (ID.charAt(17) == '1' ? '2' : '1'));
        applicant.click("#decl-next");
        assertThat(applicant.locator("[data-field=idNumber] .derror")).hasText("身份证号码的校验位不对，请逐位核对。");
        assertThat(applicant.locator("[data-field=sex] .derror")).hasText("此项必须填写。");
        assertThat(applicant.locator("#decl-progress")).containsText("第 1 步");

        applicant.check("#f-sex input[value='female']");
        applicant.fill("#f-idNumber", ID);
        assertThat(applicant.locator("[data-field=idNumber] .dinfo")).hasText("出生日期 1988-07-14 · 女");
        applicant.selectOption("#f-address", "江苏省");
        applicant.fill("#f-address-city", "南京市");
        applicant.fill("#f-address-district", "鼓楼区");
        applicant.fill("#f-address-detail", "中山北路 100 号 2 幢 301 室");
        // The mirror follows: values, and the field the applicant is in.
        assertThat(clerk.locator("#m-idNumber")).hasValue(ID);
        assertThat(clerk.locator("#m-address-detail")).hasValue("中山北路 100 号 2 幢 301 室");
        assertThat(clerk.locator("#cobrowse [data-field=address]")).hasClass(Pattern.compile("remote-focus"));
        assertThat(clerk.locator("#m-sex input[value='female']")).isChecked();
        assertThat(applicant.locator("#decl-saved")).hasText("✔ 已自动保存");
        screenshot(applicant, "declaration-step1-applicant.png");
        screenshot(clerk, "declaration-step1-clerk.png");

        applicant.click("#decl-next");
        assertThat(applicant.locator("#decl-progress")).containsText("第 2 步");
        assertThat(clerk.locator("#mirror-steps .chip.current")).containsText("不动产情况");
        applicant.selectOption("#f-location", "江苏省");
        applicant.fill("#f-location-city", "常州市");
        applicant.fill("#f-location-district", "武进区");
        applicant.fill("#f-location-detail", "湖塘镇花园街 88 号 3 幢 1502 室");
        applicant.fill("#f-area", "118.62");
        assertThat(clerk.locator("#m-area")).hasValue("118.62");

        // A reload: the wizard comes back on the same step with every value.
        applicant.reload();
        assertThat(applicant.locator("#decl-progress"))
                .containsText(
                        "第 2 步",
                        new com.microsoft.playwright.assertions.LocatorAssertions.ContainsTextOptions()
                                .setTimeout(20_000));
        assertThat(applicant.locator("#f-area")).hasValue("118.62");
        assertThat(applicant.locator("#f-location-detail")).hasValue("湖塘镇花园街 88 号 3 幢 1502 室");
        applicant.click("#decl-back");
        assertThat(applicant.locator("#f-idNumber")).hasValue(ID);
        assertThat(applicant.locator("#f-sex input[value='female']")).isChecked();

        // The sensitive field: typed on the last step, masked in the mirror, never sent.
        fillStep2And3(applicant);
        assertThat(applicant.locator("#decl-progress")).containsText("第 4 步");
        applicant.fill("#f-queryPassword", SECRET);
        assertThat(clerk.locator("#cobrowse [data-field=queryPassword] .masked"))
                .isVisible();
        assertThat(clerk.locator("#m-queryPassword")).hasCount(0);
        // No submit button, and consent and intent cannot be touched, on the clerk's side.
        assertThat(clerk.locator("#cobrowse button", new Page.LocatorOptions().setHasText("提交")))
                .hasCount(0);
        assertThat(clerk.locator("#m-consent")).isDisabled();
        assertThat(clerk.locator("#cobrowse [data-field=consent] .lock-note")).isVisible();
        screenshot(clerk, "declaration-confirm-clerk.png");

        // Submitting is the applicant's: consent, intent, confirm.
        applicant.click("#decl-submit");
        assertThat(applicant.locator("[data-field=consent] .derror")).isVisible();
        applicant.check("#f-consent");
        applicant.check("#f-intent");
        screenshot(applicant, "declaration-confirm-applicant.png");
        applicant.click("#decl-submit");
        applicant.click("#confirm-yes");
        assertThat(applicant.locator("#decl-done")).isVisible();
        assertThat(applicant.locator("#decl-summary")).containsText("已填写（仅保存在本机）");
        assertThat(applicant.locator("#decl-summary")).containsText("湖塘镇花园街");
        assertThat(clerk.locator("#mirror-state")).containsText("申请人已于");
        screenshot(applicant, "declaration-submitted-applicant.png");
        String sessionId = (String) applicant.evaluate("() => window.tongban.state().sessionId");

        // The secret never left the browser: not in any frame sent, not in the database, journal or logs.
        assertThat(framesSent).isNotEmpty().noneMatch(f -> f.contains(SECRET));
        assertThat(framesSent).anyMatch(f -> f.contains("decl_state"));
        assertThat(databaseText()).contains(ID).doesNotContain(SECRET);
        assertThat(E2E.server().records().journal().forSession(sessionId))
                .extracting(AuditEvent::action)
                .contains("declaration.submitted");
        assertThat(LOGS.list)
                .noneMatch(e -> e.getFormattedMessage().contains(SECRET)
                        || e.getFormattedMessage().contains(ID));
    }

    @Test
    void clerkPointsThenControlsWithConsentAndTheApplicantRevokesMidTyping() throws Exception {
        Page clerk = loginAvailable("wujin01");
        Page applicant = joinAndGetTaken(clerk, "王建军", "13912345678");
        assertThat(applicant.locator("#declaration")).isVisible();
        clerk.click("#tab-form");
        assertThat(clerk.locator("#cobrowse")).isVisible();

        // A tampered clerk client, before any consent: every forged message is refused by the E2E.server().
        clerk.evaluate("() => { const s = window.tongbanCobrowse.send;"
                + " s({type:'remote_input', field:'name', value:'FORGED'});"
                + " s({type:'cobrowse_mode', mode:'control'});"
                + " s({type:'control_answer', granted:true});"
                + " s({type:'decl_submit'});"
                + " s({type:'remote_step', step:3}); }");
        clerk.waitForFunction("() => window.tongbanCobrowse.errors().length >= 5");
        assertThat(codes(clerk))
                .containsExactly(
                        "remote_input:CONTROL_NOT_GRANTED",
                        "cobrowse_mode:CONTROL_NOT_GRANTED",
                        "control_answer:NO_CONTROL_ZONE",
                        "decl_submit:NO_CONTROL_ZONE",
                        "remote_step:CONTROL_NOT_GRANTED");
        assertThat(applicant.locator("#f-name")).hasValue("王建军");
        assertThat(applicant.locator("#decl-progress")).containsText("第 1 步");
        assertThat(applicant.locator("#decl-banner")).isHidden();

        // Pointer: the applicant sees the clerk's pointer and the highlighted field.
        clerk.click("#mode-pointer");
        assertThat(clerk.locator("#mode-pointer")).hasAttribute("aria-pressed", "true");
        assertThat(applicant.locator("#decl-banner")).containsText("正在用指针为您指示");
        // (force: Playwright counts a label of a disabled input as disabled; the click is the clerk's pointer)
        clerk.locator("#cobrowse [data-field=mobile] .dlabel").click(new Locator.ClickOptions().setForce(true));
        assertThat(applicant.locator("#decl-pointer")).isVisible();
        assertThat(applicant.locator("#decl-pointer")).containsText("王丽");
        assertThat(applicant.locator("#declaration [data-field=mobile]")).hasClass(Pattern.compile("pointed"));
        screenshot(applicant, "cobrowse-pointer-applicant.png");

        // Control: asked in a dialog naming the clerk; granted; persistent banner with a revoke button.
        clerk.click("#mode-control");
        assertThat(clerk.locator("#mode-control")).hasText("等待申请人同意…");
        assertThat(applicant.locator("#control-dialog")).isVisible();
        assertThat(applicant.locator("#control-dialog-text")).containsText("王丽");
        assertThat(applicant.locator("#control-dialog-text")).containsText("常州市武进区不动产登记交易中心");
        screenshot(applicant, "cobrowse-consent-applicant.png");
        applicant.click("#control-grant");
        assertThat(applicant.locator("#decl-banner")).containsText("工作人员 王丽 正在远程协助您填写");
        assertThat(applicant.locator("#decl-revoke")).isVisible();
        assertThat(clerk.locator("#mirror-state")).hasText("申请人已同意，您可以代为填写和切换步骤。");
        assertThat(clerk.locator("#m-idNumber")).isEnabled();

        // The clerk types for the applicant and moves to the next step.
        clerk.locator("#m-idNumber").pressSequentially(ID, new Locator.PressSequentiallyOptions().setDelay(20));
        assertThat(applicant.locator("#f-idNumber")).hasValue(ID);
        assertThat(applicant.locator("[data-field=idNumber] .dinfo")).containsText("1988-07-14");
        clerk.check("#m-sex input[value='female']");
        assertThat(applicant.locator("#f-sex input[value='female']")).isChecked();
        clerk.click("#mirror-steps .chip[data-step='1']");
        assertThat(applicant.locator("#decl-progress")).containsText("第 2 步");
        assertThat(clerk.locator("#mirror-steps .chip.current")).containsText("不动产情况");
        screenshot(clerk, "cobrowse-control-clerk.png");
        screenshot(applicant, "cobrowse-control-applicant.png");

        // Mid-typing, the applicant presses Esc: control ends at once on both sides.
        Locator contract = clerk.locator("#m-contractNo");
        contract.click();
        clerk.keyboard().type("WJ2024-08", new com.microsoft.playwright.Keyboard.TypeOptions().setDelay(30));
        assertThat(applicant.locator("#f-contractNo")).hasValue("WJ2024-08");
        applicant.keyboard().press("Escape");
        clerk.keyboard().type("15", new com.microsoft.playwright.Keyboard.TypeOptions().setDelay(30));
        assertThat(applicant.locator("#decl-banner")).isHidden();
        assertThat(applicant.locator("#decl-notice")).containsText("您已收回控制");
        assertThat(clerk.locator("#mode-view")).hasAttribute("aria-pressed", "true");
        assertThat(clerk.locator("#m-contractNo")).isDisabled();
        assertThat(clerk.locator("#mirror-state")).containsText("收回");
        // Whatever the clerk typed after the revocation never reached the applicant.
        Thread.sleep(800);
        assertThat(applicant.locator("#f-contractNo")).hasValue("WJ2024-08");
        // And a tampered client trying again after the revocation is refused.
        clerk.evaluate("() => window.tongbanCobrowse.send({type:'remote_input', field:'contractNo', value:'AFTER'})");
        clerk.waitForFunction("() => window.tongbanCobrowse.errors().some(e => e.about === 'remote_input')"
                + " && window.tongbanCobrowse.errors().filter(e => e.about === 'remote_input').length >= 2");
        assertThat(applicant.locator("#f-contractNo")).hasValue("WJ2024-08");
        screenshot(applicant, "cobrowse-revoked-applicant.png");

        // The button works too: control again, revoked with the button.
        clerk.click("#mode-control");
        applicant.click("#control-grant");
        assertThat(applicant.locator("#decl-revoke")).isVisible();
        applicant.click("#decl-revoke");
        assertThat(applicant.locator("#decl-banner")).isHidden();
        assertThat(clerk.locator("#mode-control")).hasText("请求控制");

        // Denying: the dialog's "no" leaves the clerk in view mode.
        clerk.click("#mode-control");
        applicant.click("#control-deny");
        assertThat(clerk.locator("#mirror-state")).hasText("申请人没有同意远程协助。");
        assertThat(clerk.locator("#m-contractNo")).isDisabled();

        // The audit trail of the session records each step, the ID number masked.
        String sessionId = (String) applicant.evaluate("() => window.tongban.state().sessionId");
        List<AuditEvent> trail = E2E.server().records().journal().forSession(sessionId);
        assertThat(trail)
                .extracting(AuditEvent::action)
                .containsSubsequence(
                        "remote.refused",
                        "cobrowse.mode",
                        "control.requested",
                        "control.granted",
                        "remote.input",
                        "remote.step",
                        "remote.input",
                        "control.revoked",
                        "remote.refused",
                        "control.granted",
                        "control.revoked",
                        "control.denied");
        assertThat(trail).noneMatch(e -> e.details().contains(ID));
        assertThat(trail.stream()
                        .filter(e -> e.action().equals("control.revoked"))
                        .map(AuditEvent::details))
                .anyMatch(d -> d.contains("\"via\":\"esc\""))
                .anyMatch(d -> d.contains("\"via\":\"button\""));
        assertThat(trail.stream().filter(e -> e.action().equals("remote.input")).map(AuditEvent::details))
                .anyMatch(d -> d.contains("\"field\":\"contractNo\"") && d.contains("WJ2024-08"))
                .noneMatch(d -> d.contains("WJ2024-0815") || d.contains("AFTER"));
    }

    @Test
    void clerkChecksIdentityAndCollectsUploadsAndDocumentCameraStills() throws Exception {
        Page clerk = loginAvailable("wujin01");
        Page applicant = joinAndGetTaken(clerk, "赵敏", "13712345678");
        assertThat(applicant.locator("#uploads")).isVisible();
        assertThat(clerk.locator("#checks")).isVisible();
        applicant.check("#f-sex input[value='female']");
        applicant.fill("#f-idNumber", ID);
        assertThat(clerk.locator("#m-idNumber")).hasValue(ID);

        // The applicant uploads a photo of the ID card: progress, then shown on both sides.
        applicant
                .locator("#uploads input[data-requirement='idcard']")
                .setInputFiles(new FilePayload("身份证.png", "image/png", Materials.png(800, 500)));
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='idcard'] .thumb img"))
                .isVisible();
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='idcard'] .badge"))
                .hasText("待核对");
        assertThat(clerk.locator("#identity-card figure:nth-child(2) img")).isVisible();

        // A PDF with JavaScript is refused with a clear message; a plain PDF is taken.
        applicant
                .locator("#uploads input[data-requirement='contract']")
                .setInputFiles(new FilePayload("合同.pdf", "application/pdf", Materials.pdf(true)));
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='contract'] .derror"))
                .containsText("含有脚本");
        applicant
                .locator("#uploads input[data-requirement='contract']")
                .setInputFiles(new FilePayload("合同.pdf", "application/pdf", Materials.pdf(false)));
        clerk.click("#tab-materials");
        assertThat(clerk.locator("#materials-card .mat-row[data-requirement='contract'] .thumb .pdf"))
                .isVisible();
        clerk.locator("#materials-card .mat-row[data-requirement='contract'] button[data-action='receive']")
                .click();
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='contract'] .badge"))
                .hasText("✔ 已收取");

        // The clerk asks for a better ID card photo, with a reason the applicant sees.
        Locator idRow = clerk.locator("#materials-card .mat-row[data-requirement='idcard']");
        idRow.locator("input.reason").fill("反光，看不清号码");
        idRow.locator("button[data-action='replace']").click();
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='idcard'] .mat-reason"))
                .hasText("需重新提交：反光，看不清号码");

        // A document-camera still of the deed tax receipt: refused while the applicant's document camera is
        // off; the applicant turns on a second camera (fake_device_2), the clerk captures from it.
        Locator deedTaxCapture =
                clerk.locator("#materials-card .mat-row[data-requirement='deedTax'] button[data-action='doc']");
        assertThat(deedTaxCapture).isDisabled();
        assertThat(clerk.locator("#doccam-state")).containsText("申请人尚未打开高拍仪");
        applicant.click("#doccam");
        applicant.selectOption(
                "#doccam-device", new com.microsoft.playwright.options.SelectOption().setLabel("fake_device_2"));
        applicant.click("#doccam-start");
        assertThat(applicant.locator("#doccam-status")).containsText("高拍仪已打开");
        assertThat(clerk.locator("#screen-caption")).hasText("申请人的高拍仪画面");
        clerk.waitForFunction("() => document.getElementById('screen-video').videoWidth > 0");
        deedTaxCapture.click();
        assertThat(applicant.locator("#uploads .mat-row[data-requirement='deedTax'] .meta"))
                .containsText("工作人员拍摄");
        assertThat(clerk.locator("#materials-card .mat-row[data-requirement='deedTax'] .thumb img"))
                .isVisible();

        // Identity: a still from the live video, compared with the ID card, verified.
        clerk.click("#tab-identity");
        clerk.click("#identity-card button[data-action='face']");
        assertThat(clerk.locator("#identity-card figure:nth-child(1) img")).isVisible();
        assertThat(applicant.locator("#identity-status")).containsText("已拍摄核验照片");
        clerk.click("#identity-card button[data-action='match']");
        assertThat(clerk.locator("#identity-result")).hasAttribute("data-status", "verified");
        assertThat(applicant.locator("#identity-status")).hasText("身份核实：✔ 已通过");
        screenshot(clerk, "checks-clerk.png");
        screenshot(applicant, "materials-applicant.png");

        // The still is a real frame (a JPEG of the face camera) whose SHA-256 is in the audit trail; the
        // document still is a frame of the document camera, not of the face camera.
        String stillUrl = clerk.locator("#identity-card figure:nth-child(1) a").getAttribute("href");
        byte[] still = clerk.request().get(E2E.browser().url(stillUrl)).body();
        var image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(still));
        assertThat(image.getWidth()).isPositive();
        double[] face = Stills.measure(still);
        assertThat(Stills.looksLikeFaceCamera(face))
                .as("face still %s", Stills.format(face))
                .isTrue();
        String docUrl = clerk.locator("#materials-card .mat-row[data-requirement='deedTax'] a.thumb")
                .first()
                .getAttribute("href");
        double[] doc =
                Stills.measure(clerk.request().get(E2E.browser().url(docUrl)).body());
        assertThat(Stills.looksLikeDocumentCamera(doc))
                .as("document still %s", Stills.format(doc))
                .isTrue();
        String stillSha = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(still));
        String sessionId = (String) applicant.evaluate("() => window.tongban.state().sessionId");
        List<AuditEvent> trail = E2E.server().records().journal().forSession(sessionId);
        assertThat(trail.stream().filter(e -> e.action().equals("identity.verified")))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.actor()).isEqualTo("clerk:wujin01");
                    assertThat(e.details()).contains(stillSha).doesNotContain(ID);
                });
        assertThat(trail)
                .extracting(AuditEvent::action)
                .contains(
                        "material.uploaded",
                        "material.rejected",
                        "material.received",
                        "material.replace",
                        "screen.started",
                        "identity.still");
    }

    @Test
    void theBrowserAppliesTheSameRulesAsTheServer() throws Exception {
        Page page = E2E.browser().newPage("rules");
        page.navigate(E2E.browser().url("/"));
        LocalDate today = LocalDate.now(ZoneId.of("Asia/Shanghai"));
        FormCatalog catalog = FormCatalog.load(
                null,
                List.of(
                        "property-certificate",
                        "business-startup",
                        "social-insurance-transfer",
                        "housing-fund-transfer"));
        List<Map<String, Object>> cases = new ArrayList<>();
        for (DeclarationForm form : catalog.all()) {
            for (DeclarationForm.Field f : form.fields().values()) {
                if (f.type() == FieldType.SENSITIVE) {
                    continue;
                }
                for (JsonNode v : samples(f, today)) {
                    String expected = FieldRules.problem(f, v, today).orElse(null);
                    cases.add(Map.of(
                            "field", JSON.convertValue(f, Map.class),
                            "value", JSON.convertValue(v, Object.class),
                            "expected", expected == null ? "" : expected));
                }
            }
        }
        assertThat(cases).hasSizeGreaterThan(300);
        @SuppressWarnings("unchecked")
        List<String> mismatches = (List<String>) page.evaluate(
                "async ([json, today]) => { const v = await import('/assets/validate.js'); const cases = JSON.parse(json);"
                        + " return cases.filter(c => (v.fieldProblem(c.field, c.value, today) ?? '') !== c.expected)"
                        + ".map(c => c.field.key + ' ' + JSON.stringify(c.value) + ' server=' + c.expected"
                        + " + ' browser=' + v.fieldProblem(c.field, c.value, today)); }",
                List.of(JSON.writeValueAsString(cases), today.toString()));
        assertThat(mismatches).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private static List<JsonNode> samples(DeclarationForm.Field f, LocalDate today) {
        List<Object> raw = new ArrayList<>();
        switch (f.type()) {
            case ID_NUMBER -> {
                raw.add(ID);
                raw.add("11010519491231002X");
                raw.add("440524188001010014");
                raw.add(ID.substring(0, 17) + "X");
                raw.add("990412198807141244");
                raw.add("32041219880230124" + IdNumbers.checkChar("32041219880230124"));
                String future = "320412" + today.plusDays(1).toString().replace("-", "") + "123";
                raw.add(future + IdNumbers.checkChar(future));
                raw.add("3204121988");
                raw.add("32041219880714124x");
            }
            case USCC -> {
                raw.add("91350100M000100Y43");
                raw.add("91350100M000100Y44");
                raw.add("91350100M000I00Y43");
                raw.add("91A50100M000100Y43");
                raw.add("9135");
            }
            case MOBILE -> raw.addAll(List.of("13812345678", "12812345678", "1381234567", "19900001111"));
            case DATE -> raw.addAll(List.of(
                    today.toString(),
                    today.plusDays(1).toString(),
                    "1989-12-31",
                    "1990-01-01",
                    "2024-02-30",
                    "2024/01/01",
                    "2099-12-31",
                    "2100-01-01"));
            case NUMBER -> raw.addAll(List.of(
                    "1", "0.5", "118.62", "118.625", "10000", "10000.01", "-3", "1e3", "0.01", "abc", "12345678.1234"));
            case TEXT -> raw.addAll(
                    List.of("张秀英", "WJ2024-0815", "a<b>", "x", "很长".repeat(300), "1234567", "南京住房公积金管理中心", "ABCD1234"));
            case SELECT -> {
                f.options().forEach(o -> raw.add(o.value()));
                raw.add("castle");
            }
            case CHECKBOX -> raw.addAll(List.of(true, false));
            case ADDRESS -> {
                raw.add(Map.of("province", "江苏省", "city", "常州市", "district", "武进区", "detail", "湖塘镇花园街88号"));
                raw.add(Map.of("province", "江苏", "city", "常州市", "district", "武进区", "detail", "湖塘镇花园街88号"));
                raw.add(Map.of("province", "上海市", "city", "上海市", "district", "青浦区", "detail", "短"));
                raw.add(Map.of("province", "浙江省", "city", "嘉兴市", "district", "南湖区", "detail", "<script>x</script>"));
                raw.add(Map.of("province", "安徽省"));
            }
            default -> {}
        }
        return raw.stream().map(o -> JSON.<JsonNode>valueToTree(o)).toList();
    }

    private static List<String> codes(Page clerk) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> errors =
                (List<Map<String, Object>>) clerk.evaluate("() => window.tongbanCobrowse.errors()");
        return errors.stream().map(e -> e.get("about") + ":" + e.get("code")).toList();
    }

    private static void fillStep2And3(Page applicant) {
        applicant.click("#decl-next");
        assertThat(applicant.locator("#decl-progress")).containsText("第 2 步");
        applicant.fill("#f-contractNo", "WJ2024-0815");
        applicant.fill("#f-contractDate", "2024-05-01");
        applicant.check("#f-use input[value='residential']");
        applicant.check("#f-ownership input[value='sole']");
        applicant.click("#decl-next");
        assertThat(applicant.locator("#decl-progress")).containsText("第 3 步");
        applicant.check("#f-delivery input[value='post']");
        applicant.click("#decl-next");
    }

    /** Every WebSocket frame each applicant page sent, from before its first connection. */
    private static final Map<Page, List<String>> FRAMES_SENT = new java.util.concurrent.ConcurrentHashMap<>();

    /** Every text the database holds in the declaration and audit tables. */
    private static String databaseText() throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection c = DriverManager.getConnection(Database.defaultUrl(E2E.dataDir()));
                Statement s = c.createStatement()) {
            for (String q : List.of("SELECT values_json FROM declaration_draft", "SELECT details FROM audit_event")) {
                try (ResultSet rs = s.executeQuery(q)) {
                    while (rs.next()) {
                        sb.append(rs.getString(1)).append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    private static Page loginAvailable(String username) {
        return E2E.browser().clerk(username, username, true);
    }

    private static Page joinAndGetTaken(Page clerk, String name, String mobile) {
        Page applicant = E2E.browser().newPage("applicant-" + name);
        List<String> frames = new CopyOnWriteArrayList<>();
        applicant.onWebSocket(ws -> ws.onFrameSent(frame -> frames.add(frame.text())));
        FRAMES_SENT.put(applicant, frames);
        E2E.browser().join(applicant, "property-certificate", "cz-wujin-bdc", name, mobile);
        clerk.click("#take-next");
        assertThat(clerk.locator("#session-view")).isVisible();
        assertThat(applicant.locator("#step-call")).isVisible();
        return applicant;
    }
}
