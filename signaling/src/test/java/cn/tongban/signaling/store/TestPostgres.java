package cn.tongban.signaling.store;

import cn.tongban.testkit.Ports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: {@code initdb} into a temporary directory, a free TCP port on
 * 127.0.0.1, the Unix socket in the same directory, password (SCRAM) authentication over TCP. One server
 * per test JVM ({@link #shared()}), stopped when the JVM exits; each test class takes a fresh database
 * from it ({@link #newDatabase()}).
 *
 * <p>It needs the PostgreSQL server binaries ({@code apt-get install postgresql}; found under {@code
 * /usr/lib/postgresql/<version>/bin}, or named by the environment variable {@code TONGBAN_PG_BIN}) and
 * fails loudly without them: a database test that skips itself would be a test that cannot fail. When
 * the tests run as root (CI), the server runs as the {@code postgres} user through {@code runuser},
 * since PostgreSQL refuses to run as root.
 */
public final class TestPostgres {
    public static final String USER = "tongban";
    public static final String PASSWORD = "tongban-test-only";

    private static TestPostgres shared;

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgresUser;
    private final AtomicInteger databases = new AtomicInteger();

    private TestPostgres(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** The server of this JVM, started on first use. */
    public static synchronized TestPostgres shared() {
        if (shared == null) {
            try {
                shared = start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start a throwaway PostgreSQL server: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            TestPostgres s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop, "test-postgres-stop"));
        }
        return shared;
    }

    /** A fresh, empty database on the shared server; returns its JDBC URL (user {@link #USER}). */
    public String newDatabase() {
        String name = "t" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, PASSWORD);
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name + " ENCODING 'UTF8'");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return url(name);
    }

    /** The directory of the server's binaries (pg_dump and pg_restore of the same major version are there). */
    public Path bin() {
        return bin;
    }

    public int port() {
        return port;
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /**
     * A server of the caller's own (not the shared one), for tests that stop and start it; {@link #stop()} it
     * afterwards.
     */
    public static TestPostgres startPrivate() throws IOException, InterruptedException {
        return start();
    }

    /** Stops the server at once (as a crash would), keeping its files for {@link #resume()}. */
    public void pause() throws IOException, InterruptedException {
        run(
                30,
                bin.resolve("pg_ctl").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-m",
                "immediate",
                "-w",
                "stop");
    }

    /** Starts a {@link #pause() paused} server again on the same port. */
    public void resume() throws IOException, InterruptedException {
        pgCtlStart();
    }

    static TestPostgres start() throws IOException, InterruptedException {
        Path bin = findBinaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("tongban-pg-");
        Path data = dir.resolve("data");
        Path pwfile = dir.resolve("pw");
        Files.writeString(pwfile, PASSWORD + "\n");
        if (root) {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
            Files.setOwner(pwfile, users.lookupPrincipalByName("postgres"));
        }
        int port = Ports.reserve();
        TestPostgres pg = new TestPostgres(bin, dir, port, root);
        pg.run(
                60,
                bin.resolve("initdb").toString(),
                "-D",
                data.toString(),
                "-U",
                USER,
                "--pwfile=" + pwfile,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync");
        pg.pgCtlStart();
        return pg;
    }

    private void pgCtlStart() throws IOException, InterruptedException {
        run(
                60,
                bin.resolve("pg_ctl").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-l",
                dir.resolve("server.log").toString(),
                "-w",
                "-t",
                "50",
                "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                "start");
    }

    /** Stops the server at once and removes its files. */
    public void stop() {
        try {
            run(
                    30,
                    bin.resolve("pg_ctl").toString(),
                    "-D",
                    dir.resolve("data").toString(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop");
        } catch (Exception e) {
            System.err.println("test PostgreSQL did not stop cleanly: " + e);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory; the OS cleans up eventually.
        }
    }

    private void run(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asPostgresUser) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        // Drain the output so a chatty command never blocks on a full pipe.
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " timed out");
        }
        if (p.exitValue() != 0) {
            String log = "";
            Path serverLog = dir.resolve("server.log");
            if (Files.exists(serverLog)) {
                log = "\nserver.log:\n" + Files.readString(serverLog);
            }
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "):\n"
                    + new String(out, StandardCharsets.UTF_8) + log);
        }
    }

    private static Path findBinaries() {
        String env = System.getenv("TONGBAN_PG_BIN");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (Files.isExecutable(p.resolve("initdb"))) {
                return p;
            }
            throw new IllegalStateException("TONGBAN_PG_BIN=" + env + " holds no initdb");
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                Path best = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                        .max(Comparator.comparingInt(TestPostgres::majorVersion))
                        .orElse(null);
                if (best != null) {
                    return best.resolve("bin");
                }
            } catch (IOException ignored) {
                // Fall through to the error below.
            }
        }
        throw new IllegalStateException("PostgreSQL server binaries not found: the database tests run against a real"
                + " PostgreSQL server. Install it (Debian: apt-get install postgresql; .ci/run does) or point"
                + " TONGBAN_PG_BIN at the directory holding initdb and pg_ctl.");
    }

    private static int majorVersion(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
