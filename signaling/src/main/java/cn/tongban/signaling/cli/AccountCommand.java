package cn.tongban.signaling.cli;

import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.auth.LoginThrottle;
import cn.tongban.signaling.auth.PasswordRules;
import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code account}: clerk accounts in the database. With several nodes on one (PostgreSQL) database a
 * change made here holds on every node at the next login; the servers may keep running. A new password
 * ({@code passwd}) or a one-time password ({@code reset}) revokes the clerk's session tokens; {@code unlock}
 * clears a sign-in lock. All are audited.
 */
@Command(
        name = "account",
        mixinStandardHelpOptions = true,
        description = "Clerk accounts in the database.",
        subcommands = {
            AccountCommand.Passwd.class,
            AccountCommand.Reset.class,
            AccountCommand.ListAccounts.class,
            AccountCommand.Unlock.class
        })
public final class AccountCommand {
    /**
     * Exit 0 when set (the clerk's session tokens are revoked on every node), 1 when the password was
     * refused, 2 when the database cannot be used.
     */
    @Command(
            name = "passwd",
            mixinStandardHelpOptions = true,
            description = "Set a clerk's password (asked twice on a terminal, or one line from standard input).")
    static final class Passwd implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", description = "The clerk's user name.")
        String username;

        @Option(names = "--stdin", description = "Read the new password as one line from standard input.")
        boolean stdin;

        @Option(
                names = "--by",
                paramLabel = "NAME",
                defaultValue = "${sys:user.name}",
                description = "Who changes it, for the audit journal (default: the operating-system user).")
        String by;

