package cn.tongban.signaling.store;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.Main;
import cn.tongban.signaling.TongbanServer;
import cn.tongban.signaling.config.ServerOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A whole server's data at rest, as another account on the machine or a thief of the database sees it:
 * nothing in the data directory is readable by other accounts (also what an older version left open), the
 * embedded database listens on loopback only, no secret is in the database, and the audit journal the
 * server writes is anchored and verifies offline.
 */
class DataAtRestTest {

    @Test
    void aServersDataIsItsOwnAndItsSecretsAreNotInTheDatabase(@TempDir Path root) throws Exception {
        Path data = root.resolve("data");
        Assumptions.assumeTrue(OwnerOnly.posix(root), "needs a POSIX file system");
        // What an older version (or a careless copy) left: a world-readable data directory and files.
        Files.createDirectories(
                data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path old = Files.writeString(data.resolve("notes-from-an-older-version.txt"), "x");
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));

        TongbanServer server = TongbanServer.start(ServerOptions.builder()
                .demo(true)
                .port(0)
                .host("127.0.0.1")
                .dataDir(data)
                .nodeName("at-rest")
                .clusterName("at-rest-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
                .build());
        long anchored;
        try {
            // The embedded database's listener (for the CLI tools) is on loopback only.
            Properties lock = new Properties();
            try (var in = Files.newInputStream(data.resolve("db").resolve("tongban.lock.db"))) {
                lock.load(in);
            }
            String serverAddress = lock.getProperty("server");
            assertThat(serverAddress)
                    .as("AUTO_SERVER listener in the lock file")
                    .isNotNull();
            int h2Port = Integer.parseInt(serverAddress.substring(serverAddress.lastIndexOf(':') + 1));
            // 127.0.0.1, or ::ffff:127.0.0.1 on a dual-stack socket.
            assertThat(listeners(h2Port)).isNotEmpty().allMatch(a -> a.endsWith("0100007F"));

            // Nothing the server keeps is open to other accounts.
            assertThat(open(data)).isEmpty();
            for (Path p : List.of(
                    data.resolve("secrets.p12"),
                    data.resolve("secrets.password"),
                    data.resolve("pki").resolve("pki.p12"),
                    data.resolve("pki.password"),
                    data.resolve("db").resolve("tongban.mv.db"),
                    data.resolve("db").resolve("tongban.lock.db"))) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                        .as(p.toString())
                        .isEqualTo("rw-------");
            }

            // Whoever has the database does not have the secrets: none of them appears in any table.
            SecretStore keystore = SecretStore.open(data.resolve("secrets.p12"), null);
            List<String> secrets = new ArrayList<>();
            for (String name :
                    List.of("jwt", "application-url.key", "material-url.key", "audit-fingerprint.key", "audit-chain")) {
                secrets.add(new String(keystore.get(name).orElseThrow(), StandardCharsets.UTF_8));
            }
            List<String> everything = dump(data);
            for (String secret : secrets) {
                assertThat(everything).noneMatch(v -> v.contains(secret));
            }

            // The journal the server writes is keyed and anchored by the hall's seal.
            server.records().audit("operator:test", AuditAction.CLERK_LOGIN, null);
            anchored = server.auditCheckpoints().take().orElseThrow().seq();
        } finally {
            server.close();
        }
        String out = verify(data);
        assertThat(out).startsWith("0 ");
        JsonObject report = new JsonObject(out.substring(2));
        assertThat(report.getJsonObject("lastAnchored").getLong("seq")).isEqualTo(anchored);
        assertThat(report.getLong("keyedFrom")).isEqualTo(1);
    }

    /** Entries under {@code dir} (and itself) with any permission for group or others. */
    private static List<Path> open(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> out = new ArrayList<>();
            for (Path p : all.toList()) {
                if (!Files.isSymbolicLink(p) && OwnerOnly.open(p)) {
                    out.add(p);
                }
            }
            return out;
        }
    }

    /** The local addresses (hex, as /proc/net/tcp writes them) of TCP sockets listening on {@code port}. */
    private static List<String> listeners(int port) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/net/tcp")), "needs Linux's /proc/net/tcp");
        List<String> out = new ArrayList<>();
        String hexPort = String.format(":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path f = Path.of(table);
            if (!Files.exists(f)) {
                continue;
            }
            List<String> lines = Files.readAllLines(f);
            for (String line : lines.subList(1, lines.size())) {
                String[] cols = line.trim().split("\\s+");
                if (cols[1].endsWith(hexPort) && cols[3].equals("0A")) {
                    out.add(cols[1].substring(0, cols[1].indexOf(':')));
                }
            }
        }
        return out;
    }

    /** Every value of every table of the data directory's database, as text. */
    private static List<String> dump(Path data) throws Exception {
        try (Database db = Database.open(Database.defaultUrl(data), null, null)) {
            List<String> all = TestDatabase.everyValue(db);
            assertThat(all).contains("table:INSTALLATION_SECRET_CHECK", "table:AUDIT_CHECKPOINT");
            return all;
        }
    }

    private static String verify(Path data) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new Main()).execute("audit", "verify", "--data-dir", data.toString());
            return code + " " + out.toString(StandardCharsets.UTF_8).strip();
        } finally {
            System.setOut(old);
        }
    }
}
