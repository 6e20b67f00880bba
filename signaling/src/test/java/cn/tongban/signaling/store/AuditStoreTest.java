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
import picocli.CommandLine;

/** The audit journal and case records on the embedded H2 database, and the {@code audit verify} command. */
class AuditStoreTest {

    @Test
    void concurrentAppendsFormOneIntactChain(@TempDir Path dir) throws Exception {
        try (Database db = Database.open(Database.defaultUrl(dir), null, null)) {
            JdbcAuditJournal journal = new JdbcAuditJournal(db.dataSource(), Clock.systemUTC());
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        journal.append("clerk:c" + thread, "test.event", "s-" + thread, "{\"i\":" + i + "}");
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            List<AuditEvent> all = journal.read(0, 1000);
            assertThat(all).hasSize(100);
            assertThat(AuditChain.verify(all)).isEmpty();
            assertThat(journal.forSession("s-2")).hasSize(25).allMatch(e -> e.actor()
                    .equals("clerk:c2"));
            assertThat(journal.head().seq()).isEqualTo(100);
        }
        assertThat(verify(dir)).startsWith("0 {\"intact\":true,\"events\":100");
    }

    @Test
    void verifyNamesTheFirstTamperedEntry(@TempDir Path dir) throws Exception {
        try (Database db = Database.open(Database.defaultUrl(dir), null, null)) {
            JdbcAuditJournal journal = new JdbcAuditJournal(db.dataSource(), Clock.systemUTC());
            for (int i = 0; i < 10; i++) {
                journal.append("server", "test.event", null, "{\"i\":" + i + "}");
            }
            try (Connection c = db.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE audit_event SET details = '{\"i\":99}' WHERE seq = 7");
            }
        }
        assertThat(verify(dir)).startsWith("1 {\"intact\":false,\"firstBrokenSeq\":7");
    }

    @Test
    void verifyNoticesEntriesCutOffTheEnd(@TempDir Path dir) throws Exception {
        try (Database db = Database.open(Database.defaultUrl(dir), null, null)) {
            JdbcAuditJournal journal = new JdbcAuditJournal(db.dataSource(), Clock.systemUTC());
            for (int i = 0; i < 5; i++) {
                journal.append("server", "test.event", null, "{}");
            }
            try (Connection c = db.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM audit_event WHERE seq >= 4");
            }
        }
        assertThat(verify(dir)).startsWith("1 {\"intact\":false,\"firstBrokenSeq\":4");
    }

    @Test
    void verifyWithoutAJournalSaysSo(@TempDir Path dir) {
        assertThat(verify(dir)).startsWith("2 ");
    }

    @Test
    void casesAreRecordedOnceAndReadBack(@TempDir Path dir) {
        try (Database db = Database.open(Database.defaultUrl(dir), null, null)) {
            CaseStore cases = new CaseStore(db.dataSource());
            TicketRecord t = new TicketRecord(
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
                    5000);
            SessionRecord s = new SessionRecord(
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
            cases.record(s, t, 5000);
            cases.record(s, t, 6000);
            List<CaseStore.Case> recent = cases.recent("cz-wujin-bdc", 10);
            assertThat(recent).hasSize(1);
            assertThat(recent.get(0).outcome()).isEqualTo("COMPLETED");
            assertThat(recent.get(0).note()).isEqualTo("材料齐全");
            assertThat(recent.get(0).closedAt()).isEqualTo(5000);
        }
    }

    /** Runs {@code audit verify} and returns "exit-code stdout". */
    private static String verify(Path dir) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new Main()).execute("audit", "verify", "--data-dir", dir.toString());
            return code + " " + out.toString(StandardCharsets.UTF_8).strip();
        } finally {
            System.setOut(old);
        }
    }
}
