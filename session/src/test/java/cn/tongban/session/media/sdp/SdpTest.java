package cn.tongban.session.media.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.session.media.ice.IceCandidate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SdpTest {
    private static final String FP = String.join(":", java.util.Collections.nCopies(32, "AB"));

    @Test
    void offerHasBundleIceLiteActpassAndForwardedSsrcs() {
        String sdp = BridgeOfferWriter.write(
                7,
                3,
                "ufrag",
                "password",
                FP,
                List.of(new IceCandidate("1", 2130706431L, "127.0.0.1", 10000)),
                List.of(
                        OfferMedia.upload("0", MediaKind.AUDIO),
                        OfferMedia.upload("1", MediaKind.VIDEO),
                        new OfferMedia("2", MediaKind.VIDEO, Direction.SENDONLY, 11, 12, "clerk", "clerk-camera"),
                        new OfferMedia("3", MediaKind.VIDEO, Direction.INACTIVE, 0, 0, null, null)));
        assertThat(sdp).startsWith("v=0\r\no=tongban-bridge 7 3 IN IP4 0.0.0.0\r\n");
        assertThat(sdp).contains("a=group:BUNDLE 0 1 2 3\r\n", "a=ice-lite\r\n", "a=setup:actpass\r\n");
        assertThat(sdp).contains("a=fingerprint:sha-256 " + FP + "\r\n");
        assertThat(sdp).contains("a=candidate:1 1 udp 2130706431 127.0.0.1 10000 typ host\r\n");
        assertThat(sdp).contains("a=ssrc-group:FID 11 12\r\n", "a=ssrc:11 msid:clerk clerk-camera\r\n");
        assertThat(sdp).contains("a=rtcp-rsize\r\n", "a=rtcp-fb:96 goog-remb\r\n", "a=rtcp-fb:96 nack pli\r\n");
        assertThat(sdp).doesNotContain("transport-cc");
        // abs-send-time on each video m-line only, with one id for all (forwarded packets keep it in place).
        assertThat(sdp.split("a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n", -1))
                .hasSize(4);
        assertThat(sdp.split("a=extmap", -1)).hasSize(4);
        assertThat(sdp.split("m=video", -1)).hasSize(4);
        assertThat(sdp).doesNotContain("\n\n").endsWith("\r\n");
    }

    private static final String ANSWER = String.join(
            "\r\n",
            "v=0",
            "o=- 1 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE 0 1 2",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111",
            "a=ice-ufrag:abcd",
            "a=ice-pwd:0123456789012345678901",
            "a=fingerprint:sha-256 " + FP.toLowerCase(java.util.Locale.ROOT),
            "a=setup:active",
            "a=mid:0",
            "a=sendonly",
            "a=ssrc:1001 cname:x",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
            "a=mid:1",
            "a=sendonly",
            "a=ssrc-group:FID 2001 2002",
            "a=ssrc:2001 cname:x",
            "a=ssrc:2002 cname:x",
            "m=video 0 UDP/TLS/RTP/SAVPF 96 97",
            "a=mid:2",
            "a=inactive",
            "");

    @Test
    void parsesChromiumStyleAnswer() throws SdpException {
        RemoteDescription d = SdpParser.parseAnswer(ANSWER);
        assertThat(d.iceUfrag()).isEqualTo("abcd");
        assertThat(d.fingerprint()).isEqualTo(FP);
        assertThat(d.media()).hasSize(3);
        assertThat(d.media("0").orElseThrow().ssrc()).isEqualTo(1001);
        RemoteDescription.Media v = d.media("1").orElseThrow();
        assertThat(v.kind()).isEqualTo(MediaKind.VIDEO);
        assertThat(v.direction()).isEqualTo(Direction.SENDONLY);
        assertThat(v.ssrc()).isEqualTo(2001);
        assertThat(v.rtxSsrc()).isEqualTo(2002);
        assertThat(d.media("2").orElseThrow().rejected()).isTrue();
    }

    static Stream<Arguments> badAnswers() {
        return Stream.of(
                Arguments.of("no ufrag", ANSWER.replace("a=ice-ufrag:abcd\r\n", ""), "ice-ufrag"),
                Arguments.of("no fingerprint", ANSWER.replaceAll("a=fingerprint:[^\r]*\r\n", ""), "fingerprint"),
                Arguments.of("sha-1 fingerprint", ANSWER.replace("sha-256", "sha-1"), "fingerprint"),
                Arguments.of("passive", ANSWER.replace("setup:active", "setup:passive"), "setup"),
                Arguments.of("ssrc not a number", ANSWER.replace("ssrc:1001", "ssrc:x"), "SSRC"),
                Arguments.of("ssrc too big", ANSWER.replace("ssrc:1001", "ssrc:4294967296"), "SSRC"),
                Arguments.of("no mid", ANSWER.replace("a=mid:2\r\n", ""), "mid"),
                Arguments.of("unknown media", ANSWER.replace("m=audio", "m=text"), "unsupported"),
                Arguments.of("oversized", "a=x\r\n".repeat(20_000), "oversized"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badAnswers")
    void rejectsAnswersTheBridgeCannotUse(String name, String sdp, String message) {
        assertThatThrownBy(() -> SdpParser.parseAnswer(sdp))
                .isInstanceOf(SdpException.class)
                .hasMessageContaining(message);
    }
}
