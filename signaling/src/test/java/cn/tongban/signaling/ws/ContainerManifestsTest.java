package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.cli.ServeCommand;
import cn.tongban.testkit.Ports;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * deploy/compose/compose.yaml and deploy/kubernetes/tongban.yaml read as YAML and checked against the node
 * they run (no container runtime or Kubernetes runs here): the probes and the compose healthcheck ask routes
 * that answer 200 on a running node, the ports are the ones the environment sets, the stop and termination
 * grace outlast the drain, the pods run as a non-root user on a read-only root file system, every {@code
 * TONGBAN_*} variable named is one deploy/SETTINGS.md documents, and the {@code serve} arguments parse.
 */
class ContainerManifestsTest {
    private static final Path DEPLOY = Path.of("..", "deploy");
    private static final Pattern VARIABLE = Pattern.compile("\\bTONGBAN_[A-Z0-9_]+\\b");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The node's default --drain-seconds (deploy/SETTINGS.md). */
    private static final int DRAIN_SECONDS = 120;

    @RegisterExtension
    static final TestServer IT = TestServer.create("manifests-it", b -> b);

    // ---- compose ----

    @Test
    void composeWiresTheNodeToItsDatabaseAndSecrets() throws Exception {
        JsonNode compose =
                new YAMLMapper().readTree(DEPLOY.resolve("compose/compose.yaml").toFile());
        JsonNode services = compose.get("services");
        assertThat(names(services)).containsExactlyInAnyOrder("tongban", "postgres", "coturn");
        JsonNode node = services.get("tongban");
        JsonNode env = node.get("environment");
        JsonNode pg = services.get("postgres");

        assertThat(node.at("/depends_on/postgres/condition").asText()).isEqualTo("service_healthy");
        assertThat(env.get("TONGBAN_DB_URL").asText())
                .isEqualTo("jdbc:postgresql://postgres:5432/"
                        + pg.at("/environment/POSTGRES_DB").asText());
        assertThat(env.get("TONGBAN_DB_USER").asText())
                .isEqualTo(pg.at("/environment/POSTGRES_USER").asText());
        // The same network for both; the database publishes nothing.
        assertThat(node.get("networks").get(0).asText())
                .isEqualTo(pg.get("networks").get(0).asText());
        assertThat(pg.has("ports")).isFalse();

        // Secrets: each one a service names is declared with a file; the node's TURN secret file is its mount.
        List<String> declared = names(compose.get("secrets"));
        for (String service : List.of("tongban", "postgres")) {
            for (JsonNode s : services.get(service).get("secrets")) {
                assertThat(declared).contains(s.asText());
            }
        }
        assertThat(env.get("TONGBAN_TURN_SECRET_FILE").asText())
                .isEqualTo("/run/secrets/" + node.get("secrets").get(0).asText());
        assertThat(pg.at("/environment/POSTGRES_PASSWORD_FILE").asText())
                .isEqualTo("/run/secrets/" + pg.get("secrets").get(0).asText());

        // Ports: HTTP on the host's loopback for its nginx, the media port to everyone, each the node's own.
        List<String> ports = texts(node.get("ports"));
        assertThat(ports)
                .containsExactlyInAnyOrder(
                        "127.0.0.1:8080:" + env.get("TONGBAN_PORT").asText(),
                        "10000:" + env.get("TONGBAN_MEDIA_PORT").asText() + "/udp");
        assertThat(env.get("TONGBAN_HOST").asText()).isEqualTo("0.0.0.0");

        // The data directory is on the volume; volumes are declared; the root file system is read-only.
        assertThat(texts(node.get("volumes"))).contains("tongban-data:/var/lib/tongban");
        assertThat(env.get("TONGBAN_DATA_DIR").asText()).startsWith("/var/lib/tongban/");
        assertThat(names(compose.get("volumes"))).contains("tongban-data", "postgres-data");
        assertThat(node.get("read_only").asBoolean()).isTrue();
        assertThat(node.get("user").asText()).doesNotStartWith("0").doesNotStartWith("root");
        assertThat(seconds(node.get("stop_grace_period").asText())).isGreaterThan(DRAIN_SECONDS);

        // coturn gets the repository's configuration (edited) and the host's network for its relay ports.
        assertThat(services.at("/coturn/network_mode").asText()).isEqualTo("host");
        assertThat(texts(services.at("/coturn/volumes"))).contains("./turnserver.conf:/etc/coturn/turnserver.conf:ro");

        List<String> args = substitute(texts(node.get("command")));
        assertThat(args.get(0)).isEqualTo("serve");
        parsesAsServe(args.subList(1, args.size()));
        variablesAreDocumented(Files.readString(DEPLOY.resolve("compose/compose.yaml"))
                + Files.readString(DEPLOY.resolve("compose/hall.env.example")));
    }

