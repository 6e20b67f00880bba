package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.cli.AuditCommand;
import cn.tongban.signaling.cli.BackupCommand;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.pki.PkiSupport;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code backup} of a running node and {@code restore} into an empty data directory, through the commands
 * an operator types: the restored installation's audit journal verifies intact, a node started on it signs
 * its clerks in and has the same PKI root; the keystores' passwords stay out of the backup unless asked for.
 * A tampered, planted or incomplete backup is refused before anything is written, as is a target in use; and
 * the PostgreSQL path through pg_dump and pg_restore.
 */
@ExtendWith(VertxExtension.class)
class BackupRestoreTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final TestServer IT = TestServer.create("backup-it", b -> b);

    @TempDir
    Path tmp;

    @Test
    void aRunningNodesBackupRestoresIntoAnInstallationThatVerifiesAndServes(Vertx vertx) throws Exception {
        SigningSteps steps = new SigningSteps(IT.server(), IT.dataDir());
        try (SigningSteps.Pair p = steps.pair(vertx, "wujin01", "cz-wujin-bdc", null, "张秀英")) {
            assertThat(p.sid()).isNotBlank();
        }
        Path recording = IT.dataDir().resolve("recordings").resolve("s-test").resolve("started.json");
        Files.createDirectories(recording.getParent());
        Files.writeString(recording, "{\"sessionId\":\"s-test\"}");
        Result before =
                run(new AuditCommand(), "verify", "--data-dir", IT.dataDir().toString());
        assertThat(before.exit).as(before.err).isZero();
        long eventsBefore = new JsonObject(before.out).getLong("events");
        assertThat(eventsBefore).isPositive();

        Path backup = tmp.resolve("backup");
        Result made = run(new BackupCommand.Create(), "--data-dir", IT.dataDir().toString(), "--to", backup.toString());
        assertThat(made.exit).as(made.err).isZero();
        assertThat(made.out).contains("h2 database").contains("pki.password").contains("secrets.password");
        assertThat(backup.resolve("database/tongban.zip")).isRegularFile();
        assertThat(backup.resolve("data/refdata.yaml")).isRegularFile();
        assertThat(backup.resolve("data/pki/pki.p12")).isRegularFile();
        assertThat(backup.resolve("data/secrets.p12")).isRegularFile();
        assertThat(backup.resolve("recordings/s-test/started.json")).hasContent("{\"sessionId\":\"s-test\"}");
        assertThat(backup.resolve("data/pki.password")).doesNotExist();
        assertThat(backup.resolve("data/secrets.password")).doesNotExist();
        assertThat(backup.resolve("data/db")).doesNotExist();
        assertThat(Files.getPosixFilePermissions(backup)).hasSize(3);
        // The node's scratch copy of the database is gone from its data directory.
        try (Stream<Path> s = Files.list(IT.dataDir())) {
            assertThat(s.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith(".backup-"));
        }

        Path restored = tmp.resolve("restored");
        Result back = run(new BackupCommand.Restore(), "--from", backup.toString(), "--data-dir", restored.toString());
        assertThat(back.exit).as(back.err).isZero();
        assertThat(back.out).contains("put them back before starting");
        // The operator brings the passwords back from where they were kept.
        Files.copy(IT.dataDir().resolve("pki.password"), restored.resolve("pki.password"));
        Files.copy(IT.dataDir().resolve("secrets.password"), restored.resolve("secrets.password"));

        Result verified = run(new AuditCommand(), "verify", "--data-dir", restored.toString());
        assertThat(verified.exit).as(verified.out + verified.err).isZero();
        JsonObject report = new JsonObject(verified.out);
        assertThat(report.getBoolean("intact")).isTrue();
        assertThat(report.getLong("events")).isGreaterThanOrEqualTo(eventsBefore);
        assertThat(restored.resolve("recordings/s-test/started.json")).isRegularFile();
        assertThat(PkiSupport.storedRoot(restored)).isEqualTo(PkiSupport.storedRoot(IT.dataDir()));

        try (TongbanServer node = TongbanServer.start(ServerOptions.builder()
                .port(0)
                .host("127.0.0.1")
                .dataDir(restored)
                .nodeName("restored")
                .clusterName("restored-" + ProcessHandle.current().pid())
                .build())) {
            HttpResponse<String> login = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/login"))
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"username\":\"wujin01\",\"password\":\"" + TestServer.PASSWORD + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        }

        // Into a data directory in use: refused, nothing touched.
        Result again = run(new BackupCommand.Restore(), "--from", backup.toString(), "--data-dir", restored.toString());
        assertThat(again.exit).isEqualTo(1);
        assertThat(again.err).startsWith("RESTORE_TARGET_IN_USE");
        // A backup into a directory that is not empty: refused.
        Result over = run(new BackupCommand.Create(), "--data-dir", IT.dataDir().toString(), "--to", backup.toString());
        assertThat(over.exit).isEqualTo(1);
        assertThat(over.err).startsWith("TARGET_NOT_EMPTY");
    }

    @Test
    void aTamperedPlantedOrIncompleteBackupIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path backup = tmp.resolve("backup");
        assertThat(run(new BackupCommand.Create(), "--data-dir", IT.dataDir().toString(), "--to", backup.toString())
                        .exit)
                .isZero();

        Path tampered = copy(backup, tmp.resolve("tampered"));
        Path refdata = tampered.resolve("data/refdata.yaml");
        Files.writeString(refdata, Files.readString(refdata).replace("wujin01", "wujin99"));
        assertRefused(tampered, "BACKUP_CORRUPT", "data/refdata.yaml differs from the manifest");

        Path planted = copy(backup, tmp.resolve("planted"));
        Files.writeString(planted.resolve("data/authorized_keys"), "ssh-ed25519 AAAA attacker");
        assertRefused(planted, "BACKUP_CORRUPT", "data/authorized_keys is not in the manifest");

        Path incomplete = copy(backup, tmp.resolve("incomplete"));
        Files.delete(incomplete.resolve("data/pki/pki.p12"));
        assertRefused(incomplete, "BACKUP_CORRUPT", "missing from the backup: [data/pki/pki.p12]");

        Path notABackup = Files.createDirectories(tmp.resolve("empty"));
        assertRefused(notABackup, "NOT_A_BACKUP", "has no manifest.json");
    }

    @Test
    void postgresqlIsBackedUpWithPgDumpAndRestoredWithPgRestoreIntoAnEmptyDatabaseOnly() throws Exception {
        TestPostgres pg = TestPostgres.shared();
        String source = pg.newDatabase();
        Path data = Files.createDirectories(tmp.resolve("pg-data"));
        Files.writeString(data.resolve("refdata.yaml"), "halls: []\n");
        try (Database db = Database.open(source, TestPostgres.USER, TestPostgres.PASSWORD);
                Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO case_record (session_id, ticket_id, ticket_number, matter_id, hall_id,"
                    + " clerk_id, applicant_name, applicant_mobile, state, started_at, ended_at, closed_at) VALUES"
                    + " ('s-pg', 't-1', 'A001', 'property-certificate', 'cz-wujin-bdc', 'wujin01', '张*英',"
                    + " '138****5678', 'CLOSED', 1, 2, 3)");
        }
        Path backup = tmp.resolve("pg-backup");
        Result made = run(
                new BackupCommand.Create(),
                "--data-dir",
                data.toString(),
                "--db-url",
                source,
                "--db-user",
                TestPostgres.USER,
                "--db-password",
                TestPostgres.PASSWORD,
                "--pg-dump",
                pg.bin().resolve("pg_dump").toString(),
                "--to",
                backup.toString());
        assertThat(made.exit).as(made.err).isZero();
        assertThat(backup.resolve("database/tongban.pgdump")).isRegularFile();

        String target = pg.newDatabase();
        Result back = run(
                new BackupCommand.Restore(),
                "--from",
                backup.toString(),
                "--data-dir",
                tmp.resolve("pg-restored").toString(),
                "--db-url",
                target,
                "--db-user",
                TestPostgres.USER,
                "--db-password",
                TestPostgres.PASSWORD,
                "--pg-restore",
                pg.bin().resolve("pg_restore").toString());
        assertThat(back.exit).as(back.err).isZero();
        try (Connection c = java.sql.DriverManager.getConnection(target, TestPostgres.USER, TestPostgres.PASSWORD);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM case_record WHERE session_id = 's-pg'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }

        Result intoUsed = run(
                new BackupCommand.Restore(),
                "--from",
                backup.toString(),
                "--data-dir",
                tmp.resolve("pg-restored-2").toString(),
                "--db-url",
                source,
                "--db-user",
                TestPostgres.USER,
                "--db-password",
                TestPostgres.PASSWORD,
                "--pg-restore",
                pg.bin().resolve("pg_restore").toString());
        assertThat(intoUsed.exit).isEqualTo(1);
        assertThat(intoUsed.err).startsWith("RESTORE_TARGET_IN_USE");
        assertThat(tmp.resolve("pg-restored-2")).doesNotExist();

        Result intoH2 = run(
                new BackupCommand.Restore(),
                "--from",
                backup.toString(),
                "--data-dir",
                tmp.resolve("h2").toString());
        assertThat(intoH2.exit).isEqualTo(1);
        assertThat(intoH2.err).startsWith("DATABASE_KIND_MISMATCH");
    }

    @Test
    void postgresqlConnectionsReachPgDumpWithoutThePasswordOnTheCommandLine() {
        cn.tongban.signaling.backup.BackupTestAccess.Parsed p = cn.tongban.signaling.backup.BackupTestAccess.parse(
                "jdbc:postgresql://db.hall.example:6432/tongban?sslmode=verify-full&password=s3cret&ApplicationName=x",
                "tongban",
                null);
        assertThat(p.arguments())
                .containsExactly("--host=db.hall.example", "--port=6432", "--dbname=tongban", "--username=tongban");
        assertThat(String.join(" ", p.arguments())).doesNotContain("s3cret");
        assertThat(p.env()).containsEntry("PGPASSWORD", "s3cret").containsEntry("PGSSLMODE", "verify-full");
        assertThat(p.env()).doesNotContainKey("ApplicationName");
        assertThat(p.text()).doesNotContain("s3cret");
    }

    @Test
    void aRestoreThatWouldOverwriteRecordingsIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path recording = IT.dataDir().resolve("recordings").resolve("s-keep").resolve("started.json");
        Files.createDirectories(recording.getParent());
        Files.writeString(recording, "{}");
        Path backup = tmp.resolve("with-recordings");
        assertThat(run(new BackupCommand.Create(), "--data-dir", IT.dataDir().toString(), "--to", backup.toString())
                        .exit)
                .isZero();
        Path elsewhere =
                Files.createDirectories(tmp.resolve("recordings-in-use").resolve("s-other"));
        Files.writeString(elsewhere.resolve("started.json"), "{}");
        Path target = tmp.resolve("target-recordings");
        Result r = run(
                new BackupCommand.Restore(),
                "--from",
                backup.toString(),
                "--data-dir",
                target.toString(),
                "--recording-dir",
                elsewhere.getParent().toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.err).startsWith("RESTORE_TARGET_IN_USE").contains("holds recordings already");
        assertThat(target).doesNotExist();
    }

    private void assertRefused(Path backup, String code, String why) throws Exception {
        Path target = tmp.resolve("target-" + backup.getFileName());
        Result r = run(new BackupCommand.Restore(), "--from", backup.toString(), "--data-dir", target.toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.err).startsWith(code).contains(why);
        assertThat(target).doesNotExist();
    }

    private static Path copy(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.naturalOrder())::iterator) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
        return to;
    }

    private record Result(int exit, String out, String err) {}

    private static Result run(Object command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = new CommandLine(command).execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
