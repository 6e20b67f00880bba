package cn.tongban.signaling.cli;

import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.backup.Backup;
import cn.tongban.signaling.backup.BackupException;
import cn.tongban.signaling.store.SecretStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code backup --to DIR}: an online, consistent backup of the installation (database, data directory,
 * secrets, recordings), and {@code restore --from DIR} into an empty data directory (deploy/README.md,
 * "Backup and restore"). Exit 0 when done, 1 when refused (the code and the reason on standard error).
 */
public final class BackupCommand {
    private BackupCommand() {}

    @Command(
            name = "backup",
            mixinStandardHelpOptions = true,
            description = "Back the installation up while the node runs: the database (H2's online BACKUP, or"
                    + " pg_dump for PostgreSQL), the data directory (reference data, PKI, secrets keystore),"
                    + " recordings, and a manifest with every file's SHA-256. The keystores' password files are"
                    + " left out unless --include-passwords: keep them apart from the backup.")
    public static final class Create implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(
                names = "--to",
                required = true,
                paramLabel = "DIR",
                description = "The backup directory (absent or empty).")
        Path to;

        @Option(
                names = "--recording-dir",
                paramLabel = "DIR",
                description = "The node's recording directory (default <data-dir>/recordings).")
        Path recordingDir;

        @Option(
                names = "--no-recordings",
                description = "Leave the recordings out (back them up on their own schedule).")
        boolean noRecordings;

        @Option(
                names = "--include-passwords",
                description = "Put the keystores' password files into the backup too (only onto encrypted media).")
        boolean includePasswords;

        @Option(
                names = "--pg-dump",
                defaultValue = "pg_dump",
                paramLabel = "FILE",
                description = "pg_dump for a PostgreSQL database, of its server's major version or newer (default"
                        + " ${DEFAULT-VALUE}).")
        String pgDump;

        @Override
        public Integer call() {
            Path dataDir = store.dataDir;
            List<Path> passwordFiles = new ArrayList<>();
            passwordFiles.add(dataDir.resolve("pki.password"));
            passwordFiles.add(
                    store.secretsPasswordFile != null
                            ? store.secretsPasswordFile
                            : store.secrets().toAbsolutePath().resolveSibling(SecretStore.DEFAULT_PASSWORD_FILE));
            try {
                if (!Files.isRegularFile(dataDir.resolve("refdata.yaml"))) {
                    System.err.println("NOT_AN_INSTALLATION: " + dataDir.toAbsolutePath() + " holds no installation");
                    return 1;
                }
                Backup.Summary s = Backup.create(
                        new Backup.Source(
                                dataDir,
                                store.url(),
                                store.dbUser,
                                store.dbPassword,
                                store.secrets(),
                                passwordFiles,
                                recordingDir != null ? recordingDir : dataDir.resolve("recordings"),
                                !noRecordings,
                                includePasswords,
                                pgDump),
                        to,
                        TongbanServer.version());
                System.out.printf(
                        "Backed up %d files (%d MiB, %s database) to %s%n",
                        s.files(), s.bytes() / (1024 * 1024), s.database(), to.toAbsolutePath());
                if (!s.leftOut().isEmpty()) {
                    System.out.println("Not in the backup (keep them apart, e.g. in the hall's password safe):");
                    s.leftOut().forEach(p -> System.out.println("  " + p));
                }
                if (System.getenv("TONGBAN_PKI_PASSWORD") != null
                        || System.getenv("TONGBAN_SECRETS_PASSWORD") != null) {
                    System.out.println("The keystore passwords set in TONGBAN_PKI_PASSWORD / TONGBAN_SECRETS_PASSWORD"
                            + " are not in the backup either: keep them with it apart.");
                }
                return 0;
            } catch (BackupException e) {
                System.err.println(e.code() + ": " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(
            name = "restore",
            mixinStandardHelpOptions = true,
            description = "Restore a backup into an empty data directory (and, for PostgreSQL, an empty database):"
                    + " every file is checked against the manifest first; nothing is written if one differs.")
    public static final class Restore implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(names = "--from", required = true, paramLabel = "DIR", description = "The backup directory.")
        Path from;

        @Option(
                names = "--recording-dir",
                paramLabel = "DIR",
                description = "Where the recordings go (default <data-dir>/recordings).")
        Path recordingDir;

        @Option(
                names = "--pg-restore",
                defaultValue = "pg_restore",
                paramLabel = "FILE",
                description = "pg_restore for a PostgreSQL database (default ${DEFAULT-VALUE}).")
        String pgRestore;

        @Override
        public Integer call() {
            try {
                Backup.Summary s = Backup.restore(
                        from,
                        new Backup.Target(
                                store.dataDir,
                                store.url(),
                                store.dbUser,
                                store.dbPassword,
                                store.secrets(),
                                recordingDir != null ? recordingDir : store.dataDir.resolve("recordings"),
                                pgRestore));
                System.out.printf(
                        "Restored %d files (%s database) into %s%n",
                        s.files(), s.database(), store.dataDir.toAbsolutePath());
                if (!s.leftOut().isEmpty()) {
                    System.out.println("Left out of the backup when it was made; put them back before starting:");
                    s.leftOut().forEach(p -> System.out.println("  " + p));
                }
                System.out.println(
                        "Then check the audit journal: tongban.jar audit verify --data-dir " + store.dataDir);
                return 0;
            } catch (BackupException e) {
                System.err.println(e.code() + ": " + e.getMessage());
                return 1;
            }
        }
    }
}
