package cn.tongban.signaling.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BlobStoreTest {
    @TempDir
    Path dir;

    static java.util.stream.Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void storesByContentAndRefusesWrongNames(String kind) throws Exception {
        try (Database db = TestDatabase.of(kind, dir).open()) {
            BlobStore blobs = new BlobStore(db.dataSource(), Clock.systemUTC());
            byte[] big = random(10 << 20, 1);
            String sha = sha256(big);
            assertThat(blobs.find(sha)).isEmpty();
            assertThatThrownBy(() -> blobs.get(sha)).isInstanceOf(StoreException.class);

            blobs.put(sha, big);
            blobs.put(sha, big); // the same content again: one row
            assertThat(blobs.get(sha)).isEqualTo(big);
            assertThat(blobs.contains(sha)).isTrue();

            byte[] other = random(1000, 2);
            assertThatThrownBy(() -> blobs.put(sha256(big), other))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not hash");
            assertThatThrownBy(() -> blobs.get("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
            assertThat(blobs.get(sha)).isEqualTo(big);
        }
    }

    /** Two nodes (two pools on one database) storing the same upload at once: both succeed, one row. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void twoPoolsRacingOnTheSameContent(String kind) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database a = tdb.open();
                Database b = tdb.open()) {
            List<BlobStore> nodes = List.of(
                    new BlobStore(a.dataSource(), Clock.systemUTC()), new BlobStore(b.dataSource(), Clock.systemUTC()));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                for (int round = 0; round < 10; round++) {
                    byte[] content = random(50_000, 100 + round);
                    String sha = sha256(content);
                    CyclicBarrier start = new CyclicBarrier(4);
                    List<Future<Void>> done = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        BlobStore node = nodes.get(i % 2);
                        Callable<Void> put = () -> {
                            start.await(10, TimeUnit.SECONDS);
                            node.put(sha, content);
                            return null;
                        };
                        done.add(pool.submit(put));
                    }
                    for (Future<Void> f : done) {
                        f.get(30, TimeUnit.SECONDS);
                    }
                    assertThat(nodes.get(0).get(sha)).isEqualTo(content);
                    assertThat(nodes.get(1).get(sha)).isEqualTo(content);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void importsTheFilesOfAnOlderInstallation() throws Exception {
        Path legacy = dir.resolve("data").resolve("materials");
        byte[] one = random(3000, 7);
        byte[] two = random(5000, 8);
        for (byte[] content : List.of(one, two)) {
            String sha = sha256(content);
            Files.createDirectories(legacy.resolve(sha.substring(0, 2)));
            Files.write(legacy.resolve(sha.substring(0, 2)).resolve(sha), content);
        }
        try (Database db = TestDatabase.h2(dir.resolve("db")).open()) {
            BlobStore blobs = new BlobStore(db.dataSource(), Clock.systemUTC());
            assertThat(blobs.importDirectory(legacy)).isEqualTo(2);
            assertThat(blobs.get(sha256(one))).isEqualTo(one);
            assertThat(blobs.get(sha256(two))).isEqualTo(two);
            // Kept under a new name, not deleted; the next start finds nothing to import.
            assertThat(legacy).doesNotExist();
            assertThat(dir.resolve("data").resolve("materials.imported")).isDirectory();
            assertThat(blobs.importDirectory(legacy)).isZero();

            // A damaged file is not imported and keeps its directory where it is.
            byte[] three = random(100, 9);
            String sha3 = sha256(three);
            Files.createDirectories(legacy.resolve(sha3.substring(0, 2)));
            Files.write(legacy.resolve(sha3.substring(0, 2)).resolve(sha3), random(100, 10));
            assertThat(blobs.importDirectory(legacy)).isZero();
            assertThat(blobs.contains(sha3)).isFalse();
            assertThat(legacy.resolve(sha3.substring(0, 2)).resolve(sha3)).exists();
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
