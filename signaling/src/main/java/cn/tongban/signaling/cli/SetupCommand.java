package cn.tongban.signaling.cli;

import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.auth.PasswordRules;
import cn.tongban.signaling.config.SetupRecord;
import cn.tongban.signaling.protocol.ErrorReason;
import cn.tongban.signaling.refdata.ReferenceData;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.OwnerOnly;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code setup}: makes a new data directory this hall's own — the hall's identity and its first administrator in
 * {@code refdata.yaml}, the administrator's account in the database with a password to change at the first
 * sign-in, and the public URL recorded for {@code serve} ({@link SetupRecord}). No demo halls, matters or
 * accounts. Values not given as options are asked for when a console is attached; without one a missing value
 * is an error. A data directory that is set up already is refused.
 *
 * <p>Exit 0 when set up, 1 when the directory is set up already or the administrator's account exists, 2 for a
 * missing or invalid value or a database that cannot be used.
 */
@Command(
        name = "setup",
        mixinStandardHelpOptions = true,
        description = "Set up a new data directory for a real hall: its identity, public URL and first"
                + " administrator (no demo data). Asks for what is not given when run in a terminal.")
public final class SetupCommand implements Callable<Integer> {
    static final String ID_PATTERN = "[a-z0-9][a-z0-9_.-]{1,31}";
    private static final String DIVISION_CODE = "[0-9]{6}";

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(
            names = "--hall-id",
            paramLabel = "ID",
            description = "The hall's id, e.g. cz-wujin-bdc (2-32 lower-case" + " letters, digits, '.', '_' or '-').")
    String hallId;

    @Option(names = "--hall-name", paramLabel = "NAME", description = "The hall's name, e.g. 常州市武进区不动产登记交易中心.")
    String hallName;

    @Option(names = "--province", description = "Province of the hall, e.g. 江苏省.")
    String province;

    @Option(
            names = "--province-code",
            paramLabel = "CODE",
            description = "GB/T 2260 code of the province, e.g. 320000.")
    String provinceCode;

    @Option(names = "--city", description = "City of the hall, e.g. 常州市.")
    String city;

    @Option(names = "--city-code", paramLabel = "CODE", description = "GB/T 2260 code of the city, e.g. 320400.")
    String cityCode;

    @Option(names = "--district", description = "District of the hall, e.g. 武进区.")
    String district;

    @Option(names = "--district-code", paramLabel = "CODE", description = "GB/T 2260 code of the district.")
    String districtCode;

    @Option(
            names = "--public-url",
            paramLabel = "URL",
            defaultValue = "${env:TONGBAN_PUBLIC_URL}",
            description = "The https:// URL browsers reach this node at (env TONGBAN_PUBLIC_URL), recorded in the data"
                    + " directory for serve: the embedded PKI's certificates, made at the first start, carry it.")
    String publicUrl;

    @Option(
            names = "--admin",
            paramLabel = "USER",
            description = "User name of the first administrator (a supervisor" + " of the hall), e.g. admin01.")
    String admin;

    @Option(
            names = "--admin-name",
            paramLabel = "NAME",
            description = "The administrator's name (default: the user" + " name).")
    String adminName;

    @Option(
            names = "--password-stdin",
            description = "Read the administrator's password as one line from standard input (changed at the first"
                    + " sign-in all the same). Default: asked twice in a terminal; without one, a one-time password"
                    + " is generated and printed once.")
    boolean passwordStdin;

    @Option(
            names = "--password-valid-hours",
            paramLabel = "HOURS",
            defaultValue = "24",
            description = "How long a generated one-time password is accepted (default ${DEFAULT-VALUE}).")
    int validHours;

    @Option(
            names = "--by",
            paramLabel = "NAME",
            defaultValue = "${sys:user.name}",
            description = "Who sets up, for the audit journal (default: the operating-system user).")
    String by;

    /** Standard input for {@code --password-stdin} (tests give their own). */
    InputStream stdin = System.in;

