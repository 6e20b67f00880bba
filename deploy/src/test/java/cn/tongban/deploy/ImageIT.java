package cn.tongban.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image Jib built (-Pimage, target/tongban-image.tar, Docker format) read as files, without a
 * container runtime: its configuration runs {@code java -jar /opt/tongban/tongban.jar serve} as the non-root
 * user 10001 in /var/lib/tongban with the ports and volume of deploy/compose and deploy/kubernetes; its top
 * layer is the built jar; the base layers hold what the node needs (Java 17, the CJK font, ffmpeg, bash for
 * the healthcheck, the user and its 0700 state directory). Needs {@code tar}.
 */
class ImageIT {
    private static final String VERSION = System.getProperty("tongban.version");
    private static final Path JAR = Path.of(System.getProperty("tongban.jar"));
    private static final Path IMAGE = Path.of(System.getProperty("tongban.image.tar"));

    @TempDir
    static Path dir;

    private static JsonNode config;
    private static List<Path> layers;

    @BeforeAll
    static void unpack() throws Exception {
        assertThat(run("tar", "-xf", IMAGE.toString(), "-C", dir.toString())).isEmpty();
        ObjectMapper json = new ObjectMapper();
        JsonNode manifest = json.readTree(dir.resolve("manifest.json").toFile()).get(0);
        config = json.readTree(dir.resolve(manifest.get("Config").asText()).toFile());
        layers = new ArrayList<>();
        manifest.get("Layers").forEach(l -> layers.add(dir.resolve(l.asText())));
        assertThat(manifest.get("RepoTags").get(0).asText()).isEqualTo("tongban:" + VERSION);
    }

    @Test
    void theImageRunsTheJarAsANonRootUser() {
        JsonNode c = config.get("config");
        assertThat(texts(c.get("Entrypoint"))).startsWith("java").endsWith("-jar", "/opt/tongban/tongban.jar");
        assertThat(texts(c.get("Cmd"))).containsExactly("serve");
        assertThat(c.get("User").asText()).isEqualTo("10001:10001");
        assertThat(c.get("WorkingDir").asText()).isEqualTo("/var/lib/tongban");
        assertThat(texts(c.get("Env"))).contains("TONGBAN_DATA_DIR=/var/lib/tongban/data", "LANG=C.UTF-8");
        List<String> ports = new ArrayList<>();
        c.get("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        assertThat(ports).containsExactlyInAnyOrder("8080/tcp", "10000/udp");
        assertThat(c.get("Volumes").has("/var/lib/tongban")).isTrue();
        assertThat(c.at("/Labels/org.opencontainers.image.version").asText()).isEqualTo(VERSION);
    }

    @Test
    void theTopLayerIsTheBuiltJar() throws Exception {
        Path top = layers.get(layers.size() - 1);
        assertThat(run("tar", "-tvf", top.toString()))
                .containsPattern("-rw-r--r-- 0/0 +\\d+ .* /?opt/tongban/tongban.jar");
        Path out = Files.createDirectories(dir.resolve("top"));
        run("tar", "-xf", top.toString(), "-C", out.toString());
        assertThat(Files.mismatch(out.resolve("opt/tongban/tongban.jar"), JAR)).isEqualTo(-1L);
    }

    @Test
    void theBaseHoldsJavaTheFontFfmpegAndTheUser() throws Exception {
        StringBuilder listing = new StringBuilder();
        Path base = Files.createDirectories(dir.resolve("base"));
        for (Path layer : layers.subList(0, layers.size() - 1)) {
            listing.append(run("tar", "-tvf", layer.toString()));
        }
        // build-base.sh's image is one layer: the whole Debian file system.
        run("tar", "-xf", layers.get(0).toString(), "-C", base.toString(), "--wildcards", "*etc/passwd");
        assertThat(listing.toString())
                .contains("usr/lib/jvm/java-17-openjdk-amd64/bin/java")
                .contains("usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
                .contains("usr/bin/ffmpeg")
                .contains("usr/bin/bash")
                // The root itself open to the non-root user (a 0700 / would stop it from running anything).
                .containsPattern("drwxr-xr-x 0/0 +0 .* \\./\\n")
                .containsPattern("drwx------ 10001/10001 +0 .* (\\./)?var/lib/tongban/?\\n");
        assertThat(Files.readAllLines(base.resolve("etc/passwd")))
                .anySatisfy(
                        l -> assertThat(l).startsWith("tongban:x:10001:10001:").endsWith(":/usr/sbin/nologin"));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Runs a command that must succeed; its output. */
    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }
}
