package cn.tongban.signaling.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.refdata.ReferenceDataTable;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code tongban.jar refdata export|import|history|rollback} against H2 and PostgreSQL: what is refused (an
 * invalid document, a stale --expect-version, an unknown version) changes nothing and says why with a stable
 * code; what is done is audited with the operator, both versions and both documents' SHA-256.
 */
class RefdataCommandTest {

    static Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void exportEditImportHistoryAndRollback(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        String v1 = demoYaml();
        try (Database db = tdb.open()) {
            new ReferenceDataTable(db.dataSource(), Clock.systemUTC()).importFirst(v1, "node:test");
        }
        String[] where = tdb.cliOptions(dir);

        Path exported = dir.resolve("export.yaml");
        Result export = run(new RefdataCommand.Export(), where, "--to", exported.toString());
        assertThat(export.exit).as(export.err).isZero();
        assertThat(export.err).contains("version 1").contains("--expect-version 1");
        assertThat(Files.readString(exported)).isEqualTo(v1);

        // Invalid: refused with the problem named, nothing stored, nothing audited.
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, v1.replace("matters: [property-certificate]", "matters: [social-insurance-transfer]"));
        Result invalid = run(new RefdataCommand.Import(), where, bad.toString(), "--by", "zhang");
        assertThat(invalid.exit).isEqualTo(1);
        assertThat(invalid.err)
                .startsWith("REFDATA_INVALID: clerk wujin02: hall cz-wujin-bdc does not own matter"
                        + " social-insurance-transfer")
                .contains("nothing changed");
        Files.writeString(bad, "halls: [ this is : not yaml");
        assertThat(run(new RefdataCommand.Import(), where, bad.toString(), "--by", "zhang").err)
                .startsWith("REFDATA_INVALID: cannot read reference data");
        assertThat(versionAndAudit(tdb)).containsExactly("version 1");

        // A valid edit of the export, from version 1.
        String v2 = v1.replace("name: 王丽", "name: 王丽华");
        Files.writeString(exported, v2);
        Result changed =
                run(new RefdataCommand.Import(), where, exported.toString(), "--by", "zhang", "--expect-version", "1");
        assertThat(changed.exit).as(changed.err).isZero();
        assertThat(changed.out).contains("version 2 in force (was 1)");

        // Somebody else's edit from version 1 too: stale, refused, version 2 stays.
        Path other = dir.resolve("other.yaml");
        Files.writeString(other, v1.replace("name: 王丽", "name: 王小丽"));
        Result stale = run(new RefdataCommand.Import(), where, other.toString(), "--by", "li", "--expect-version", "1");
        assertThat(stale.exit).isEqualTo(1);
        assertThat(stale.err).startsWith("REFDATA_STALE_VERSION: the reference data in force is version 2, not 1");

        // Without an operator: a usage error, nothing changed.
        assertThat(run(new RefdataCommand.Import(), where, other.toString()).exit)
                .isEqualTo(2);

        Result back = run(new RefdataCommand.Rollback(), where, "--to", "1", "--by", "wang");
        assertThat(back.exit).as(back.err).isZero();
        assertThat(back.out).contains("version 3 in force: the content of version 1 (was 2)");
        Result unknown = run(new RefdataCommand.Rollback(), where, "--to", "9", "--by", "wang");
        assertThat(unknown.exit).isEqualTo(1);
        assertThat(unknown.err).startsWith("REFDATA_NO_SUCH_VERSION: there is no version 9");

        // A node's copy of refdata.yaml can be imported as it is: its note is left out.
        Path copy = dir.resolve("node-copy.yaml");
        Files.writeString(
                copy,
                "# ==== A COPY: edits to this file are NOT read ====\n# note\n"
                        + "# ==== end of the note; the copy follows ====\n" + v2);
        assertThat(run(new RefdataCommand.Import(), where, copy.toString(), "--by", "zhang", "--expect-version", "3")
                        .exit)
                .isZero();

        Result history = run(new RefdataCommand.History(), where);
        assertThat(history.exit).isZero();
        assertThat(history.out.lines().skip(1).map(l -> l.split("\\s+")[0] + " " + l.split("\\s+")[2]))
                .containsExactly("1 imported", "2 changed", "3 rolled_back", "4 changed");
        assertThat(history.out).contains("(the content of version 1)").contains("<- in force");

