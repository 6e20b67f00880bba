package cn.tongban.signaling.cli;

import cn.tongban.session.audit.AuditChain;
import cn.tongban.signaling.audit.AuditCheckpoints;
import cn.tongban.signaling.audit.AuditVerifier;
import cn.tongban.signaling.pki.PkiSupport;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.InstallationSecrets;
import cn.tongban.signaling.store.JdbcAuditJournal;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code audit verify}: checks the audit journal's keyed hash chain and its sealed, time-stamped
 * checkpoints, names the first broken link, and reports the last anchored entry.
 */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "Audit journal tools.",
        subcommands = {AuditCommand.Verify.class})
public final class AuditCommand {

    /** Exit 0 when the journal is intact, 1 when anything is broken, 2 when it cannot be read. */
    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Verify the audit journal: its keyed hash chain (the key comes from the secrets keystore)"
                    + " and the checkpoints sealed by a hall's e-seal and time-stamped. Prints a JSON verdict.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(
                names = "--trust",
                paramLabel = "CERT_OR_DIR",
                description = "Trust anchor for checkpoint seals and time-stamps (PEM or DER, or a directory of"
                        + " them); repeatable. Always trusted too: the embedded PKI's root in the data directory and the"
                        + " partner anchors added with 'trust add'.")
        List<Path> trust = new ArrayList<>();

        @Override
        public Integer call() {
            if (store.dbUrl == null || store.dbUrl.isBlank()) {
                if (!java.nio.file.Files.exists(store.dataDir.resolve("db").resolve("tongban.mv.db"))) {
                    System.err.println("no audit journal in " + store.dataDir.toAbsolutePath());
                    return 2;
                }
            }
            List<X509Certificate> anchors = new ArrayList<>();
            try {
                anchors.addAll(VerifyCommand.loadAnchors(trust));
                anchors.addAll(PkiSupport.storedRoot(store.dataDir));
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                System.err.println("cannot read the trust anchors: " + e.getMessage());
                return 2;
            }
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                // The journal is this installation's, sealed by its own halls: partners' roots (trust add) have no
                // say in it — one could otherwise re-seal the journal with a seal of its own making.
                InstallationSecrets secrets = store.existingSecrets(db.dataSource());
                AuditChain.Keying keying = secrets.find(JdbcAuditJournal.CHAIN_SECRET)
                        .map(JdbcAuditJournal::parseKeying)
                        .orElse(AuditChain.Keying.NONE);
                JdbcAuditJournal journal = new JdbcAuditJournal(db.dataSource(), Clock.systemUTC(), keying);
                AuditVerifier.Report report =
                        AuditVerifier.verify(journal, AuditCheckpoints.reader(db.dataSource()), anchors);
                System.out.println(report.toJson().encode());
                return report.intact() ? 0 : 1;
            } catch (RuntimeException e) {
                System.err.println("cannot read the audit journal: " + e.getMessage());
                return 2;
            }
        }
    }
}
