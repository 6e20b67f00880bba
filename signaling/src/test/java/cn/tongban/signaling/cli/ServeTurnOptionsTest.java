package cn.tongban.signaling.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code serve}'s STUN/TURN options refuse what would hand out relays carelessly, with a message that says
 * what to do, before anything starts (exit code 2, picocli's usage error) — and never print the secret.
 */
class ServeTurnOptionsTest {
    @TempDir
    Path dir;

    private record Run(int exit, String err) {}

    private static Run serve(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void staticCredentialsAreGoneAndSayWhatReplacedThem() {
        Run r = serve("--turn-username", "tongban", "--turn-credential", "change-me");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--turn-username and --turn-credential were removed", "--turn-secret-file");
    }

    @Test
    void aTurnUrlIsNotAStunServer() {
        Run r = serve("--ice-server", "turn:turn.example.gov.cn:3478");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("not a stun: URL", "--turn-url");
    }

    @Test
    void aTurnUrlNeedsAReadableStrongSecret() throws Exception {
        Run none = serve("--turn-url", "turn:turn.example.gov.cn:3478");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("--turn-url needs --turn-secret-file");

        Run missing = serve(
                "--turn-url",
                "turn:turn.example.gov.cn:3478",
                "--turn-secret-file",
                dir.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--turn-secret-file: cannot read");

        Path weak = Files.writeString(dir.resolve("weak"), "hunter2-secret\n");
        Run short_ = serve("--turn-url", "turn:turn.example.gov.cn:3478", "--turn-secret-file", weak.toString());
        assertThat(short_.exit()).isEqualTo(2);
        assertThat(short_.err()).contains("at least 16 bytes").doesNotContain("hunter2");

        Path example = Files.writeString(dir.resolve("example"), "CHANGE-ME-openssl-rand-hex-32\n");
        Run placeholder =
                serve("--turn-url", "turn:turn.example.gov.cn:3478", "--turn-secret-file", example.toString());
        assertThat(placeholder.exit()).isEqualTo(2);
        assertThat(placeholder.err()).contains("placeholder of deploy/coturn/turnserver.conf");

        Path good = Files.writeString(dir.resolve("good"), "0123456789abcdef0123456789abcdef\n");
        Run stun = serve("--turn-url", "stun:turn.example.gov.cn:3478", "--turn-secret-file", good.toString());
        assertThat(stun.exit()).isEqualTo(2);
        assertThat(stun.err()).contains("not a turn: or turns: URL").doesNotContain("0123456789abcdef");
    }

    @Test
    void relayOnlyNeedsATurnServer() {
        Run r = serve("--ice-transport-policy", "relay");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("relay transport policy needs a TURN server");
        Run bad = serve("--ice-transport-policy", "tcp");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--ice-transport-policy must be all or relay");
    }
}