        String sha1 = ReferenceDataTable.sha256(v1);
        String sha2 = ReferenceDataTable.sha256(v2);
        assertThat(versionAndAudit(tdb))
                .containsExactly(
                        "version 4",
                        "operator:zhang refdata.changed "
                                + new JsonObject()
                                        .put("previousVersion", 1)
                                        .put("previousSha256", sha1)
                                        .put("version", 2)
                                        .put("sha256", sha2)
                                        .encode(),
                        "operator:wang refdata.changed "
                                + new JsonObject()
                                        .put("previousVersion", 2)
                                        .put("previousSha256", sha2)
                                        .put("version", 3)
                                        .put("sha256", sha1)
                                        .put("rolledBackTo", 1)
                                        .encode(),
                        "operator:zhang refdata.changed "
                                + new JsonObject()
                                        .put("previousVersion", 3)
                                        .put("previousSha256", sha1)
                                        .put("version", 4)
                                        .put("sha256", sha2)
                                        .encode());
        try (Database db = tdb.open()) {
            assertThat(new ReferenceDataTable(db.dataSource(), Clock.systemUTC())
                            .latest()
                            .orElseThrow()
                            .document())
                    .isEqualTo(v2);
        }
    }

    @Test
    void aDatabaseWithoutReferenceDataOrNoDatabaseAtAllIsSaidSo(@TempDir Path dir) throws Exception {
        Path none = dir.resolve("none");
        Result noDb = run(new RefdataCommand.History(), new String[] {"--data-dir", none.toString()});
        assertThat(noDb.exit).isEqualTo(2);
        assertThat(noDb.err).startsWith("NO_DATABASE: no database in");
        assertThat(none).doesNotExist();

        TestDatabase tdb = TestDatabase.h2(dir);
        tdb.open().close();
        Result empty = run(new RefdataCommand.Export(), tdb.cliOptions(dir));
        assertThat(empty.exit).isEqualTo(1);
        assertThat(empty.err).startsWith("REFDATA_NONE:");
    }

    @Test
    void aNewNodeOnTheSharedDatabaseTakesItsReferenceDataInsteadOfSetup(@TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.postgres();
        Path fresh = dir.resolve("node-2");
        ServeCommand serve = new ServeCommand();
        serve.terminal = null;
        java.io.StringWriter err = new java.io.StringWriter();
        new CommandLine(serve)
                .setErr(new java.io.PrintWriter(err, true))
                .parseArgs(
                        "--data-dir",
                        fresh.toString(),
                        "--db-url",
                        tdb.url(),
                        "--db-user",
                        tdb.user(),
                        "--db-password",
                        tdb.password(),
                        "--node-name",
                        "node-2");
        // A database without reference data: nothing to join (serve goes on to setup, as before).
        assertThat(serve.joinFromDatabase()).isFalse();
        assertThat(ReferenceDataStore.isSetUp(fresh)).isFalse();

        String v1 = demoYaml();
        try (Database db = tdb.open()) {
            new ReferenceDataTable(db.dataSource(), Clock.systemUTC()).importFirst(v1, "node:node-1");
        }
        assertThat(serve.joinFromDatabase()).isTrue();
        assertThat(err.toString()).contains("this node joins it (version 1)");
        assertThat(ReferenceDataStore.isSetUp(fresh)).isTrue();
        String copy = Files.readString(fresh.resolve("refdata.yaml"));
        assertThat(copy).contains("a copy of version 1, written by node node-2");
        assertThat(ReferenceDataStore.withoutCopyNote(copy)).isEqualTo(v1);

        // Setup on that database by mistake: refused, nothing written (it would be ignored anyway).
        Path other = dir.resolve("node-3");
        SetupCommand setup = new SetupCommand();
        setup.terminal = null;
        java.io.StringWriter setupErr = new java.io.StringWriter();
        int exit = new CommandLine(setup)
                .setOut(new java.io.PrintWriter(new java.io.StringWriter(), true))
                .setErr(new java.io.PrintWriter(setupErr, true))
                .execute(
                        "--data-dir", other.toString(),
                        "--db-url", tdb.url(),
                        "--db-user", tdb.user(),
                        "--db-password", tdb.password(),
                        "--hall-id", "cz-wujin-bdc",
                        "--hall-name", "常州市武进区不动产登记交易中心",
                        "--province", "江苏省",
                        "--public-url", "https://wujin.example.gov.cn/",
                        "--admin", "admin09",
                        "--admin-name", "王主任",
                        "--by", "test");
        assertThat(exit).as(setupErr.toString()).isEqualTo(1);
        assertThat(setupErr.toString()).contains("holds an installation's reference data already (version 1)");
        assertThat(ReferenceDataStore.isSetUp(other)).isFalse();
        try (Database db = tdb.open()) {
            assertThat(cn.tongban.signaling.auth.AccountStore.open(db.dataSource(), other)
                            .usernames())
                    .doesNotContain("admin09");
        }
    }

    /** The version in force, then the refdata audit entries: actor, action, details. */
    private static List<String> versionAndAudit(TestDatabase tdb) throws Exception {
        List<String> out = new ArrayList<>();
        try (Database db = tdb.open();
                Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement()) {
            out.add("version " + new ReferenceDataTable(db.dataSource(), Clock.systemUTC()).latestVersion());
            try (ResultSet rs = st.executeQuery(
                    "SELECT actor, action, details FROM audit_event" + " WHERE action LIKE 'refdata.%' ORDER BY seq")) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
                }
            }
        }
        return out;
    }

    private static String demoYaml() throws Exception {
        try (var in = ReferenceDataStore.class.getResourceAsStream("/tongban/refdata.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private record Result(int exit, String out, String err) {}

    private static Result run(Object command, String[] where, String... args) {
        String[] all = Stream.concat(Stream.of(where), Stream.of(args)).toArray(String[]::new);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = new CommandLine(command).execute(all);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
