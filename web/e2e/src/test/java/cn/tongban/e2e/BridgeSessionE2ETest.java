package cn.tongban.e2e;

import static cn.tongban.e2e.BrowserFixture.screenshot;
import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.store.RecordingStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.assertj.core.data.Percentage;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A session through our server's media bridge in real browsers: the applicant at a partner hall, the
 * owning hall's clerk, a helper clerk of the partner hall invited into the call, and a supervisor who
 * listens silently. Everyone decodes everyone, the applicant's shared screen reaches the clerk, a PLI
 * makes a sender produce a keyframe, and the server's recording of the session plays (ffprobe) with
 * every track, as long as the call, its hashes in the audit journal.
 */
class BridgeSessionE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final E2eServer E2E = E2eServer.create("bridge-e2e", 30_000, b -> b);

    @Test
    void threePeopleAndASilentSupervisorThroughTheBridgeWithScreenShareAndAPlayableRecording() throws Exception {
        // Bridge mode is the default; an HTTP port of 0 gives the bridge a free UDP port too.
        assertThat(E2E.server().media().bridge()).isNotNull();
        Page clerk = login("wujin01", true);
        Page helper = login("gulou01", false);
        Page supervisor = login("supervisor01", false);
        assertThat(supervisor.locator("#monitor")).isVisible(); // only supervisors get the list
        assertThat(helper.locator("#monitor")).isHidden();

        // The applicant sits at the Gulou partner hall's terminal; the matter is recorded by policy and
        // the page says so before the call.
        Page applicant = E2E.browser().newPage("applicant");
        applicant.navigate(E2E.browser().url("/?at=nj-gulou-zwfw"));
        applicant.click("#matter-list [data-id='property-certificate']");
        applicant.click("#hall-list [data-id='cz-wujin-bdc']");
        applicant.click("#matter-next");
        applicant.fill("#name", "张秀英");
        applicant.fill("#mobile", "13812345678");
        applicant.click("#contact-next");
        assertThat(applicant.locator("#device-recording")).containsText("本次通话将全程录音录像");
        assertThat(applicant.locator("#join")).isEnabled();
        applicant.click("#join");
        assertThat(applicant.locator("#ticket-recording")).isVisible();
        String number = applicant.locator("#ticket-number").innerText().strip();
        assertThat(clerk.locator("#queue-rows tr").filter(new Locator.FilterOptions().setHasText(number)))
                .isVisible();

        clerk.click("#take-next");
        assertThat(applicant.locator("#step-call")).isVisible();
        countFramesSent(applicant);
        countFramesSent(clerk);
        assertThat(applicant.locator("#call-recording")).containsText("本次通话将全程录音录像");
        assertThat(clerk.locator("#s-recording")).isVisible();
        String sessionId = (String) clerk.evaluate("() => window.tongban.state().sessionId");
        awaitDecoding(applicant, "applicant", "clerk");
        awaitDecoding(clerk, "clerk", "applicant");

        // A refused invitation says why and what to do (no generic sentence, not the server's message).
        clerk.click("#tab-session");
        clerk.fill("#invite-clerk", "gulou99");
        clerk.click("#invite");
        assertThat(clerk.locator("#notice")).hasText("没有这个工号。请核对工号后再邀请。");

        // The clerk invites the Gulou clerk, who accepts from the console.
        clerk.fill("#invite-clerk", "gulou01");
        clerk.click("#invite");
        assertThat(helper.locator("#invitation")).containsText("王丽");
        assertThat(helper.locator("#invitation")).containsText(number);
        helper.click("#invitation-join");
        assertThat(helper.locator("#session-view")).isVisible();
        countFramesSent(helper);
        assertThat(helper.locator("#end-session")).hasText("离开会话");
        assertThat(helper.locator("#s-name")).hasText("张**");

        // Everyone decodes everyone's camera and hears everyone.
        awaitDecoding(applicant, "applicant", "clerk", "helper");
        awaitDecoding(clerk, "clerk", "applicant", "helper");
        awaitDecoding(helper, "helper", "applicant", "clerk");
        assertThat(applicant.locator("#remote-tiles .tile")).hasCount(1);
        assertThat(applicant.locator("#remote-tiles .tile")).containsText("李娜");
        assertThat(applicant.locator("#call-participants")).containsText("李娜（协助人员 · 南京市鼓楼区政务服务中心）");
        // The applicant sees their own name in full; the others see it masked (张**, above).
        assertThat(applicant.locator("#call-participants li[data-role='applicant']"))
                .hasText("张秀英（申请人） （您）");

        // The applicant shares the screen: the clerk (and the helper) decode it.
        applicant.click("#share");
        assertThat(clerk.locator("#screen-stage")).isVisible();
        awaitStats(clerk, "the shared screen at the clerk", s -> number(s, "screen", "framesDecoded") > 0);
        awaitStats(helper, "the shared screen at the helper", s -> number(s, "screen", "framesDecoded") > 0);

        // A supervisor of the owning hall listens in. When it connects the bridge asks every sender for a
        // keyframe (RTCP PLI): the applicant's camera receives the PLI and the clerk decodes a new keyframe.
        double plisBefore = outbound(applicant, "camera", "pliCount");
        double keyframesBefore = number(inbound(clerk), "camera", "keyFramesDecoded");
        supervisor.click("#monitor-refresh");
        supervisor.click("#monitor-rows button[data-session='" + sessionId + "']");
        assertThat(supervisor.locator("#session-view")).isVisible();
        supervisor.click("#tab-chat");
        assertThat(supervisor.locator("#chat-log")).isVisible();
        assertThat(supervisor.locator("#chat-form")).isHidden();
        assertThat(supervisor.locator("#self-row")).isHidden();
        assertThat(applicant.locator("#call-supervisor")).hasText("督导人员 赵志强 正在旁听本次通话。");
        assertThat(applicant.locator("#call-participants li[data-role='supervisor']"))
                .containsText("仅旁听");
        awaitDecoding(supervisor, "supervisor", "applicant", "clerk", "helper");
        awaitStats(supervisor, "the shared screen at the supervisor", s -> number(s, "screen", "framesDecoded") > 0);
        awaitCondition(
                "a PLI at the applicant's camera and a new keyframe at the clerk",
                () -> outbound(applicant, "camera", "pliCount") > plisBefore
                        && number(inbound(clerk), "camera", "keyFramesDecoded") > keyframesBefore,
                applicant,
                clerk);
        // The supervisor sends nothing and nobody receives anything from it.
        assertThat(asMap(supervisor.evaluate("() => window.tongban.outbound()")))
                .isEmpty();
        for (Page p : new Page[] {applicant, clerk, helper}) {
            assertThat(participants(inbound(p)).values()).noneMatch(x -> "supervisor".equals(x.get("role")));
        }

        // Every page shows every video it receives (not just decodes it).
        for (Page p : new Page[] {applicant, clerk, helper, supervisor}) {
            p.waitForFunction(
                    "() => [...document.querySelectorAll('.tile video, #remote-video, #applicant-video, #screen-video')]"
                            + ".filter(v => v.offsetParent !== null)"
                            + ".every(v => v.videoWidth > 0 && !v.paused)",
                    null,
                    new Page.WaitForFunctionOptions().setTimeout(BrowserFixture.MEDIA_TIMEOUT_MS));
        }
        assertThat(supervisor.locator("#peer-tiles .tile")).hasCount(2);
        assertThat(clerk.locator("#peer-tiles .tile")).hasCount(1);
        assertThat(helper.locator("#peer-tiles .tile")).hasCount(1);

        // Let the call run for a while, then look at it.
        Thread.sleep(6_000);
        screenshot(applicant, "bridge-applicant.png");
        screenshot(clerk, "bridge-clerk.png");
        screenshot(helper, "bridge-helper.png");
        screenshot(supervisor, "bridge-supervisor.png");

        clerk.click("#end-session");
        clerk.check("#outcome-dialog input[value='completed']");
        clerk.click("#outcome-submit");
        assertThat(applicant.locator("#step-end")).isVisible();
        assertThat(helper.locator("#session-view")).isHidden();
        assertThat(supervisor.locator("#session-view")).isHidden();

        checkRecording(sessionId, Map.of("applicant", applicant, "clerk", clerk, "helper", helper));

        // The console in English has no untranslated string.
        helper.click("#lang-switch");
        assertThat(helper.locator("#take-next")).hasText("Take next");
        assertThat(rawI18nKeys(helper)).isEmpty();
    }

    /**
     * The recording as the server archived it: one WebM per sending track (applicant audio, camera and
     * screen; clerk and helper audio and camera; nothing from the supervisor), each file's SHA-256 in the
     * audit journal, the manifest's in {@code recording_segment} (one segment); ffprobe reads every file with the right
     * codec; every track lasts from its first frame to the end of the recording (within 10 %), and each
     * camera file has as many frames as its browser sent during the time the file covers (within 10 %;
     * Chromium lowers the frame rate when the CPU is busy, so the count comes from the browser).
     */
    private static void checkRecording(String sessionId, Map<String, Page> senders) throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(E2E.server().options().effectiveDbUrl());
        RecordingStore store = new RecordingStore(ds);
        long deadline = System.currentTimeMillis() + 90_000;
        while (store.find(sessionId).isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(250);
        }
        RecordingStore.Recording recording = store.find(sessionId)
                .orElseThrow(() ->
                        new AssertionError("no recording archived for " + sessionId + "; audit: " + audit(sessionId)));
        // One segment: the session never left its bridge.
        assertThat(recording.segments()).hasSize(1);
        RecordingStore.Segment stored = recording.segments().get(0);
        Path dir = Path.of(stored.directory());
        byte[] manifestBytes = Files.readAllBytes(dir.resolve("manifest.json"));
        assertThat(sha256(manifestBytes)).isEqualTo(stored.manifestSha256());
        JsonNode manifest = JSON.readTree(manifestBytes);
        Instant started = Instant.parse(manifest.get("started").asText());
        double recordingSeconds =
                Duration.between(started, Instant.parse(manifest.get("stopped").asText()))
                                .toMillis()
                        / 1000.0;

        List<String> tracks = new ArrayList<>();
        Map<String, String> auditedHashes = new HashMap<>();
        for (AuditEvent e : audit(sessionId)) {
            if (e.action().equals("recording.file")) {
                JsonNode d = JSON.readTree(e.details());
                auditedHashes.put(d.get("file").asText(), d.get("sha256").asText());
            }
            if (e.action().equals("recording.stopped")) {
                assertThat(e.details()).contains(stored.manifestSha256());
            }
        }
        for (JsonNode t : manifest.get("tracks")) {
            String participant = t.get("participantId").asText();
            String role = participant.split("-")[0];
            String kind = t.get("kind").asText();
            tracks.add(role + "/" + kind);
            Path file = dir.resolve(t.get("file").asText());
            String hash = sha256(Files.readAllBytes(file));
            assertThat(hash).as(file.toString()).isEqualTo(t.get("sha256").asText());
            assertThat(auditedHashes).containsEntry(file.getFileName().toString(), hash);

            Map<String, String> probe = ffprobe(file);
            double expected = recordingSeconds - t.get("startOffsetMillis").asLong() / 1000.0;
            System.out.printf(
                    "recording %s/%s: %s; expected %.1f s (recording %.1f s)%n",
                    role, kind, probe, expected, recordingSeconds);
            assertThat(probe.get("codec_name")).as(file.toString()).isEqualTo(kind.equals("AUDIO") ? "opus" : "vp8");
            assertThat(Long.parseLong(probe.get("nb_read_frames")))
                    .as(file.toString())
                    .isPositive();
            assertThat(Double.parseDouble(probe.get("duration")))
                    .as("duration of " + file)
                    .isCloseTo(expected, Percentage.withPercentage(10));
            if (kind.equals("CAMERA")) {
                long from = started.toEpochMilli() + t.get("startOffsetMillis").asLong();
                long to = from + Math.round(Double.parseDouble(probe.get("duration")) * 1000);
                double sent = framesSentBetween(senders.get(role), from, to);
                System.out.printf("  %s camera sent %.0f frames in the file's span%n", role, sent);
                assertThat((double) Long.parseLong(probe.get("nb_read_frames")))
                        .as("frames of %s against the frames its browser sent meanwhile", file)
                        .isCloseTo(sent, Percentage.withPercentage(10));
            }
        }
        assertThat(tracks)
                .containsExactlyInAnyOrder(
                        "applicant/AUDIO",
                        "applicant/CAMERA",
                        "applicant/SCREEN",
                        "clerk/AUDIO",
                        "clerk/CAMERA",
                        "helper/AUDIO",
                        "helper/CAMERA");
        assertThat(stored.files()).isEqualTo(7);
        List<String> actions = audit(sessionId).stream().map(AuditEvent::action).toList();
        assertThat(actions).contains("recording.started", "recording.stopped", "participant.invited");
        assertThat(actions.stream().filter("participant.joined"::equals)).hasSize(4);
    }

    // ---------------------------------------------------------------- helpers

    /** Samples the page's camera framesSent with the browser's clock, every 200 ms, into a page variable. */
    private static void countFramesSent(Page page) {
        page.evaluate("() => { window.framesSentLog = []; setInterval(async () => {"
                + " const o = await window.tongban.outbound();"
                + " if (o.camera) window.framesSentLog.push([Date.now(), o.camera.framesSent]); }, 200); }");
    }

    /** Frames the page's camera sent between two epoch-millisecond instants (interpolated samples). */
    private static double framesSentBetween(Page page, long from, long to) {
        List<?> samples = (List<?>) page.evaluate("() => window.framesSentLog");
        double[] t = new double[samples.size()];
        double[] f = new double[samples.size()];
        for (int i = 0; i < t.length; i++) {
            List<?> pair = (List<?>) samples.get(i);
            t[i] = ((Number) pair.get(0)).doubleValue();
            f[i] = ((Number) pair.get(1)).doubleValue();
        }
        return interpolate(t, f, to) - interpolate(t, f, from);
    }

    private static double interpolate(double[] t, double[] f, double at) {
        if (t.length == 0 || at <= t[0]) {
            return t.length == 0 ? 0 : f[0];
        }
        for (int i = 1; i < t.length; i++) {
            if (at <= t[i]) {
                return f[i - 1] + (f[i] - f[i - 1]) * (at - t[i - 1]) / (t[i] - t[i - 1]);
            }
        }
        return f[t.length - 1];
    }

    private static Page login(String user, boolean available) {
        return E2E.browser().clerk(user, user, available);
    }

    private static void awaitDecoding(Page page, String who, String... roles) throws InterruptedException {
        awaitStats(page, "camera and sound of " + String.join(", ", roles) + " at the " + who, s -> {
            for (String role : roles) {
                if (role.equals(who)) {
                    continue;
                }
                boolean ok = participants(s).values().stream()
                        .anyMatch(p -> role.equals(p.get("role"))
                                && number(p, "camera", "framesDecoded") > 0
                                && number(p, "audio", "packetsReceived") > 0);
                if (!ok) {
                    return false;
                }
            }
            return true;
        });
    }

    private static void awaitStats(Page page, String what, Predicate<Map<String, Object>> done)
            throws InterruptedException {
        BrowserFixture.awaitInbound(page, what, done, BrowserFixture.MEDIA_TIMEOUT_MS);
    }

    private interface Condition {
        boolean holds();
    }

    private static void awaitCondition(String what, Condition c, Page... pages) throws InterruptedException {
        long started = System.currentTimeMillis();
        while (System.currentTimeMillis() - started < BrowserFixture.MEDIA_TIMEOUT_MS) {
            if (c.holds()) {
                System.out.printf("%s after %d ms%n", what, System.currentTimeMillis() - started);
                return;
            }
            Thread.sleep(250);
        }
        StringBuilder sb = new StringBuilder("timed out waiting for " + what);
        for (Page p : pages) {
            sb.append("\n  ")
                    .append(p.url())
                    .append(" inbound ")
                    .append(inbound(p))
                    .append(" outbound ")
                    .append(p.evaluate("() => window.tongban.outbound()"));
        }
        throw new AssertionError(sb.toString());
    }

    private static Map<String, Object> inbound(Page page) {
        return asMap(page.evaluate("() => window.tongban.inbound()"));
    }

    private static double outbound(Page page, String kind, String field) {
        return number(asMap(page.evaluate("() => window.tongban.outbound()")), kind, field);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> participants(Map<String, Object> stats) {
        return stats.get("participants") instanceof Map<?, ?> m ? (Map<String, Map<String, Object>>) m : Map.of();
    }

    private static double number(Map<String, Object> stats, String kind, String field) {
        return BrowserFixture.stat(stats, kind, field);
    }

    private static List<AuditEvent> audit(String sessionId) {
        return E2E.server().records().journal().forSession(sessionId);
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static Map<String, String> ffprobe(Path file) throws Exception {
        Process p = new ProcessBuilder(
                        "ffprobe",
                        "-v",
                        "error",
                        "-count_frames",
                        "-select_streams",
                        "0",
                        "-show_entries",
                        "stream=codec_name,nb_read_frames:format=duration",
                        "-of",
                        "default=noprint_wrappers=1",
                        file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        Map<String, String> m = new HashMap<>();
        for (String line : out.split("\n")) {
            int i = line.indexOf('=');
            if (i > 0) {
                m.put(line.substring(0, i).trim(), line.substring(i + 1).trim());
            }
        }
        return m;
    }

    /** Visible texts that look like untranslated keys ("ticket.eta"): a string missing from i18n.js. */
    private static List<?> rawI18nKeys(Page page) {
        return (List<?>) page.evaluate("() => [...document.querySelectorAll('body *')]"
                + ".filter(el => el.offsetParent !== null && el.children.length === 0)"
                + ".map(el => el.textContent.trim() || el.placeholder || '')"
                + ".filter(text => /^[a-z]+(\\.[a-zA-Z_]+)+$/.test(text))");
    }
}
