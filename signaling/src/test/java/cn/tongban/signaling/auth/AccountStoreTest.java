package cn.tongban.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.Main;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.SecretStore;
import cn.tongban.signaling.store.TestDatabase;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Accounts and the session-token key in the database, as several nodes share them: each on the
 * embedded H2 and on a real PostgreSQL server. Two connection pools on one database stand for two nodes.
 */
class AccountStoreTest {

    static Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void nodesStartingTogetherCreateEachAccountOnce(String kind, @TempDir Path dir) throws Exception {
        ReferenceData data = ReferenceDataStore.open(dir, true).current();
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database node1 = tdb.open();
                Database node2 = tdb.open()) {
            AccountStore a = AccountStore.open(node1.dataSource(), dir);
            AccountStore b = AccountStore.open(node2.dataSource(), dir);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<List<String>> fa = pool.submit(() -> a.ensureAccounts(data));
            Future<List<String>> fb = pool.submit(() -> b.ensureAccounts(data));
            List<String> created = new ArrayList<>(fa.get(120, TimeUnit.SECONDS));
            created.addAll(fb.get(120, TimeUnit.SECONDS));
            pool.shutdown();
            Set<String> clerks = new HashSet<>();
            data.clerks().forEach(c -> clerks.add(c.id()));
            assertThat(created).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(clerks);
            assertThat(b.usernames()).isEqualTo(clerks);
            assertThat(a.ensureAccounts(data)).isEmpty();
            assertThat(b.verify("wujin01", data.initialPassword())).isTrue();
            assertThat(b.verify("wujin01", "wrong-password")).isFalse();
            assertThat(b.verify("nobody", data.initialPassword())).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aPasswordChangedOnOneNodeHoldsOnTheOther(String kind, @TempDir Path dir) throws Exception {
        ReferenceData data = ReferenceDataStore.open(dir, true).current();
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database node1 = tdb.open();
                Database node2 = tdb.open()) {
            AccountStore a = AccountStore.open(node1.dataSource(), dir);
            AccountStore b = AccountStore.open(node2.dataSource(), dir);
            a.ensureAccounts(data);
            assertThat(b.verify("gulou01", data.initialPassword())).isTrue();

            // The operator changes it with the command line while both "nodes" run.
            assertThat(run(tdb, dir, "new-secret-password\n", "account", "passwd", "gulou01", "--stdin"))
                    .startsWith("0 ");
            assertThat(a.verify("gulou01", "new-secret-password")).isTrue();
            assertThat(b.verify("gulou01", "new-secret-password")).isTrue();
            assertThat(b.verify("gulou01", data.initialPassword())).isFalse();

            assertThat(run(tdb, dir, "short\n", "account", "passwd", "gulou01", "--stdin"))
                    .startsWith("1 ");
            assertThat(run(tdb, dir, "gulou01-password\n", "account", "passwd", "gulou01", "--stdin"))
                    .startsWith("1 ");
            assertThat(b.verify("gulou01", "new-secret-password")).isTrue();

            // Reset: a one-time password, printed once, replaces the password on both nodes; it only lets the
            // clerk set a password of their own, and the reference-data pass leaves the account alone.
            String reset = run(tdb, dir, "", "account", "reset", "gulou01");
            assertThat(reset).startsWith("0 ");
            java.util.regex.Matcher printed = java.util.regex.Pattern.compile("(?m)^\\s+(\\S{4}-\\S{4}-\\S{4}-\\S{4})$")
                    .matcher(reset);
            assertThat(printed.find()).as(reset).isTrue();
            String oneTime = printed.group(1);
            assertThat(a.check("gulou01", "new-secret-password")).isEqualTo(AccountStore.Check.WRONG);
            assertThat(b.check("gulou01", oneTime)).isEqualTo(AccountStore.Check.CHANGE_REQUIRED);
            assertThat(b.ensureAccounts(data)).isEmpty();
            assertThat(a.check("gulou01", data.initialPassword())).isEqualTo(AccountStore.Check.WRONG);
            // Each reset draws a new one.
            String again = run(tdb, dir, "", "account", "reset", "gulou01");
            assertThat(again).startsWith("0 ").doesNotContain(oneTime);
            assertThat(a.check("gulou01", oneTime)).isEqualTo(AccountStore.Check.WRONG);
            // The clerk's own password clears the mark.
            a.setPassword("gulou01", "clerks-own-password-1");
            assertThat(b.check("gulou01", "clerks-own-password-1")).isEqualTo(AccountStore.Check.OK);
            assertThat(run(tdb, dir, "", "account", "list")).contains("gulou01").contains("wujin01");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void legacyFilesAreImportedOnce(String kind, @TempDir Path dir) throws Exception {
        String oldHash = com.password4j.Password.hash("from-the-old-file")
                .addRandomSalt(16)
                .with(com.password4j.Argon2Function.getInstance(19 * 1024, 2, 1, 32, com.password4j.types.Argon2.ID))
                .getResult();
        Files.writeString(dir.resolve("accounts.json"), "{\"wujin01\":\"" + oldHash + "\"}");
        Files.writeString(dir.resolve("jwt.secret"), "b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ=\n");
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database node1 = tdb.open();
                Database node2 = tdb.open()) {
            AccountStore a = AccountStore.open(node1.dataSource(), dir);
            assertThat(Files.exists(dir.resolve("accounts.json"))).isFalse();
            assertThat(Files.exists(dir.resolve("accounts.json.imported"))).isTrue();
            assertThat(a.verify("wujin01", "from-the-old-file")).isTrue();
            // Accounts already in the database win over an older file.
            Files.writeString(dir.resolve("accounts.json"), "{\"wujin01\":\"$argon2id$garbage\"}");
            AccountStore b = AccountStore.open(node2.dataSource(), dir);
            assertThat(b.verify("wujin01", "from-the-old-file")).isTrue();

            // Two nodes on one machine: one database, one secrets keystore.
            Path keystore = dir.resolve("secrets.p12");
            InstallationSecrets s1 = new InstallationSecrets(node1.dataSource(), SecretStore.open(keystore, null));
            InstallationSecrets s2 = new InstallationSecrets(node2.dataSource(), SecretStore.open(keystore, null));
            Vertx vertx = Vertx.vertx();
            try {
                TokenService t1 = TokenService.create(
                        vertx, s1, new JdbcTokenRevocations(node1.dataSource(), java.time.Clock.systemUTC()), dir);
                // The second node has no jwt.secret of its own: it must still accept the first node's tokens.
                Path other = Files.createDirectory(dir.resolve("other-node"));
                TokenService t2 = TokenService.create(
                        vertx, s2, new JdbcTokenRevocations(node2.dataSource(), java.time.Clock.systemUTC()), other);
                assertThat(s2.find("jwt")).contains("b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ=");
                String token = t1.issue("wujin01");
                assertThat(t2.verify(token).await(10, TimeUnit.SECONDS)).isEqualTo("wujin01");
            } finally {
                vertx.close().await(10, TimeUnit.SECONDS);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void concurrentFirstUseOfASecretAgreesOnOneValue(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database node1 = tdb.open();
                Database node2 = tdb.open()) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<String>> values = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                InstallationSecrets s = new InstallationSecrets(
                        (i % 2 == 0 ? node1 : node2).dataSource(), SecretStore.open(dir.resolve("secrets.p12"), null));
                int n = i;
                values.add(pool.submit(() -> s.getOrCreate("race", () -> "value-" + n)));
            }
            Set<String> seen = new HashSet<>();
            for (Future<String> f : values) {
                seen.add(f.get(60, TimeUnit.SECONDS));
            }
            pool.shutdown();
            assertThat(seen).hasSize(1);
        }
    }

    /** Runs the command line against the database with {@code stdin}; returns "exit-code stdout". */
    private static String run(TestDatabase db, Path dir, String stdin, String... args) {
        java.io.PrintStream oldOut = System.out;
        InputStream oldIn = System.in;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of(db.cliOptions(dir)));
            int code = new CommandLine(new Main()).execute(all.toArray(String[]::new));
            return code + " " + out.toString(StandardCharsets.UTF_8).strip();
        } finally {
            System.setOut(oldOut);
            System.setIn(oldIn);
        }
    }
}
