package cn.tongban.signaling.backup;

import cn.tongban.signaling.backup.BackupException.Code;
import cn.tongban.signaling.store.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An installation's backup, taken while the node runs, and its restore into an empty data directory.
 *
 * <p>A backup is a directory, owner-only: {@code database/} (H2's own online {@code BACKUP TO}, a consistent
 * copy of the embedded database; or {@code pg_dump}'s custom format for PostgreSQL, one transaction's
 * snapshot), {@code data/} (the data directory's files: reference data, the PKI keystore and its logs, the
 * secrets keystore, keys), {@code secrets/} (the secrets keystore when it lives outside the data directory),
 * {@code recordings/} (unless left out) and {@code manifest.json}, written last, with every file's SHA-256.
 * The keystores' password files are left out unless asked for: a backup with them opens every key of the
 * hall, so the passwords are kept apart (the command says which files to keep where).
 *
 * <p>A restore checks every file against the manifest before it copies anything, refuses a target that
 * already holds an installation, and leaves the restored files owner-only.
 */
public final class Backup {
    /** Files the data directory holds that are not data: H2's lock and trace files, the keystore's lock. */
    private static final List<String> TRANSIENT_SUFFIXES = List.of(".lock", ".lock.db", ".trace.db", ".tmp");

    private Backup() {}

    /**
     * What to back up.
     *
     * @param dataDir the node's data directory
     * @param dbUrl the JDBC URL in effect (H2 embedded or PostgreSQL)
     * @param secretsFile the secrets keystore in effect
     * @param passwordFiles the keystores' password files in effect (left out unless {@code includePasswords})
     * @param recordingDir the recording directory in effect
     * @param pgDump the {@code pg_dump} executable (PostgreSQL only)
     */
    public record Source(
            Path dataDir,
            String dbUrl,
            String dbUser,
            String dbPassword,
            Path secretsFile,
            List<Path> passwordFiles,
            Path recordingDir,
            boolean includeRecordings,
            boolean includePasswords,
            String pgDump) {}

    /** What a backup holds, for the operator's summary. */
    public record Summary(int files, long bytes, String database, List<String> leftOut) {}

