package cn.tongban.signaling.cli;

import cn.tongban.signaling.auth.AccountStore;
import cn.tongban.signaling.store.Database;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code account}: clerk accounts in the database. With several nodes on one (PostgreSQL) database a
 * change made here holds on every node at the next login; the servers may keep running.
 */
@Command(
        name = "account",
        mixinStandardHelpOptions = true,
        description = "Clerk accounts in the database.",
        subcommands = {AccountCommand.Passwd.class, AccountCommand.Reset.class, AccountCommand.ListAccounts.class})
public final class AccountCommand {
    static final int MIN_PASSWORD_LENGTH = 10;

    /** Exit 0 when set, 1 when the password was refused, 2 when the database cannot be used. */
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
            } catch (RuntimeException e) {
                System.err.println("cannot use the database: " + e.getMessage());
                return 2;
            }
            System.out.println("password of " + username + " changed");
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
}
