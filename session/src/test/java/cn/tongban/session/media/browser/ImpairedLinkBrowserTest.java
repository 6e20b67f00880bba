package cn.tongban.session.media.browser;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.media.Bridge;
import cn.tongban.session.media.BridgeConfig;
import cn.tongban.session.media.MediaCounter;
import cn.tongban.session.media.Role;
import cn.tongban.testkit.Chromium;
import cn.tongban.testkit.UdpImpairment;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real Chromium through the real bridge with one participant on a bad link. The bridge advertises a second
 * loopback address, 127.0.0.2, where a {@link UdpImpairment} relay listens on the bridge's port and
 * forwards to the bridge; the clerk's offers carry only that candidate, the applicant's only the bridge's
 * own, so only the clerk's link is impaired ("down" is bridge to clerk). The applicant sends its camera and
 * screen; the clerk receives them. Each test prints what it measured.
 *
 * <p>About two minutes in all: in the {@code impaired-network} Maven profile (session/README.md, "Tests").
 */
@Tag("impaired-network")
class ImpairedLinkBrowserTest {
    private static final String RELAY_ADDRESS = "127.0.0.2";
    private static Bridge bridge;
    private static SignalingHarness harness;
    private static Chromium chromium;
    private static UdpImpairment relay;
    private static int sessions;
    private final List<BrowserContext> contexts = new ArrayList<>();
    private String session;
    private Page applicant;
    private Page clerk;

