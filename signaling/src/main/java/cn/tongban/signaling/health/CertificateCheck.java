package cn.tongban.signaling.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The installation's own certificates (root, time-stamp authority, each hall's CA and seal) are valid for a
 * while yet. Within {@code warning} of the end: {@link Level#WARN}; past it: {@link Level#DEGRADED} — what is
 * signed now would fail verification everywhere. Each certificate's remaining lifetime is also the gauge
 * {@code tongban_certificate_expiry_seconds{certificate=...}} (negative once expired), which the alert rules
 * in deploy/monitoring watch.
 */
public final class CertificateCheck implements HealthCheck {
    private final Supplier<SortedMap<String, X509Certificate>> certificates;
    private final Duration warning;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final Map<String, Instant> notAfter = new ConcurrentHashMap<>();

    /**
     * @param certificates the certificates to watch by name (asked again on every round: a new hall's CA
     *     joins the list)
     * @param warning how long before expiry to warn
     */
    public CertificateCheck(
            Supplier<SortedMap<String, X509Certificate>> certificates,
            Duration warning,
            Clock clock,
            MeterRegistry metrics) {
        this.certificates = certificates;
        this.warning = warning;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "certificates";
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
    public Result check() {
        Instant now = clock.instant();
        String firstName = null;
        Instant first = null;
        for (Map.Entry<String, X509Certificate> e : certificates.get().entrySet()) {
            Instant end = e.getValue().getNotAfter().toInstant();
            if (notAfter.put(e.getKey(), end) == null) {
                Gauge.builder("tongban.certificate.expiry", notAfter, m -> Duration.between(
                                        clock.instant(), m.get(e.getKey()))
                                .toSeconds())
                        .tag("certificate", e.getKey())
                        .baseUnit("seconds")
                        .description("Time left until the certificate's notAfter (negative: expired)")
                        .register(metrics);
            }
            if (first == null || end.isBefore(first)) {
                first = end;
                firstName = e.getKey();
            }
        }
        if (first == null) {
            return Result.ok("no certificates");
        }
        long days = Duration.between(now, first).toDays();
        String detail = firstName + " expires first, at " + first + " (" + days + " days)";
        if (!first.isAfter(now)) {
            return new Result(Level.DEGRADED, firstName + " expired at " + first + ": signatures made now fail");
        }
        return Duration.between(now, first).compareTo(warning) < 0 ? new Result(Level.WARN, detail) : Result.ok(detail);
    }
}
