package cn.tongban.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's log lines as an operator collects them, from a JVM of their own with {@code TONGBAN_LOG_FORMAT}
 * set as the unit file would: dated text by default, one JSON object per line with {@code json}, and a
 * refusal (exit 2, before anything starts) for a value logback has no appender for.
 */
class LogFormatTest {

    /** Logs one line and one with an exception, through the production logback.xml. */
    public static final class Probe {
        public static void main(String[] args) {
            Logger log = LoggerFactory.getLogger("cn.tongban.signaling.Probe");
            log.info("Tongban node {} ready", "wujin-1");
            log.warn("Recording failed", new IllegalStateException("ffmpeg exited 1"));
        }
    }

    @Test
    void textLinesCarryTheDateAndOffset() throws Exception {
        Run r = run(Probe.class, Map.of());
        assertThat(r.exit).isZero();
        // Standard output is for what commands print (audit verify's JSON): logback's own status stays off it.
        assertThat(r.stdout).isEmpty();
        List<String> lines = r.stderr.lines().toList();
        assertThat(lines.get(0))
                .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) INFO .*"
                        + "Tongban node wujin-1 ready");
        assertThat(r.stderr).contains("java.lang.IllegalStateException: ffmpeg exited 1");
    }

    @Test
    void anEmptyFormatVariableIsTextNotSilence() throws Exception {
        Run r = run(Probe.class, Map.of("TONGBAN_LOG_FORMAT", ""));
        assertThat(r.exit).isZero();
        assertThat(r.stderr).contains("INFO").contains("Tongban node wujin-1 ready");
    }

    @Test
    void jsonIsOneObjectPerLineWithTheFormattedMessage() throws Exception {
        Run r = run(Probe.class, Map.of("TONGBAN_LOG_FORMAT", "json"));
        assertThat(r.exit).isZero();
        assertThat(r.stdout).isEmpty();
        List<JsonObject> events = new ArrayList<>();
        for (String line : r.stderr.lines().toList()) {
            JsonObject o = new JsonObject(line);
            if (o.containsKey("level")) {
                events.add(o);
            }
        }
        assertThat(events).hasSize(2);
        assertThat(events.get(0).getString("level")).isEqualTo("INFO");
        assertThat(events.get(0).getString("loggerName")).isEqualTo("cn.tongban.signaling.Probe");
        assertThat(events.get(0).getString("formattedMessage")).isEqualTo("Tongban node wujin-1 ready");
        assertThat(events.get(0).getLong("timestamp")).isPositive();
        assertThat(events.get(1).getJsonObject("throwable").getString("message"))
                .isEqualTo("ffmpeg exited 1");
    }

    @Test
    void anUnknownFormatIsRefusedBeforeTheNodeStarts() throws Exception {
        Run r = run(Main.class, Map.of("TONGBAN_LOG_FORMAT", "xml"), "--version");
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).contains("TONGBAN_LOG_FORMAT must be text or json, not 'xml'");
        assertThat(r.stdout).doesNotContain("tongban ");
    }

    private record Run(int exit, String stdout, String stderr) {}

    private static Run run(Class<?> main, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("TONGBAN_LOG_FORMAT");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(
                p.exitValue(),
                new String(out, StandardCharsets.UTF_8),
                new String(err.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
}
