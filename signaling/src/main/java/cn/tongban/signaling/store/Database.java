package cn.tongban.signaling.store;

import cn.tongban.signaling.config.ServerOptions;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The relational store: a connection pool and schema migrations (Flyway, {@code db/migration}). The
 * embedded default is an H2 file database under the data directory ({@code AUTO_SERVER} lets the
 * {@code audit verify} command read it while the server runs); a JDBC URL selects PostgreSQL.
 *
 * <p>The embedded database's files are owner-only and its {@code AUTO_SERVER} listener binds to loopback
 * only. That listener serves only a client that names the random key H2 writes into the lock file, which
 * is owner-only too: other accounts on the machine can neither read the files nor connect.
 */
public final class Database implements AutoCloseable {
    static {
        // H2 reads this once, when its classes load; every listener it opens (AUTO_SERVER) then binds here.
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
    }

    private final HikariDataSource dataSource;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The default URL for a data directory. {@code WRITE_DELAY=0}: H2 otherwise writes commits to the file
     * up to a second later, and a killed process loses them — cases and audit events the clients were
     * already told about (EmbeddedKillRestartTest).
     */
    public static String defaultUrl(Path dataDir) {
        return ServerOptions.defaultDbUrl(dataDir);
    }

    /** Opens the pool and migrates the schema to the latest version. */
    public static Database open(String url, String user, String password) {
        Path h2Dir = embeddedDirectory(url);
        if (h2Dir != null) {
            try {
                // Before H2 creates anything: its files (and the lock file with the listener's key) land in
                // a directory other accounts cannot enter.
                OwnerOnly.createDirectories(h2Dir);
                OwnerOnly.restrict(h2Dir);
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                throw new StoreException("cannot create the database directory " + h2Dir, e);
            }
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(4);
        config.setPoolName("tongban-db");
        HikariDataSource ds = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .dataSource(ds)
                    .locations("classpath:db/migration")
                    .placeholders(Map.of("blobType", url.startsWith("jdbc:postgresql:") ? "BYTEA" : "BLOB"))
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        if (h2Dir != null) {
            try {
                OwnerOnly.tighten(h2Dir);
            } catch (java.io.IOException e) {
                ds.close();
                throw new StoreException("cannot restrict the database files in " + h2Dir, e);
            }
        }
        return new Database(ds);
    }

    /** The directory of an H2 file database's URL, or null for any other database. */
    static Path embeddedDirectory(String url) {
        String prefix = "jdbc:h2:file:";
        if (url == null || !url.startsWith(prefix)) {
            return null;
        }
        String file = url.substring(prefix.length());
        int semi = file.indexOf(';');
        if (semi >= 0) {
            file = file.substring(0, semi);
        }
        Path parent = Path.of(file).toAbsolutePath().getParent();
        return parent;
    }

    /** Exports the pool's gauges and timers ({@code hikaricp_connections_*}); call once. */
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        dataSource.setMetricsTrackerFactory(
                new com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory(registry));
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
