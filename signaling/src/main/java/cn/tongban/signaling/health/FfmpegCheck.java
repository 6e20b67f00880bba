package cn.tongban.signaling.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The ffmpeg the media bridge's recorder pipes frames to runs ({@code ffmpeg -version}). Without it sessions
 * go unrecorded: {@link Level#DEGRADED}.
 */
public final class FfmpegCheck implements HealthCheck {
    private final String ffmpeg;

    public FfmpegCheck(String ffmpeg) {
        this.ffmpeg = ffmpeg;
    }

    @Override
    public String name() {
        return "ffmpeg";
    }

    @Override
    public Level timeoutLevel() {
        return Level.DEGRADED;
    }

    @Override
    public Duration period() {
        return Duration.ofMinutes(10);
    }

    @Override
    public Result check() throws InterruptedException, IOException {
        // Output to a file, not a pipe: a hung ffmpeg cannot block this thread on a read, only on waitFor's
        // bounded wait, after which it is killed.
        Path out = Files.createTempFile("tongban-ffmpeg-check", ".txt");
        try {
            Process p;
            try {
                p = new ProcessBuilder(ffmpeg, "-hide_banner", "-version")
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
            } catch (IOException e) {
                return new Result(
                        Level.DEGRADED, "recording is off: cannot run " + ffmpeg + " (" + e.getMessage() + ")");
            }
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(Level.DEGRADED, "recording is off: " + ffmpeg + " -version did not end within 2 s");
            }
            String first;
            try (var lines = Files.lines(out, StandardCharsets.UTF_8)) {
                first = lines.findFirst().orElse("");
            } catch (java.io.UncheckedIOException e) {
                first = "";
            }
            return p.exitValue() == 0
                    ? Result.ok(first)
                    : new Result(Level.DEGRADED, "recording is off: " + ffmpeg + " -version exited " + p.exitValue());
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
