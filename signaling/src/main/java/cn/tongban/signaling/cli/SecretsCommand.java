package cn.tongban.signaling.cli;

import cn.tongban.signaling.auth.TokenService;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.JdbcAuditJournal;
import cn.tongban.signaling.store.StoreException;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code secrets}: the installation's named secrets in the secrets keystore. */
@Command(
        name = "secrets",
        mixinStandardHelpOptions = true,
        description = "The installation's secrets (session-token and signed-link keys).",
        subcommands = {SecretsCommand.Rotate.class})
public final class SecretsCommand {
    /** What can be rotated, the keystore entries it covers, and how long what the old key signed stays valid. */
    enum Kind {
        /** The clerks' session tokens (15 minutes each). */
        jwt(List.of("jwt"), Duration.ofSeconds(TokenService.TTL_SECONDS)),
        /** The signed links to applications' files and to materials (2 hours each). */
        links(List.of("application-url.key", "material-url.key"), Duration.ofHours(2));

        final List<String> entries;
        final Duration lifetime;

        Kind(List<String> entries, Duration lifetime) {
            this.entries = entries;
            this.lifetime = lifetime;
        }
    }

    /**
     * A new key for {@code jwt} or {@code links} in the keystore, its fingerprint in the database. By default
     * what the old key signed stays valid for its own lifetime (tokens 15 min, links 2 h) and no longer:
     * nobody signed in is sent away and no link handed to an applicant breaks by a routine rotation; after a
     * suspected leak {@code --grace-minutes 0} refuses everything the old key signed at once. Exit 0 rotated
     * (audited {@code secret.rotated}), 1 nothing to rotate yet, 2 the keystore or database cannot be used.
     */
    @Command(
            name = "rotate",
            mixinStandardHelpOptions = true,
            description = "Make a new key for the session tokens (jwt) or the signed links (links). Nodes use it"
                    + " from their next start: copy the keystore to every node and restart them one by one within"
                    + " the grace.")
    static final class Rotate implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "jwt|links", description = "Which key: ${COMPLETION-CANDIDATES}.")
        Kind kind;

        @Option(
                names = "--grace-minutes",
                paramLabel = "MINUTES",
                description = "How long tokens or links signed with the old key are still accepted (default: their"
                        + " lifetime, 15 for jwt, 120 for links; 0 after a suspected leak: refused at once).")
        Long graceMinutes;

        @Option(
                names = "--by",
                required = true,
                paramLabel = "OPERATOR",
                description = "Who rotates it, for the audit journal.")
        String by;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (graceMinutes != null && graceMinutes < 0) {
                err.println("secrets rotate: --grace-minutes must not be negative");
                return 2;
            }
            Duration grace = graceMinutes == null ? kind.lifetime : Duration.ofMinutes(graceMinutes);
            Instant now = Instant.now();
            Instant until = grace.isZero() ? null : now.plus(grace);
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                InstallationSecrets secrets = store.existingSecrets(db.dataSource());
                if (secrets.store() == null) {
                    err.println("secrets rotate: no secrets keystore at " + store.secrets() + "; nothing rotated");
                    return 1;
                }
                for (String entry : kind.entries) {
                    if (secrets.find(entry).isEmpty()) {
                        err.println("secrets rotate: the installation has no key '" + entry + "' yet (start the node"
                                + " once); nothing rotated");
                        return 1;
                    }
                }
                for (String entry : kind.entries) {
                    String fingerprint = secrets.rotate(entry, fresh(), until);
                    JdbcAuditJournal.keyed(db.dataSource(), Clock.systemUTC(), secrets)
                            .append(
                                    "operator:" + by,
                                    AuditAction.SECRET_ROTATED.wire(),
                                    null,
                                    new JsonObject(AuditDetails.of(AuditField.SECRET, entry)
                                                    .and(AuditField.FINGERPRINT, fingerprint)
                                                    .and(
                                                            AuditField.EXPIRES_AT,
                                                            until == null ? 0 : until.toEpochMilli())
                                                    .asMap())
                                            .encode());
                }
            } catch (StoreException e) {
                err.println("secrets rotate: " + e.getMessage());
                return 2;
            } catch (RuntimeException e) {
                err.println("secrets rotate: cannot use the database: " + e.getMessage());
                return 2;
            }
            out.println("rotated " + kind + " (" + String.join(", ", kind.entries) + ") in " + store.secrets());
            out.println(
                    until == null
                            ? "what the old key signed is refused from each node's next start"
                            : "what the old key signed is accepted until " + until
                                    + "; nodes restarted after that refuse it");
            out.println("copy the keystore to every node of this installation and restart them one by one now:"
                    + " a node keeps the key it started with, and one with the old keystore refuses to start");
            return 0;
        }

        private static byte[] fresh() {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            // Both kinds are kept as base64 text: links decode it (SecretKeys.shared), the JWT key is the text.
            return Base64.getEncoder().encodeToString(key).getBytes(StandardCharsets.US_ASCII);
        }
    }
}
