package cn.tongban.signaling.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/SETTINGS.md is the CLI's model written out (regenerate with {@code -Dtongban.updateDocs=true}); every
 * {@code TONGBAN_*} variable the code reads is in it; deploy/tongban.env names every one of them and reads the
 * same in a shell as in systemd.
 */
class SettingsDocTest {
    private static final Path ENV_FILE = Path.of("..", "deploy", "tongban.env");
    private static final Pattern VARIABLE = Pattern.compile("(?:\"|env:)(TONGBAN_[A-Z0-9_]+)");
    private static final Pattern SETTING = Pattern.compile("^(#?)(TONGBAN_[A-Z0-9_]+)=(.*)$");

    @Test
    void theDocumentIsTheCliWrittenOut() throws IOException {
        String now = SettingsDoc.render();
        if (Boolean.getBoolean("tongban.updateDocs")) {
            Files.writeString(SettingsDoc.FILE, now);
        }
        String documented = Files.exists(SettingsDoc.FILE) ? Files.readString(SettingsDoc.FILE) : "";
        assertThat(documented)
                .as(
                        "deploy/SETTINGS.md is out of step with the CLI; rewrite it with ./mvnw -B -o -pl signaling -am"
                                + " test -Dtest=SettingsDocTest -Dsurefire.failIfNoSpecifiedTests=false -Dtongban.updateDocs=true")
                .isEqualTo(now);
    }

    @Test
    void everyVariableTheCodeReadsIsDocumented() throws IOException {
        Set<String> inCode = new TreeSet<>();
        for (String module : List.of("signaling", "docsign", "session")) {
            try (Stream<Path> files = Files.walk(Path.of("..", module, "src", "main", "java"))) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    Matcher m = VARIABLE.matcher(Files.readString(f));
                    while (m.find()) {
                        inCode.add(m.group(1));
                    }
                }
            }
        }
        Set<String> documented = new TreeSet<>(SettingsDoc.optionVariables().keySet());
        SettingsDoc.DIRECT.forEach(v -> documented.add(v.name()));
        assertThat(documented)
                .as("variables read in the code (an option's ${env:…}, or System.getenv: add those to"
                        + " SettingsDoc.DIRECT) against the documented ones")
                .isEqualTo(inCode);
    }

    @Test
    void theEnvFileNamesEveryVariableWithItsDefault() throws IOException {
        Map<String, String> defaults = new LinkedHashMap<>(SettingsDoc.optionVariables());
        SettingsDoc.DIRECT.forEach(v -> defaults.put(v.name(), null));
        SettingsDoc.DEPLOY.forEach(v -> defaults.put(v.name(), null));
        List<String> lines = Files.readAllLines(ENV_FILE);
        Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = SETTING.matcher(lines.get(i));
            if (!m.matches()) {
                assertThat(lines.get(i))
                        .as("line %d: a comment, a blank or NAME=value", i + 1)
                        .matches("^(#.*|\\s*)$");
                continue;
            }
            String name = m.group(2);
            assertThat(named).as("%s named twice", name).doesNotContainKey(name);
            named.put(name, m.group(3));
            String byDefault = defaults.get(name);
            String value = unquoted(m.group(3));
            // A value other than the jar's default says which default it replaces, in the comment above.
            if (m.group(1).isEmpty() && byDefault != null && !byDefault.equals(value)) {
                String comment = i > 0 ? lines.get(i - 1) : "";
                assertThat(comment)
                        .as(
                                "%s=%s differs from the jar's default: the line above says \"(default %s)\"",
                                name, value, byDefault)
                        .contains("(default " + byDefault + ")");
            }
        }
        assertThat(named.keySet())
                .as("the variables tongban.env names")
                .containsExactlyInAnyOrderElementsOf(defaults.keySet());
    }

    @Test
    void aShellAndSystemdReadTheEnvFileAlike() throws Exception {
        // systemd's EnvironmentFile: NAME=value lines, one pair of enclosing double quotes removed, # comments.
        Map<String, String> systemd = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ENV_FILE)) {
            Matcher m = SETTING.matcher(line);
            if (m.matches() && m.group(1).isEmpty()) {
                String raw = m.group(3);
                assertThat(raw)
                        .as(line + ": no expansions, single quotes or escapes")
                        .doesNotContain("$", "`", "'", "\\");
                systemd.put(m.group(2), unquoted(raw));
            }
        }
        Process p = new ProcessBuilder(
                        "bash", "-c", "set -eu -o pipefail; set -a; . \"$0\"; env -0", ENV_FILE.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("bash sources " + ENV_FILE).isZero();
        Map<String, String> shell = new LinkedHashMap<>();
        for (String pair : new String(out, StandardCharsets.UTF_8).split("\0")) {
            int eq = pair.indexOf('=');
            if (pair.startsWith("TONGBAN_") && eq > 0 && systemd.containsKey(pair.substring(0, eq))) {
                shell.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        assertThat(shell).isEqualTo(systemd);
        assertThat(systemd).containsKeys("TONGBAN_PUBLIC_URL", "TONGBAN_JAVA_OPTS", "TONGBAN_ARGS");
    }

    private static String unquoted(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1)
                : value;
    }
}
