package cn.tongban.signaling.cli;

import cn.tongban.signaling.media.RecordingArchive;
import cn.tongban.signaling.store.CaseStore;
import cn.tongban.signaling.store.Database;
import cn.tongban.signaling.store.JdbcAuditJournal;
import cn.tongban.signaling.store.RecordingStore;
import cn.tongban.signaling.store.Records;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code recording recover}: what a node does for its own recording directory when it starts, for a directory
 * whose node will not come back (its disk mounted elsewhere, or copied): segments never archived are
 * finished from their files and archived into the shared database and audit journal.
 */
@Command(
        name = "recording",
        mixinStandardHelpOptions = true,
        description = "Session recording tools.",
        subcommands = {RecordingCommand.Recover.class})
public final class RecordingCommand {

    /** Exit 0 when every segment found was archived, 1 when some failed, 2 when nothing could be done. */
    @Command(
            name = "recover",
            mixinStandardHelpOptions = true,
            description = "Finish and archive the recording segments in a node's recording directory that were"
                    + " never archived (the node died while recording). Run it only while that node is not"
                    + " running. Prints a JSON report.")
    static final class Recover implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(
                names = "--recording-dir",
                paramLabel = "DIR",
                description = "The node's recording directory (default <data-dir>/recordings).")
        Path recordingDir;

        @Option(
                names = "--node-name",
                paramLabel = "NAME",
                defaultValue = "${env:TONGBAN_NODE:-node-1}",
                description = "The name of the node whose disk this is, for the archive (default ${DEFAULT-VALUE}).")
        String nodeName;

        @Option(
                names = "--ffmpeg",
                defaultValue = "ffmpeg",
                description = "The ffmpeg executable that repairs cut track files (default ${DEFAULT-VALUE}).")
        String ffmpeg;

        @Override
        public Integer call() {
            Path root = recordingDir != null ? recordingDir : store.dataDir.resolve("recordings");
            if (!Files.isDirectory(root)) {
                System.err.println("no recording directory " + root.toAbsolutePath());
                return 2;
            }
            if ((store.dbUrl == null || store.dbUrl.isBlank())
                    && !Files.exists(store.dataDir.resolve("db").resolve("tongban.mv.db"))) {
                // Opening a wrong directory would create an empty database and archive into it.
                System.err.println("no database in " + store.dataDir.toAbsolutePath());
                return 2;
            }
            try (Database db = Database.open(store.url(), store.dbUser, store.dbPassword)) {
                Clock clock = Clock.systemUTC();
                Records records = new Records(
                        JdbcAuditJournal.keyed(db.dataSource(), clock, store.secrets(db.dataSource())),
                        new CaseStore(db.dataSource()),
                        clock,
                        new SimpleMeterRegistry());
                RecordingArchive archive =
                        new RecordingArchive(records, new RecordingStore(db.dataSource()), ffmpeg, nodeName, clock);
                List<RecordingArchive.Segment> segments = archive.unarchived(root, dir -> false);
                RecordingArchive.Report r = archive.recover(segments);
                System.out.println(new JsonObject()
                        .put("directory", root.toAbsolutePath().toString())
                        .put("segments", segments.size())
                        .put("recovered", r.recovered())
                        .put("archivedLate", r.late())
                        .put("unreadableFiles", r.unreadableFiles())
                        .put("failed", r.failed())
                        .encode());
                return r.failed() == 0 ? 0 : 1;
            } catch (RuntimeException e) {
                System.err.println("cannot use the database: " + e.getMessage());
                return 2;
            }
        }
    }
}
