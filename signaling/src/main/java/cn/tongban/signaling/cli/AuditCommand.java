package cn.tongban.signaling.cli;

import cn.tongban.session.audit.AuditChain;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code audit verify}: checks the audit journal's hash chain and names the first broken link. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "Audit journal tools.",
        subcommands = {AuditCommand.Verify.class})
public final class AuditCommand {

    /** Exit 0 when the chain is intact, 1 when a link is broken, 2 when the journal cannot be read. */
    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Verify the hash chain of the audit journal.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Override
        public Integer call() {
            if (store.dbUrl == null || store.dbUrl.isBlank()) {
                if (!java.nio.file.Files.exists(store.dataDir.resolve("db").resolve("tongban.mv.db"))) {
                    System.err.println("no audit journal in " + store.dataDir.toAbsolutePath());
                    return 2;
                }
            }
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                JdbcAuditJournal journal = new JdbcAuditJournal(db.dataSource(), Clock.systemUTC());
                // Verify page by page, carrying the last link over, so memory stays flat for long journals.
                long after = 0;
                String prevHash = AuditChain.GENESIS;
                long count = 0;
                while (true) {
                    List<AuditEvent> page = journal.read(after, 5000);
                    if (page.isEmpty()) {
                        break;
                    }
                    Optional<AuditChain.BrokenLink> broken = AuditChain.verify(page, after, prevHash);
                    if (broken.isPresent()) {
                        System.out.printf(
                                "{\"intact\":false,\"firstBrokenSeq\":%d,\"reason\":\"%s\"}%n",
                                broken.get().seq(), broken.get().reason());
                        return 1;
                    }
                    AuditEvent last = page.get(page.size() - 1);
                    after = last.seq();
                    prevHash = last.hash();
                    count += page.size();
                }
                // Entries cut off the end leave an intact but shorter chain: the head row still names the last one.
                JdbcAuditJournal.Head head = journal.head();
                if (head.seq() != after || !head.hash().equals(prevHash)) {
                    System.out.printf(
                            "{\"intact\":false,\"firstBrokenSeq\":%d,\"reason\":\"the journal ends at entry %d but its"
                                    + " head names entry %d\"}%n",
                            Math.min(after, head.seq()) + 1, after, head.seq());
                    return 1;
                }
                System.out.printf("{\"intact\":true,\"events\":%d,\"head\":\"%s\"}%n", count, prevHash);
                return 0;
            } catch (RuntimeException e) {
                System.err.println("cannot read the audit journal: " + e.getMessage());
                return 2;
            }
        }
    }
}
