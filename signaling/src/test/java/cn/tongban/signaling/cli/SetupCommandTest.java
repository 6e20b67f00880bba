package cn.tongban.signaling.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.config.MediaMode;
import cn.tongban.signaling.config.ServerOptions;
import cn.tongban.signaling.config.SetupRecord;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.Database;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tongban.jar setup} makes a data directory one hall's own, without demo data, and refuses one that is
 * set up; {@code serve} refuses a directory that is not set up unless told {@code --demo}.
 */
class SetupCommandTest {

    /** What a run printed and returned. */
    private record Run(int exit, String out, String err) {}

    @Test
    void setupWritesOneHallAndAnAdministratorWhoMustChooseTheirPassword(@TempDir Path dir) throws Exception {
        Run r = setup(
                dir,
                null,
                "--hall-id",
                "cz-wujin-bdc",
                "--hall-name",
                "常州市武进区不动产登记交易中心",
                "--province",
                "江苏省",
                "--province-code",
                "320000",
                "--city",
                "常州市",
                "--district",
                "武进区",
                "--district-code",
                "320412",
                "--public-url",
                "https://wujin.example.gov.cn/",
                "--admin",
                "admin01",
                "--admin-name",
                "王主任");
        assertThat(r.exit()).as(r.err()).isZero();

        ReferenceData data = ReferenceDataStore.open(dir).current();
        assertThat(data.halls()).singleElement().satisfies(h -> {
            assertThat(h.id()).isEqualTo("cz-wujin-bdc");
            assertThat(h.name()).isEqualTo("常州市武进区不动产登记交易中心");
            assertThat(h.provinceCode()).isEqualTo("320000");
            assertThat(h.districtCode()).isEqualTo("320412");
            assertThat(h.cityCode()).isNull();
        });
        assertThat(data.matters()).isEmpty();
        assertThat(data.initialPassword()).isNull();
        assertThat(data.clerks()).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo("admin01");
            assertThat(c.name()).isEqualTo("王主任");
            assertThat(c.hallId()).isEqualTo("cz-wujin-bdc");
        });
        assertThat(data.routing().isSupervisor("admin01")).isTrue();
        assertThat(SetupRecord.read(dir)).get().satisfies(s -> {
            assertThat(s.publicUrl()).isEqualTo("https://wujin.example.gov.cn");
            assertThat(s.hallId()).isEqualTo("cz-wujin-bdc");
        });
        assertThat(ServeCommand.recordedPublicUrl(null, dir)).isEqualTo("https://wujin.example.gov.cn");
        assertThat(ServeCommand.recordedPublicUrl("https://other.example.gov.cn", dir))
                .isEqualTo("https://other.example.gov.cn");

        // The one-time password is printed once, and only asks for a change.
        Matcher printed =
                Pattern.compile("(?m)^\\s+(\\S{4}-\\S{4}-\\S{4}-\\S{4})$").matcher(r.out());
        assertThat(printed.find()).as(r.out()).isTrue();
        try (Database db = Database.open(Database.defaultUrl(dir), null, null)) {
            AccountStore accounts = AccountStore.open(db.dataSource(), dir);
            assertThat(accounts.usernames()).containsExactly("admin01");
            assertThat(accounts.check("admin01", printed.group(1))).isEqualTo(AccountStore.Check.CHANGE_REQUIRED);
            assertThat(accounts.check("admin01", "tongban2026")).isEqualTo(AccountStore.Check.WRONG);
        }

        // A second setup changes nothing.
        String before = Files.readString(dir.resolve("refdata.yaml"));
        Run again = setup(
                dir,
                null,
                "--hall-id",
                "other-hall",
                "--hall-name",
                "另一个大厅",
                "--public-url",
                "https://other.example.gov.cn",
                "--admin",
                "admin02");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("set up already");
        assertThat(Files.readString(dir.resolve("refdata.yaml"))).isEqualTo(before);
        try (Database db = Database.open(Database.defaultUrl(dir), null, null)) {
            assertThat(AccountStore.open(db.dataSource(), dir).usernames()).containsExactly("admin01");
        }
    }

    @Test
    void theFirstStartAfterSetupCarriesTheRecordedPublicUrlAndNoDemoData(@TempDir Path dir) throws Exception {
        assertThat(setup(dir, null, required()).exit()).isZero();
        try (TongbanServer server = TongbanServer.start(ServerOptions.builder()
                .port(0)
                .host("127.0.0.1")
                .dataDir(dir)
                .nodeName("setup-it")
                .clusterName("setup-it-" + ProcessHandle.current().pid())
                .mediaMode(MediaMode.P2P)
                .publicUrl(ServeCommand.recordedPublicUrl(null, dir))
                .build())) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.port();
            // The hall's CA certificate, made at this first start, points verifiers at the hall's URL.
            HttpResponse<byte[]> ca = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/pki/ca/cz-wujin-bdc.cer"))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(ca.statusCode()).isEqualTo(200);
            X509Certificate cert = (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(ca.body()));
            String urls = new String(cert.getExtensionValue("2.5.29.31"), StandardCharsets.ISO_8859_1)
                    + new String(cert.getExtensionValue("1.3.6.1.5.5.7.1.1"), StandardCharsets.ISO_8859_1);
            assertThat(urls)
                    .contains("https://wujin.example.gov.cn/pki/crl/root.crl")
                    .contains("https://wujin.example.gov.cn/pki/ca/root.cer")
                    .doesNotContain("127.0.0.1");
            String health = http.send(
                            HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(health).contains("wss://wujin.example.gov.cn/ws");
            // No demo accounts appeared.
            assertThat(server.refdata().current().clerks()).hasSize(1);
            HttpResponse<String> demo = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/api/login"))
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"username\":\"wujin01\",\"password\":\"tongban2026\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(demo.statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aPasswordFromStandardInputMustKeepTheRulesAndIsChangedAtFirstSignIn(@TempDir Path dir) throws Exception {
        Run weak = setup(dir, "admin01-secret\n", required("--password-stdin"));
        assertThat(weak.exit()).isEqualTo(2);
        assertThat(weak.err()).contains("user name");
        assertThat(ReferenceDataStore.isSetUp(dir)).isFalse();

        Run ok = setup(dir, "Chosen-by-the-operator-9\n", required("--password-stdin"));
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).doesNotContain("Chosen-by-the-operator-9");
        try (Database db = Database.open(Database.defaultUrl(dir), null, null)) {
            assertThat(AccountStore.open(db.dataSource(), dir).check("admin01", "Chosen-by-the-operator-9"))
                    .isEqualTo(AccountStore.Check.CHANGE_REQUIRED);
        }
    }

    @Test
    void hostileOrMissingValuesAreRefusedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        // Without a terminal, nothing can be asked: the missing values are named.
        Run missing = setup(dir, null, "--hall-id", "cz-wujin-bdc");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err())
                .contains("--hall-name is required", "--public-url is required", "--admin is required");

        for (String[] bad : List.of(
                new String[] {"--hall-name", "大厅\nclerks: {initialPassword: x}"},
                new String[] {"--hall-id", "../etc"},
                new String[] {"--admin", "Admin One"},
                new String[] {"--public-url", "javascript:alert(1)"},
                new String[] {"--public-url", "https://wujin.example.gov.cn/tongban?x=1"},
                new String[] {"--province-code", "32000"})) {
            Run r = setup(dir, null, override(bad[0], bad[1]));
            assertThat(r.exit()).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(r.err()).contains(bad[0]);
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }

        // YAML's own characters in a name are data, not structure.
        String name = "大厅: \"quoted\" # not a comment & *alias 'x'";
        Run r = setup(dir, null, override("--hall-name", name));
        assertThat(r.exit()).as(r.err()).isZero();
        ReferenceData data = ReferenceDataStore.open(dir).current();
        assertThat(data.halls())
                .singleElement()
                .extracting(ReferenceData.Hall::name)
                .isEqualTo(name);
        assertThat(data.initialPassword()).isNull();
    }

    @Test
    void serveRefusesADirectoryThatIsNotSetUpUnlessToldDemo(@TempDir Path dir) throws Exception {
        ServeCommand serve = new ServeCommand();
        serve.terminal = null;
        StringWriter err = new StringWriter();
        int exit = new CommandLine(serve)
                .setErr(new PrintWriter(err, true))
                .execute("--data-dir", dir.toString(), "--port", "0");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("not set up", "tongban.jar setup", "--demo");
        assertThat(ReferenceDataStore.isSetUp(dir)).isFalse();
        assertThat(Files.exists(dir.resolve("db"))).isFalse();
    }

    @Test
    void serveInATerminalAsksSetupsQuestionsFirst(@TempDir Path dir) throws Exception {
        ServeCommand serve = new ServeCommand();
        Scripted answers = new Scripted(
                "cz-wujin-bdc", // hall id
                "常州市武进区不动产登记交易中心", // hall name
                "江苏省", // province
                "", // city: none
                "", // district: none
                "https://wujin.example.gov.cn", // public URL
                "", // administrator: the default admin01
                "", // name: the user name
                "", // password: generate a one-time password
                "");
        serve.terminal = answers;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        new CommandLine(serve)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .parseArgs("--data-dir", dir.toString(), "--port", "0");
        assertThat(serve.firstRunSetup()).as(err.toString()).isZero();
        assertThat(err.toString()).contains("not set up");
        assertThat(answers.prompts).first().asString().startsWith("Hall id");
        assertThat(answers.prompts).anySatisfy(p -> assertThat(p).contains("[admin01]"));

        ReferenceData data = ReferenceDataStore.open(dir).current();
        assertThat(data.halls()).singleElement().satisfies(h -> {
            assertThat(h.province()).isEqualTo("江苏省");
            assertThat(h.city()).isNull();
        });
        assertThat(data.clerks()).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo("admin01");
            assertThat(c.name()).isEqualTo("admin01");
        });
        assertThat(ServeCommand.recordedPublicUrl(null, dir)).isEqualTo("https://wujin.example.gov.cn");
        Matcher printed =
                Pattern.compile("(?m)^\\s+(\\S{4}-\\S{4}-\\S{4}-\\S{4})$").matcher(out.toString());
        assertThat(printed.find()).as(out.toString()).isTrue();
    }

    @Test
    void aPasswordTypedTwiceDifferentlyChangesNothing(@TempDir Path dir) throws Exception {
        SetupCommand setup = new SetupCommand();
        // Province, city, district and the administrator's name are asked too: left empty.
        Scripted answers = new Scripted("", "", "", "", "Chosen-password-1", "Chosen-password-2");
        setup.terminal = answers;
        StringWriter err = new StringWriter();
        int exit = new CommandLine(setup)
                .setOut(new PrintWriter(new StringWriter(), true))
                .setErr(new PrintWriter(err, true))
                .execute(override("--data-dir", dir.toString()));
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("the passwords differ");
        assertThat(answers.prompts).last().asString().isEqualTo("Again: ");
        assertThat(ReferenceDataStore.isSetUp(dir)).isFalse();
    }

    // ------------------------------------------------------------------ helpers

    /** A terminal whose user types the given answers, one per question, passwords too. */
    private static final class Scripted implements Terminal {
        private final java.util.ArrayDeque<String> answers;
        final List<String> prompts = new ArrayList<>();

        Scripted(String... answers) {
            this.answers = new java.util.ArrayDeque<>(List.of(answers));
        }

        @Override
        public String readLine(String prompt) {
            prompts.add(prompt);
            return answers.poll();
        }

        @Override
        public char[] readPassword(String prompt) {
            prompts.add(prompt);
            String a = answers.poll();
            return a == null ? null : a.toCharArray();
        }
    }

    private static String[] required(String... more) {
        List<String> all = new ArrayList<>(List.of(
                "--hall-id", "cz-wujin-bdc",
                "--hall-name", "常州市武进区不动产登记交易中心",
                "--public-url", "https://wujin.example.gov.cn",
                "--admin", "admin01"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** The required options, one of them replaced (or added). */
    private static String[] override(String option, String value) {
        List<String> all = new ArrayList<>(List.of(required()));
        int at = all.indexOf(option);
        if (at >= 0) {
            all.set(at + 1, value);
        } else {
            all.addAll(List.of(option, value));
        }
        return all.toArray(String[]::new);
    }

    private static Run setup(Path dir, String stdin, String... args) {
        SetupCommand setup = new SetupCommand();
        setup.terminal = null;
        if (stdin != null) {
            setup.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dir.toString(), "--by", "test"));
        int exit = new CommandLine(setup)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }
}