    @Test
    void composeHealthcheckAsksTheStatusRouteOfARunningNode() throws Exception {
        JsonNode compose =
                new YAMLMapper().readTree(DEPLOY.resolve("compose/compose.yaml").toFile());
        List<String> test = texts(compose.at("/services/tongban/healthcheck/test"));
        assertThat(test.subList(0, 3)).containsExactly("CMD", "bash", "-c");
        String script = test.get(3);
        assertThat(script).contains("/dev/tcp/127.0.0.1/8080", "GET /health/status ");
        // The same command against this test's node: healthy; against a port nobody listens on: not.
        assertThat(bash(script.replace("/8080", "/" + IT.port()))).isZero();
        assertThat(bash(script.replace("/8080", "/" + Ports.reserve()))).isNotZero();
    }

    // ---- Kubernetes ----

    @Test
    void kubernetesProbesAskRoutesThatAnswerAndPortsMatchTheEnvironment() throws Exception {
        Map<String, JsonNode> k8s = kubernetes();
        JsonNode config = k8s.get("ConfigMap/tongban-config").get("data");
        JsonNode pod = k8s.get("StatefulSet/tongban").at("/spec/template/spec");
        JsonNode container = pod.get("containers").get(0);

        Map<String, JsonNode> ports = new HashMap<>();
        container.get("ports").forEach(p -> ports.put(p.get("name").asText(), p));
        assertThat(ports.get("http").get("containerPort").asText())
                .isEqualTo(config.get("TONGBAN_PORT").asText());
        assertThat(ports.get("media").get("containerPort").asText())
                .isEqualTo(config.get("TONGBAN_MEDIA_PORT").asText());
        assertThat(ports.get("media").get("protocol").asText()).isEqualTo("UDP");
        assertThat(ports.get("hazelcast").get("containerPort").asInt()).isEqualTo(5701);
        // The bridge offers the pod's own address to browsers: the Kubernetes node's network.
        assertThat(pod.get("hostNetwork").asBoolean()).isTrue();

        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/status");
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            JsonNode get = container.get(probe).get("httpGet");
            assertThat(get.get("port").asText()).as(probe).isEqualTo("http");
            assertThat(status(get.get("path").asText())).as(probe).isEqualTo(200);
        }
        // Liveness is not the readiness route: a node without its database must not be restarted for it.
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isNotEqualTo("/health/status");
    }

    @Test
    void kubernetesMembersFindEachOtherThroughTheHeadlessService() throws Exception {
        Map<String, JsonNode> k8s = kubernetes();
        JsonNode set = k8s.get("StatefulSet/tongban");
        JsonNode headless = k8s.get("Service/tongban-cluster");
        JsonNode container = set.at("/spec/template/spec/containers/0");
        JsonNode config = k8s.get("ConfigMap/tongban-config").get("data");

        assertThat(set.at("/spec/serviceName").asText()).isEqualTo("tongban-cluster");
        assertThat(headless.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(headless.at("/spec/publishNotReadyAddresses").asBoolean()).isTrue();
        assertThat(headless.at("/spec/selector")).isEqualTo(set.at("/spec/template/metadata/labels"));
        assertThat(config.get("TONGBAN_KUBERNETES_SERVICE_DNS").asText())
                .isEqualTo(
                        "tongban-cluster." + headless.at("/metadata/namespace").asText() + ".svc.cluster.local");
        Map<String, Integer> servicePorts = new HashMap<>();
        headless.at("/spec/ports")
                .forEach(p ->
                        servicePorts.put(p.get("name").asText(), p.get("port").asInt()));

        List<String> args = texts(container.get("args"));
        assertThat(args.get(0)).isEqualTo("serve");
        assertThat(servicePorts.get("event-bus")).isEqualTo(Integer.parseInt(option(args, "--event-bus-port")));
        assertThat(servicePorts.get("hazelcast")).isEqualTo(5701);
        assertThat(option(args, "--cluster-host")).isEqualTo("$(POD_IP)");

        // A majority of the replicas, and a disruption budget that never takes it away.
        int replicas = set.at("/spec/replicas").asInt();
        int quorum = Integer.parseInt(option(args, "--cluster-quorum"));
        assertThat(quorum).isGreaterThan(replicas / 2).isLessThanOrEqualTo(replicas);
        assertThat(k8s.get("PodDisruptionBudget/tongban")
                        .at("/spec/maxUnavailable")
                        .asInt())
                .isLessThanOrEqualTo(replicas - quorum);

        parsesAsServe(substitute(args.subList(1, args.size())));
    }

    @Test
    void kubernetesPodsStopGracefullyAsNonRootOnAReadOnlyRoot() throws Exception {
        Map<String, JsonNode> k8s = kubernetes();
        JsonNode pod = k8s.get("StatefulSet/tongban").at("/spec/template/spec");
        JsonNode container = pod.get("containers").get(0);

        int drain = Integer.parseInt(option(texts(container.get("args")), "--drain-seconds"));
        assertThat(drain).isEqualTo(DRAIN_SECONDS);
        int preStop = Integer.parseInt(
                texts(container.at("/lifecycle/preStop/exec/command")).get(1));
        assertThat(pod.get("terminationGracePeriodSeconds").asInt()).isGreaterThan(preStop + drain);

        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isPositive();
        assertThat(pod.get("automountServiceAccountToken").asBoolean(true)).isFalse();
        List<JsonNode> containers = new ArrayList<>();
        pod.get("containers").forEach(containers::add);
        pod.get("initContainers").forEach(containers::add);
        for (JsonNode c : containers) {
            assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean())
                    .isTrue();
            assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true))
                    .isFalse();
            assertThat(texts(c.at("/securityContext/capabilities/drop"))).containsExactly("ALL");
        }
        // Writable: the data volume (the data directory below it) and /tmp only.
        JsonNode config = k8s.get("ConfigMap/tongban-config").get("data");
        List<String> writable = new ArrayList<>();
        container.get("volumeMounts").forEach(m -> {
            if (!m.path("readOnly").asBoolean(false)) {
                writable.add(m.get("mountPath").asText());
            }
        });
        assertThat(writable).containsExactlyInAnyOrder("/var/lib/tongban", "/tmp");
        assertThat(config.get("TONGBAN_DATA_DIR").asText()).startsWith("/var/lib/tongban/");

        variablesAreDocumented(Files.readString(DEPLOY.resolve("kubernetes/tongban.yaml")));
    }

    // ---- helpers ----

    private static Map<String, JsonNode> kubernetes() throws Exception {
        Map<String, JsonNode> byName = new HashMap<>();
        try (MappingIterator<JsonNode> docs = new YAMLMapper()
                .readerFor(JsonNode.class)
                .readValues(DEPLOY.resolve("kubernetes/tongban.yaml").toFile())) {
            while (docs.hasNext()) {
                JsonNode d = docs.next();
                String key =
                        d.get("kind").asText() + "/" + d.at("/metadata/name").asText();
                assertThat(byName.put(key, d)).as(key).isNull();
                assertThat(d.at("/metadata/namespace").asText()).as(key).isEqualTo("tongban");
            }
        }
        assertThat(byName)
                .containsKeys(
                        "ConfigMap/tongban-config",
                        "Secret/tongban-secrets",
                        "Service/tongban-cluster",
                        "Service/tongban-http",
                        "PodDisruptionBudget/tongban",
                        "StatefulSet/tongban");
        return byName;
    }

    /** Every {@code TONGBAN_*} name in {@code text} is one SETTINGS.md documents. */
    private static void variablesAreDocumented(String text) throws Exception {
        String settings = Files.readString(DEPLOY.resolve("SETTINGS.md"));
        TreeSet<String> names = new TreeSet<>();
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        assertThat(names).isNotEmpty();
        assertThat(names).allSatisfy(n -> assertThat(settings).as(n).contains("`" + n + "`"));
    }

    /** picocli accepts the arguments as serve's (no unknown option, each value of its type). */
    private static void parsesAsServe(List<String> args) {
        new CommandLine(new ServeCommand()).parseArgs(args.toArray(String[]::new));
    }

    /** Kubernetes' $(VAR) and compose's ${VAR…} references replaced by example values. */
    private static List<String> substitute(List<String> args) {
        return args.stream()
                .map(a -> a.replaceAll("\\$\\((POD_IP)\\)", "10.42.0.7")
                        .replaceAll("\\$\\((POD_NAME)\\)", "tongban-0")
                        .replaceAll("\\$\\{HALL_(PROXY_ADDRESS|MEDIA_ADDRESS)[^}]*}", "203.0.113.10")
                        .replaceAll("\\$\\{HALL_TURN_HOST[^}]*}", "turn.example.gov.cn"))
                .toList();
    }

    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        assertThat(i).as(name).isNotNegative();
        return args.get(i + 1);
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static int seconds(String duration) {
        assertThat(duration).endsWith("s");
        return Integer.parseInt(duration.substring(0, duration.length() - 1));
    }

    private static int status(String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + IT.port() + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int bash(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", script)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as(out).isTrue();
        return p.exitValue();
    }
}
