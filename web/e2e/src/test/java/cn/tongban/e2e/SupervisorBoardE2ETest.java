package cn.tongban.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The supervisor board with its charts in a real browser against the real server: a supervisor signs in, a
 * ticket waits past its queue's threshold (set to zero minutes in the reference data for the test) and the
 * alert shows in red and in words, a clerk takes it and the alert clears, the charts draw today's series on
 * their canvases, the day downloads as CSV, and the board's top area fits the window (screenshots for
 * web/README.md with {@code -Dtongban.readmeScreens=true}).
 */
class SupervisorBoardE2ETest {
    private static final String GULOU = "nj-gulou-zwfw";
    private static final String SOCIAL = "social-insurance-transfer";
    private static final String ROW = "#queue-rows tr[data-queue='" + GULOU + "|" + SOCIAL + "']";

    @RegisterExtension
    static final E2eServer E2E = E2eServer.create("board-e2e", 20_000, b -> b);

    /** Headers that the browser broke over more than one line. */
    private static final String WRAPPED_HEADERS =
            """
            () => [...document.querySelectorAll('#board-view th')].filter((th) => {
              const range = document.createRange();
              range.selectNodeContents(th);
              const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
              return lines.size > 1;
            }).map((th) => th.textContent)
            """;

    /** Pixels of a chart's canvas that are not blank. */
    private static final String PAINTED =
            """
            (id) => {
              const canvas = document.querySelector('#' + id + ' canvas');
              if (!canvas) return 0;
              const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let n = 0;
              for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
              return n;
            }
            """;

