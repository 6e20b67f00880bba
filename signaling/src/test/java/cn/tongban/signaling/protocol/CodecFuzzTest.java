package cn.tongban.signaling.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing the protocol codec (jqwik, a bounded number of tries in every build): whatever text a client
 * sends, {@link Codec#decodeClient} returns a message or refuses it with a {@link ProtocolException} — never
 * another exception, never null. The seeds are every client message of docs/protocol.md, mutated the way
 * a hostile client would (cut, spliced, values swapped for other JSON types, nested deep); inputs that
 * once broke a rule are kept below as examples.
 */
class CodecFuzzTest {

    /** The client messages documented in docs/protocol.md: every line that is a JSON object with a type. */
    static final List<String> SEEDS = seeds();

    private static List<String> seeds() {
        try {
            List<String> fromDocs = Files.readAllLines(Path.of("..", "docs", "protocol.md")).stream()
                    .filter(l -> l.startsWith("{\"type\":\""))
                    .toList();
            assertThat(fromDocs).as("client messages in docs/protocol.md").hasSizeGreaterThan(30);
            return fromDocs;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Property(tries = 3000)
    void anyTextDecodesOrIsRefusedWithACode(@ForAll("hostileTexts") String text) {
        decodeOrRefuse(text);
    }

    @Property(tries = 500)
    void arbitraryUnicodeDecodesOrIsRefusedWithACode(@ForAll String text) {
        decodeOrRefuse(text);
    }

    @Provide
    Arbitrary<String> hostileTexts() {
        Arbitrary<String> seed = Arbitraries.of(SEEDS);
        Arbitrary<String> junk = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40);
        return Combinators.combine(
                        seed,
                        Arbitraries.integers().between(0, 7),
                        Arbitraries.integers().between(0, 10_000),
                        junk)
                .as(CodecFuzzTest::mutate);
    }

    /** One hostile edit of a valid message. */
    static String mutate(String s, int op, int at, String junk) {
        int i = at % (s.length() + 1);
        switch (op) {
            case 0:
                return s.substring(0, i) + junk + s.substring(i); // insert
            case 1:
                return s.substring(0, i) + s.substring(Math.min(s.length(), i + 1 + at % 9)); // cut
            case 2:
                return s.substring(0, i); // truncated
            case 3:
                // A value replaced by another JSON type.
                int colon = s.indexOf(':', i);
                if (colon < 0) {
                    return s + junk;
                }
                int end = s.indexOf(',', colon);
                end = end < 0 ? s.length() - 1 : end;
                String[] others = {
                    "null", "-1", "1e999", "[]", "{}", "true", "\"\"", "[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]"
                };
                return s.substring(0, colon + 1) + others[at % others.length] + s.substring(end);
            case 4:
                return s.replace("\"type\":\"", "\"type\":\"" + junk); // an unknown type
            case 5:
                return s.substring(0, s.length() - 1) + ",\"type\":\"ping\"}"; // duplicate key
            case 6:
                return "[".repeat(1 + at % 64) + s + "]".repeat(1 + at % 64); // nested
            default:
                return s + s; // trailing tokens
        }
    }

    private static void decodeOrRefuse(String text) {
        try {
            assertThat(Codec.decodeClient(text)).isNotNull();
        } catch (ProtocolException e) {
            assertThat(e.code()).isNotNull();
            assertThat(e.getMessage()).isNotNull();
        }
        // The best-effort reader of a refused frame's id and type never throws either.
        assertThat(Codec.idAndType(text)).hasSize(2);
    }

    // ---------------------------------------------------------------- regression cases kept

    @Example
    void deepNestingIsRefusedNotOverflowed() {
        decodeOrRefuse("{\"type\":\"chat\",\"sessionId\":\"s\",\"text\":" + "[".repeat(5000) + "]".repeat(5000) + "}");
        decodeOrRefuse("[".repeat(100_000));
    }

    @Example
    void loneSurrogatesAndNulsAreRefusedOrKept() {
        decodeOrRefuse("{\"type\":\"chat\",\"sessionId\":\"s-1\",\"text\":\"\\ud800\"}");
        decodeOrRefuse("{\"type\":\"chat\",\"sessionId\":\"s-1\",\"text\":\"a\u0000b\"}");
        decodeOrRefuse("{\"type\":\"ping\",\"id\":\"\\u0000\"}");
    }

    @Example
    void hugeNumbersAndWrongTypesAreRefused() {
        decodeOrRefuse("{\"type\":\"remote_step\",\"sessionId\":\"s\",\"step\":1e99999}");
        decodeOrRefuse("{\"type\":\"answer\",\"sessionId\":\"s\",\"version\":99999999999999999999999,\"sdp\":\"v=0\"}");
        decodeOrRefuse("{\"type\":\"decl_state\",\"sessionId\":\"s\",\"scroll\":\"NaN\"}");
        decodeOrRefuse("{\"type\":null}");
        decodeOrRefuse("{\"type\":{\"type\":\"ping\"}}");
    }
}
