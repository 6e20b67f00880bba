package cn.tongban.signaling.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the start-time check of the data directory tightens, and what it warns about. */
class OwnerOnlyTest {

    @Test
    void whatOthersCouldReachIsReportedWhatWasShelteredIsOnlyTightened(@TempDir Path root) throws Exception {
        Assumptions.assumeTrue(OwnerOnly.posix(root), "needs a POSIX file system");
        Path data = Files.createDirectory(root.resolve("data"), perms("rwxr-xr-x"));
        Path exposed = Files.writeString(data.resolve("exposed.txt"), "x");
        Files.setPosixFilePermissions(exposed, PosixFilePermissions.fromString("rw-r--r--"));
        Path shelter = Files.createDirectory(data.resolve("recordings"), perms("rwx------"));
        Path inside = Files.writeString(shelter.resolve("track.ivf"), "x");
        Files.setPosixFilePermissions(inside, PosixFilePermissions.fromString("rw-r--r--"));

        OwnerOnly.Report r = OwnerOnly.tighten(data);

        assertThat(r.tightened()).containsExactlyInAnyOrder(data, exposed);
        assertThat(r.sheltered()).isEqualTo(1);
        assertThat(r.untouchable()).isEmpty();
        for (Path p : new Path[] {data, exposed, shelter, inside}) {
            assertThat(OwnerOnly.open(p)).as(p.toString()).isFalse();
        }
        // A second start finds nothing to say.
        OwnerOnly.Report again = OwnerOnly.tighten(data);
        assertThat(again.tightened()).isEmpty();
        assertThat(again.sheltered()).isZero();
    }

    private static java.nio.file.attribute.FileAttribute<?> perms(String p) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(p));
    }
}
