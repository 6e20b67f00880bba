package cn.tongban.signaling.refdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference data's versions in the database (H2 and PostgreSQL), and nodes' stores attached to it: one
 * import, validated changes with optimistic concurrency, rollback, and every store following the version in
 * force.
 */
class ReferenceDataTableTest {

    static java.util.stream.Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void versionsAreValidatedAppendedAndRolledBack(String kind, @TempDir Path dir) throws Exception {
        String demo = demoYaml();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            ReferenceDataTable t = new ReferenceDataTable(db.dataSource(), Clock.systemUTC());
            assertThat(t.latestVersion()).isZero();
            assertThat(t.latest()).isEmpty();

            assertThat(t.importFirst(demo, "node:a")).get().satisfies(i -> {
                assertThat(i.version()).isEqualTo(1);
                assertThat(i.kind()).isEqualTo(ReferenceDataTable.Kind.IMPORTED);
                assertThat(i.sha256()).isEqualTo(ReferenceDataTable.sha256(demo));
            });
            // A second node's import finds version 1 there: its own file is not stored.
            assertThat(t.importFirst(demo.replace("name: 王丽", "name: 王丽丽"), "node:b"))
                    .isEmpty();
            assertThat(t.latest().orElseThrow().document()).isEqualTo(demo);

            String renamed = demo.replace("name: 王丽", "name: 王丽华");
            ReferenceDataTable.Info v2 = t.change(renamed, "zhang", 1L);
            assertThat(v2.version()).isEqualTo(2);

            // Stale: the edit started from version 1, but version 2 is in force. Nothing stored.
            assertThatThrownBy(() -> t.change(demo, "li", 1L))
                    .isInstanceOf(ReferenceDataTable.StaleVersionException.class)
                    .hasMessageContaining("version 2, not 1");
            // Invalid: a clerk on a matter their hall does not own; not YAML at all. Nothing stored.
            assertThatThrownBy(() -> t.change(
                            renamed.replace("matters: [property-certificate]", "matters: [social-insurance-transfer]"),
                            "li",
                            2L))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("clerk wujin02: hall cz-wujin-bdc does not own matter social-insurance-transfer");
            assertThatThrownBy(() -> t.change("halls: [ this is : not yaml", "li", 2L))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("cannot read reference data");
            assertThat(t.latestVersion()).isEqualTo(2);
            assertThat(t.latest().orElseThrow().document()).isEqualTo(renamed);

            ReferenceDataTable.Info v3 = t.rollback(1, "wang", 2L);
            assertThat(v3.version()).isEqualTo(3);
            assertThat(v3.kind()).isEqualTo(ReferenceDataTable.Kind.ROLLED_BACK);
            assertThat(v3.rolledBackTo()).isEqualTo(1L);
            assertThat(t.latest().orElseThrow().document()).isEqualTo(demo);
            assertThatThrownBy(() -> t.rollback(9, "wang", null)).isInstanceOf(NoSuchElementException.class);

            assertThat(t.history())
                    .extracting(
                            ReferenceDataTable.Info::version,
                            ReferenceDataTable.Info::kind,
                            ReferenceDataTable.Info::changedBy,
                            ReferenceDataTable.Info::sha256)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(
                                    1L, ReferenceDataTable.Kind.IMPORTED, "node:a", ReferenceDataTable.sha256(demo)),
                            org.assertj.core.groups.Tuple.tuple(
                                    2L, ReferenceDataTable.Kind.CHANGED, "zhang", ReferenceDataTable.sha256(renamed)),
                            org.assertj.core.groups.Tuple.tuple(
                                    3L, ReferenceDataTable.Kind.ROLLED_BACK, "wang", ReferenceDataTable.sha256(demo)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void ofWritersRacingFromTheSameVersionExactlyOneWins(String kind, @TempDir Path dir) throws Exception {
        String demo = demoYaml();
        try (Database db = TestDatabase.of(kind, dir).open()) {
            ReferenceDataTable t = new ReferenceDataTable(db.dataSource(), Clock.systemUTC());
            t.importFirst(demo, "node:a");
            int writers = 4;
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger stale = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            try {
                for (int i = 0; i < writers; i++) {
                    String doc = demo.replace("name: 王丽", "name: 王丽" + i);
                    String by = "writer" + i;
                    done.add(pool.submit(() -> {
                        go.await();
                        try {
                            // Without --expect-version: the successor of what each read, still one winner.
                            t.change(doc, by, null);
                        } catch (ReferenceDataTable.StaleVersionException e) {
                            stale.incrementAndGet();
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            // Each writer either won a version of its own or was refused; no version was written twice.
            assertThat(t.history()).hasSize(1 + writers - stale.get());
            assertThat(t.latestVersion()).isEqualTo(1 + writers - stale.get());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void attachedStoresFollowTheDatabaseAndTheFileBecomesACopy(String kind, @TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        try (Database db = TestDatabase.of(kind, dir.resolve("db")).open()) {
            ReferenceDataTable t = new ReferenceDataTable(db.dataSource(), Clock.systemUTC());
            ReferenceDataStore nodeA = ReferenceDataStore.open(a, true);
            // Node B's file differs; the database's version wins once it is attached.
            Files.writeString(b.resolve("refdata.yaml"), demoYaml().replace("name: 王丽", "name: 王丽丽"));
            ReferenceDataStore nodeB = ReferenceDataStore.open(b);
            assertThat(nodeB.current().clerk("wujin01").orElseThrow().name()).isEqualTo("王丽丽");

            assertThat(nodeA.attach(t, "a"))
                    .get()
                    .extracting(ReferenceDataTable.Info::version)
                    .isEqualTo(1L);
            assertThat(nodeB.attach(t, "b")).isEmpty();
            assertThat(nodeB.version()).isEqualTo(1);
            assertThat(nodeB.current().clerk("wujin01").orElseThrow().name()).isEqualTo("王丽");
            // Node B's own file is not lost: kept beside the copy, for an operator to import if it was right.
            try (var kept = Files.list(b)) {
                assertThat(kept.filter(f -> f.getFileName().toString().startsWith("refdata.yaml.local-")))
                        .singleElement()
                        .satisfies(f -> assertThat(Files.readString(f)).contains("name: 王丽丽"));
            }
            String copy = Files.readString(b.resolve("refdata.yaml"));
            assertThat(copy).startsWith("# ==== A COPY: edits to this file are NOT read ====");
            assertThat(ReferenceDataStore.withoutCopyNote(copy)).isEqualTo(demoYaml());
            // The copy still parses for the tools that read the file.
            assertThat(ReferenceDataStore.open(b)
                            .current()
                            .clerk("wujin01")
                            .orElseThrow()
                            .name())
                    .isEqualTo("王丽");

            // An edit of the copy is not read ...
            Files.writeString(b.resolve("refdata.yaml"), copy.replace("name: 王丽", "name: 改了"));
            assertThat(nodeB.reloadIfChanged()).isFalse();
            assertThat(nodeB.current().clerk("wujin01").orElseThrow().name()).isEqualTo("王丽");
            // ... and a deleted copy is written again (tools and the next start read it).
            Files.delete(b.resolve("refdata.yaml"));
            assertThat(nodeB.reloadIfChanged()).isFalse();
            assertThat(ReferenceDataStore.withoutCopyNote(Files.readString(b.resolve("refdata.yaml"))))
                    .isEqualTo(demoYaml());

            // ... a new version in the database is, by every node, with the listeners called once.
            AtomicInteger reloadsA = new AtomicInteger();
            nodeA.onReload(d -> reloadsA.incrementAndGet());
            t.change(demoYaml().replace("name: 王丽", "name: 王丽华"), "zhang", 1L);
            assertThat(nodeA.reloadIfChanged()).isTrue();
            assertThat(nodeB.reloadIfChanged()).isTrue();
            assertThat(nodeA.reloadIfChanged()).isFalse();
            assertThat(reloadsA).hasValue(1);
            assertThat(nodeA.version()).isEqualTo(2);
            assertThat(nodeB.current().clerk("wujin01").orElseThrow().name()).isEqualTo("王丽华");
            assertThat(Files.readString(b.resolve("refdata.yaml")))
                    .contains("a copy of version 2")
                    .contains("name: 王丽华");
        }
    }

    private static String demoYaml() throws Exception {
        try (var in = ReferenceDataStore.class.getResourceAsStream("/tongban/refdata.yaml")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
