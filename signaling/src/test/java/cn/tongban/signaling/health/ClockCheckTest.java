package cn.tongban.signaling.health;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.health.HealthCheck.Level;
import cn.tongban.signaling.health.HealthCheck.Result;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clock check against executables that print what chrony 4.3 (Debian 12) printed here: {@code chronyd -x}
 * with {@code local stratum 8} (synchronised, offset 0) and with an unreachable server (not synchronised);
 * the offset of the third sample is the first's with its "System time" field set to 2.5 s, the only field
 * the check reads for the offset.
 */
class ClockCheckTest {
    /** {@code chronyc -c tracking}, chronyd synchronised to its local reference. */
    static final String SYNCHRONISED = "7F7F0101,,8,1796685865.138825856,0.000000000,0.000000000,0.000000000,"
            + "0.000,0.000,0.000,0.000000000,0.000000000,0.0,Normal";
    /** {@code chronyc -c tracking}, chronyd with no reachable source. */
    static final String NOT_SYNCHRONISED = "00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,"
            + "0.000,0.000,0.000,1.000000000,1.000000000,0.0,Not synchronised";
    /** As {@link #SYNCHRONISED}, a source by address, the system clock 2.5 s off. */
    static final String OFF = "C0A80001,192.168.0.1,3,1796685865.138825856,-2.500000000,0.000012000,0.000035822,"
            + "3.225,-0.000,0.129,0.013639022,0.001100737,64.2,Normal";

    @TempDir
    Path dir;

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    private Path script(String name, String stdout, int exit) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\ncat <<'OUT'\n" + stdout + "\nOUT\nexit " + exit + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private ClockCheck check(Path chronyc, Path timedatectl) {
        return new ClockCheck(chronyc.toString(), timedatectl.toString(), Duration.ofSeconds(1), metrics);
    }

    private double gauge() {
        return metrics.get("tongban.clock.offset").gauge().value();
    }

    @Test
    void aSynchronisedChronyIsOkAndItsOffsetExported() throws Exception {
        ClockCheck c = check(script("chronyc", SYNCHRONISED, 0), dir.resolve("no-timedatectl"));
        Result r = c.check();
        assertThat(r.level()).isEqualTo(Level.OK);
        assertThat(r.detail()).contains("synchronised by chrony").contains("offset 0.000000 s from 7F7F0101");
        assertThat(gauge()).isEqualTo(0.0);
    }

    @Test
    void anOffsetBeyondTheMaximumDegradesTheNode() throws Exception {
        ClockCheck c = check(script("chronyc", OFF, 0), dir.resolve("no-timedatectl"));
        Result r = c.check();
        assertThat(r.level()).isEqualTo(Level.DEGRADED);
        assertThat(r.detail())
                .contains("offset 2.500000 s from 192.168.0.1 (stratum 3)")
                .contains("more than 1000 ms")
                .contains("time-stamps and OCSP answers");
        assertThat(gauge()).isEqualTo(2.5);

        ClockCheck tolerant = new ClockCheck(dir.resolve("chronyc").toString(), "none", Duration.ofSeconds(3), metrics);
        assertThat(tolerant.check().level()).isEqualTo(Level.OK);
    }

    @Test
    void chronyWithoutASourceWarnsAndTheOffsetIsUnknown() throws Exception {
        ClockCheck c = check(script("chronyc", NOT_SYNCHRONISED, 0), dir.resolve("no-timedatectl"));
        Result r = c.check();
        assertThat(r.level()).isEqualTo(Level.WARN);
        assertThat(r.detail()).contains("not synchronised").contains("chronyc sources");
        assertThat(gauge()).isNaN();
    }

    @Test
    void withoutChronyTimedatectlIsAskedAndWithoutEitherTheCheckWarnsNeverDown() throws Exception {
        Path noChrony = script("chronyc", "506 Cannot talk to daemon", 1);
        Result yes = check(noChrony, script("timedatectl-yes", "yes", 0)).check();
        assertThat(yes.level()).isEqualTo(Level.OK);
        assertThat(yes.detail()).contains("timedatectl").contains("install chrony");

        Result no = check(noChrony, script("timedatectl-no", "no", 0)).check();
        assertThat(no.level()).isEqualTo(Level.WARN);
        assertThat(no.detail()).contains("NTPSynchronized=no");

        // What this sandbox has: no daemon to talk to, no systemd.
        Result unknown = check(dir.resolve("no-chronyc"), script("timedatectl-bus", "Failed to connect to bus", 1))
                .check();
        assertThat(unknown).isEqualTo(new Result(Level.WARN, "time synchronisation unknown: install chrony"));
        assertThat(gauge()).isNaN();
    }

    @Test
    void outputThatIsNotTrackingCsvIsUnknownNotAnOffsetOfZero() throws Exception {
        Result r = check(script("chronyc", "Reference ID    : 7F7F0101 ()", 0), dir.resolve("none"))
                .check();
        assertThat(r.level()).isEqualTo(Level.WARN);
        assertThat(r.detail()).contains("cannot read");
        assertThat(gauge()).isNaN();
    }
}