    /** The terminal to ask in, or null (services, pipes). */
    Terminal terminal = Terminal.system();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (ReferenceDataStore.isSetUp(store.dataDir)) {
            err.println("tongban: " + store.dataDir.toAbsolutePath() + " is set up already (it has refdata.yaml);"
                    + " nothing changed. Change its reference data with `tongban.jar refdata export` and `refdata"
                    + " import`, or give setup an empty --data-dir.");
            return 1;
        }
        if (validHours < 1) {
            err.println("tongban: --password-valid-hours must be positive");
            return 2;
        }
        if (terminal != null) {
            out.println("Setting up " + store.dataDir.toAbsolutePath() + " for a hall (Enter keeps [the default]).");
            out.flush();
        }
        hallId = ask(hallId, "--hall-id", "Hall id (e.g. cz-wujin-bdc)", null, true);
        hallName = ask(hallName, "--hall-name", "Hall name", null, true);
        province = ask(province, "--province", "Province (e.g. 江苏省)", null, false);
        city = ask(city, "--city", "City (e.g. 常州市)", null, false);
        district = ask(district, "--district", "District (e.g. 武进区)", null, false);
        publicUrl = ask(publicUrl, "--public-url", "Public URL (https://…)", null, true);
        admin = ask(admin, "--admin", "Administrator's user name", "admin01", true);
        adminName = ask(adminName, "--admin-name", "Administrator's name", admin, false);
        List<String> problems = new ArrayList<>();
        for (String[] required : new String[][] {
            {"--hall-id", hallId}, {"--hall-name", hallName}, {"--public-url", publicUrl}, {"--admin", admin}
        }) {
            if (required[1] == null || required[1].isBlank()) {
                problems.add(required[0] + " is required");
            }
        }
        if (problems.isEmpty()) {
            problems.addAll(validate());
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("tongban setup: " + p));
            err.println("nothing changed; `tongban.jar setup --help` lists the options");
            return 2;
        }
        String url = publicUrl.strip().replaceAll("/+$", "");
        String name = adminName == null || adminName.isBlank() ? admin : adminName.strip();

        char[] chosen;
        try {
            chosen = password();
        } catch (IllegalArgumentException e) {
            err.println("tongban setup: " + e.getMessage() + "; nothing changed");
            return 2;
        }
        ReferenceData.Hall hall = new ReferenceData.Hall(
                hallId,
                hallName.strip(),
                blank(province),
                blank(provinceCode),
                blank(city),
                blank(cityCode),
                blank(district),
                blank(districtCode),
                null);
        ReferenceData.ClerkProfile profile = new ReferenceData.ClerkProfile(admin, name, hallId, List.of(), List.of());
        OwnerOnly.createDirectories(store.dataDir);
        String oneTime = null;
        try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
            long shared = new cn.tongban.signaling.refdata.ReferenceDataTable(
                            db.dataSource(), java.time.Clock.systemUTC())
                    .latestVersion();
            if (shared > 0) {
                err.println("tongban setup: the database holds an installation's reference data already (version "
                        + shared + "): this node joins it when `tongban.jar serve` starts with the same database"
                        + " settings. Nothing changed.");
                return 1;
            }
            AccountStore accounts = AccountStore.open(db.dataSource(), store.dataDir);
            if (accounts.usernames().contains(admin)) {
                err.println("tongban setup: the database has an account " + admin + " already (a shared database?);"
                        + " choose another --admin, or set its password with `tongban.jar account reset`."
                        + " Nothing changed.");
                return 1;
            }
            if (chosen != null) {
                accounts.setInitialPassword(admin, new String(chosen));
                Arrays.fill(chosen, '\0');
            } else {
                oneTime = accounts.issueOneTimePassword(admin, Duration.ofHours(validHours));
            }
            try {
                ReferenceDataStore.writeFirstHall(store.dataDir, hall, profile);
                new SetupRecord(url, hallId, admin, System.currentTimeMillis()).write(store.dataDir);
            } catch (java.io.IOException | RuntimeException e) {
                // Without the hall's files the account would only block the next attempt ("has an account").
                accounts.delete(admin);
                throw e;
            }
            AccountCommand.audit(store, db, by, AuditAction.CLERK_PASSWORD_ISSUED, admin);
        } catch (RuntimeException e) {
            err.println("tongban setup: cannot use the database: " + e.getMessage());
            return 2;
        }

        out.println("Set up " + store.dataDir.toAbsolutePath() + " for " + hall.name() + " (" + hallId + ").");
        out.println("  Public URL: " + url);
        out.println("  Reference data: " + store.dataDir.resolve("refdata.yaml").toAbsolutePath()
                + " — stored in the database at the first start; then add the hall's matters and clerks with"
                + " `tongban.jar refdata export` and `refdata import`.");
        if (oneTime != null) {
            out.println("  Administrator " + admin + ", one-time password (shown only now, valid " + validHours
                    + " h, until " + Instant.now().plus(Duration.ofHours(validHours)) + "):");
            out.println();
            out.println("      " + oneTime);
            out.println();
        } else {
            out.println("  Administrator " + admin + ": the password given.");
        }
        out.println("  The administrator sets a password of their own at the first sign-in (/clerk).");
        out.println("  New clerks: add them to the reference data, then `tongban.jar account reset <id>` prints"
                + " a one-time password for each.");
        out.println("  Next: `tongban.jar serve` (with the same --data-dir).");
        out.flush();
        return 0;
    }

    /** The value given, else asked for in the terminal (with a default), else null. */
    private String ask(String given, String option, String prompt, String fallback, boolean required) {
        if (given != null && !given.isBlank()) {
            return given.strip();
        }
        if (terminal == null) {
            return fallback != null && !required ? fallback : null;
        }
        String line = terminal.readLine(prompt + (fallback == null ? "" : " [" + fallback + "]") + ": ");
        if (line == null) {
            return null;
        }
        line = line.strip();
        return line.isEmpty() ? fallback : line;
    }

    private List<String> validate() {
        List<String> problems = new ArrayList<>();
        if (!hallId.matches(ID_PATTERN)) {
            problems.add("--hall-id must be 2-32 lower-case letters, digits, '.', '_' or '-': " + shown(hallId));
        }
        if (!admin.matches(ID_PATTERN)) {
            problems.add("--admin must be 2-32 lower-case letters, digits, '.', '_' or '-': " + shown(admin));
        }
        for (String[] text : new String[][] {
            {"--hall-name", hallName},
            {"--province", province},
            {"--city", city},
            {"--district", district},
            {"--admin-name", adminName}
        }) {
            if (text[1] != null
                    && (text[1].length() > 100 || text[1].codePoints().anyMatch(Character::isISOControl))) {
                problems.add(text[0] + " must be one line of at most 100 characters");
            }
        }
        for (String[] code : new String[][] {
            {"--province-code", provinceCode}, {"--city-code", cityCode}, {"--district-code", districtCode}
        }) {
            if (code[1] != null && !code[1].isBlank() && !code[1].strip().matches(DIVISION_CODE)) {
                problems.add(code[0] + " must be a six-digit GB/T 2260 code: " + shown(code[1]));
            }
        }
        publicUrlProblem(publicUrl).ifPresent(problems::add);
        return problems;
    }

    /** Why {@code url} cannot be a node's public URL, or empty. */
    static Optional<String> publicUrlProblem(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            return Optional.of("--public-url is not a URL: " + shown(url));
        }
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())
                || uri.getHost() == null
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null
                || uri.getRawPath() != null
                        && !uri.getRawPath().isEmpty()
                        && !uri.getRawPath().equals("/")) {
            return Optional.of(
                    "--public-url must be http(s)://host[:port] without a path, e.g. https://window.example.gov.cn: "
                            + shown(url));
        }
        return Optional.empty();
    }

    /**
     * The administrator's chosen password, or null for a generated one-time password.
     *
     * @throws IllegalArgumentException when it breaks a rule or the two entries differ
     */
    private char[] password() throws java.io.IOException {
        char[] password;
        if (passwordStdin) {
            String line = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
            password = line == null ? new char[0] : line.toCharArray();
        } else if (terminal != null) {
            password = terminal.readPassword("Password for " + admin + " (Enter: generate a one-time password): ");
            if (password == null || password.length == 0) {
                return null;
            }
            char[] again = terminal.readPassword("Again: ");
            if (!Arrays.equals(password, again)) {
                throw new IllegalArgumentException("the passwords differ");
            }
        } else {
            return null;
        }
        Optional<ErrorReason> problem = PasswordRules.problem(admin, new String(password), null);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(PasswordRules.describe(problem.get()));
        }
        return password;
    }

    private static String blank(String v) {
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String shown(String v) {
        return cn.tongban.signaling.util.Mask.printable(v);
    }
}
