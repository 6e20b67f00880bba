package cn.tongban.signaling.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.Main;
import cn.tongban.signaling.auth.TokenRevocations;
import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.KeyRing;
import cn.tongban.signaling.store.SecretKeys;
import cn.tongban.signaling.store.SecretStore;
import cn.tongban.signaling.store.StoreException;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tongban.jar secrets rotate jwt|links} on a real keystore and embedded database, with the nodes' own
 * code reading it (TokenService, SecretKeys): after a rotation a restarted node signs with the new key and
 * accepts what the old one signed for the grace; with {@code --grace-minutes 0} it refuses it; a node holding
 * the keystore of before refuses to start; the audit records which key and the new fingerprint, never a key.
 */
class SecretsRotateTest {
    @TempDir
    Path dir;

    private Vertx vertx;
    private Database db;

    @BeforeEach
    void open() {
        vertx = Vertx.vertx();
        db = Database.open(Database.defaultUrl(dir), null, null);
    }

    @AfterEach
    void close() {
        db.close();
        vertx.close();
    }

    /** The secrets as a node starting now reads them (a fresh keystore object: nothing cached). */
    private InstallationSecrets node() {
        return new InstallationSecrets(db.dataSource(), SecretStore.open(dir.resolve("secrets.p12"), null));
    }

    private TokenService tokens(InstallationSecrets secrets) {
        return TokenService.create(vertx, secrets, TokenRevocations.inMemory(), dir);
    }

    record Run(int exit, String out, String err) {}

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--data-dir");
        all.add(dir.toString());
        int exit = new CommandLine(new Main())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private List<String> rotations() throws Exception {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT actor || ' ' || details FROM audit_event WHERE action = 'secret.rotated' ORDER BY seq")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    @Test
    void tokensOfTheOldKeyWorkForTheGraceAndANodeWithTheOldKeystoreRefusesToStart() throws Exception {
        TokenService before = tokens(node());
        String oldToken = before.issue("wujin01");
        Files.copy(dir.resolve("secrets.p12"), dir.resolve("stale.p12"));
        String oldKey = node().find("jwt").orElseThrow();

        Run rotated = run("secrets", "rotate", "jwt", "--by", "wang");
        assertThat(rotated.exit()).as(rotated.err()).isZero();
        assertThat(rotated.out()).contains("accepted until").contains("restart");
        String newKey = node().find("jwt").orElseThrow();
        assertThat(newKey).isNotEqualTo(oldKey);
        assertThat(rotated.out() + rotated.err()).doesNotContain(newKey).doesNotContain(oldKey);

        // A node started after the rotation: the clerk signed in before stays signed in, and refreshes
        // onto the new key; new tokens are the new key's.
        TokenService after = tokens(node());
        assertThat(after.clerkOf(oldToken)).isEqualTo("wujin01");
        String refreshed = after.refresh(oldToken);
        assertThat(after.clerkOf(refreshed)).isEqualTo("wujin01");
        // A node still running with the old key does not know the new one: restart every node promptly.
        assertThatThrownBy(() -> before.clerkOf(refreshed))
                .isInstanceOf(ProtocolException.class)
                .extracting(e -> ((ProtocolException) e).code())
                .isEqualTo(ErrorCode.AUTH_FAILED);
        // A node given the keystore of before refuses to start.
        assertThatThrownBy(() -> new InstallationSecrets(
                                db.dataSource(),
                                SecretStore.open(dir.resolve("stale.p12"), dir.resolve("secrets.password")))
                        .getOrCreate("jwt", () -> "unused"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("not this installation's");

        // After a suspected leak: no grace, the old key's tokens are refused from the next start.
        Run leak = run("secrets", "rotate", "jwt", "--grace-minutes", "0", "--by", "li");
        assertThat(leak.exit()).as(leak.err()).isZero();
        TokenService afterLeak = tokens(node());
        assertThatThrownBy(() -> afterLeak.clerkOf(refreshed))
                .isInstanceOf(ProtocolException.class)
                .extracting(e -> ((ProtocolException) e).code())
                .isEqualTo(ErrorCode.AUTH_FAILED);
        assertThat(afterLeak.clerkOf(afterLeak.issue("gulou01"))).isEqualTo("gulou01");

        assertThat(rotations())
                .satisfiesExactly(
                        r -> assertThat(r).startsWith("operator:wang").contains("\"secret\":\"jwt\""),
                        r -> assertThat(r).startsWith("operator:li").contains("\"expiresAt\":0"))
                .allSatisfy(r -> assertThat(r).doesNotContain(newKey).doesNotContain(oldKey));
    }

    @Test
    void linksOfTheOldKeysWorkUntilTheyWouldHaveExpiredAnyway() throws Exception {
        InstallationSecrets first = node();
        byte[] application = SecretKeys.shared(first, dir, "application-url.key");
        byte[] material = SecretKeys.shared(first, dir, "material-url.key");
        Instant t0 = Instant.now();

        Run rotated = run("secrets", "rotate", "links", "--by", "wang");
        assertThat(rotated.exit()).as(rotated.err()).isZero();

        InstallationSecrets restarted = node();
        for (String[] k : new String[][] {{"application-url.key"}, {"material-url.key"}}) {
            KeyRing ring = SecretKeys.ring(restarted, dir, k[0]);
            byte[] old = k[0].startsWith("application") ? application : material;
            assertThat(ring.current()).isNotEqualTo(old);
            assertThat(ring.accepted(t0.plus(Duration.ofMinutes(119))))
                    .hasSize(2)
                    .last()
                    .isEqualTo(old);
            assertThat(ring.accepted(t0.plus(Duration.ofMinutes(121)))).hasSize(1);
        }
        assertThat(rotations()).hasSize(2);
    }

    @Test
    void nothingToRotateIsRefusedAndNothingIsWritten() throws Exception {
        Run none = run("secrets", "rotate", "jwt", "--by", "wang");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("nothing rotated");
        assertThat(Files.exists(dir.resolve("secrets.p12"))).isFalse();

        tokens(node());
        Run noLinks = run("secrets", "rotate", "links", "--by", "wang");
        assertThat(noLinks.exit()).isEqualTo(1);
        assertThat(noLinks.err()).contains("application-url.key");
        assertThat(run("secrets", "rotate", "audit", "--by", "wang").exit()).isEqualTo(2);
        assertThat(rotations()).isEmpty();
        assertThat(new String(Files.readAllBytes(dir.resolve("secrets.password")), StandardCharsets.UTF_8))
                .isNotBlank();
    }
}
