package cn.tongban.signaling.health;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.pdf.CjkFont;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.docsign.pki.PkiConfig;
import cn.tongban.signaling.health.HealthCheck.Level;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each readiness check on the real thing it watches: a PostgreSQL server stopped and started again, the file
 * system, the CJK font file, the ffmpeg executable, an embedded PKI's certificates read at chosen times.
 */
class ReadinessChecksTest {
    @TempDir
    Path dir;

    @Test
    void theDatabaseCheckSaysDownWithinItsDeadlineWhileThePoolWaitsAndOkOnceTheServerIsBack() throws Exception {
        TestPostgres pg = TestPostgres.startPrivate();
        try (Database db = Database.open(pg.newDatabase(), TestPostgres.USER, TestPostgres.PASSWORD);
                Readiness readiness = new Readiness(
                        List.of(new DatabaseCheck(db.dataSource())),
                        Duration.ofSeconds(2),
                        Clock.systemUTC(),
                        new SimpleMeterRegistry())) {
            readiness.runAll();
            assertThat(readiness.level()).isEqualTo(Level.OK);

            pg.pause();
            long t0 = System.nanoTime();
            readiness.runAll();
            assertThat(readiness.level()).isEqualTo(Level.WARN);
            readiness.runAll();
            // Hikari waits up to 30 s for a connection; the check does not.
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
            assertThat(readiness.level()).isEqualTo(Level.DOWN);
            assertThat(readiness.findings().get("database").result().detail())
                    .containsAnyOf("no answer within 2 s", "SQL", "Connection");

            pg.resume();
            // The hung attempt from before may still hold the check; a later round sees the server back.
            Level level = Level.DOWN;
            for (int round = 0; round < 40 && level != Level.OK; round++) {
                readiness.runAll();
                level = readiness.level();
            }
            assertThat(level).isEqualTo(Level.OK);
        } finally {
            pg.stop();
        }
    }

    @Test
    void theDiskCheckComparesRealFreeSpaceWithTheMinimum() throws Exception {
        long free = Files.getFileStore(dir).getUsableSpace();
        Path missing = dir.resolve("recordings/not-yet-made");
        assertThat(new DiskCheck(List.of(dir, missing), 0).check().level()).isEqualTo(Level.OK);
        HealthCheck.Result full = new DiskCheck(List.of(dir), free * 2).check();
        assertThat(full.level()).isEqualTo(Level.DOWN);
        assertThat(full.detail()).contains(dir.toString()).contains("MiB free");
        assertThat(new DiskCheck(List.of(dir), free / 2).check().level()).isEqualTo(Level.WARN);
    }

    @Test
    void withoutTheFontSigningIsOffAndTheNodeDegraded() throws Exception {
        HealthCheck.Result missing = new FontCheck(() -> CjkFont.open(dir.resolve("no-such-font.ttc"), null)).check();
        assertThat(missing.level()).isEqualTo(Level.DEGRADED);
        assertThat(missing.detail()).contains("signing is off").contains("fonts-wqy-microhei");
        // The installed font (CI installs fonts-wqy-microhei; -Dtongban.font points elsewhere).
        assertThat(new FontCheck(CjkFont::openConfigured).check().level()).isEqualTo(Level.OK);
    }

    @Test
    void withoutFfmpegRecordingIsOffAndTheNodeDegraded() throws Exception {
        HealthCheck.Result absent = new FfmpegCheck(dir.resolve("bin/ffmpeg").toString()).check();
        assertThat(absent.level()).isEqualTo(Level.DEGRADED);
        assertThat(absent.detail()).startsWith("recording is off");
        Path failing = dir.resolve("failing-ffmpeg");
        Files.writeString(failing, "#!/bin/sh\nexit 3\n");
        assertThat(failing.toFile().setExecutable(true)).isTrue();
        assertThat(new FfmpegCheck(failing.toString()).check().detail()).contains("exited 3");
        // A hung ffmpeg holds the check two seconds, then is killed: DEGRADED, not a thread stuck for ever.
        Path hung = dir.resolve("hung-ffmpeg");
        Files.writeString(hung, "#!/bin/sh\necho ffmpeg version 0\nexec sleep 60\n");
        assertThat(hung.toFile().setExecutable(true)).isTrue();
        long t0 = System.nanoTime();
        HealthCheck.Result stuck = new FfmpegCheck(hung.toString()).check();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(stuck.level()).isEqualTo(Level.DEGRADED);
        assertThat(stuck.detail()).contains("did not end within 2 s");
        HealthCheck.Result real = new FfmpegCheck("ffmpeg").check();
        assertThat(real.level()).isEqualTo(Level.OK);
        assertThat(real.detail()).startsWith("ffmpeg version");
    }

