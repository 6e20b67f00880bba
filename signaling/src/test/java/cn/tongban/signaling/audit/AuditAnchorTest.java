package cn.tongban.signaling.audit;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.pki.Credential;
import cn.tongban.docsign.pki.EmbeddedPki;
import cn.tongban.session.audit.AuditChain;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.Main;
import cn.tongban.signaling.pki.PkiSupport;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.JdbcAuditJournal;
import cn.tongban.signaling.store.SecretStore;
import cn.tongban.signaling.store.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The tamper-evident audit journal attacked the way issue #11 describes it: someone who can write the
 * database rewrites an entry and re-chains everything after it, first without the chain key (the database
 * does not hold it), then with it (the whole data directory stolen); checkpoints sealed by a hall's e-seal
 * and time-stamped expose the second. {@code audit verify} is run as an operator runs it.
 */
class AuditAnchorTest {

    static java.util.stream.Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    /** A journal of twelve entries anchored every five, on one database and one data directory. */
    private record Setup(
            TestDatabase tdb,
            Path dir,
            Database db,
            EmbeddedPki pki,
            String hall,
            JdbcAuditJournal journal,
            AuditCheckpoints checkpoints)
            implements AutoCloseable {

        static Setup of(TestDatabase tdb, Path dir) throws Exception {
            Database db = tdb.open();
            ReferenceData refdata = ReferenceDataStore.open(dir, true).current();
            EmbeddedPki pki = PkiSupport.open(dir, "http://127.0.0.1:8080/pki", refdata, List.of());
            String hall = refdata.halls().get(0).id();
            InstallationSecrets secrets =
                    new InstallationSecrets(db.dataSource(), SecretStore.open(dir.resolve("secrets.p12"), null));
            JdbcAuditJournal journal = JdbcAuditJournal.keyed(db.dataSource(), Clock.systemUTC(), secrets);
            AuditCheckpoints cps = new AuditCheckpoints(
                    db.dataSource(),
                    journal,
                    hall,
                    () -> pki.hallSeal(hall),
                    pki.timestamps(),
                    new AuditCheckpoints.Policy(5, Duration.ofHours(1)),
                    Clock.systemUTC());
            return new Setup(tdb, dir, db, pki, hall, journal, cps);
        }

        void append(int n) {
            for (int i = 0; i < n; i++) {
                journal.append("clerk:wj0421", "test.event", "s-1", "{\"i\":" + i + "}");
                checkpoints.takeIfDue();
            }
        }

        @Override
        public void close() {
            db.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void anIntactJournalReportsItsLastAnchor(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Setup s = Setup.of(tdb, dir)) {
            s.append(12);
            // The first entry is anchored at once, then every fifth.
            assertThat(s.checkpoints.between(0, 100))
                    .extracting(AuditCheckpoints.Checkpoint::seq)
                    .containsExactly(1L, 6L, 11L);
            assertThat(s.journal.keying().key()).isNotNull();
            assertThat(s.journal.keying().fromSeq()).isEqualTo(1);
        }
        String out = verify(tdb, dir);
        assertThat(out).startsWith("0 ");
        JsonObject report = new JsonObject(out.substring(2));
        assertThat(report.getBoolean("intact")).isTrue();
        assertThat(report.getLong("events")).isEqualTo(12);
        assertThat(report.getInteger("checkpoints")).isEqualTo(3);
        assertThat(report.getJsonObject("lastAnchored").getLong("seq")).isEqualTo(11);
        assertThat(report.getJsonObject("lastAnchored").getString("sealedBy")).isNotBlank();
        assertThat(report.getLong("unanchored")).isEqualTo(1);
        assertThat(report.getLong("keyedFrom")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aRewrittenAndRechainedEntryIsFoundWithoutTheKey(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Setup s = Setup.of(tdb, dir)) {
            s.append(12);
            // Database access only: the attacker knows the (public) hashing rule but not the chain key.
            rewriteAndRechain(s, 3, AuditChain.Keying.NONE);
        }
        String out = verify(tdb, dir);
        assertThat(out).startsWith("1 {\"intact\":false,\"firstBrokenSeq\":3,");
        assertThat(out).contains("content does not match its hash");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aRechainWithTheStolenKeyContradictsTheSealedCheckpoints(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Setup s = Setup.of(tdb, dir)) {
            s.append(12);
            rewriteAndRechain(s, 3, s.journal.keying());
            // The chain itself is consistent again...
            assertThat(AuditChain.verify(s.journal.keying(), s.journal.read(0, 100)))
                    .isEmpty();
        }
        // ...but the checkpoint of entry 6, sealed before the rewrite, names the old history.
        String out = verify(tdb, dir);
        assertThat(out).startsWith("1 {\"intact\":false,\"firstBrokenSeq\":6,");
        assertThat(out).contains("history rewritten");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void checkpointsResealedWithoutTheSealKeyAreRefused(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Setup s = Setup.of(tdb, dir)) {
            s.append(12);
            rewriteAndRechain(s, 3, s.journal.keying());
            // The attacker re-signs the checkpoints with the only credential they can get from the PKI: an
            // applicant's, time-stamped by the real TSA.
            Credential applicant = s.pki.issueApplicantWithKey(s.hall, "张三", "110101199003071234");
            try (Connection c = s.db.dataSource().getConnection();
                    PreparedStatement ps =
                            c.prepareStatement("UPDATE audit_checkpoint SET hash = ?, signature = ? WHERE seq = ?")) {
                for (AuditEvent e : s.journal.read(0, 100)) {
                    if (e.seq() == 6 || e.seq() == 11) {
                        ps.setString(1, e.hash());
                        ps.setBytes(
                                2,
                                AuditSeal.sign(AuditSeal.statement(e.seq(), e.hash()), applicant, s.pki.timestamps()));
                        ps.setLong(3, e.seq());
                        ps.executeUpdate();
                    }
                }
            }
        }
        String out = verify(tdb, dir);
        assertThat(out).startsWith("1 {\"intact\":false,\"firstBrokenSeq\":6,");
        assertThat(out).contains("not a trusted hall seal");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void entriesCutOffTheEndAreNamedByTheCheckpointBeyondIt(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Setup s = Setup.of(tdb, dir)) {
            s.append(12);
            AuditEvent nine = s.journal.read(8, 1).get(0);
            try (Connection c = s.db.dataSource().getConnection();
                    Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM audit_event WHERE seq >= 10");
                st.executeUpdate("UPDATE audit_head SET seq = 9, hash = '" + nine.hash() + "' WHERE id = 1");
            }
        }
        String out = verify(tdb, dir);
        assertThat(out).startsWith("1 {\"intact\":false,\"firstBrokenSeq\":10,");
        assertThat(out).contains("a checkpoint anchors entry 11");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void controlCharactersNeverReachTheJournal(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Setup s = Setup.of(tdb, dir)) {
            AuditEvent e = s.journal.append(
                    "clerk:evil\n2026-12-07 INFO clerk:admin granted\u202Eevil",
                    "login\r.failed",
                    null,
                    "{\"u\":\"a\u2028b\"}");
            assertThat(e.actor()).isEqualTo("clerk:evil\uFFFD2026-12-07 INFO clerk:admin granted\uFFFDevil");
            assertThat(e.action()).isEqualTo("login\uFFFD.failed");
            assertThat(e.details()).isEqualTo("{\"u\":\"a\\u2028b\"}");
            assertThat(new JsonObject(e.details()).getString("u")).isEqualTo("a\u2028b");
            assertThat(AuditChain.verify(s.journal.keying(), s.journal.read(0, 10)))
                    .isEmpty();
        }
    }

    /** Changes entry {@code seq}'s details and recomputes every later link (and the head) with {@code keying}. */
    private static void rewriteAndRechain(Setup s, long seq, AuditChain.Keying keying) throws Exception {
        List<AuditEvent> events = new ArrayList<>(s.journal.read(0, 1000));
        try (Connection c = s.db.dataSource().getConnection();
                PreparedStatement upd = c.prepareStatement(
                        "UPDATE audit_event SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?");
                PreparedStatement head = c.prepareStatement("UPDATE audit_head SET hash = ? WHERE id = 1")) {
            String prev = events.get((int) seq - 2).hash();
            for (AuditEvent e : events.subList((int) seq - 1, events.size())) {
                String details = e.seq() == seq ? "{\"i\":\"nothing happened\"}" : e.details();
                String hash =
                        AuditChain.hash(keying, e.seq(), e.at(), e.actor(), e.action(), e.sessionId(), details, prev);
                upd.setString(1, details);
                upd.setString(2, prev);
                upd.setString(3, hash);
                upd.setLong(4, e.seq());
                upd.executeUpdate();
                prev = hash;
            }
            head.setString(1, prev);
            head.executeUpdate();
        }
    }

    /** {@code audit verify} as an operator runs it; "exit-code stdout". */
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
