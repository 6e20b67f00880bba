package cn.tongban.signaling.cli;

import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.auth.LoginThrottle;
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
 * revokes the clerk's session tokens; {@code unlock} clears a sign-in lock. Both are audited.
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
    static final int MIN_PASSWORD_LENGTH = 10;

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
            if (password.length < MIN_PASSWORD_LENGTH) {
                System.err.println("a password needs at least " + MIN_PASSWORD_LENGTH + " characters; nothing changed");
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

    /** Deletes an account so that it is re-created with the initial password of the reference data. */
    @Command(
            name = "reset",
            mixinStandardHelpOptions = true,
            description = "Delete a clerk's account; the next start or reference-data reload re-creates it"
                    + " with the initial password.")
    static final class Reset implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", description = "The clerk's user name.")
        String username;

        @Override
        public Integer call() throws Exception {
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                boolean deleted =
                        AccountStore.open(db.dataSource(), store.dataDir).delete(username);
                System.out.println(deleted ? "account " + username + " deleted" : "no account " + username);
                return deleted ? 0 : 1;
            } catch (RuntimeException e) {
                System.err.println("cannot use the database: " + e.getMessage());
                return 2;
            }
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
    private static void audit(StoreOptions store, Database db, String by, AuditAction action, String username) {
        String details =
                new JsonObject(AuditDetails.of(AuditField.CLERK, username).asMap()).encode();
        JdbcAuditJournal.keyed(db.dataSource(), Clock.systemUTC(), store.secrets(db.dataSource()))
                .append("operator:" + by, action.wire(), null, details);
    }
}