    @Test
    void certificatesWarnWithinTheWindowAndDegradeOnceExpiredWithTheTimeLeftAsAGauge() throws Exception {
        EmbeddedPki pki = EmbeddedPki.open(new PkiConfig(
                dir.resolve("pki"),
                "test-only".toCharArray(),
                "http://127.0.0.1:8080/pki",
                List.of(new PkiConfig.Hall("wujin", "常州市武进区政务服务中心")),
                Duration.ofDays(365)));
        pki.hallSeal("wujin");
        assertThat(pki.watchedCertificates()).containsOnlyKeys("root", "tsa", "ca-wujin", "seal-wujin");
        Instant first = pki.watchedCertificates().values().stream()
                .map(X509Certificate::getNotAfter)
                .map(java.util.Date::toInstant)
                .min(Instant::compareTo)
                .orElseThrow();

        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        Clock now = Clock.systemUTC();
        assertThat(new CertificateCheck(pki::watchedCertificates, Duration.ofDays(30), now, metrics)
                        .check()
                        .level())
                .isEqualTo(Level.OK);
        double left = metrics.get("tongban.certificate.expiry")
                .tag("certificate", "seal-wujin")
                .gauge()
                .value();
        assertThat(left).isGreaterThan(Duration.ofDays(300).toSeconds());

        Clock soon = Clock.fixed(first.minus(Duration.ofDays(10)), ZoneOffset.UTC);
        HealthCheck.Result warn = new CertificateCheck(
                        pki::watchedCertificates, Duration.ofDays(30), soon, new SimpleMeterRegistry())
                .check();
        assertThat(warn.level()).isEqualTo(Level.WARN);
        assertThat(warn.detail()).contains("expires first").containsAnyOf("(9 days)", "(10 days)");

        Clock late = Clock.fixed(first.plus(Duration.ofDays(1)), ZoneOffset.UTC);
        SimpleMeterRegistry lateMetrics = new SimpleMeterRegistry();
        HealthCheck.Result expired =
                new CertificateCheck(pki::watchedCertificates, Duration.ofDays(30), late, lateMetrics).check();
        assertThat(expired.level()).isEqualTo(Level.DEGRADED);
        assertThat(expired.detail()).contains("expired");
        assertThat(lateMetrics.get("tongban.certificate.expiry").gauges())
                .anySatisfy(g -> assertThat(g.value()).isNegative());
    }

    @Test
    void aHungCheckCountsAsDownAndIsNotStartedAgainWhileItHangs() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        HealthCheck hung = new HealthCheck() {
            @Override
            public String name() {
                return "hung";
            }

            @Override
            public Duration period() {
                return Duration.ofHours(1);
            }

            @Override
            public Result check() throws InterruptedException {
                started.incrementAndGet();
                release.await();
                return Result.ok("back");
            }
        };
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (Readiness readiness = new Readiness(List.of(hung), Duration.ofMillis(200), Clock.systemUTC(), metrics)) {
            readiness.runAll();
            readiness.runAll();
            assertThat(readiness.level()).isEqualTo(Level.DOWN);
            assertThat(readiness.toJson().getJsonObject("hung").getString("detail"))
                    .startsWith("no answer within");
            assertThat(started).hasValue(1);
            assertThat(metrics.get("tongban.health.check")
                            .tag("check", "hung")
                            .gauge()
                            .value())
                    .isEqualTo(3.0);
            release.countDown();
            readiness.runAll();
            assertThat(readiness.level()).isEqualTo(Level.OK);
        }
    }
}
