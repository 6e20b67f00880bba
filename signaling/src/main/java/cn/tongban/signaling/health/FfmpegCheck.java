package cn.tongban.signaling.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    public Duration period() {
        return Duration.ofMinutes(10);
    }

    @Override
    public Result check() throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(ffmpeg, "-hide_banner", "-version")
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            return new Result(Level.DEGRADED, "recording is off: cannot run " + ffmpeg + " (" + e.getMessage() + ")");
        }
        String first;
        try {
            byte[] out = p.getInputStream().readNBytes(4096);
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            first = new String(out, StandardCharsets.UTF_8).lines().findFirst().orElse("");
        } catch (IOException e) {
            first = "";
        }
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(Level.DEGRADED, "recording is off: " + ffmpeg + " -version did not end within 5 s");
        }
        return p.exitValue() == 0
                ? Result.ok(first)
                : new Result(Level.DEGRADED, "recording is off: " + ffmpeg + " -version exited " + p.exitValue());
    }
}
