package cn.tongban.signaling.cli;

import cn.tongban.signaling.store.Database;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the data lives: the data directory and, optionally, an external database. */
public final class StoreOptions {
    @Option(
            names = "--data-dir",
            defaultValue = "${env:TONGBAN_DATA_DIR:-data}",
            description = "Data directory (env TONGBAN_DATA_DIR; default ./${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--db-url",
            defaultValue = "${env:TONGBAN_DB_URL}",
            description = "JDBC URL of the database (env TONGBAN_DB_URL); default: embedded H2 in the data directory.")
    String dbUrl;

    @Option(
            names = "--db-user",
            defaultValue = "${env:TONGBAN_DB_USER}",
            description = "Database user (env TONGBAN_DB_USER).")
    String dbUser;

    @Option(
            names = "--db-password",
            defaultValue = "${env:TONGBAN_DB_PASSWORD}",
            description = "Database password (env TONGBAN_DB_PASSWORD).")
    String dbPassword;

    String url() {
        return dbUrl != null && !dbUrl.isBlank() ? dbUrl : Database.defaultUrl(dataDir);
    }
}
