package cn.tongban.signaling.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every example in docs/protocol.md goes through the codec, and every message type is documented. */
class ProtocolDocTest {
    private static final Pattern HEADING = Pattern.compile("^### (client|server) `([a-z._]+)`\\s*$");
    private static final ObjectMapper JSON = new ObjectMapper();

    record Example(String direction, String heading, String json, int line) {}

    private static List<Example> examples;

    @BeforeAll
    static void readDoc() throws IOException {
        Path doc = Path.of("..", "docs", "protocol.md");
        List<String> lines = Files.readAllLines(doc);
        examples = new ArrayList<>();
        String direction = null;
        String heading = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher m = HEADING.matcher(line);
            if (m.matches()) {
                direction = m.group(1);
                heading = m.group(2);
            } else if (line.startsWith("## ")) {
                direction = null;
                heading = null;
            } else if (line.equals("```json") && heading != null) {
                StringBuilder sb = new StringBuilder();
                int start = i + 1;
                while (!lines.get(++i).equals("```")) {
                    sb.append(lines.get(i)).append('\n');
                }
                examples.add(new Example(direction, heading, sb.toString().strip(), start));
            }
        }
        assertThat(examples).hasSizeGreaterThan(20);
    }

    @TestFactory
    List<DynamicTest> everyExampleDecodesAndRoundTrips() {
        return examples.stream()
                .map(e ->
                        DynamicTest.dynamicTest(e.direction() + " " + e.heading() + " (line " + e.line() + ")", () -> {
                            Object decoded = e.direction().equals("client")
                                    ? Codec.decodeClient(e.json())
                                    : Codec.decodeServer(e.json());
                            String encoded = Codec.encode(decoded);
                            JsonNode original = JSON.readTree(e.json());
                            JsonNode again = JSON.readTree(encoded);
                            assertThat(again.get("type").asText()).isEqualTo(e.heading());
                            // Every field the example shows survives the round trip with its value.
                            original.fieldNames().forEachRemaining(f -> assertThat(again.get(f))
                                    .as("field %s of %s", f, e.heading())
                                    .isEqualTo(original.get(f)));
                        }))
                .toList();
    }

    @Test
    void everyMessageTypeIsDocumented() {
        assertThat(documented("client")).isEqualTo(declared(ClientMessage.class));
        assertThat(documented("server")).isEqualTo(declared(ServerMessage.class));
    }

    @Test
    void everyErrorCodeIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "protocol.md"));
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(doc).as("error code %s in docs/protocol.md", code).contains("| `" + code.code() + "` |");
        }
    }

    private static Set<String> documented(String direction) {
        return examples.stream()
                .filter(e -> e.direction().equals(direction))
                .map(Example::heading)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> declared(Class<?> base) {
        return Arrays.stream(base.getAnnotation(JsonSubTypes.class).value())
                .map(JsonSubTypes.Type::name)
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
