package cn.tongban.signaling.cli;

import cn.tongban.signaling.refdata.ReferenceDataStore;
import cn.tongban.signaling.refdata.ReferenceDataTable;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code refdata}: the reference data (halls, matters, clerks, routing) in the database, which every node of the
 * installation reads; the servers may keep running and load a new version within seconds. A failure prints a
 * stable code first ({@code REFDATA_INVALID}, {@code REFDATA_STALE_VERSION}, {@code REFDATA_NO_SUCH_VERSION},
 * {@code REFDATA_NONE}, {@code NO_DATABASE}, {@code STORE_UNAVAILABLE}) and changes nothing. Exit 0 when done,
 * 1 when refused (the document, the version), 2 when the database or a file cannot be used.
 */
@Command(
        name = "refdata",
        mixinStandardHelpOptions = true,
        description = "The reference data in the database (every node reads it; changes apply within seconds).",
        subcommands = {
            RefdataCommand.Export.class,
            RefdataCommand.Import.class,
            RefdataCommand.History.class,
            RefdataCommand.Rollback.class
        })
public final class RefdataCommand {
    private RefdataCommand() {}

    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description = "Write the version in force (YAML) to standard output or a file; its version to standard"
                    + " error.")
    static final class Export implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(names = "--to", paramLabel = "FILE", description = "Write to this file instead of standard output.")
        Path to;

        @Option(
                names = "--of-version",
                paramLabel = "N",
                description = "An earlier version (default: the one in force).")
        Long version;

        @Override
        public Integer call() {
            return withTable(store, (db, table) -> {
                var v = version == null ? table.latest() : table.version(version);
                if (v.isEmpty()) {
                    return version == null ? none() : noSuchVersion(version);
                }
                if (to == null) {
                    System.out.print(v.get().document());
                    System.out.flush();
                } else {
                    try {
                        Files.writeString(to, v.get().document(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        System.err.println("FILE_UNWRITABLE: cannot write " + to + ": " + e.getMessage());
                        return 2;
                    }
                }
                System.err.println("version " + v.get().version() + " (sha256 "
                        + v.get().info().sha256() + "); import an edit with --expect-version " + table.latestVersion());
                return 0;
            });
        }
    }

    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description = "Check a reference data document (YAML) and put it in force as the next version for"
                    + " every node; an invalid document is refused and nothing changes.")
    static final class Import implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", paramLabel = "FILE", description = "The document (as `refdata export` writes it).")
        Path file;

        @Option(
                names = "--by",
                paramLabel = "NAME",
                required = true,
                description = "Who makes the change, for the audit journal.")
        String by;

        @Option(
                names = "--expect-version",
                paramLabel = "N",
                description = "Refuse unless version N is in force (the version the edit started from), so that"
                        + " nobody's change made meanwhile is overwritten.")
        Long expectVersion;

        @Override
        public Integer call() {
            String document;
            try {
                document = ReferenceDataStore.withoutCopyNote(Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException e) {
                System.err.println("FILE_UNREADABLE: cannot read " + file + ": " + e.getMessage());
                return 2;
            }
            try {
                ReferenceDataStore.fromYaml(document);
            } catch (IllegalArgumentException e) {
                return invalid(e);
            }
            if (blank(by)) {
                System.err.println("--by must name who makes the change (at most 100 characters)");
                return 2;
            }
            return withTable(store, (db, table) -> {
                var before = table.latest();
                if (before.isEmpty()) {
                    return none();
                }
                try {
                    ReferenceDataTable.Info after = table.change(document, by.strip(), expectVersion);
                    if (!audit(store, db, by, before.get().info(), after)) {
                        return 2;
                    }
                    System.out.println("version " + after.version() + " in force (was "
                            + before.get().version() + "); every node loads it within a few seconds");
                    return 0;
                } catch (ReferenceDataTable.StaleVersionException e) {
                    return stale(e);
                } catch (IllegalArgumentException e) {
                    return invalid(e);
                }
            });
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "List the versions, oldest first.")
    static final class History implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Override
        public Integer call() {
            return withTable(store, (db, table) -> {
                var all = table.history();
                if (all.isEmpty()) {
                    return none();
                }
                System.out.println("version  changed at (UTC)          kind         by  sha256");
                long inForce = all.get(all.size() - 1).version();
                for (ReferenceDataTable.Info i : all) {
                    System.out.println(String.format(
                            "%-7d  %-24s  %-11s  %s  %s%s%s",
                            i.version(),
                            i.changedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                            i.kind().wire(),
                            cn.tongban.signaling.util.Mask.printable(i.changedBy()),
                            i.sha256(),
                            i.rolledBackTo() == null ? "" : "  (the content of version " + i.rolledBackTo() + ")",
                            i.version() == inForce ? "  <- in force" : ""));
                }
                return 0;
            });
        }
    }

    @Command(
            name = "rollback",
            mixinStandardHelpOptions = true,
            description = "Put the content of an earlier version in force again, as the next version (the history"
                    + " keeps every version).")
    static final class Rollback implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(names = "--to", paramLabel = "N", required = true, description = "The version to put back.")
        long to;

        @Option(
                names = "--by",
                paramLabel = "NAME",
                required = true,
                description = "Who rolls back, for the audit journal.")
        String by;

        @Option(names = "--expect-version", paramLabel = "N", description = "Refuse unless version N is in force.")
        Long expectVersion;

        @Override
        public Integer call() {
            if (blank(by)) {
                System.err.println("--by must name who makes the change (at most 100 characters)");
                return 2;
            }
            return withTable(store, (db, table) -> {
                var before = table.latest();
                if (before.isEmpty()) {
                    return none();
                }
                try {
                    ReferenceDataTable.Info after = table.rollback(to, by.strip(), expectVersion);
                    if (!audit(store, db, by, before.get().info(), after)) {
                        return 2;
                    }
                    System.out.println("version " + after.version() + " in force: the content of version " + to
                            + " (was " + before.get().version() + "); every node loads it within a few seconds");
                    return 0;
                } catch (NoSuchElementException e) {
                    return noSuchVersion(to);
                } catch (ReferenceDataTable.StaleVersionException e) {
                    return stale(e);
                } catch (IllegalArgumentException e) {
                    return invalid(e);
                }
            });
        }
    }

    private interface TableWork {
        int run(Database db, ReferenceDataTable table);
    }

    private static int withTable(StoreOptions store, TableWork work) {
        if ((store.dbUrl == null || store.dbUrl.isBlank())
                && !Files.exists(store.dataDir.resolve("db").resolve("tongban.mv.db"))) {
            // Opening a wrong directory would create an empty database.
            System.err.println("NO_DATABASE: no database in " + store.dataDir.toAbsolutePath()
                    + " (give --data-dir, or --db-url for PostgreSQL)");
            return 2;
        }
        try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
            return work.run(db, new ReferenceDataTable(db.dataSource(), Clock.systemUTC()));
        } catch (RuntimeException e) {
            System.err.println("STORE_UNAVAILABLE: cannot use the database: " + e.getMessage());
            return 2;
        }
    }

    /** {@code refdata.changed}, actor {@code operator:<by>}, chained with the installation's key. */
    private static boolean audit(
            StoreOptions store, Database db, String by, ReferenceDataTable.Info before, ReferenceDataTable.Info after) {
        AuditDetails details = AuditDetails.of(AuditField.PREVIOUS_VERSION, before.version())
                .and(AuditField.PREVIOUS_SHA256, before.sha256())
                .and(AuditField.VERSION, after.version())
                .and(AuditField.SHA256, after.sha256())
                .and(AuditField.ROLLED_BACK_TO, after.rolledBackTo());
        try {
            JdbcAuditJournal.keyed(db.dataSource(), Clock.systemUTC(), store.secrets(db.dataSource()))
                    .append(
                            "operator:" + by.strip(),
                            AuditAction.REFDATA_CHANGED.wire(),
                            null,
                            new JsonObject(details.asMap()).encode());
            return true;
        } catch (RuntimeException e) {
            System.err.println("AUDIT_FAILED: version " + after.version() + " is in force, but its audit entry could"
                    + " not be written: " + e.getMessage());
            return false;
        }
    }

    private static int invalid(IllegalArgumentException e) {
        System.err.println("REFDATA_INVALID: " + e.getMessage() + "; nothing changed");
        return 1;
    }

    private static int stale(ReferenceDataTable.StaleVersionException e) {
        System.err.println("REFDATA_STALE_VERSION: " + e.getMessage() + "; nothing changed");
        return 1;
    }

    private static int noSuchVersion(long version) {
        System.err.println("REFDATA_NO_SUCH_VERSION: there is no version " + version
                + " (see `tongban.jar refdata history`); nothing changed");
        return 1;
    }

    private static int none() {
        System.err.println("REFDATA_NONE: the database holds no reference data yet: start a node once (it stores"
                + " its refdata.yaml as version 1)");
        return 1;
    }

    /** An operator's name the audit journal can hold: not blank, at most 100 characters. */
    private static boolean blank(String s) {
        return s == null || s.isBlank() || s.strip().length() > 100;
    }
}
