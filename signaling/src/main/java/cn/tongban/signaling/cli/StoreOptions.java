package cn.tongban.signaling.cli;

import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.SecretStore;
import java.nio.file.Path;
import javax.sql.DataSource;
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

    @Option(
            names = "--secrets",
            paramLabel = "FILE",
            defaultValue = "${env:TONGBAN_SECRETS}",
            description = "The installation's secrets keystore (PKCS#12; env TONGBAN_SECRETS; default"
                    + " <data-dir>/secrets.p12). Every node sharing a database needs the same one. Password: env"
                    + " TONGBAN_SECRETS_PASSWORD, else --secrets-password-file.")
    Path secretsFile;

    @Option(
            names = "--secrets-password-file",
            paramLabel = "FILE",
            defaultValue = "${env:TONGBAN_SECRETS_PASSWORD_FILE}",
            description = "File holding the keystore's password (env TONGBAN_SECRETS_PASSWORD_FILE; default"
                    + " secrets.password beside the keystore, generated with it on first start).")
    Path secretsPasswordFile;

    String url() {
        return dbUrl != null && !dbUrl.isBlank() ? dbUrl : Database.defaultUrl(dataDir);
    }

    /** The keystore path in effect. */
    Path secrets() {
        return secretsFile != null ? secretsFile : dataDir.resolve(SecretStore.DEFAULT_FILE);
    }

    /** The installation's secrets on {@code db}, the keystore opened or created. */
    InstallationSecrets secrets(DataSource db) {
        return new InstallationSecrets(db, SecretStore.open(secrets(), secretsPasswordFile));
    }

    /** The installation's secrets on {@code db} for reading only: nothing is created when there is no keystore. */
    InstallationSecrets existingSecrets(DataSource db) {
        return new InstallationSecrets(
                db, SecretStore.openIfExists(secrets(), secretsPasswordFile).orElse(null));
    }
}
