package cn.tongban.signaling.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A session's recording segments on both databases: a segment is archived once, also by two pools at once;
 * segments come back in the order they started whatever order they were archived in (a recovered first
 * segment is archived last); a row the build before segments wrote into {@code session_recording} counts
 * as segment {@code "."}.
 */
class RecordingStoreTest {
    static Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    private static RecordingStore.Segment segment(String sid, String id, long started, boolean recovered) {
        return new RecordingStore.Segment(
                sid,
                id,
                "node-" + id,
                "%064d".formatted(started),
                "/rec/" + sid + "/" + id,
                2,
                started,
                started + 1000,
                recovered,
                "{}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void segmentsAreArchivedOnceAndReadInTheOrderTheyStarted(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database a = tdb.open();
                Database b = tdb.open()) {
            RecordingStore[] pools = {new RecordingStore(a.dataSource()), new RecordingStore(b.dataSource())};
            // The surviving node archives segment 2 when the session ends; segment 1 comes when its node is back.
            assertThat(pools[0].save(segment("s-1", "20261207T100005.000Z-wujin", 5_000, false), 9_000))
                    .isTrue();
            assertThat(pools[0].find("s-1").orElseThrow().segments()).hasSize(1);
            ExecutorService two = Executors.newFixedThreadPool(2);
            try {
                List<Future<Boolean>> saves = new ArrayList<>();
                for (RecordingStore s : pools) {
                    Callable<Boolean> save =
                            () -> s.save(segment("s-1", "20261207T100000.000Z-gulou", 1_000, true), 20_000);
                    saves.add(two.submit(save));
                }
                assertThat(List.of(saves.get(0).get(), saves.get(1).get())).containsExactlyInAnyOrder(true, false);
            } finally {
                two.shutdown();
            }
            RecordingStore.Recording r = pools[1].find("s-1").orElseThrow();
            assertThat(r.segments())
                    .extracting(RecordingStore.Segment::segmentId)
                    .containsExactly("20261207T100000.000Z-gulou", "20261207T100005.000Z-wujin");
            assertThat(r.segments().get(0).recovered()).isTrue();
            assertThat(r.segments().get(0).node()).isEqualTo("node-20261207T100000.000Z-gulou");
            assertThat(pools[1].archived("s-1", "20261207T100000.000Z-gulou")).isTrue();
            assertThat(pools[1].archived("s-1", "20261207T100009.000Z-other")).isFalse();
            assertThat(pools[1].find("s-none")).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aRowOfTheBuildBeforeSegmentsIsSegmentDot(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database db = tdb.open()) {
            // What a node of the previous build writes during a rolling upgrade.
            try (Connection c = db.dataSource().getConnection();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO session_recording (session_id,"
                            + " manifest_sha256, directory, files, started_at, stopped_at, manifest)"
                            + " VALUES ('s-old', ?, '/rec/s-old', 3, 100, 200, '{}')")) {
                ps.setString(1, "b".repeat(64));
                ps.executeUpdate();
            }
            RecordingStore store = new RecordingStore(db.dataSource());
            RecordingStore.Segment old =
                    store.find("s-old").orElseThrow().segments().get(0);
            assertThat(old)
                    .isEqualTo(new RecordingStore.Segment(
                            "s-old", ".", null, "b".repeat(64), "/rec/s-old", 3, 100, 200, false, "{}"));
            assertThat(store.archived("s-old", ".")).isTrue();
            // Archiving the same recording again as segment "." is refused, and it is read once.
            assertThat(store.save(old, 300)).isTrue();
            assertThat(store.save(old, 300)).isFalse();
            assertThat(store.find("s-old").orElseThrow().segments()).hasSize(1);
        }
    }
}
