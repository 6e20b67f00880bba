package cn.tongban.session.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The control API's contract: offers, versions, listeners, errors. No media flows here. */
class BridgeApiTest {
    private static Bridge bridge;
    private static final List<BridgeOffer> updates = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        bridge = Bridge.create(BridgeConfig.loopback(0));
        bridge.addListener(updates::add);
    }

    @AfterAll
    static void stop() {
        bridge.close();
    }

    @Test
    void offersGrowWhenTracksAppearAndGoInactiveWhenTheirSenderLeaves() throws Exception {
        String s = "api-1";
        BridgeOffer clerk = bridge.allocateEndpoint(s, "clerk", Role.CLERK);
        assertThat(clerk.version()).isEqualTo(1);
        assertThat(clerk.uploadMids()).containsOnlyKeys(TrackKind.AUDIO, TrackKind.CAMERA, TrackKind.SCREEN);
        assertThat(clerk.sdp()).contains("a=candidate:").contains(" " + bridge.port() + " typ host");

        try (SimulatedParticipant applicant = new SimulatedParticipant("applicant", 101, 102)) {
            BridgeOffer offer = bridge.allocateEndpoint(s, "applicant", Role.APPLICANT);
            updates.clear();
            bridge.setRemoteDescription(s, "applicant", applicant.answer(offer, applicant.certificate.fingerprint()));
            // The clerk gets a new offer with the applicant's audio and camera (the screen was not sent).
            assertThat(updates).singleElement().satisfies(u -> {
                assertThat(u.participantId()).isEqualTo("clerk");
                assertThat(u.version()).isEqualTo(2);
                assertThat(u.sdp()).contains("a=ssrc:101 msid:applicant applicant-audio");
                assertThat(u.sdp()).contains("a=ssrc:102 msid:applicant applicant-camera");
            });
            assertThat(bridge.currentOffer(s, "clerk")).isEqualTo(updates.get(0));

            // The same answer again changes nothing.
            updates.clear();
            bridge.setRemoteDescription(s, "applicant", applicant.answer(offer, applicant.certificate.fingerprint()));
            assertThat(updates).isEmpty();

            updates.clear();
            bridge.removeEndpoint(s, "applicant");
            assertThat(updates).singleElement().satisfies(u -> {
                assertThat(u.version()).isEqualTo(3);
                assertThat(u.sdp()).doesNotContain("a=ssrc:").contains("a=inactive");
            });
        }
        // A later participant's tracks reuse the inactive m-lines instead of growing the offer.
        try (SimulatedParticipant helper = new SimulatedParticipant("helper", 201, 202)) {
            BridgeOffer offer = bridge.allocateEndpoint(s, "helper", Role.HELPER);
            int mlinesBefore = bridge.currentOffer(s, "clerk").sdp().split("m=").length;
            bridge.setRemoteDescription(s, "helper", helper.answer(offer, helper.certificate.fingerprint()));
            BridgeOffer clerkNow = bridge.currentOffer(s, "clerk");
            assertThat(clerkNow.sdp().split("m=")).hasSize(mlinesBefore);
            assertThat(clerkNow.sdp()).contains("a=ssrc:202 msid:helper helper-camera");
        }
    }

    @Test
    void errorsAreExplicit() {
        String s = "api-2";
        bridge.allocateEndpoint(s, "p", Role.APPLICANT);
        assertThatThrownBy(() -> bridge.allocateEndpoint(s, "p", Role.CLERK))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already");
        assertThatThrownBy(() -> bridge.setRemoteDescription(s, "nobody", "v=0"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bridge.setRemoteDescription(s, "p", "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"))
                .isInstanceOf(cn.tongban.session.media.sdp.SdpException.class);
        assertThatThrownBy(() -> bridge.currentOffer("no-such-session", "p"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bridge.stopRecording(s)).isInstanceOf(IllegalStateException.class);
        bridge.removeEndpoint(s, "nobody"); // ignored
        bridge.removeEndpoint("no-such-session", "p"); // ignored
        bridge.removeEndpoint(s, "p");
        assertThatThrownBy(() -> bridge.currentOffer(s, "p")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recordingTwiceIsRefusedAndAnEmptyRecordingHasAnEmptyManifest() throws Exception {
        String s = "api-3";
        bridge.allocateEndpoint(s, "p", Role.APPLICANT);
        var dir = Files.createTempDirectory("tongban-api-rec");
        bridge.startRecording(s, dir);
        assertThatThrownBy(() -> bridge.startRecording(s, dir)).isInstanceOf(IllegalStateException.class);
        var manifest = bridge.stopRecording(s);
        assertThat(manifest.tracks()).isEmpty();
        assertThat(Files.readString(dir.resolve("manifest.json"))).contains("\"sessionId\": \"api-3\"");
        bridge.removeEndpoint(s, "p");
    }

    @Test
    void advertisedAddressesAreOfferedAsExtraHostCandidatesOnTheSamePort() throws Exception {
        InetAddress publicAddress = InetAddress.getByName("203.0.113.7");
        try (Bridge natted = Bridge.create(BridgeConfig.loopback(0).withAdvertisedAddresses(List.of(publicAddress)))) {
            BridgeOffer offer = natted.allocateEndpoint("api-adv", "p", Role.CLERK);
            List<String> candidates = offer.sdp()
                    .lines()
                    .filter(l -> l.startsWith("a=candidate:"))
                    .distinct()
                    .toList();
            assertThat(candidates).hasSize(2);
            assertThat(candidates.get(0)).contains(" 127.0.0.1 " + natted.port() + " typ host");
            assertThat(candidates.get(1))
                    .startsWith("a=candidate:adv0 1 udp ")
                    .endsWith(" 203.0.113.7 " + natted.port() + " typ host");
            long[] priorities = candidates.stream()
                    .mapToLong(l -> Long.parseLong(l.split(" ")[3]))
                    .toArray();
            assertThat(priorities[1]).isLessThan(priorities[0]);
            natted.removeEndpoint("api-adv", "p");
        }
    }
}
