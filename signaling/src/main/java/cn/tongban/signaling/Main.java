package cn.tongban.signaling;

import cn.tongban.signaling.cli.AccountCommand;
import cn.tongban.signaling.cli.AuditCommand;
import cn.tongban.signaling.cli.BackupCommand;
import cn.tongban.signaling.cli.ClusterCaCommand;
import cn.tongban.signaling.cli.DemoApplicationCommand;
import cn.tongban.signaling.cli.HandoffCommand;
import cn.tongban.signaling.cli.PkiCommand;
import cn.tongban.signaling.cli.RecordingCommand;
import cn.tongban.signaling.cli.RefdataCommand;
import cn.tongban.signaling.cli.SecretsCommand;
import cn.tongban.signaling.cli.ServeCommand;
import cn.tongban.signaling.cli.SetupCommand;
import cn.tongban.signaling.cli.TrustCommand;
import cn.tongban.signaling.cli.VerifyCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code tongban.jar}: {@code serve} (the default) and the other subcommands. */
@Command(
        name = "tongban",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Tongban 通办窗口 — remote cross-region virtual service window.",
        subcommands = {
            ServeCommand.class,
            SetupCommand.class,
            VerifyCommand.class,
            DemoApplicationCommand.class,
            AuditCommand.class,
            HandoffCommand.class,
            AccountCommand.class,
            RefdataCommand.class,
            ClusterCaCommand.class,
            RecordingCommand.class,
            TrustCommand.class,
            PkiCommand.class,
            SecretsCommand.class,
            BackupCommand.Create.class,
            BackupCommand.Restore.class,
            CommandLine.HelpCommand.class
        })
public final class Main {

    /** The forms logback.xml has an appender for ({@code TONGBAN_LOG_FORMAT}). */
    static final java.util.Set<String> LOG_FORMATS = java.util.Set.of("text", "json");

    public static void main(String[] args) {
        // Before anything logs: logback would otherwise find no appender of that name and stay silent.
        String logFormat = System.getenv("TONGBAN_LOG_FORMAT");
        if (logFormat != null && !logFormat.isEmpty() && !LOG_FORMATS.contains(logFormat)) {
            System.err.println("TONGBAN_LOG_FORMAT must be text or json, not '" + logFormat + "'");
            System.exit(2);
        }
        CommandLine cli = new CommandLine(new Main());
        // No subcommand means serve, so that `java -jar tongban.jar --port 9090` works too.
        String[] effective = args.length == 0 || args[0].startsWith("-") && !isTopLevelOption(args[0])
                ? prepend("serve", args)
                : args;
        int code = cli.execute(effective);
        if (code != 0 || !"serve".equals(effective[0])) {
            System.exit(code);
        }
    }

    private static boolean isTopLevelOption(String arg) {
        return arg.equals("-h") || arg.equals("--help") || arg.equals("-V") || arg.equals("--version");
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    /** Reports the jar's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tongban " + TongbanServer.version()};
        }
    }
}
