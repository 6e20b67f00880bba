package cn.tongban.signaling.cli;

import cn.tongban.signaling.pki.PkiPassword;
import cn.tongban.signaling.store.AuditAction;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.AuditField;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pki}: the embedded PKI's keystore. */
@Command(
        name = "pki",
        mixinStandardHelpOptions = true,
        description = "The embedded PKI's keystore.",
        subcommands = {PkiCommand.Passwd.class})
public final class PkiCommand {
    /**
     * Re-encrypts {@code pki/pki.p12} with a new password ({@link PkiPassword}). Exit 0 changed (audited {@code
     * pki.password_changed}), 1 refused with nothing changed (the current password does not open the keystore,
     * the new one is too short), 2 a file cannot be read or written.
     */
    @Command(
            name = "passwd",
            mixinStandardHelpOptions = true,
            description = "Re-encrypt the embedded PKI's keystore (pki/pki.p12) with a new password, read as one"
                    + " line from standard input or from --new-password-file; the current one comes from"
                    + " TONGBAN_PKI_PASSWORD or <data-dir>/pki.password. Stop the nodes of this data directory"
                    + " first.")
    static final class Passwd implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--new-password-file",
                paramLabel = "FILE",
                description = "Read the new password from this file (first line) instead of standard input.")
        Path newPasswordFile;

        @Option(
                names = "--by",
                required = true,
                paramLabel = "OPERATOR",
                description = "Who changes it, for the audit journal.")
        String by;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            char[] next;
            try {
                String line;
                if (newPasswordFile != null) {
                    line = Files.readAllLines(newPasswordFile, StandardCharsets.UTF_8).stream()
                            .findFirst()
                            .orElse("");
                } else {
                    line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                }
                next = line == null ? new char[0] : line.toCharArray();
            } catch (IOException e) {
                err.println("pki passwd: cannot read the new password: " + e.getMessage() + "; nothing changed");
                return 2;
            }
            int entries;
            try {
                entries = PkiPassword.change(store.dataDir, PkiPassword.current(store.dataDir), next);
            } catch (PkiPassword.Refused e) {
                err.println("pki passwd: " + e.getMessage());
                return 1;
            } catch (IOException e) {
                err.println("pki passwd: " + e.getMessage() + " (if pki/pki.p12.bak exists, it is the keystore as"
                        + " it was, under the current password)");
                return 2;
            }
            out.println("re-encrypted " + entries + " entries of "
                    + store.dataDir.resolve("pki").resolve("pki.p12"));
            out.println(
                    PkiPassword.fromEnvironment()
                            ? "set TONGBAN_PKI_PASSWORD to the new password (tongban.env) before starting the node"
                            : "the new password is in " + store.dataDir.resolve("pki.password"));
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                JdbcAuditJournal.keyed(db.dataSource(), Clock.systemUTC(), store.secrets(db.dataSource()))
                        .append(
                                "operator:" + by,
                                AuditAction.PKI_PASSWORD_CHANGED.wire(),
                                null,
                                new JsonObject(AuditDetails.of(AuditField.FILE, "pki/pki.p12")
                                                .and(AuditField.SIZE, entries)
                                                .asMap())
                                        .encode());
            } catch (RuntimeException e) {
                err.println("pki passwd: changed, but not audited: " + e.getMessage());
            }
            return 0;
        }
    }
}
