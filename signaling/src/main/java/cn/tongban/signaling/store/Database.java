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
 */
public final class Database implements AutoCloseable {
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
        return new Database(ds);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
