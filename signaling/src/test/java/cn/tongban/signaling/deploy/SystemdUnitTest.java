package cn.tongban.signaling.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/systemd/tongban.service as systemd reads it: {@code systemd-analyze verify} without a word, and
 * {@code systemd-analyze security} (offline, on the file) better than 4 — the unit it replaced scored 8.5
 * "EXPOSED". Needs the {@code systemd} package's tools, not systemd as init (.ci/run installs them).
 */
class SystemdUnitTest {
    private static final Path UNIT = Path.of("..", "deploy", "systemd", "tongban.service");
    private static final Pattern OVERALL = Pattern.compile("Overall exposure level for \\S+: (\\d+\\.\\d+) (\\S+)");

    @Test
    void systemdReadsTheUnitWithoutComplaint(@TempDir Path dir) throws Exception {
        String unit = Files.readString(UNIT);
        // verify checks that ExecStart's program exists; where Java is not /usr/bin/java, the test's own stands in.
        if (!Files.isExecutable(Path.of("/usr/bin/java"))) {
            unit = unit.replace("/usr/bin/java ", Path.of(System.getProperty("java.home"), "bin", "java") + " ");
        }
        Path copy = dir.resolve("tongban.service");
        Files.writeString(copy, unit);
        Result r = run("systemd-analyze", "verify", copy.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        // Unknown keys and bad values are only warnings to verify: there must be none.
        assertThat(r.output()).isEmpty();
    }

    @Test
    void exposureIsBelow4() throws Exception {
        Result r = run("systemd-analyze", "security", "--offline=true", "--no-pager", UNIT.toString());
        Matcher m = OVERALL.matcher(r.output());
        assertThat(m.find()).as(r.output()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).as(r.output()).isLessThan(4.0);
    }

    @Test
    void theUnitRunsTheJarWithTheEnvFilesSettings() throws IOException {
        List<String> lines = Files.readAllLines(UNIT);
        assertThat(lines)
                .contains(
                        "EnvironmentFile=/etc/tongban/tongban.env",
                        "ExecStart=/usr/bin/java $TONGBAN_JAVA_OPTS -jar /opt/tongban/tongban.jar serve $TONGBAN_ARGS",
                        // The JVM's exit status after SIGTERM: systemctl stop is not a failure.
                        "SuccessExitStatus=143",
                        "StateDirectory=tongban",
                        "UMask=0027",
                        "CapabilityBoundingSet=");
        // The JIT writes the code it then runs: with this set the JVM does not start.
        assertThat(lines).noneMatch(l -> l.startsWith("MemoryDenyWriteExecute="));
    }

    private record Result(int exit, String output) {}

    private static Result run(String... cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(cmd[0] + " is not installed (apt-get install systemd; .ci/run installs it)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out.strip());
    }
}
