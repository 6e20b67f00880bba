package cn.tongban.signaling.cli;

import cn.tongban.signaling.application.HandoffOutbox;
import cn.tongban.signaling.store.AuditDetails;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code handoff list} and {@code handoff resend}: the hand-off outbox on the database, for an operator. The
 * running nodes' retry loop (every 5 s) sends what is resent; nothing here talks to another hall.
 */
@Command(
        name = "handoff",
        mixinStandardHelpOptions = true,
        description = "Signed applications waiting for a person: list them, resend a refused hand-off.",
        subcommands = {HandoffCommand.ListCommand.class, HandoffCommand.Resend.class})
public final class HandoffCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One JSON object per line: applications signed by the applicant but not sealed, and sealed ones whose
     * hand-off is refused or still retried. Exit 0, or 2 when the database cannot be read.
     */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List unfinished applications and hand-offs that are refused or pending (JSON lines).")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Override
        public Integer call() {
            if (!exists(store)) {
                return 2;
            }
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                HandoffOutbox outbox = new HandoffOutbox(
                        db.dataSource(),
                        (actor, action, session, kv) -> {
                            throw new IllegalStateException("listing writes nothing");
                        },
                        Clock.systemUTC());
                for (HandoffOutbox.Entry e : outbox.list()) {
                    System.out.println(JSON.writeValueAsString(e));
                }
                return 0;
            } catch (RuntimeException | JsonProcessingException e) {
                System.err.println("cannot read the outbox: " + e.getMessage());
                return 2;
            }
        }
    }

    /**
     * Puts a refused hand-off back in the outbox, due now, and audits it ({@code handoff.resent}). Exit 0 when
     * resent or when there is nothing to do (already pending or delivered: resending is idempotent), 1 when the
     * application does not exist or is not sealed, 2 when the database cannot be used.
     */
    @Command(
            name = "resend",
            mixinStandardHelpOptions = true,
            description = "Send a refused hand-off again, once its cause is fixed; the running nodes send it.")
    static final class Resend implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(index = "0", paramLabel = "APPLICATION", description = "The application number (TB…).")
        String applicationId;

        @Option(
                names = "--by",
                paramLabel = "NAME",
                defaultValue = "${sys:user.name}",
                description = "Who resends, for the audit journal (default: the operating-system user).")
        String by;

        @Override
        public Integer call() {
            if (!exists(store)) {
                return 2;
            }
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                JdbcAuditJournal journal =
                        JdbcAuditJournal.keyed(db.dataSource(), Clock.systemUTC(), store.secrets(db.dataSource()));
                HandoffOutbox outbox = new HandoffOutbox(
                        db.dataSource(),
                        (actor, action, session, details) ->
                                journal.append(actor, action.wire(), session, json(details)),
                        Clock.systemUTC());
                HandoffOutbox.Resend r = outbox.resend(applicationId, "operator:" + by, "cli");
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("applicationId", applicationId);
                out.put("result", r.name());
                System.out.println(JSON.writeValueAsString(out));
                return switch (r) {
                    case RESENT, ALREADY_PENDING, ALREADY_DELIVERED -> 0;
                    case NOT_SEALED, NO_SUCH_APPLICATION -> 1;
                };
            } catch (RuntimeException | JsonProcessingException e) {
                System.err.println("handoff resend failed: " + e.getMessage());
                return 2;
            }
        }
    }

    /** An embedded database must exist already: opening a wrong directory would create an empty one. */
    private static boolean exists(StoreOptions store) {
        if ((store.dbUrl == null || store.dbUrl.isBlank())
                && !Files.exists(store.dataDir.resolve("db").resolve("tongban.mv.db"))) {
            System.err.println("no database in " + store.dataDir.toAbsolutePath());
            return false;
        }
        return true;
    }

    private static String json(AuditDetails details) {
        try {
            return JSON.writeValueAsString(details.asMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