    @BeforeAll
    static void start() throws Exception {
        InetAddress relayAddress = InetAddress.getByName(RELAY_ADDRESS);
        bridge = Bridge.create(BridgeConfig.loopback(0).withAdvertisedAddresses(List.of(relayAddress)));
        relay = new UdpImpairment(
                new InetSocketAddress(relayAddress, bridge.port()),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), bridge.port()));
        harness = new SignalingHarness(bridge);
        harness.route("clerk", RELAY_ADDRESS);
        chromium = Chromium.launch(Chromium.flagsWith("--auto-accept-this-tab-capture"));
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (harness != null) {
            harness.close();
        }
        if (relay != null) {
            relay.close();
        }
        if (bridge != null) {
            bridge.close();
        }
    }

    @AfterEach
    void leave() {
        contexts.forEach(BrowserContext::close);
        bridge.removeEndpoint(session, "applicant");
        bridge.removeEndpoint(session, "clerk");
        relay.up().clear();
        relay.down().clear();
    }

    /** A new session: the applicant direct, the clerk through the relay, until the clerk decodes the camera. */
    private void join() throws Exception {
        session = "impaired-" + ++sessions;
        applicant = open("applicant", Role.APPLICANT);
        clerk = open("clerk", Role.CLERK);
        await("the clerk decodes the applicant's camera and screen", 60_000, () -> decoded(clerk) > 30);
        assertThat(relay.flows())
                .as("the clerk reaches the bridge through the relay")
                .isPositive();
    }

    private Page open(String participant, Role role) {
        BrowserContext ctx = chromium.browser().newContext();
        ctx.grantPermissions(
                List.of("camera", "microphone"),
                new BrowserContext.GrantPermissionsOptions().setOrigin(harness.origin()));
        contexts.add(ctx);
        Page page = ctx.newPage();
        page.navigate(harness.url(session, participant, role) + "&camera=640x480x30");
        return page;
    }

    // ---- the pages' getStats() ----------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> stats(Page p, String fn) {
        return (List<Map<String, Object>>) p.evaluate("() => window." + fn + " ? window." + fn + "() : []");
    }

    private static double number(Map<String, Object> m, String key) {
        return m.get(key) instanceof Number n ? n.doubleValue() : 0;
    }

    /** Sum of {@code key} over the page's video streams in {@code fn} (inbound from the applicant only). */
    private static double video(Page p, String fn, String key) {
        return stats(p, fn).stream()
                .filter(m -> "video".equals(m.get("kind")))
                .filter(m ->
                        fn.equals("outbound") || String.valueOf(m.get("track")).startsWith("applicant"))
                .mapToDouble(m -> number(m, key))
                .sum();
    }

    private long decoded(Page p) {
        return (long) video(p, "inbound", "framesDecoded");
    }

    /** The applicant's video send rate over {@code millis}, bits per second (outbound-rtp bytesSent). */
    private double sendRate(long millis) throws InterruptedException {
        double before = video(applicant, "outbound", "bytesSent");
        long t0 = System.nanoTime();
        Thread.sleep(millis);
        double after = video(applicant, "outbound", "bytesSent");
        return (after - before) * 8 / ((System.nanoTime() - t0) / 1e9);
    }

    private void await(String what, long timeoutMillis, BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (done.getAsBoolean()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("timed out waiting for " + what + "\n  clerk events: "
                + clerk.evaluate("() => window.events") + "\n  clerk inbound: " + stats(clerk, "inbound")
                + "\n  applicant outbound: " + stats(applicant, "outbound") + "\n  relay: " + relay
                + "\n  metrics: " + bridge.metrics().snapshot());
    }

    private static String load() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static String kbps(double bps) {
        return Math.round(bps / 1000) + " kbit/s";
    }

    // ---- the tests ----------------------------------------------------------------------------------

    /**
     * The clerk's downlink is cut to 300 kbit/s (300 ms queue): its browser's REMB falls, the bridge passes
     * it on, and the applicant's video slows to what the clerk can take; it rises again once the limit is
     * lifted. With the old fixed 4 Mbit/s REMB the applicant never slows (the relay just drops the excess).
     */
    @Test
    void aReceiverOnA300kLinkSlowsTheSenderAndReleasesItWhenTheLinkRecovers() throws Exception {
        join();
        // Let the applicant ramp up first: its camera and screen, unconstrained on loopback.
        Thread.sleep(5_000);
        double free = sendRate(3_000);
        System.out.println("[impaired] 300k: before the limit the applicant sends " + kbps(free) + "; clerk "
                + bridge.bandwidth(session, "clerk") + ", applicant " + bridge.bandwidth(session, "applicant")
                + "; load " + load());

        relay.down().queueMillis(300).rateKbps(300);
        long limited = System.nanoTime();
        double[] rate = {Double.MAX_VALUE};
        await("the applicant's video to fall to what a 300 kbit/s receiver can take", 15_000, () -> {
            try {
                rate[0] = sendRate(2_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return rate[0] <= 400_000;
        });
        double tookSeconds = (System.nanoTime() - limited) / 1e9;
        double held = sendRate(4_000);
        System.out.printf(
                "[impaired] 300k: the applicant fell to %s within %.1f s (2 s windows); over the next 4 s %s;"
                        + " clerk %s; %s; load %s%n",
                kbps(rate[0]), tookSeconds, kbps(held), bridge.bandwidth(session, "clerk"), relay.down(), load());
        assertThat(tookSeconds).as("seconds to slow down").isLessThanOrEqualTo(12);
        assertThat(held).as("held down").isLessThanOrEqualTo(450_000);
        assertThat(free).as("the limit mattered").isGreaterThan(2 * held);

        relay.down().rateKbps(0);
        long lifted = System.nanoTime();
        double[] up = {0};
        await("the applicant's video to rise again", 45_000, () -> {
            try {
                up[0] = sendRate(2_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return up[0] >= Math.min(2 * held, 0.7 * free);
        });
        System.out.printf(
                "[impaired] 300k: lifted, the applicant rose to %s within %.1f s; clerk %s%n",
                kbps(up[0]), (System.nanoTime() - lifted) / 1e9, bridge.bandwidth(session, "clerk"));
    }

    /**
     * 5 % loss on the clerk's downlink: the bridge resends from its cache what the clerk asks for, the
     * applicant is hardly asked, and the clerk keeps decoding without long freezes.
     */
    @Test
    void fivePercentLossIsRepairedByTheBridgeAndTheVideoKeepsPlaying() throws Exception {
        join();
        long repairedBefore = bridge.metrics().count(MediaCounter.RTP_RETRANSMITTED);
        double nacksBefore = video(clerk, "inbound", "nackCount");
        double resentBefore = video(applicant, "outbound", "retransmittedPacketsSent");
        double freezesBefore = video(clerk, "inbound", "freezeCount");
        double frozenBefore = video(clerk, "inbound", "totalFreezesDuration");
        long framesBefore = decoded(clerk);

        relay.down().lossPercent(5);
        Thread.sleep(15_000);
        long repaired = bridge.metrics().count(MediaCounter.RTP_RETRANSMITTED) - repairedBefore;
        double nacks = video(clerk, "inbound", "nackCount") - nacksBefore;
        double resent = video(applicant, "outbound", "retransmittedPacketsSent") - resentBefore;
        double freezes = video(clerk, "inbound", "freezeCount") - freezesBefore;
        double frozen = video(clerk, "inbound", "totalFreezesDuration") - frozenBefore;
        long frames = decoded(clerk) - framesBefore;
        System.out.printf(
                "[impaired] 5 %% loss, 15 s: bridge repaired %d packets, clerk sent %.0f NACKs, applicant resent"
                        + " %.0f; clerk decoded %d frames (%.1f/s), %.0f freezes, %.2f s frozen; %s; load %s%n",
                repaired, nacks, resent, frames, frames / 15.0, freezes, frozen, relay.down(), load());
        assertThat(repaired).isPositive();
        assertThat(nacks).isPositive();
        assertThat(resent).as("the applicant's own retransmissions").isLessThanOrEqualTo(Math.max(5, repaired / 10));
        // Camera 15 fps + screen 5 fps: most frames still decode, and the picture does not stall.
        assertThat(frames / 15.0).isGreaterThanOrEqualTo(12);
        assertThat(freezes).isLessThanOrEqualTo(3);
        assertThat(frozen).isLessThan(2.0);
    }

    /**
     * A clerk 200 ms further away each way (from the start, as a distant participant is): media flows both
     * ways, repairs and reports still work, and the delay alone does not slow the applicant.
     */
    @Test
    void twoHundredMillisecondsOfDelayChangeNothingButTheLatency() throws Exception {
        relay.up().delayMillis(200);
        relay.down().delayMillis(200);
        join();
        Thread.sleep(5_000);
        long framesBefore = decoded(clerk);
        long applicantBefore = (long) stats(applicant, "inbound").stream()
                .filter(m -> String.valueOf(m.get("track")).startsWith("clerk") && "video".equals(m.get("kind")))
                .mapToDouble(m -> number(m, "framesDecoded"))
                .sum();
        double rate = sendRate(10_000);
        long frames = decoded(clerk) - framesBefore;
        long applicantFrames = (long) stats(applicant, "inbound").stream()
                        .filter(m ->
                                String.valueOf(m.get("track")).startsWith("clerk") && "video".equals(m.get("kind")))
                        .mapToDouble(m -> number(m, "framesDecoded"))
                        .sum()
                - applicantBefore;
        System.out.printf(
                "[impaired] 200 ms each way, 10 s: clerk decoded %d frames, applicant %d; applicant sends %s;"
                        + " clerk %s, applicant %s; events %s; load %s%n",
                frames,
                applicantFrames,
                kbps(rate),
                bridge.bandwidth(session, "clerk"),
                bridge.bandwidth(session, "applicant"),
                clerk.evaluate("() => window.events"),
                load());
        assertThat(frames / 10.0).as("clerk's frames per second").isGreaterThanOrEqualTo(12);
        assertThat(applicantFrames / 10.0).as("applicant's frames per second").isGreaterThanOrEqualTo(12);
        // Delay alone is no congestion: the applicant is not slowed to the floor.
        assertThat(rate).isGreaterThan(300_000);
    }

    /** The clerk's link goes dark for 10 s: afterwards video resumes both ways without a reload. */
    @Test
    void aTenSecondBlackoutEndsWithMediaResumingWithoutAReload() throws Exception {
        join();
        relay.blackout(true);
        Thread.sleep(10_000);
        long stalled = decoded(clerk);
        relay.blackout(false);
        long lifted = System.nanoTime();
        await("the clerk to decode again after the blackout", 10_000, () -> decoded(clerk) > stalled + 15);
        double resumed = (System.nanoTime() - lifted) / 1e9;
        System.out.printf(
                "[impaired] 10 s blackout: the clerk decodes again %.1f s after it ended; events %s; %s; load %s%n",
                resumed, clerk.evaluate("() => window.events"), relay.down(), load());
        assertThat(resumed).isLessThanOrEqualTo(5);
    }
}