        @Override
        public Integer call() throws Exception {
            char[] password;
            Console console = System.console();
            if (stdin || console == null) {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                String line = in.readLine();
                password = line == null ? new char[0] : line.toCharArray();
            } else {
                password = console.readPassword("New password for %s: ", username);
                char[] again = console.readPassword("Again: ");
                if (password == null || !Arrays.equals(password, again)) {
                    System.err.println("the passwords differ; nothing changed");
                    return 1;
                }
            }
            java.util.Optional<cn.tongban.signaling.protocol.ErrorReason> weak =
                    PasswordRules.problem(username, new String(password), null);
            if (weak.isPresent()) {
                System.err.println(PasswordRules.describe(weak.get()) + "; nothing changed");
                return 1;
            }
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                AccountStore.open(db.dataSource(), store.dataDir).setPassword(username, new String(password));
                audit(store, db, by, AuditAction.CLERK_PASSWORD_CHANGED, username);
            } catch (RuntimeException e) {
                System.err.println("cannot use the database: " + e.getMessage());
                return 2;
            }
            System.out.println("password of " + username + " changed; its session tokens are revoked");
            return 0;
        }
    }

    /**
     * Issues a one-time password: printed once (never logged), valid for {@code --valid-hours}, accepted only to
     * set a password of the clerk's own at the next sign-in; creates the account of a clerk who has none (a
     * clerk just added to refdata.yaml). Revokes the clerk's session tokens. Exit 0 when issued, 2 when the
     * database cannot be used.
     */
    @Command(
            name = "reset",
            mixinStandardHelpOptions = true,
            description = "Give a clerk a one-time password (printed once) to replace at the next sign-in; creates"
                    + " the account of a clerk who has none.")
    static final class Reset implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", description = "The clerk's user name.")
        String username;

        @Option(
                names = "--valid-hours",
                paramLabel = "HOURS",
                defaultValue = "24",
                description = "How long the one-time password is accepted (default ${DEFAULT-VALUE}).")
        int validHours;

        @Option(
                names = "--by",
                paramLabel = "NAME",
                defaultValue = "${sys:user.name}",
                description = "Who resets it, for the audit journal (default: the operating-system user).")
        String by;

        @Override
        public Integer call() throws Exception {
            String user = username.strip().toLowerCase(Locale.ROOT);
            if (!user.matches(SetupCommand.ID_PATTERN)) {
                System.err.println("not a clerk's user name: " + cn.tongban.signaling.util.Mask.printable(username));
                return 2;
            }
            if (validHours < 1) {
                System.err.println("--valid-hours must be positive");
                return 2;
            }
            if (ReferenceDataStore.isSetUp(store.dataDir)
                    && ReferenceDataStore.open(store.dataDir)
                            .current()
                            .clerk(user)
                            .isEmpty()) {
                System.err.println("warning: " + store.dataDir.resolve("refdata.yaml") + " lists no clerk " + user
                        + "; the password works once the clerk is added there");
            }
            String password;
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                password = AccountStore.open(db.dataSource(), store.dataDir)
                        .issueOneTimePassword(user, Duration.ofHours(validHours));
                audit(store, db, by, AuditAction.CLERK_PASSWORD_ISSUED, user);
            } catch (RuntimeException e) {
                System.err.println("cannot use the database: " + e.getMessage());
                return 2;
            }
            System.out.println("one-time password of " + user + " (shown only now; valid " + validHours
                    + " h, until " + Instant.now().plus(Duration.ofHours(validHours)) + "; the clerk sets their own"
                    + " at the next sign-in; earlier session tokens are revoked):");
            System.out.println();
            System.out.println("    " + password);
            System.out.println();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the account names.")
    static final class ListAccounts implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Override
        public Integer call() throws Exception {
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                new TreeSet<>(AccountStore.open(db.dataSource(), store.dataDir).usernames())
                        .forEach(System.out::println);
                return 0;
            } catch (RuntimeException e) {
                System.err.println("cannot use the database: " + e.getMessage());
                return 2;
            }
        }
    }

    /**
     * Clears the lock that too many failed sign-ins in a row put on an account, and the account's sign-in
     * delays; the servers may keep running. Exit 0 when the account was locked, 1 when it was not (its
     * delays are cleared all the same), 2 when there is no database or it cannot be used.
     */
    @Command(
            name = "unlock",
            mixinStandardHelpOptions = true,
            description = "Clear a clerk's sign-in lock (set after too many failed sign-ins) and sign-in delays.")
    static final class Unlock implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", description = "The clerk's user name.")
        String username;

        @Option(
                names = "--by",
                paramLabel = "NAME",
                defaultValue = "${sys:user.name}",
                description = "Who unlocks, for the audit journal (default: the operating-system user).")
        String by;

        @Override
        public Integer call() {
            String user = username.strip().toLowerCase(Locale.ROOT);
            if ((store.dbUrl == null || store.dbUrl.isBlank())
                    && !Files.exists(store.dataDir.resolve("db").resolve("tongban.mv.db"))) {
                // Opening a wrong directory would create an empty database and find nothing locked.
                System.err.println("no database in " + store.dataDir.toAbsolutePath());
                return 2;
            }
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                boolean wasLocked = new LoginThrottle(db.dataSource(), Clock.systemUTC()).unlock(user);
                audit(store, db, by, AuditAction.CLERK_ACCOUNT_UNLOCKED, user);
                System.out.println(
                        wasLocked
                                ? "account " + user + " unlocked"
                                : "account " + user + " was not locked; its sign-in delays are cleared");
                return wasLocked ? 0 : 1;
            } catch (RuntimeException e) {
                System.err.println("cannot use the database: " + e.getMessage());
                return 2;
            }
        }
    }

    /**
     * An operator's change to a clerk's account, in the audit journal (actor {@code operator:<by>}), chained
     * with the installation's key like every other entry.
     */
    static void audit(StoreOptions store, Database db, String by, AuditAction action, String username) {
        String details =
                new JsonObject(AuditDetails.of(AuditField.CLERK, username).asMap()).encode();
        JdbcAuditJournal.keyed(db.dataSource(), Clock.systemUTC(), store.secrets(db.dataSource()))
                .append("operator:" + by, action.wire(), null, details);
    }
}
