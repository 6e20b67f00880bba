package cn.tongban.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.config.ServerOptions;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster schema is complete and exact: every type survives a round trip through a real member with
 * every field set (a field the serializer forgets comes back as its default and fails), every entry
 * processor of the server is a registered named type, the server has no serializable lambda (an entry
 * processor written as a lambda), a type without a schema is refused instead of being serialized
 * reflectively, and docs/cluster.md names every type.
 */
class ClusterSchemaTest {
    private static HazelcastInstance hz;

    @BeforeAll
    static void start() {
        hz = HazelcastFactory.create(ServerOptions.builder()
                .demo(true)
                .nodeName("schema-test")
                .clusterName("schema-test-" + ProcessHandle.current().pid())
                .build());
    }

    @AfterAll
    static void stop() {
        hz.shutdown();
    }

    @Test
    void typeNamesAreExplicitAndUnique() {
        List<String> names = ClusterSchema.current().types().stream()
                .map(CompactSerializer::getTypeName)
                .toList();
        assertThat(names).doesNotHaveDuplicates().allMatch(n -> n.startsWith("tongban."));
        assertThat(names)
                .contains("tongban.Ticket", "tongban.Session", "tongban.ClerkPresence", "tongban.MediaSession");
    }

    @Test
    void everyTypeSurvivesARoundTripWithEveryFieldSet() throws Exception {
        IMap<String, Object> map = hz.getMap("schema-check");
        for (CompactSerializer<?> type : ClusterSchema.current().types()) {
            Object sample = sample(type.getCompactClass());
            map.set(type.getTypeName(), sample);
            assertThat(map.get(type.getTypeName()))
                    .as(type.getTypeName())
                    .usingRecursiveComparison()
                    .isEqualTo(sample);
        }
    }

    @Test
    void everyEntryProcessorOfTheServerIsANamedRegisteredType() throws Exception {
        Set<Class<?>> registered = ClusterSchema.current().types().stream()
                .map(CompactSerializer::getCompactClass)
                .collect(Collectors.toSet());
        List<Class<?>> processors = serverClasses().stream()
                .filter(c -> EntryProcessor.class.isAssignableFrom(c) && !c.isInterface())
                .toList();
        assertThat(processors).hasSizeGreaterThan(30);
        assertThat(processors).allMatch(registered::contains, "registered in ClusterSchema");
    }

    @Test
    void theServerHasNoSerializableLambda() throws Exception {
        // javac adds $deserializeLambda$ to a class with a serializable lambda: every lambda typed as an
        // EntryProcessor (which extends Serializable) is one, and would travel as Java-serialized code.
        List<String> withLambdas = serverClasses().stream()
                .filter(c -> Stream.of(c.getDeclaredMethods())
                        .anyMatch(m -> m.getName().equals("$deserializeLambda$")))
                .map(Class::getName)
                .toList();
        assertThat(withLambdas).isEmpty();
    }

    @Test
    void docsClusterMdNamesEveryType() throws IOException {
        // A processor may be named in full or, after a sibling, by its last part: `tongban.ticket.Claim`, `.Leave`.
        List<String> lines = Files.readAllLines(Path.of("..", "docs", "cluster.md"));
        for (CompactSerializer<?> type : ClusterSchema.current().types()) {
            String n = type.getTypeName();
            String family = "`" + n.substring(0, n.lastIndexOf('.') + 1);
            String last = "`" + n.substring(n.lastIndexOf('.')) + "`";
            assertThat(lines)
                    .as("type %s in docs/cluster.md", n)
                    .anyMatch(l -> l.contains("`" + n + "`") || (l.contains(family) && l.contains(last)));
        }
    }

    @Test
    void aTypeWithoutASchemaIsRefused() {
        record Unknown(String x) {}
        IMap<String, Object> map = hz.getMap("schema-check");
        assertThatThrownBy(() -> map.set("u", new Unknown("x")))
                .isInstanceOf(HazelcastSerializationException.class)
                .hasStackTraceContaining("has no Compact schema");
    }

    /** The classes of the server (signaling's main classes). */
    private static List<Class<?>> serverClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(ClusterSchema.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                out.add(Class.forName(name, false, ClusterSchema.class.getClassLoader()));
            }
        }
        return out;
    }

    /** An instance of a record type with no field at its default (false, 0, null, empty). */
    private static Object sample(Class<?> type) throws Exception {
        if (type.isSealed() && type.isInterface()) {
            return sample(type.getPermittedSubclasses()[0]);
        }
        if (!type.isRecord()) {
            throw new IllegalArgumentException("cluster types are records: " + type);
        }
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            args[i] = value(components[i].getGenericType(), components[i].getName());
        }
        Constructor<?> c = type.getDeclaredConstructor(types);
        c.setAccessible(true);
        return c.newInstance(args);
    }

    private static Object value(Type generic, String name) throws Exception {
        if (generic instanceof ParameterizedType p && p.getRawType() == List.class) {
            return List.of(value(p.getActualTypeArguments()[0], name), value(p.getActualTypeArguments()[0], name));
        }
        Class<?> t = (Class<?>) generic;
        if (t == String.class) {
            return name + "-值";
        } else if (t == long.class) {
            return 7_000_000_000L + name.length();
        } else if (t == int.class) {
            return 3 + name.length();
        } else if (t == double.class) {
            return 1.5 + name.length();
        } else if (t == boolean.class) {
            return true;
        } else if (t == byte[].class) {
            return new byte[] {1, 2, (byte) name.length()};
        } else if (t.isEnum()) {
            Object[] constants = t.getEnumConstants();
            return constants[constants.length - 1];
        }
        return sample(t);
    }
}
