package cn.tongban.signaling.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The installation's secrets outside the database: what someone with the whole database (a dump, a SQL
 * injection, the PostgreSQL server) holds is not enough to forge a token or re-chain the audit journal,
 * and a node started with the wrong keystore is refused instead of silently diverging.
 */
class SecretStoreTest {

    static java.util.stream.Stream<String> kinds() {
        return TestDatabase.kinds();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void secretsLeaveTheDatabaseAndOnlyAFingerprintStays(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database db = tdb.open()) {
            // An installation from before V10: the token key in the database, as the attack found it.
            try (Connection c = db.dataSource().getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO installation_secret (name, secret, created_at) VALUES ('jwt', ?, 0)")) {
                ps.setString(1, "b2xkLWRhdGFiYXNlLXNlY3JldC1vbGQtZGF0YWJhc2U=");
                ps.executeUpdate();
            }
            Path keystore = dir.resolve("keys").resolve("secrets.p12");
            InstallationSecrets secrets = new InstallationSecrets(db.dataSource(), SecretStore.open(keystore, null));
            // Tokens issued before the upgrade stay valid: the same value, moved.
            assertThat(secrets.getOrCreate("jwt", () -> "fresh"))
                    .isEqualTo("b2xkLWRhdGFiYXNlLXNlY3JldC1vbGQtZGF0YWJhc2U=");
            String audit = secrets.getOrCreate("audit-chain", () -> "1:c2VjcmV0LWF1ZGl0LWtleQ==");

            List<String> everything = dump(db);
            assertThat(everything).noneMatch(v -> v.contains("b2xkLWRhdGFiYXNlLXNlY3JldC1vbGQtZGF0YWJhc2U="));
            assertThat(everything).noneMatch(v -> v.contains("c2VjcmV0LWF1ZGl0LWtleQ=="));
            assertThat(audit).isEqualTo("1:c2VjcmV0LWF1ZGl0LWtleQ==");
            try (Connection c = db.dataSource().getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM installation_secret")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }

            // The keystore and its generated password are this account's alone, and so is their directory.
            if (OwnerOnly.posix(keystore)) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keystore)))
                        .isEqualTo("rw-------");
                assertThat(PosixFilePermissions.toString(
                                Files.getPosixFilePermissions(keystore.resolveSibling("secrets.password"))))
                        .isEqualTo("rw-------");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keystore.getParent())))
                        .isEqualTo("rwx------");
            }
            // The keystore really is password-protected: its bytes do not carry the secret in clear.
            assertThat(new String(Files.readAllBytes(keystore), StandardCharsets.ISO_8859_1))
                    .doesNotContain("b2xkLWRhdGFiYXNlLXNlY3JldC1vbGQtZGF0YWJhc2U=");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aNodeWithAnotherOrNoKeystoreIsRefused(String kind, @TempDir Path dir) throws Exception {
        TestDatabase tdb = TestDatabase.of(kind, dir);
        try (Database db = tdb.open()) {
            new InstallationSecrets(db.dataSource(), SecretStore.open(dir.resolve("a/secrets.p12"), null))
                    .getOrCreate("jwt", () -> "value-of-node-a");

            // A second machine's node started without copying the keystore: it would issue tokens nobody accepts.
            InstallationSecrets empty =
                    new InstallationSecrets(db.dataSource(), SecretStore.open(dir.resolve("b/secrets.p12"), null));
            assertThatThrownBy(() -> empty.getOrCreate("jwt", () -> "value-of-node-b"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("copy the secrets keystore");
            assertThat(SecretStore.open(dir.resolve("b/secrets.p12"), null).get("jwt"))
                    .isEmpty();

            // Another installation's keystore (same name, other value).
            SecretStore foreign = SecretStore.open(dir.resolve("c/secrets.p12"), null);
            foreign.getOrCreate("jwt", () -> "value-of-another-installation".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> new InstallationSecrets(db.dataSource(), foreign).getOrCreate("jwt", () -> "x"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("is not this installation's");
            assertThatThrownBy(() -> new InstallationSecrets(db.dataSource(), foreign).find("jwt"))
                    .isInstanceOf(StoreException.class);
            // A read-only tool without any keystore is told, not handed nothing.
            assertThatThrownBy(() -> new InstallationSecrets(db.dataSource(), null).find("jwt"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("--secrets");
        }
    }

    @Test
    void aKeystoreNeedsItsPassword(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("secrets.p12");
        SecretStore.open(keystore, null).getOrCreate("k", () -> new byte[] {1, 2, 3});
        assertThat(SecretStore.open(keystore, null, null).get("k"))
                .hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2, 3));

        assertThatThrownBy(() -> SecretStore.open(keystore, null, "not-the-password"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("wrong password");
        // Without the password file (moved into the environment of the service, say) and no variable set.
        Files.move(dir.resolve("secrets.password"), dir.resolve("elsewhere.password"));
        assertThatThrownBy(() -> SecretStore.open(keystore, null, null))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(SecretStore.PASSWORD_ENV);
        // The password from an explicit file, or from the environment, opens it.
        assertThat(SecretStore.open(keystore, dir.resolve("elsewhere.password"), null)
                        .get("k"))
                .isPresent();
        String pw = Files.readString(dir.resolve("elsewhere.password")).strip();
        assertThat(SecretStore.open(keystore, null, pw).get("k")).isPresent();
    }

    private static List<String> dump(Database db) throws Exception {
        return TestDatabase.everyValue(db);
    }
}
