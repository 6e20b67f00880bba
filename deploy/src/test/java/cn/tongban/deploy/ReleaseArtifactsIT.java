package cn.tongban.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the build made, checked after {@code package} (failsafe, {@code verify}): tongban.jar reports the
 * version it was built with ({@code -Drevision=…} for a release), and the Debian package holds the jar, the
 * unit, the environment file as a conffile and the examples with the right owners and modes, declares its
 * dependencies, has maintainer scripts that create the user without starting the service, and passes lintian
 * without an error. Needs dpkg-deb (every Debian system) and lintian (.ci/run installs it).
 */
class ReleaseArtifactsIT {
    private static final String VERSION = System.getProperty("tongban.version");
    private static final Path JAR = Path.of(System.getProperty("tongban.jar"));
    private static final Path DEB = Path.of(System.getProperty("tongban.deb"));
    private static final Path DEPLOY = Path.of("").toAbsolutePath();

    @Test
    void theJarReportsTheVersionItWasBuiltWith() throws Exception {
        assertThat(VERSION).isNotBlank().isNotEqualTo("dev");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Implementation-Version"))
                    .isEqualTo(VERSION);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Result r = run(java, "-jar", JAR.toString(), "--version");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output().lines().toList()).as(r.output()).contains("tongban " + VERSION);
    }

    @Test
    void thePackageDeclaresItselfAndWhatItNeeds() throws Exception {
        assertThat(field("Package")).isEqualTo("tongban");
        // Debian's form of the version: a snapshot sorts before its release (0.1.0~SNAPSHOT < 0.1.0).
        assertThat(field("Version")).isEqualTo(VERSION.replace('-', '~'));
        assertThat(field("Architecture")).isEqualTo("all");
        assertThat(field("Depends"))
                .isEqualTo("openjdk-17-jre-headless | java17-runtime-headless, fonts-wqy-microhei, adduser");
        assertThat(field("Recommends")).isEqualTo("ffmpeg, nginx");
        assertThat(field("Suggests")).isEqualTo("coturn, postgresql-client, prometheus");
        Result conffiles = run("dpkg-deb", "--info", DEB.toString(), "conffiles");
        assertThat(conffiles.output().lines().toList()).containsExactly("/etc/tongban/tongban.env");
    }

    @Test
    void thePackageInstallsTheFilesWithTheirOwnersAndModes() throws Exception {
        Map<String, String> entries = new LinkedHashMap<>();
        for (String line :
                run("dpkg-deb", "--contents", DEB.toString()).output().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            entries.put(f[f.length - 1].replaceFirst("^\\./", "/"), f[0] + " " + f[1]);
        }
        assertThat(entries)
                .containsEntry("/opt/tongban/tongban.jar", "-rw-r--r-- root/root")
                .containsEntry("/lib/systemd/system/tongban.service", "-rw-r--r-- root/root")
                // Group tongban comes from dpkg-statoverride in postinst (the group does not exist at unpack).
                .containsEntry("/etc/tongban/", "drwxr-x--- root/root")
                .containsEntry("/etc/tongban/tongban.env", "-rw-r----- root/root")
                .containsEntry("/usr/share/doc/tongban/copyright", "-rw-r--r-- root/root")
                .containsEntry("/usr/share/doc/tongban/changelog.gz", "-rw-r--r-- root/root")
                .containsEntry("/usr/share/doc/tongban/README.md", "-rw-r--r-- root/root")
                .containsEntry("/usr/share/doc/tongban/SETTINGS.md", "-rw-r--r-- root/root")
                .containsEntry("/usr/share/doc/tongban/examples/nginx-tongban.conf", "-rw-r--r-- root/root")
                .containsEntry("/usr/share/doc/tongban/examples/turnserver.conf", "-rw-r--r-- root/root")
                .containsEntry("/usr/share/lintian/overrides/tongban", "-rw-r--r-- root/root");
        // Nothing writable by others, nothing set-id.
        assertThat(entries.values())
                .allSatisfy(mode -> assertThat(mode.charAt(8)).isNotEqualTo('w'));
        assertThat(entries.values()).noneMatch(mode -> mode.contains("s") && mode.startsWith("-"));
    }

    @Test
    void theInstalledFilesAreTheBuiltOnes(@TempDir Path root) throws Exception {
        assertThat(run("dpkg-deb", "-x", DEB.toString(), root.toString()).exit())
                .isZero();
        assertThat(Files.mismatch(root.resolve("opt/tongban/tongban.jar"), JAR)).isEqualTo(-1L);
        assertThat(Files.mismatch(
                        root.resolve("lib/systemd/system/tongban.service"), DEPLOY.resolve("systemd/tongban.service")))
                .isEqualTo(-1L);
        assertThat(Files.mismatch(root.resolve("etc/tongban/tongban.env"), DEPLOY.resolve("tongban.env")))
                .isEqualTo(-1L);
        assertThat(Files.mismatch(
                        root.resolve("usr/share/doc/tongban/examples/turnserver.conf"),
                        DEPLOY.resolve("coturn/turnserver.conf")))
                .isEqualTo(-1L);
        // The unit runs the jar and reads the environment file where the package puts them.
        String unit = Files.readString(root.resolve("lib/systemd/system/tongban.service"));
        assertThat(unit).contains("-jar /opt/tongban/tongban.jar serve", "EnvironmentFile=/etc/tongban/tongban.env");
    }

    /**
     * postinst run against stand-ins for the commands it calls (each logs its arguments): it creates the system
     * user and group, gives the environment file to the group, and neither enables nor starts the service — a
     * node must be set up first, and {@code serve} refuses a data directory that is not.
     */
    @Test
    void postinstCreatesTheUserAndDoesNotStartTheService(@TempDir Path dir) throws Exception {
        Path control = dir.resolve("control");
        assertThat(run("dpkg-deb", "-e", DEB.toString(), control.toString()).exit())
                .isZero();
        for (String script : List.of("postinst", "prerm", "postrm")) {
            assertThat(Files.isExecutable(control.resolve(script))).as(script).isTrue();
            Result syntax = run("/bin/sh", "-n", control.resolve(script).toString());
            assertThat(syntax.exit()).as(script + ": " + syntax.output()).isZero();
        }
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path log = dir.resolve("calls.log");
        // getent: no such user yet; dpkg-statoverride --list: no override yet (exit 1).
        stub(bin, "getent", log, "exit 2");
        stub(bin, "dpkg-statoverride", log, "case \"$1\" in --list) exit 1;; esac");
        for (String name : List.of("adduser", "install", "systemctl", "deb-systemd-invoke", "deb-systemd-helper")) {
            stub(bin, name, log, "");
        }
        ProcessBuilder pb =
                new ProcessBuilder("/bin/sh", control.resolve("postinst").toString(), "configure", "");
        pb.environment().put("PATH", bin.toString());
        Result r = run(pb);
        assertThat(r.exit()).as(r.output()).isZero();
        List<String> calls = Files.readAllLines(log);
        assertThat(calls).anySatisfy(c -> assertThat(c)
                .startsWith("adduser ")
                .contains("--system", "--group", "--home /var/lib/tongban", "--shell /usr/sbin/nologin")
                .endsWith(" tongban"));
        assertThat(calls)
                .contains(
                        "dpkg-statoverride --update --add root tongban 0750 /etc/tongban",
                        "dpkg-statoverride --update --add root tongban 0640 /etc/tongban/tongban.env");
        assertThat(calls)
                .noneMatch(
                        c -> c.matches("(systemctl|deb-systemd-invoke|deb-systemd-helper) .*\\b(start|enable)\\b.*"));
        assertThat(r.output()).contains("systemctl enable --now tongban");
    }

    @Test
    void lintianFindsNoError() throws Exception {
        Result r;
        try {
            r = run("lintian", "--fail-on", "error", DEB.toString());
        } catch (IOException e) {
            throw new AssertionError("lintian is not installed (apt-get install lintian; .ci/run installs it)", e);
        }
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output().lines()).as(r.output()).noneMatch(l -> l.startsWith("E: "));
    }

    private static String field(String name) throws Exception {
        Result r = run("dpkg-deb", "--field", DEB.toString(), name);
        assertThat(r.exit()).as(r.output()).isZero();
        return r.output();
    }

    private static void stub(Path bin, String name, Path log, String body) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\necho \"" + name + " $*\" >> '" + log + "'\n" + body + "\nexit 0\n");
        assertThat(p.toFile().setExecutable(true)).isTrue();
    }

    private record Result(int exit, String output) {}

    private static Result run(String... cmd) throws Exception {
        return run(new ProcessBuilder(cmd));
    }

    private static Result run(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out.strip());
    }
}
