package cn.tongban.signaling.cli;

import cn.tongban.signaling.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes deploy/SETTINGS.md from picocli's model of {@code tongban.jar}: every option and parameter of every
 * subcommand with its environment variable and default as the annotations give them (read without
 * interpolation, so the machine's environment never leaks into the document), then the variables the code
 * reads itself and those of the deploy files. {@link SettingsDocTest} fails when the file differs; run it with
 * {@code -Dtongban.updateDocs=true}, or this class's {@code main}, to rewrite it.
 */
public final class SettingsDoc {
    /** deploy/SETTINGS.md, from the signaling module's directory (where tests run). */
    public static final Path FILE = Path.of("..", "deploy", "SETTINGS.md");

    /** {@code ${env:NAME}} or {@code ${env:NAME:-default}}, picocli's way of mapping a variable to an option. */
    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Z0-9_]+)(?::-(.*))?}");

    /** A variable read with System.getenv rather than through an option: name, default, meaning, reader. */
    public record DirectVariable(String name, String byDefault, String meaning, String readBy) {}

    /** Variables the code reads itself. {@link SettingsDocTest} finds every one in the sources. */
    public static final List<DirectVariable> DIRECT = List.of(
            new DirectVariable(
                    "TONGBAN_SECRETS_PASSWORD",
                    "the content of `--secrets-password-file` (generated beside the keystore on first start)",
                    "Password of the installation's secrets keystore (`--secrets`); on first start with it set, the"
                            + " keystore is created with it. Every command that opens the keystore reads it.",
                    "`store/SecretStore`"),
            new DirectVariable(
                    "TONGBAN_SMS_TOKEN",
                    "the content of `--sms-gateway-token-file`, else none",
                    "Bearer token for `--sms-gateway-url`.",
                    "`serve`"),
            new DirectVariable(
                    "TONGBAN_PKI_PASSWORD",
                    "`<data-dir>/pki.password` (generated on first start)",
                    "Password of the embedded PKI's keystore (`<data-dir>/pki.p12`).",
                    "`pki/PkiSupport`"),
            new DirectVariable(
                    "TONGBAN_PKI_EXTERNAL_PASSWORD",
                    "the content of `<pki-external>/password`",
                    "Password of the PKCS#12 files under `--pki-external`.",
                    "`pki/PkiSupport`"),
            new DirectVariable(
                    "TONGBAN_FONT",
                    "`/usr/share/fonts/truetype/wqy/wqy-microhei.ttc` (Debian `fonts-wqy-microhei`)",
                    "The CJK TrueType font embedded in application PDFs (system property `tongban.font` comes"
                            + " first; `tongban.font.name` picks a font of a collection).",
                    "docsign `pdf/CjkFont`"),
            new DirectVariable(
                    "TONGBAN_LOG_FORMAT",
                    "`text`",
                    "`text`: one line per event with ISO-8601 date, time and offset; `json`: one JSON object per"
                            + " line (logback's JsonEncoder) for a log collector; any other value is refused at"
                            + " start. `TONGBAN_LOG_LEVEL` (default `INFO`) sets the level.",
                    "`Main`, `logback.xml`"));

    /** Variables of the deploy files, not read by the jar. */
    public static final List<DirectVariable> DEPLOY = List.of(
            new DirectVariable(
                    "TONGBAN_JAVA_OPTS",
                    "`-Xms256m -Xmx1g -XX:+ExitOnOutOfMemoryError -Dfile.encoding=UTF-8`",
                    "The JVM's options: heap, and exit (so that systemd restarts the node) rather than limp on"
                            + " after an OutOfMemoryError.",
                    "`systemd/tongban.service`, `cluster-3.sh`"),
            new DirectVariable(
                    "TONGBAN_ARGS",
                    "none",
                    "Further `serve` options that have no variable of their own (`--trusted-proxy`, `--ice-server`,"
                            + " `--cluster-member`, …), split at spaces.",
                    "`systemd/tongban.service`"));

    private SettingsDoc() {}

    /** Rewrites {@link #FILE}. */
    public static void main(String[] args) throws IOException {
        Files.writeString(FILE, render());
    }

    /** The document as the CLI defines it now. */
    public static String render() {
        CommandLine cli = cli();
        StringBuilder md = new StringBuilder();
        md.append("# Settings of `tongban.jar`\n\n")
                .append(
                        "<!-- Generated from the CLI definitions by signaling's SettingsDoc; do not edit. SettingsDocTest\n")
                .append("     fails when this file and the CLI differ. To rewrite it:\n")
                .append("     ./mvnw -B -o -pl signaling -am test -Dtest=SettingsDocTest")
                .append(" -Dsurefire.failIfNoSpecifiedTests=false -Dtongban.updateDocs=true -->\n\n")
                .append(
                        "Every option of every command, with the environment variable it falls back to and its default.")
                .append(" A command-line\noption wins over its variable. `deploy/tongban.env` sets the variables for")
                .append(" the systemd unit; options\nwithout a variable go into its `TONGBAN_ARGS`.\n\n");
        md.append("## Commands\n\n");
        for (CommandLine c : commands(cli)) {
            renderCommand(md, c.getCommandSpec());
        }
        md.append("## Variables read by the code itself\n\n")
                .append("| variable | default | what | read by |\n| --- | --- | --- | --- |\n");
        for (DirectVariable v : DIRECT) {
            md.append(row("`" + v.name() + "`", v.byDefault(), v.meaning(), v.readBy()));
        }
        md.append("\n## Variables of the deploy files\n\n")
                .append("Not read by the jar: the systemd unit and `cluster-3.sh` use them.\n\n")
                .append("| variable | default | what | used by |\n| --- | --- | --- | --- |\n");
        for (DirectVariable v : DEPLOY) {
            md.append(row("`" + v.name() + "`", v.byDefault(), v.meaning(), v.readBy()));
        }
        return md.toString();
    }

    /** Every environment variable an option of any command maps, with that option's default (or null). */
    public static Map<String, String> optionVariables() {
        Map<String, String> vars = new LinkedHashMap<>();
        for (CommandLine c : commands(cli())) {
            for (ArgSpec arg : c.getCommandSpec().args()) {
                Matcher m = ENV_DEFAULT.matcher(arg.defaultValue() == null ? "" : arg.defaultValue());
                if (m.matches()) {
                    vars.putIfAbsent(m.group(1), m.group(2));
                }
            }
        }
        return vars;
    }

    private static CommandLine cli() {
        CommandLine cli = new CommandLine(new Main());
        cli.setInterpolateVariables(false);
        return cli;
    }

    private static List<CommandLine> commands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        for (CommandLine sub : root.getSubcommands().values()) {
            if (sub.getCommandSpec().userObject() instanceof CommandLine.HelpCommand || all.contains(sub)) {
                continue;
            }
            if (!sub.getCommandSpec().args().stream().allMatch(SettingsDoc::standard)) {
                all.add(sub);
            }
            all.addAll(commands(sub));
        }
        return all;
    }

    private static boolean standard(ArgSpec arg) {
        return arg instanceof OptionSpec o && (o.usageHelp() || o.versionHelp());
    }

    private static void renderCommand(StringBuilder md, CommandSpec spec) {
        md.append("### `").append(spec.qualifiedName()).append("`\n\n");
        String[] description = spec.usageMessage().description();
        if (description.length > 0) {
            md.append(String.join(" ", description).strip()).append("\n\n");
        }
        md.append("| option | environment | default | what |\n| --- | --- | --- | --- |\n");
        for (ArgSpec arg : spec.args()) {
            if (standard(arg) || arg.hidden()) {
                continue;
            }
            String raw = arg.defaultValue();
            String env = "";
            String byDefault = raw;
            Matcher m = ENV_DEFAULT.matcher(raw == null ? "" : raw);
            if (m.matches()) {
                env = "`" + m.group(1) + "`";
                byDefault = m.group(2);
            }
            String name = arg instanceof OptionSpec o
                    ? String.join(", ", o.names()) + (o.arity().max() > 0 ? " " + o.paramLabel() : "")
                    : ((PositionalParamSpec) arg).paramLabel();
            if (arg.isMultiValue()) {
                name += " (repeatable)";
            }
            String what = String.join(" ", arg.description())
                    .replace("${DEFAULT-VALUE}", byDefault == null ? "none" : byDefault);
            md.append(row("`" + name + "`", env, byDefault == null ? "" : "`" + byDefault + "`", what));
        }
        md.append('\n');
    }

    private static String row(String... cells) {
        StringBuilder r = new StringBuilder("|");
        for (String c : cells) {
            r.append(' ')
                    .append(c.replace("|", "\\|").replace("\n", " ").strip())
                    .append(" |");
        }
        return r.append('\n').toString();
    }
}