    /** Backs {@code source} up into {@code target} (absent or empty). */
    public static Summary create(Source source, Path target, String version) {
        try {
            if (Files.exists(target)) {
                try (Stream<Path> s = Files.list(target)) {
                    if (s.findAny().isPresent()) {
                        throw new BackupException(Code.TARGET_NOT_EMPTY, target + " is not empty");
                    }
                }
            }
            OwnerOnly.createDirectories(target);
            OwnerOnly.restrict(target);
            String kind = kind(source.dbUrl());
            Path database = OwnerOnly.createDirectories(target.resolve("database"));
            if (kind.equals("h2")) {
                h2Backup(source, source.dataDir().toAbsolutePath().normalize(), database.resolve("tongban.zip"));
            } else {
                pgDump(source, database.resolve("tongban.pgdump"));
            }
            Path dataDir = source.dataDir().toAbsolutePath().normalize();
            Path recordings = source.recordingDir().toAbsolutePath().normalize();
            Path h2Dir = kind.equals("h2") ? dataDir.resolve("db") : null;
            Set<Path> passwords = new java.util.HashSet<>();
            source.passwordFiles().forEach(p -> passwords.add(p.toAbsolutePath().normalize()));
            List<String> leftOut = new ArrayList<>();
            copyTree(dataDir, target.resolve("data"), p -> {
                if (h2Dir != null && p.startsWith(h2Dir)) {
                    return false;
                }
                if (p.startsWith(recordings)) {
                    return false;
                }
                if (passwords.contains(p) && !source.includePasswords()) {
                    leftOut.add(p.toString());
                    return false;
                }
                String name = p.getFileName().toString();
                return !name.startsWith(".backup-")
                        && TRANSIENT_SUFFIXES.stream().noneMatch(name::endsWith);
            });
            Path secrets = source.secretsFile().toAbsolutePath().normalize();
            if (!secrets.startsWith(dataDir) && Files.isRegularFile(secrets)) {
                Path dir = OwnerOnly.createDirectories(target.resolve("secrets"));
                Files.copy(secrets, dir.resolve("secrets.p12"));
            }
            for (Path p : passwords) {
                if (!p.startsWith(dataDir) && Files.isRegularFile(p)) {
                    if (source.includePasswords()) {
                        Path dir = OwnerOnly.createDirectories(target.resolve("secrets"));
                        Files.copy(p, dir.resolve(p.getFileName()));
                    } else {
                        leftOut.add(p.toString());
                    }
                }
            }
            if (source.includeRecordings() && Files.isDirectory(recordings)) {
                copyTree(recordings, target.resolve("recordings"), p -> true);
            } else if (Files.isDirectory(recordings)) {
                leftOut.add(recordings + " (recordings)");
            }
            List<Manifest.Entry> entries = new ArrayList<>();
            long bytes = 0;
            try (Stream<Path> all = Files.walk(target)) {
                for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile).sorted()::iterator) {
                    String rel = relative(target, p);
                    long size = Files.size(p);
                    bytes += size;
                    entries.add(new Manifest.Entry(rel, size, Manifest.sha256(p)));
                }
            }
            Manifest m = new Manifest(
                    Manifest.FORMAT,
                    Instant.now().toString(),
                    version,
                    kind,
                    source.includePasswords(),
                    List.copyOf(leftOut),
                    entries);
            OwnerOnly.write(
                    target.resolve(Manifest.FILE), m.toJson().encodePrettily().getBytes(StandardCharsets.UTF_8));
            OwnerOnly.tighten(target);
            return new Summary(entries.size(), bytes, kind, List.copyOf(leftOut));
        } catch (IOException | UncheckedIOException e) {
            throw new BackupException(Code.IO, "cannot write the backup in " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where to restore.
     *
     * @param dataDir the data directory to fill (absent or empty)
     * @param dbUrl the JDBC URL in effect: the embedded H2 under {@code dataDir}, or an empty PostgreSQL database
     * @param secretsFile where the secrets keystore goes
     * @param recordingDir where recordings go
     * @param pgRestore the {@code pg_restore} executable (PostgreSQL only)
     */
    public record Target(
            Path dataDir,
            String dbUrl,
            String dbUser,
            String dbPassword,
            Path secretsFile,
            Path recordingDir,
            String pgRestore) {}

    /** Restores the backup in {@code from} into {@code target}; returns the manifest's summary. */
    public static Summary restore(Path from, Target target) {
        Manifest m = Manifest.read(from);
        verify(from, m);
        String kind = kind(target.dbUrl());
        if (!kind.equals(m.database())) {
            throw new BackupException(
                    Code.DATABASE_KIND_MISMATCH,
                    "the backup holds a " + m.database() + " database and the target is " + kind
                            + ": restore into the same kind (then migrate with the database's own tools)");
        }
        Path dataDir = target.dataDir().toAbsolutePath().normalize();
        try {
            if (Files.exists(dataDir.resolve("refdata.yaml")) || Files.exists(dataDir.resolve("db"))) {
                throw new BackupException(
                        Code.RESTORE_TARGET_IN_USE,
                        dataDir + " already holds an installation: restore into an empty data directory");
            }
            if (kind.equals("postgresql")) {
                requireEmptyPostgres(target);
            }
            // Everything that could collide is checked before the first file is written: a half-restored data
            // directory would refuse the next attempt.
            Path secretsDir = from.resolve("secrets");
            if (Files.isDirectory(secretsDir)) {
                try (Stream<Path> s = Files.list(secretsDir)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        Path to = secretsTarget(p, target);
                        if (Files.exists(to)) {
                            throw new BackupException(Code.RESTORE_TARGET_IN_USE, to + " exists already");
                        }
                    }
                }
            }
            if (Files.isDirectory(from.resolve("recordings")) && Files.isDirectory(target.recordingDir())) {
                try (Stream<Path> s = Files.list(target.recordingDir())) {
                    if (s.findAny().isPresent()) {
                        throw new BackupException(
                                Code.RESTORE_TARGET_IN_USE, target.recordingDir() + " holds recordings already");
                    }
                }
            }
            OwnerOnly.createDirectories(dataDir);
            if (Files.isDirectory(from.resolve("data"))) {
                copyTree(from.resolve("data"), dataDir, p -> true);
            }
            if (Files.isDirectory(secretsDir)) {
                try (Stream<Path> s = Files.list(secretsDir)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        Path to = secretsTarget(p, target);
                        OwnerOnly.createDirectories(to.toAbsolutePath().getParent());
                        Files.copy(p, to);
                    }
                }
            }
            if (kind.equals("h2")) {
                Path db = OwnerOnly.createDirectories(dataDir.resolve("db"));
                org.h2.tools.Restore.execute(
                        from.resolve("database").resolve("tongban.zip").toString(), db.toString(), "tongban");
            } else {
                pgRestore(from.resolve("database").resolve("tongban.pgdump"), target);
            }
            if (Files.isDirectory(from.resolve("recordings"))) {
                OwnerOnly.createDirectories(target.recordingDir());
                copyTree(from.resolve("recordings"), target.recordingDir(), p -> true);
            }
            OwnerOnly.tighten(dataDir);
            long bytes = m.files().stream().mapToLong(Manifest.Entry::size).sum();
            return new Summary(m.files().size(), bytes, m.database(), m.leftOut());
        } catch (IOException | UncheckedIOException | SQLException e) {
            throw new BackupException(Code.IO, "cannot restore into " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static Path secretsTarget(Path file, Target target) {
        return file.getFileName().toString().equals("secrets.p12")
                ? target.secretsFile()
                : target.secretsFile().toAbsolutePath().resolveSibling(file.getFileName());
    }

    /** Every listed file present with its hash, and nothing else (a planted file is refused too). */
    static void verify(Path root, Manifest m) {
        Map<String, Manifest.Entry> listed = new java.util.HashMap<>();
        m.files().forEach(e -> listed.put(e.path(), e));
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isSymbolicLink(p)) {
                    throw new BackupException(Code.BACKUP_CORRUPT, relative(root, p) + " is a symbolic link");
                }
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String rel = relative(root, p);
                if (rel.equals(Manifest.FILE)) {
                    continue;
                }
                Manifest.Entry e = listed.remove(rel);
                if (e == null) {
                    throw new BackupException(Code.BACKUP_CORRUPT, rel + " is not in the manifest");
                }
                if (Files.size(p) != e.size() || !Manifest.sha256(p).equals(e.sha256())) {
                    throw new BackupException(Code.BACKUP_CORRUPT, rel + " differs from the manifest");
                }
            }
        } catch (IOException e) {
            throw new BackupException(Code.IO, "cannot read the backup " + root + ": " + e.getMessage(), e);
        }
        if (!listed.isEmpty()) {
            throw new BackupException(Code.BACKUP_CORRUPT, "missing from the backup: " + listed.keySet());
        }
        for (String path : m.files().stream().map(Manifest.Entry::path).toList()) {
            if (path.startsWith("/") || path.contains("..") || path.contains("\\")) {
                throw new BackupException(Code.BACKUP_CORRUPT, "a path that leaves the backup: " + path);
            }
        }
    }

    static String kind(String url) {
        if (url.startsWith("jdbc:h2:")) {
            return "h2";
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return "postgresql";
        }
        throw new BackupException(Code.DATABASE_COPY_FAILED, "no backup method for the database " + url);
    }

    private static void h2Backup(Source source, Path dataDir, Path zip) throws IOException {
        // AUTO_SERVER lets this second process in while the node holds the database, and BACKUP TO copies it
        // consistently while the node goes on writing. The statement runs in the process that holds the
        // database, the node, whose sandbox may write only its data directory: it writes the copy there, and
        // this process moves it into the backup.
        Path scratch = dataDir.resolve(".backup-" + java.util.UUID.randomUUID() + ".zip");
        try (Connection c = DriverManager.getConnection(
                        source.dbUrl(), source.dbUser() == null ? "" : source.dbUser(), source.dbPassword());
                Statement st = c.createStatement()) {
            st.execute("BACKUP TO '" + scratch.toString().replace("'", "''") + "'");
        } catch (SQLException e) {
            Files.deleteIfExists(scratch);
            throw new BackupException(Code.DATABASE_COPY_FAILED, "H2's BACKUP failed: " + e.getMessage(), e);
        }
        try {
            Files.move(scratch, zip);
        } catch (IOException e) {
            Files.copy(scratch, zip);
            Files.delete(scratch);
        }
    }

    private static void pgDump(Source source, Path file) {
        PgConnection pg = PgConnection.parse(source.dbUrl(), source.dbUser(), source.dbPassword());
        List<String> cmd = new ArrayList<>(
                List.of(source.pgDump(), "--format=custom", "--no-owner", "--file=" + file.toAbsolutePath()));
        cmd.addAll(pg.arguments());
        run(cmd, pg, "pg_dump");
    }

    private static void pgRestore(Path file, Target target) {
        PgConnection pg = PgConnection.parse(target.dbUrl(), target.dbUser(), target.dbPassword());
        List<String> cmd = new ArrayList<>(List.of(target.pgRestore(), "--no-owner", "--exit-on-error"));
        cmd.addAll(pg.arguments());
        cmd.add(file.toAbsolutePath().toString());
        run(cmd, pg, "pg_restore");
    }

    /**
     * A JDBC URL taken apart for libpq's tools: host, port, database and user as arguments; the password and the
     * TLS settings in the environment ({@code PGPASSWORD}, {@code PGSSLMODE}, …), never on a command line where
     * every account on the host can read it. Parameters only the JDBC driver knows are left out.
     */
    record PgConnection(String host, int port, String database, String user, Map<String, String> env) {
        private static final Map<String, String> SSL = Map.of(
                "sslmode", "PGSSLMODE",
                "sslrootcert", "PGSSLROOTCERT",
                "sslcert", "PGSSLCERT",
                "sslkey", "PGSSLKEY");

        static PgConnection parse(String jdbcUrl, String user, String password) {
            String prefix = "jdbc:postgresql://";
            if (!jdbcUrl.startsWith(prefix)) {
                throw new BackupException(Code.DATABASE_COPY_FAILED, "not a PostgreSQL URL with a host: " + jdbcUrl);
            }
            String rest = jdbcUrl.substring(prefix.length());
            String query = "";
            int q = rest.indexOf('?');
            if (q >= 0) {
                query = rest.substring(q + 1);
                rest = rest.substring(0, q);
            }
            int slash = rest.indexOf('/');
            if (slash < 0 || slash == rest.length() - 1) {
                throw new BackupException(Code.DATABASE_COPY_FAILED, "the PostgreSQL URL names no database");
            }
            String hostPort = rest.substring(0, slash);
            String database = java.net.URLDecoder.decode(rest.substring(slash + 1), StandardCharsets.UTF_8);
            if (hostPort.contains(",")) {
                throw new BackupException(
                        Code.DATABASE_COPY_FAILED, "a URL with several hosts: back up from one with --db-url");
            }
            String host = hostPort;
            int port = 5432;
            int colon = hostPort.lastIndexOf(':');
            if (colon > 0 && !hostPort.endsWith("]")) {
                host = hostPort.substring(0, colon);
                try {
                    port = Integer.parseInt(hostPort.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new BackupException(Code.DATABASE_COPY_FAILED, "the PostgreSQL URL's port is not a number");
                }
            }
            Map<String, String> env = new java.util.HashMap<>();
            String u = user;
            String pw = password;
            for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
                int eq = pair.indexOf('=');
                String k = eq < 0 ? pair : pair.substring(0, eq);
                String v = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (k.equals("user") && u == null) {
                    u = v;
                } else if (k.equals("password") && pw == null) {
                    pw = v;
                } else if (SSL.containsKey(k)) {
                    env.put(SSL.get(k), v);
                }
            }
            if (pw != null) {
                env.put("PGPASSWORD", pw);
            }
            return new PgConnection(host.replace("[", "").replace("]", ""), port, database, u, Map.copyOf(env));
        }

        List<String> arguments() {
            List<String> out = new ArrayList<>(List.of("--host=" + host, "--port=" + port, "--dbname=" + database));
            if (user != null) {
                out.add("--username=" + user);
            }
            return out;
        }

        /** Without the password: options may be logged. */
        @Override
        public String toString() {
            return "PgConnection[" + host + ":" + port + "/" + database + ", user " + user + "]";
        }
    }

    private static void requireEmptyPostgres(Target target) throws SQLException {
        try (Connection c = DriverManager.getConnection(target.dbUrl(), target.dbUser(), target.dbPassword());
                var rs = c.getMetaData().getTables(null, null, "flyway_schema_history", null)) {
            if (rs.next()) {
                throw new BackupException(
                        Code.RESTORE_TARGET_IN_USE,
                        "the database already holds an installation: restore into an empty database");
            }
        }
    }

    private static void run(List<String> command, PgConnection pg, String what) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // The password and TLS settings by environment, never on the command line.
        pb.environment().putAll(pg.env());
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(1, TimeUnit.HOURS)) {
                p.destroyForcibly();
                throw new BackupException(Code.DATABASE_COPY_FAILED, what + " did not finish within an hour");
            }
            if (p.exitValue() != 0) {
                throw new BackupException(
                        Code.DATABASE_COPY_FAILED, what + " exited " + p.exitValue() + ": " + out.strip());
            }
        } catch (IOException e) {
            throw new BackupException(
                    Code.DATABASE_COPY_FAILED, "cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException(Code.DATABASE_COPY_FAILED, what + " interrupted", e);
        }
    }

    private static void copyTree(Path from, Path to, java.util.function.Predicate<Path> include) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all.sorted()::iterator) {
                Path abs = p.toAbsolutePath().normalize();
                if (!p.equals(from) && !include.test(abs)) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    OwnerOnly.createDirectories(dest);
                } else if (Files.isRegularFile(p) && parentsIncluded(from, p, include)) {
                    OwnerOnly.createDirectories(dest.getParent());
                    Files.copy(p, dest);
                }
            }
        }
    }

    /** A file under an excluded directory stays out even though the walk visits it. */
    private static boolean parentsIncluded(Path root, Path p, java.util.function.Predicate<Path> include) {
        for (Path d = p.getParent(); d != null && !d.equals(root); d = d.getParent()) {
            if (!include.test(d.toAbsolutePath().normalize())) {
                return false;
            }
        }
        return true;
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }
}
