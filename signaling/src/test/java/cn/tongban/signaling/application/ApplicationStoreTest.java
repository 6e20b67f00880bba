package cn.tongban.signaling.application;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The outbox's conditional updates on both databases (the embedded H2 and a real PostgreSQL server), with two
 * connection pools standing for two nodes: the sealing claim is taken once, a stale claim can be taken over
 * and then the old claimer can neither seal nor release; a refused hand-off is resent once; the list of
 * unfinished applications holds what needs a person and nothing else.
 */
class ApplicationStoreTest {
    private static final String SHA = "a".repeat(64);

    static Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void twoNodesClaimingTheSameApplicationClaimItOnce(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database a = tdb.open();
                Database b = tdb.open()) {
            ApplicationStore[] nodes = {new ApplicationStore(a.dataSource()), new ApplicationStore(b.dataSource())};
            signed(nodes[0], "TB-RACE", 1_000);
            ApplicationStore.Row seen = nodes[0].find("TB-RACE").orElseThrow();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> claims = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    ApplicationStore node = nodes[i % 2];
                    long at = 2_000 + i;
                    Callable<Boolean> claim = () -> {
                        go.await();
                        return node.claimSealing(seen, at);
                    };
                    claims.add(pool.submit(claim));
                }
                go.countDown();
                int won = 0;
                for (Future<Boolean> f : claims) {
                    won += f.get() ? 1 : 0;
                }
                assertThat(won).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
            assertThat(nodes[1].find("TB-RACE").orElseThrow().status()).isEqualTo(ApplicationStore.Status.SEALING);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aStaleClaimTakenOverNeitherSealsNorReleases(String kind, @TempDir Path dir) throws Exception {
        try (Database db = TestDatabase.of(kind, dir).open()) {
            ApplicationStore store = new ApplicationStore(db.dataSource());
            signed(store, "TB-STALE", 1_000);
            assertThat(store.claimSealing(store.find("TB-STALE").orElseThrow(), 2_000))
                    .isTrue();
            // The first claimer's node stops; much later another takes the claim over, as it saw it.
            ApplicationStore.Row stale = store.find("TB-STALE").orElseThrow();
            assertThat(stale.status()).isEqualTo(ApplicationStore.Status.SEALING);
            assertThat(store.claimSealing(stale, 2_000 + Sealing.STALE_MS + 1)).isTrue();
            assertThat(store.claimSealing(stale, 2_000 + Sealing.STALE_MS + 2))
                    .as("a second taker saw the same stale claim")
                    .isFalse();
            // The first claimer comes back: its release and its result are ignored.
            store.releaseSealing("TB-STALE", 2_000, 3_000);
            assertThat(sealed(store, "TB-STALE", 2_000)).isFalse();
            assertThat(store.find("TB-STALE").orElseThrow().status()).isEqualTo(ApplicationStore.Status.SEALING);
            // The taker seals.
            assertThat(sealed(store, "TB-STALE", 2_000 + Sealing.STALE_MS + 1)).isTrue();
            ApplicationStore.Row done = store.find("TB-STALE").orElseThrow();
            assertThat(done.status()).isEqualTo(ApplicationStore.Status.SEALED);
            assertThat(done.sealedBy()).isEqualTo("wujin02");
            assertThat(done.signingClerk()).isEqualTo("wujin02");
            assertThat(store.claimSealing(done, 9_999_999)).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aRefusedHandoffIsResentOnceAndTheListHoldsWhatNeedsAPerson(String kind, @TempDir Path dir) throws Exception {
        try (Database db = TestDatabase.of(kind, dir).open()) {
            ApplicationStore store = new ApplicationStore(db.dataSource());
            List<String> audited = new ArrayList<>();
            HandoffOutbox outbox = new HandoffOutbox(
                    store, (actor, action, session, kv) -> audited.add(actor + " " + action), Clock.systemUTC());
            store.putPrepared(row("TB-PREPARED", 1_000));
            signed(store, "TB-SIGNED", 1_000);
            signed(store, "TB-REFUSED", 1_000);
            store.claimSealing(store.find("TB-REFUSED").orElseThrow(), 2_000);
            sealed(store, "TB-REFUSED", 2_000);
            store.handoffRefused("TB-REFUSED", "SIGNATURE_UNTRUSTED: TSA", 1, 3_000);
            signed(store, "TB-DELIVERED", 1_000);
            store.claimSealing(store.find("TB-DELIVERED").orElseThrow(), 2_000);
            sealed(store, "TB-DELIVERED", 2_000);
            store.handoffDelivered("TB-DELIVERED", ApplicationStore.Handoff.DELIVERED, "HZ1", SHA, 3_000, 1, 3_000);

            assertThat(outbox.list())
                    .extracting(HandoffOutbox.Entry::applicationId)
                    .containsExactlyInAnyOrder("TB-SIGNED", "TB-REFUSED");
            assertThat(outbox.resend("TB-NONE", "operator:x", "cli"))
                    .isEqualTo(HandoffOutbox.Resend.NO_SUCH_APPLICATION);
            assertThat(outbox.resend("TB-SIGNED", "operator:x", "cli")).isEqualTo(HandoffOutbox.Resend.NOT_SEALED);
            assertThat(outbox.resend("TB-DELIVERED", "operator:x", "cli"))
                    .isEqualTo(HandoffOutbox.Resend.ALREADY_DELIVERED);
            assertThat(outbox.resend("TB-REFUSED", "operator:x", "cli")).isEqualTo(HandoffOutbox.Resend.RESENT);
            assertThat(outbox.resend("TB-REFUSED", "clerk:wujin01", "console"))
                    .isEqualTo(HandoffOutbox.Resend.ALREADY_PENDING);
            assertThat(audited).containsExactly("operator:x handoff.resent");
            ApplicationStore.Row resent = store.find("TB-REFUSED").orElseThrow();
            assertThat(resent.handoff()).isEqualTo(ApplicationStore.Handoff.PENDING);
            assertThat(resent.handoffReason()).startsWith("SIGNATURE_UNTRUSTED");
            assertThat(store.dueHandoffs(Long.MAX_VALUE))
                    .extracting(ApplicationStore.Row::applicationId)
                    .containsExactly("TB-REFUSED");
            assertThat(outbox.list())
                    .filteredOn(e -> e.applicationId().equals("TB-REFUSED"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.handoff()).isEqualTo("pending"));
        }
    }

    // ---------------------------------------------------------------- fixtures

    private static void signed(ApplicationStore store, String id, long at) {
        assertThat(store.putPrepared(row(id, at))).isTrue();
        assertThat(store.intentConfirmed(id, SHA, at)).isTrue();
        assertThat(store.applicantSigned(id, SHA, "1f", at)).isTrue();
    }

    private static boolean sealed(ApplicationStore store, String id, long claimedAt) {
        return store.sealed(
                id,
                claimedAt,
                SHA,
                "VALID",
                "wujin02",
                ApplicationStore.Handoff.PENDING,
                "http://127.0.0.1:9",
                "{}",
                claimedAt + 60_000,
                claimedAt + 10);
    }

    private static ApplicationStore.Row row(String id, long at) {
        return ApplicationStore.Row.prepared(
                id,
                "t-" + id,
                "s-" + id,
                "property-certificate",
                "cz-wujin-bdc",
                "nj-gulou-zwfw",
                "wujin01",
                2,
                SHA,
                null,
                at);
    }
}
