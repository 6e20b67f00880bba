package cn.tongban.signaling.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The host clock is synchronised: the embedded time-stamp authority and OCSP responder put the host's time
 * into what they sign, and certificates are judged valid or not by it. Asks, in this order:
 *
 * <ol>
 *   <li>chrony: {@code chronyc -c tracking} (the CSV form of {@code chronyc tracking}; its fifth field is
 *       "System time", the offset of the system clock from NTP time in seconds, its last "Leap status").
 *       Offset above {@code maxOffset}: {@link Level#DEGRADED}; chrony running but not synchronised:
 *       {@link Level#WARN}.
 *   <li>systemd: {@code timedatectl show -p NTPSynchronized --value} ({@code yes}: OK without a measured
 *       offset; {@code no}: WARN).
 *   <li>neither answers: WARN "time synchronisation unknown: install chrony" — never DOWN, a node without
 *       chrony still serves.
 * </ol>
 *
 * <p>The measured offset's magnitude is the gauge {@code tongban_clock_offset_seconds} (NaN while unknown),
 * which deploy/monitoring's {@code TongbanClockOffset} alert watches.
 */
public final class ClockCheck implements HealthCheck {
    private static final Duration PROCESS_DEADLINE = Duration.ofSeconds(2);

    private final String chronyc;
    private final String timedatectl;
    private final Duration maxOffset;
    private final AtomicReference<Double> offset = new AtomicReference<>(Double.NaN);

    /**
     * @param chronyc the chronyc executable ({@code chronyc} from the PATH, or a path)
     * @param timedatectl the timedatectl executable, asked when chronyc does not answer
     * @param maxOffset the offset beyond which the node is DEGRADED
     */
    public ClockCheck(String chronyc, String timedatectl, Duration maxOffset, MeterRegistry metrics) {
        this.chronyc = chronyc;
        this.timedatectl = timedatectl;
        this.maxOffset = maxOffset;
        Gauge.builder("tongban.clock.offset", offset, AtomicReference::get)
                .baseUnit("seconds")
                .description("Magnitude of the host clock's offset from NTP time as chrony measures it (NaN: unknown)")
                .register(metrics);
    }

    @Override
    public String name() {
        return "clock";
    }

    @Override
    public Level timeoutLevel() {
        // An unknown clock is a warning, never a reason to take every node (same chrony set-up) out at once.
        return Level.WARN;
    }

    @Override
    public Duration period() {
        return Duration.ofMinutes(1);
    }

    /** The last measured offset's magnitude in seconds, NaN if unknown. */
    public double offsetSeconds() {
        return offset.get();
    }

    @Override
    public Result check() throws InterruptedException {
        String csv = run(List.of(chronyc, "-c", "tracking"));
        if (csv != null) {
            return fromChrony(csv);
        }
        offset.set(Double.NaN);
        String synced = run(List.of(timedatectl, "show", "-p", "NTPSynchronized", "--value"));
        if (synced != null) {
            String value = synced.strip();
            if (value.equals("yes")) {
                return Result.ok("synchronised (timedatectl; offset not measured: install chrony to watch it)");
            }
            if (value.equals("no")) {
                return new Result(
                        Level.WARN,
                        "the host clock is not synchronised (timedatectl NTPSynchronized=no): time-stamps and OCSP"
                                + " answers carry the host's time; configure chrony with the province's NTP servers");
            }
        }
        return new Result(Level.WARN, "time synchronisation unknown: install chrony");
    }

    private Result fromChrony(String csv) {
        String line = csv.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        String[] f = line.split(",", -1);
        double systemTime;
        try {
            if (f.length < 14) {
                throw new NumberFormatException();
            }
            systemTime = Double.parseDouble(f[4]);
        } catch (NumberFormatException e) {
            offset.set(Double.NaN);
            return new Result(Level.WARN, "time synchronisation unknown: cannot read '" + chronyc + " -c tracking'");
        }
        String reference = f[1].isEmpty() ? f[0] : f[1];
        String leap = f[f.length - 1].strip();
        if (leap.toLowerCase(Locale.ROOT).startsWith("not synchronised") || f[0].equals("00000000")) {
            offset.set(Double.NaN);
            return new Result(
                    Level.WARN,
                    "chrony is not synchronised to any source (leap status " + leap + "): check its servers"
                            + " ('chronyc sources')");
        }
        double magnitude = Math.abs(systemTime);
        offset.set(magnitude);
        String measured =
                String.format(Locale.ROOT, "offset %.6f s from %s (stratum %s)", magnitude, reference, f[2].strip());
        if (magnitude > maxOffset.toNanos() / 1e9) {
            return new Result(
                    Level.DEGRADED,
                    "the host clock is off: " + measured + ", more than " + maxOffset.toMillis()
                            + " ms — time-stamps and OCSP answers would carry a wrong time");
        }
        return Result.ok("synchronised by chrony: " + measured);
    }

    /** The command's standard output if it ran and exited 0 in time, else null. */
    private static String run(List<String> command) throws InterruptedException {
        // Output to a file, not a pipe: a hung command cannot block this thread on a read, only on waitFor's
        // bounded wait, after which it is killed.
        java.nio.file.Path file;
        try {
            file = java.nio.file.Files.createTempFile("tongban-clock-check", ".txt");
        } catch (IOException e) {
            return null;
        }
        try {
            Process p;
            try {
                p = new ProcessBuilder(command)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .redirectOutput(file.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
            } catch (IOException e) {
                return null;
            }
            if (!p.waitFor(PROCESS_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return null;
            }
            if (p.exitValue() != 0) {
                return null;
            }
            byte[] out = java.nio.file.Files.readAllBytes(file);
            return new String(out, 0, Math.min(out.length, 4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temporary file
            }
        }
    }
}
