package cn.tongban.session.media.browser;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.media.Bridge;
import cn.tongban.session.media.BridgeConfig;
import cn.tongban.session.media.Ffprobe;
import cn.tongban.session.media.MediaCounter;
import cn.tongban.session.media.Role;
import cn.tongban.session.media.TrackKind;
import cn.tongban.session.media.recording.RecordingManifest;
import cn.tongban.session.media.recording.TrackFile;
import cn.tongban.testkit.Chromium;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real Chromium pages connected through the real bridge (ice4j, DTLS, SRTP): three sending participants
 * and a silent supervisor in one session.
 */
class BrowserBridgeTest {
    private static final String SESSION = "s-1";
    private static Bridge bridge;
    private static SignalingHarness harness;
    private static Chromium chromium;
    private static Browser browser;
    private static final List<BrowserContext> contexts = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        bridge = Bridge.create(BridgeConfig.loopback(0));
        harness = new SignalingHarness(bridge);
        chromium = Chromium.launch(Chromium.flagsWith("--auto-accept-this-tab-capture"));
        browser = chromium.browser();
    }

    @AfterAll
    static void stop() {
        contexts.forEach(BrowserContext::close);
        if (chromium != null) {
            chromium.close();
        }
        if (harness != null) {
            harness.close();
        }
        if (bridge != null) {
            bridge.close();
        }
    }

    private static Page open(String participant, Role role) {
        BrowserContext ctx = browser.newContext();
        ctx.grantPermissions(
                List.of("camera", "microphone"),
                new BrowserContext.GrantPermissionsOptions().setOrigin(harness.origin()));
        contexts.add(ctx);
        Page page = ctx.newPage();
        page.navigate(harness.url(SESSION, participant, role));
        return page;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> inbound(Page p) {
        return (List<Map<String, Object>>) p.evaluate("() => window.inbound ? window.inbound() : []");
    }

    /**
     * Every sending participant's audio, camera and screen are in the manifest with a correct SHA-256;
     * ffprobe reads each file with the right codec; the applicant's camera lasts as long as the call
     * (within 10 %) and has as many frames as the applicant's browser sent meanwhile (within 10 %).
     */
    private static void checkRecording(RecordingManifest manifest, double callSeconds, long framesSent)
            throws Exception {
        assertThat(manifest.tracks())
                .extracting(t -> t.participantId() + "/" + t.kind())
                .containsExactlyInAnyOrder(
                        "applicant/AUDIO",
                        "applicant/CAMERA",
                        "applicant/SCREEN",
                        "clerk/AUDIO",
                        "clerk/CAMERA",
                        "clerk/SCREEN",
                        "helper/AUDIO",
                        "helper/CAMERA",
                        "helper/SCREEN");
        assertThat(Files.readString(manifest.path()))
                .contains(manifest.tracks().get(0).sha256());
        for (TrackFile t : manifest.tracks()) {
            byte[] bytes = Files.readAllBytes(t.file());
            assertThat(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                    .isEqualTo(t.sha256());
            Map<String, String> probe = Ffprobe.stream(t.file());
            assertThat(probe.get("codec_name"))
                    .as(t.toString())
                    .isEqualTo(t.kind() == TrackKind.AUDIO ? "opus" : "vp8");
            assertThat(Long.parseLong(probe.get("nb_read_frames")))
                    .as(t.toString())
                    .isPositive();
        }
        TrackFile camera = manifest.tracks().stream()
                .filter(t -> t.participantId().equals("applicant") && t.kind() == TrackKind.CAMERA)
                .findFirst()
                .orElseThrow();
        Map<String, String> probe = Ffprobe.stream(camera.file());
        double expected = callSeconds - camera.startOffsetMillis() / 1000.0;
        System.out.println("recording: call " + callSeconds + " s, applicant camera " + probe + ", offset "
                + camera.startOffsetMillis() + " ms, applicant sent " + framesSent + " frames meanwhile");
        assertThat(Double.parseDouble(probe.get("duration")))
                .isCloseTo(expected, org.assertj.core.data.Percentage.withPercentage(10));
        // The file starts at the first keyframe after recording began, so compare with the frame rate the
        // applicant's browser sent over the same call, applied to the file's duration.
        double duration = Double.parseDouble(probe.get("duration"));
        double expectedFrames = framesSent / callSeconds * duration;
        assertThat((double) Long.parseLong(probe.get("nb_read_frames")))
                .isCloseTo(expectedFrames, org.assertj.core.data.Percentage.withPercentage(10));
    }

    private static long framesSent(Page p, long ssrc) {
        return outbound(p).stream()
                .filter(m -> number(m, "ssrc") == ssrc)
                .mapToLong(m -> number(m, "framesSent"))
                .sum();
    }

    @SuppressWarnings("unchecked")
    private static List<String> events(Page p) {
        return (List<String>) p.evaluate("() => window.events");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> outbound(Page p) {
        return (List<Map<String, Object>>) p.evaluate("() => window.outbound()");
    }

    private static long number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static Map<String, Object> track(Page p, String trackId) {
        return inbound(p).stream()
                .filter(m -> trackId.equals(m.get("track")))
                .findFirst()
                .orElse(Map.of());
    }

    private static void await(String what, long timeoutMillis, Page[] pages, Predicate<Void> done)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (done.test(null)) {
                return;
            }
            Thread.sleep(250);
        }
        StringBuilder sb = new StringBuilder("timed out waiting for " + what + "\n");
        for (Page p : pages) {
            sb.append(p.url()).append("\n  events: ").append(p.evaluate("() => window.events"));
            sb.append("\n  inbound: ").append(inbound(p));
            sb.append("\n  outbound: ").append(p.evaluate("() => window.outbound ? window.outbound() : []"));
            sb.append('\n');
        }
        sb.append("metrics: ").append(bridge.metrics().snapshot());
        throw new AssertionError(sb.toString());
    }

    private static boolean decodes(Page p, String... tracks) {
        for (String t : tracks) {
            Map<String, Object> m = track(p, t);
            String key = t.endsWith("-audio") ? "packets" : "framesDecoded";
            if (number(m, key) <= 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void threePartiesAndASupervisorDecodeEachOtherThroughTheBridge() throws Exception {
        Page applicant = open("applicant", Role.APPLICANT);
        Page clerk = open("clerk", Role.CLERK);
        Page helper = open("helper", Role.HELPER);
        Page[] all = {applicant, clerk, helper};

        await(
                "everyone decodes everyone's camera and screen",
                60_000,
                all,
                x -> decodes(applicant, "clerk-camera", "clerk-screen", "clerk-audio", "helper-camera", "helper-screen")
                        && decodes(clerk, "applicant-camera", "applicant-screen", "applicant-audio", "helper-camera")
                        && decodes(helper, "applicant-camera", "applicant-screen", "clerk-camera", "clerk-screen"));

        // Recording starts mid-call, as a policy switch would; it runs through the rest of the test.
        Path recordings = Files.createTempDirectory("tongban-recording");
        long recordingStart = System.nanoTime();
        long cameraSsrc = number(track(clerk, "applicant-camera"), "ssrc");
        long sentAtStart = framesSent(applicant, cameraSsrc);
        bridge.startRecording(SESSION, recordings);

        Page supervisor = open("supervisor", Role.SUPERVISOR);
        Page[] withSupervisor = {applicant, clerk, helper, supervisor};
        await(
                "the supervisor receives everyone",
                45_000,
                withSupervisor,
                x -> decodes(
                        supervisor,
                        "applicant-camera",
                        "applicant-screen",
                        "applicant-audio",
                        "clerk-camera",
                        "helper-camera"));
        // Nobody receives anything from the supervisor: it has no upload m-lines.
        for (Page p : all) {
            assertThat(inbound(p)).noneMatch(m -> String.valueOf(m.get("track")).startsWith("supervisor"));
        }

        // A PLI from the bridge makes the applicant's camera send a keyframe that the clerk decodes.
        long before = number(track(clerk, "applicant-camera"), "keyFramesDecoded");
        long requestsBefore = bridge.metrics().count(MediaCounter.KEYFRAME_REQUESTS_SENT);
        Thread.sleep(300); // past the bridge's keyframe-request throttle
        bridge.requestKeyframe(SESSION, "applicant");
        await(
                "a keyframe after the PLI",
                10_000,
                withSupervisor,
                x -> number(track(clerk, "applicant-camera"), "keyFramesDecoded") > before);
        assertThat(bridge.metrics().count(MediaCounter.KEYFRAME_REQUESTS_SENT)).isGreaterThan(requestsBefore);

        assertThat(bridge.metrics().count(MediaCounter.DTLS_HANDSHAKES_COMPLETED))
                .isEqualTo(4);
        assertThat(bridge.metrics().count(MediaCounter.DROPPED_SRTP_AUTH)).isZero();
        assertThat(bridge.metrics().count(MediaCounter.DROPPED_UNKNOWN_SSRC)).isZero();
        assertThat(bridge.metrics().count(MediaCounter.RTP_FORWARDED)).isPositive();

        // REMB + RR let the shared screen ramp up: at least 1.5 Mbps available for it on loopback.
        long screenSsrc = number(track(clerk, "applicant-screen"), "ssrc");
        await(
                "the applicant's screen to target at least 1.5 Mbps",
                20_000,
                withSupervisor,
                x -> outbound(applicant).stream()
                        .anyMatch(m -> number(m, "ssrc") == screenSsrc && number(m, "targetBitrate") >= 1_500_000));
        System.out.println(
                "bridge metrics after the browser test: " + bridge.metrics().snapshot());
        // Chromium reports what it can receive (REMB, goog-remb without transport-cc); the bridge passes it
        // on to the senders, and on loopback nobody is held down by it.
        for (String p : List.of("applicant", "clerk", "helper", "supervisor")) {
            System.out.println("bandwidth of " + p + ": " + bridge.bandwidth(SESSION, p));
        }
        // Chromium's first REMB may come a few seconds into the call (the screen above can reach its target
        // sooner), and an estimate counts for 3 s after its report: wait for a current one rather than demand
        // one at this instant.
        await(
                "a current receive estimate from the supervisor",
                15_000,
                withSupervisor,
                x -> bridge.bandwidth(SESSION, "supervisor").receiveEstimate() > 0);
        assertThat(bridge.metrics().count(MediaCounter.REMB_RECEIVED)).isPositive();

        long minimum = recordingStart + 8_000_000_000L;
        while (System.nanoTime() < minimum) {
            Thread.sleep(100);
        }
        long sentAtStop = framesSent(applicant, cameraSsrc);
        double callSeconds = (System.nanoTime() - recordingStart) / 1e9;
        RecordingManifest manifest = bridge.stopRecording(SESSION);
        checkRecording(manifest, callSeconds, sentAtStop - sentAtStart);

        // Leaving: the others get offers without the helper's tracks (the m-lines go inactive).
        bridge.removeEndpoint(SESSION, "helper");
        long version = bridge.currentOffer(SESSION, "applicant").version();
        assertThat(bridge.currentOffer(SESSION, "applicant").sdp()).doesNotContain("msid:helper");
        long stillDecoding = number(track(clerk, "applicant-camera"), "framesDecoded");
        Page[] remaining = {applicant, clerk, supervisor};
        await(
                "the others to renegotiate without the helper",
                20_000,
                remaining,
                x -> events(applicant).contains("applied offer " + version)
                        && number(track(clerk, "applicant-camera"), "framesDecoded") > stillDecoding + 10);
        for (Page p : remaining) {
            assertThat(events(p)).noneMatch(e -> e.contains("failed") || e.contains("rejected"));
        }
    }
}