    @Test
    void theBoardChartsTheDayAlertsOnLongWaitsAndExportsCsv() throws Exception {
        // The matter's overflow threshold, which is also its alert threshold: zero minutes, so a ticket that
        // has waited a second passes it (no agreement covers the matter, so overflow changes nothing here).
        // The reference data lives in the database (the file is the node's copy): changed there, as `tongban.jar
        // refdata import` does; the node loads the new version within its 2 s poll.
        Path refdata = E2E.dataDir().resolve("refdata.yaml");
        String yaml = Files.readString(refdata);
        assertThat(yaml).contains("    business-startup: 15\n");
        try (cn.tongban.signaling.store.Database db = cn.tongban.signaling.store.Database.open(
                cn.tongban.signaling.store.Database.defaultUrl(E2E.dataDir()), null, null)) {
            new cn.tongban.signaling.refdata.ReferenceDataTable(db.dataSource(), java.time.Clock.systemUTC())
                    .change(
                            yaml.replace(
                                    "    business-startup: 15\n", "    business-startup: 15\n    " + SOCIAL + ": 0\n"),
                            "board-e2e",
                            null);
        }

        Page board = E2E.browser().newPage("supervisor");
        board.setViewportSize(1366, 768);
        board.navigate(E2E.browser().url("/supervisor"));
        board.fill("#username", "supervisor01");
        board.fill("#password", "tongban2026");
        board.click("#login-submit");
        assertThat(board.locator("#board-view")).isVisible();
        // The server re-read the reference data: the queue's threshold shows as zero.
        assertThat(board.locator(ROW + " td.threshold"))
                .hasText(
                        "0 秒",
                        new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(20_000));
        assertThat(board.locator("#alert-strip")).isHidden();

        Page applicant = E2E.browser().newPage("applicant");
        E2E.browser().join(applicant, SOCIAL, GULOU, "张秀英", "13812345678");

        // Past the threshold: red in the table, listed in words at the top.
        assertThat(board.locator(ROW)).hasClass(Pattern.compile("\\balert\\b"));
        assertThat(board.locator("#alert-strip")).isVisible();
        Locator alert = board.locator("#alert-list li[data-queue='" + GULOU + "|" + SOCIAL + "']");
        assertThat(alert).containsText("南京市鼓楼区政务服务中心 · 社保关系转移接续：最长等候");
        assertThat(alert).containsText("超过阈值 0 秒");
        board.click("#lang-switch");
        assertThat(alert).containsText("over the threshold of 0 s");
        assertThat(board.locator("#board-view th").first()).hasText("Hall");
        board.click("#lang-switch");
        assertThat(board.locator("#board-view th").first()).hasText("大厅");

        // The charts draw today with the live board as the last point: every queue a series.
        board.waitForFunction("() => { const c = window.tongban.charts();"
                + " return c && c.waiting.series >= 10 && c.waiting.points >= 10 && c.clerks.series === 4; }");
        for (Layout.Size size : List.of(Layout.SMALL_DESKTOP, Layout.FULL_HD)) {
            checkLayout(board, "board-1-alert-supervisor", size);
        }

        // A clerk takes the ticket: the alert clears, the day counts the take.
        Page clerk = E2E.browser().clerk("clerk", "gulou01", true);
        clerk.click("#take-next");
        assertThat(clerk.locator("#session-view")).isVisible();
        assertThat(board.locator("#alert-strip")).isHidden();
        assertThat(board.locator(ROW)).not().hasClass(Pattern.compile("\\balert\\b"));
        board.waitForFunction("() => (window.tongban.state().today?.queues ?? [])" + ".some((q) => q.hallId === '"
                + GULOU + "' && q.matterId === '" + SOCIAL + "' && q.takes === 1)");
        // Zero threshold: a wait of a second or more is outside it.
        assertThat(board.locator(ROW + " td.service-level")).hasText("0%");
        board.waitForFunction("() => window.tongban.charts().service.points >= 1");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> charts =
                (Map<String, Map<String, Object>>) board.evaluate("() => window.tongban.charts()");
        assertThat(charts.keySet()).containsExactlyInAnyOrder("waiting", "longest", "service", "clerks");
        for (String id : List.of("chart-waiting", "chart-longest", "chart-service", "chart-clerks")) {
            assertThat(((Number) board.evaluate(PAINTED, id)).intValue())
                    .as("painted pixels of " + id)
                    .isGreaterThan(500);
        }

        // The day as CSV, downloaded by the button.
        Download download = board.waitForDownload(() -> board.click("#export-csv"));
        assertThat(download.suggestedFilename()).matches("tongban-\\d{4}-\\d{2}-\\d{2}\\.csv");
        byte[] csv = Files.readAllBytes(download.path());
        assertThat(Arrays.copyOf(csv, 3)).containsExactly(0xEF, 0xBB, 0xBF);
        String text = new String(csv, 3, csv.length - 3, StandardCharsets.UTF_8);
        assertThat(text).startsWith("kind,time,hall_id,hall_name,matter_id,matter_name,waited_seconds,");
        assertThat(text.lines().filter(l -> l.startsWith("take,")))
                .singleElement()
                .asString()
                .contains(",nj-gulou-zwfw,南京市鼓楼区政务服务中心,social-insurance-transfer,社保关系转移接续,");
        assertThat(text).doesNotContain("张秀英").doesNotContain("13812345678");

        for (Layout.Size size : List.of(Layout.SMALL_DESKTOP, Layout.FULL_HD)) {
            checkLayout(board, "board-2-day-supervisor", size);
        }
        // On a phone the table scrolls inside its card; nothing overlaps.
        Layout.verify(
                board,
                "board-2-day-supervisor",
                Layout.PHONE,
                Layout.Expect.page().within("#board-view"));
        assertThat((List<?>) board.evaluate(WRAPPED_HEADERS))
                .as("headers broken over lines at 390 px")
                .isEmpty();
    }

    /** The board's top (alert strip, the table's headers, the export) inside the window, headers on one line. */
    private static void checkLayout(Page board, String name, Layout.Size size) throws Exception {
        Layout.check(
                board,
                name,
                size,
                Layout.Expect.page()
                        .controls("#export-csv", "#lang-switch", "#logout", "#board-view thead")
                        .within("#board-view"));
        assertThat((List<?>) board.evaluate(WRAPPED_HEADERS))
                .as("headers broken over lines at " + size.label())
                .isEmpty();
    }
}
