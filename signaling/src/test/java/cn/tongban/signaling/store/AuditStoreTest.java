package cn.tongban.signaling.store;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditChain;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.session.model.Outcome;
import cn.tongban.session.model.SessionState;
import cn.tongban.signaling.Main;
import cn.tongban.signaling.queue.SessionRecord;
import cn.tongban.signaling.queue.TicketRecord;
import cn.tongban.signaling.queue.TicketStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The audit journal and case records on both databases — the embedded H2 file database and a real
 * PostgreSQL server ({@link TestPostgres}) — and the {@code audit verify} command against each.
 */
class AuditStoreTest {

    static java.util.stream.Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void migrationsApplyOnceAndAgainAreANoOp(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database db = tdb.open()) {
            assertThat(versions(db)).contains("1");
        }
        // A second start (another node, or a restart) finds the schema current and changes nothing.
        try (Database db = tdb.open();
                Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM audit_head")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(versions(db)).doesNotHaveDuplicates();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void concurrentAppendsFromTwoNodesFormOneIntactChain(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        // Two pools on one database stand for two nodes appending at once.
        try (Database node1 = tdb.open();
                Database node2 = tdb.open()) {
            List<JdbcAuditJournal> journals = List.of(
                    JdbcAuditJournal.unkeyed(node1.dataSource(), Clock.systemUTC()),
                    JdbcAuditJournal.unkeyed(node2.dataSource(), Clock.systemUTC()));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                JdbcAuditJournal journal = journals.get(t % 2);
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        journal.append("clerk:c" + thread, "test.event", "s-" + thread, "{\"i\":" + i + "}");
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            JdbcAuditJournal journal = journals.get(0);
            List<AuditEvent> all = journal.read(0, 1000);
            assertThat(all).hasSize(100);
            assertThat(AuditChain.verify(all)).isEmpty();
            assertThat(all)
                    .extracting(AuditEvent::seq)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 100)
                            .boxed()
                            .toList());
            assertThat(journals.get(1).forSession("s-2")).hasSize(25).allMatch(e -> e.actor()
                    .equals("clerk:c2"));
            assertThat(journal.head().seq()).isEqualTo(100);
        }
        assertThat(verify(tdb, dir)).startsWith("0 {\"intact\":true,\"events\":100");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void verifyNamesTheFirstTamperedEntry(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database db = tdb.open()) {
            JdbcAuditJournal journal = JdbcAuditJournal.unkeyed(db.dataSource(), Clock.systemUTC());
            for (int i = 0; i < 10; i++) {
                journal.append("server", "test.event", null, "{\"i\":" + i + "}");
            }
            try (Connection c = db.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE audit_event SET details = '{\"i\":99}' WHERE seq = 7");
            }
        }
        assertThat(verify(tdb, dir)).startsWith("1 {\"intact\":false,\"firstBrokenSeq\":7");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void verifyNoticesEntriesCutOffTheEnd(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database db = tdb.open()) {
            JdbcAuditJournal journal = JdbcAuditJournal.unkeyed(db.dataSource(), Clock.systemUTC());
            for (int i = 0; i < 5; i++) {
                journal.append("server", "test.event", null, "{}");
            }
            try (Connection c = db.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM audit_event WHERE seq >= 4");
            }
        }
        assertThat(verify(tdb, dir)).startsWith("1 {\"intact\":false,\"firstBrokenSeq\":4");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void verifyNoticesAnEntryRemovedFromTheMiddle(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database db = tdb.open()) {
            JdbcAuditJournal journal = JdbcAuditJournal.unkeyed(db.dataSource(), Clock.systemUTC());
            for (int i = 0; i < 6; i++) {
                journal.append("server", "test.event", null, "{}");
            }
            try (Connection c = db.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM audit_event WHERE seq = 3");
            }
        }
        assertThat(verify(tdb, dir)).startsWith("1 {\"intact\":false,\"firstBrokenSeq\":");
    }

    @Test
    void verifyWithoutAJournalSaysSo(@TempDir Path dir) {
        assertThat(verify(TestDatabase.h2(dir), dir)).startsWith("2 ");
    }

    @Test
    void verifyOfAnUnreachableDatabaseSaysSo(@TempDir Path dir) {
        TestDatabase nowhere =
                new TestDatabase("postgresql", "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2", "x", "y");
        assertThat(verify(nowhere, dir)).startsWith("2 ");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void casesAreRecordedOnceAndReadBack(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database node1 = tdb.open();
                Database node2 = tdb.open()) {
            CaseStore cases = new CaseStore(node1.dataSource());
            CaseStore other = new CaseStore(node2.dataSource());
            TicketRecord t = ticket();
            SessionRecord s = session();
            cases.record(s, t, 5000);
            cases.record(s, t, 6000);
            other.record(s, t, 7000);
            List<CaseStore.Case> recent = other.recent("cz-wujin-bdc", 10);
            assertThat(recent).hasSize(1);
            assertThat(recent.get(0).outcome()).isEqualTo("COMPLETED");
            assertThat(recent.get(0).note()).isEqualTo("材料齐全");
            assertThat(recent.get(0).closedAt()).isEqualTo(5000);

            // Two nodes recording the same session at the same moment: one row, no error.
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                SessionRecord si = new SessionRecord(
                        "s-race-" + (i / 4),
                        "t-1",
                        "wujin01",
                        "c-1",
                        SessionState.CLOSED,
                        2000,
                        4000,
                        Outcome.COMPLETED,
                        null,
                        "clerk",
                        "hangup");
                CaseStore store = i % 2 == 0 ? cases : other;
                fs.add(pool.submit(() -> store.record(si, t, 8000)));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(cases.recent("cz-wujin-bdc", 100)).hasSize(6);
        }
    }

    private static TicketRecord ticket() {
        return new TicketRecord(
                "t-1",
                "B001",
                "property-certificate",
                "cz-wujin-bdc",
                null,
                "张秀英",
                "13812345678",
                1,
                1000,
                TicketStatus.DONE,
                false,
                null,
                0,
                "h",
                "s-1",
                "wujin01",
                5000,
                null,
                null,
                null,
                0,
                null,
                1);
    }

    private static SessionRecord session() {
        return new SessionRecord(
                "s-1",
                "t-1",
                "wujin01",
                "c-1",
                SessionState.CLOSED,
                2000,
                4000,
                Outcome.COMPLETED,
                "材料齐全",
                "clerk",
                "hangup");
    }

    private static List<String> versions(Database db) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\" = TRUE AND \"version\" IS NOT NULL")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Runs {@code audit verify} against the database and returns "exit-code stdout". */
    private static String verify(TestDatabase db, Path dir) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            List<String> args = new ArrayList<>(List.of("audit", "verify"));
            args.addAll(List.of(db.cliOptions(dir)));
            int code = new CommandLine(new Main()).execute(args.toArray(String[]::new));
            return code + " " + out.toString(StandardCharsets.UTF_8).strip();
        } finally {
            System.setOut(old);
        }
    }
}
