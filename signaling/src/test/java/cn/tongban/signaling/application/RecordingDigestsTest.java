package cn.tongban.signaling.application;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import cn.tongban.signaling.store.RecordingStore;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application names a recording's hash only when the recording is one whole segment: not while it runs,
 * not for a session whose media moved (a second segment started, the first not archived yet, or both
 * archived), not for a recovered segment.
 */
class RecordingDigestsTest {
    @Test
    void onlyAWholeSingleSegmentHasOneHash(@TempDir Path dir) {
        try (Database db = Database.open(Database.defaultUrl(dir), null, null)) {
            RecordingStore store = new RecordingStore(db.dataSource());
            JdbcAuditJournal journal = JdbcAuditJournal.unkeyed(db.dataSource(), Clock.systemUTC());
            RecordingDigests digests = new RecordingDigests(store, journal, matter -> matter.equals("recorded"));

            journal.append("server", AuditAction.RECORDING_STARTED.wire(), "s-one", "{}");
            assertThat(digests.sha256("s-one")).isEmpty();
            assertThat(digests.inProgress("s-one", "recorded")).isTrue();
            store.save(segment("s-one", "a", false), 0);
            assertThat(digests.sha256("s-one")).contains("a".repeat(64));
            assertThat(digests.inProgress("s-one", "recorded")).isFalse();

            // Moved: segment 2 is archived, segment 1 is still on the dead node's disk.
            journal.append("server", AuditAction.RECORDING_STARTED.wire(), "s-moved", "{}");
            journal.append("server", AuditAction.RECORDING_STARTED.wire(), "s-moved", "{}");
            store.save(segment("s-moved", "b", false), 0);
            assertThat(digests.sha256("s-moved")).isEmpty();
            assertThat(digests.inProgress("s-moved", "recorded")).isTrue();
            store.save(segment("s-moved", "c", true), 0);
            assertThat(digests.sha256("s-moved")).isEmpty();

            journal.append("server", AuditAction.RECORDING_STARTED.wire(), "s-recovered", "{}");
            store.save(segment("s-recovered", "d", true), 0);
            assertThat(digests.sha256("s-recovered")).isEmpty();

            assertThat(digests.inProgress("s-never", "not-recorded")).isFalse();
        }
    }

    private static RecordingStore.Segment segment(String sid, String hashChar, boolean recovered) {
        return new RecordingStore.Segment(
                sid, "seg-" + hashChar, "n", hashChar.repeat(64), "/r", 1, hashChar.charAt(0), 10_000, recovered, "{}");
    }
}
