package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.testkit.Await;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * deploy/monitoring against a running node: every metric the alert rules and the Grafana dashboard name is
 * one the node exports (after a ticket was taken, so that the wait histogram exists), the rules pass {@code
 * promtool check rules} and their unit tests {@code promtool test rules} (Debian's {@code prometheus}, which
 * .ci/run installs), and the node exports the JVM, process, pool and disk meters the issue asked for.
 */
@ExtendWith(VertxExtension.class)
class MonitoringFilesTest {
    private static final Path DIR = Path.of("..", "deploy", "monitoring");
    /** Metric families a query may name; PromQL functions and label names never start so. */
    private static final Pattern METRIC =
            Pattern.compile("\\b((?:tongban|jvm|process|hikaricp|disk|vertx|system)_[a-z0-9_]+)\\b");

    @RegisterExtension
    static final TestServer IT = TestServer.create("monitoring-it", b -> b);

    @Test
    void everyMetricTheRulesAndTheDashboardNameIsExported(Vertx vertx) throws Exception {
        SigningSteps steps = new SigningSteps(IT.server(), IT.dataDir());
        try (SigningSteps.Pair p = steps.pair(vertx, "wujin01", "cz-wujin-bdc", null, "张秀英")) {
            assertThat(p.sid()).isNotBlank();
        }
        // Queue gauges appear with the first full broadcast (every 5 s), GC pause timers with the first
        // collection the JVM reports (the server runs in this JVM: one is asked for).
        System.gc();
        Set<String> exported = Await.value(
                "queue gauges and GC pauses exported",
                Duration.ofSeconds(20),
                MonitoringFilesTest::exported,
                names -> names.contains("tongban_queue_waiting") && names.contains("jvm_gc_pause_seconds_count"));
        assertThat(exported)
                .contains(
                        "jvm_memory_used_bytes",
                        "jvm_gc_pause_seconds_count",
                        "jvm_threads_live_threads",
                        "process_cpu_usage",
                        "process_files_open_files",
                        "hikaricp_connections_active",
                        "disk_free_bytes",
                        "tongban_health_check",
                        "tongban_certificate_expiry_seconds",
                        "tongban_cluster_members",
                        "tongban_wait_seconds_bucket",
                        "tongban_queue_longest_wait_seconds",
                        "tongban_queue_clerks");

        List<String> expressions = new ArrayList<>();
        JsonNode rules =
                new YAMLMapper().readTree(DIR.resolve("tongban.rules.yml").toFile());
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                expressions.add(rule.get("expr").asText());
            }
        }
        int fromRules = expressions.size();
        JsonNode dashboard = new ObjectMapper()
                .readTree(DIR.resolve("grafana-dashboard.json").toFile());
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(ids.add(panel.get("id").asInt()))
                    .as("panel ids are unique")
                    .isTrue();
            if (panel.has("targets")) {
                assertThat(panel.get("datasource").get("uid").asText()).isEqualTo("${datasource}");
                for (JsonNode target : panel.get("targets")) {
                    expressions.add(target.get("expr").asText());
                }
            }
        }
        assertThat(fromRules).isGreaterThanOrEqualTo(15);
        assertThat(expressions.size() - fromRules).isGreaterThanOrEqualTo(20);

        Set<String> named = new TreeSet<>();
        for (String e : expressions) {
            Matcher m = METRIC.matcher(e);
            while (m.find()) {
                named.add(m.group(1));
            }
        }
        assertThat(named).hasSizeGreaterThan(25);
        assertThat(exported).as("metrics named in deploy/monitoring").containsAll(named);
    }

    @Test
    void theRulesPassPromtoolsCheckAndTheirUnitTests() throws Exception {
        Assumptions.assumeTrue(
                onPath("promtool"), "promtool (Debian package prometheus) is not installed; .ci/run installs it");
        assertThat(run("promtool", "check", "rules", "tongban.rules.yml")).contains("SUCCESS");
        assertThat(run("promtool", "test", "rules", "tongban.rules.test.yml")).contains("SUCCESS");
    }

    private static Set<String> exported() throws Exception {
        String body = IT.http("GET", "/metrics", null).body();
        Set<String> names = new TreeSet<>();
        for (String line : body.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command)
                .directory(DIR.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
        return out;
    }
}
