package cn.tongban.signaling.ice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.config.IceOptions;
import cn.tongban.signaling.protocol.ServerMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TurnCredentialsTest {
    private static final String SECRET = "tongban-known-answer-secret";

    @Test
    void credentialIsTheBase64OfHmacSha1OfTheUsername() {
        // printf '%s' '1795358700:aB3dE5fG7hJ9kL1m' | openssl dgst -sha1 -hmac tongban-known-answer-secret -binary |
        // base64
        assertThat(TurnCredentials.credential(SECRET, "1795358700:aB3dE5fG7hJ9kL1m"))
                .isEqualTo("Z1XgamB/2X4qJ66ZG1HRomP3avQ=");
    }

    @Test
    void usernameIsTheExpiryInUnixSecondsThenTheOpaqueId() {
        assertThat(TurnCredentials.username(Instant.ofEpochMilli(1_795_358_700_999L), "x1"))
                .isEqualTo("1795358700:x1");
        assertThatThrownBy(() -> TurnCredentials.username(Instant.EPOCH, "a:b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TurnCredentials.username(Instant.EPOCH, ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void issuedCredentialsExpireOneLifetimeLaterAndNameNobody() {
        IceOptions.Turn turn = new IceOptions.Turn(
                List.of("turn:turn.example.gov.cn:3478", "turns:turn.example.gov.cn:443?transport=tcp"),
                SECRET,
                Duration.ofHours(4));
        Instant now = Instant.parse("2026-12-07T09:00:00Z");
        ServerMessage.IceServer a = TurnCredentials.issue(turn, now);
        ServerMessage.IceServer b = TurnCredentials.issue(turn, now);
        assertThat(a.urls()).isEqualTo(turn.urls());
        String[] parts = a.username().split(":", 2);
        assertThat(Long.parseLong(parts[0]))
                .isEqualTo(now.plus(Duration.ofHours(4)).getEpochSecond());
        assertThat(parts[1]).matches("[A-Za-z0-9_-]{16}");
        assertThat(a.credential()).isEqualTo(TurnCredentials.credential(SECRET, a.username()));
        // Two connections never share a username, so neither can be told apart from the other by it alone.
        assertThat(a.username()).isNotEqualTo(b.username());
    }

    @Test
    void weakSecretsAndWrongUrlsAreRefusedAndTheSecretIsNeverPrinted() {
        assertThatThrownBy(() -> new IceOptions.Turn(List.of("turn:t:3478"), "short", Duration.ofHours(1)))
                .hasMessageContaining("at least 16 bytes");
        assertThatThrownBy(() -> new IceOptions.Turn(List.of("stun:t:3478"), SECRET, Duration.ofHours(1)))
                .hasMessageContaining("not a turn:");
        assertThatThrownBy(() -> new IceOptions.Turn(List.of(), SECRET, Duration.ofHours(1)))
                .hasMessageContaining("at least one");
        assertThat(new IceOptions.Turn(List.of("turn:t:3478"), SECRET, Duration.ofHours(1)).toString())
                .doesNotContain(SECRET);
        assertThatThrownBy(() -> new IceOptions(
                        List.of(new ServerMessage.IceServer(List.of("turn:t:3478"), null, null)), null, false))
                .hasMessageContaining("--turn-url");
        assertThatThrownBy(() -> new IceOptions(List.of(), null, true)).hasMessageContaining("relay");
    }
}
