package cn.tongban.signaling.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;

/**
 * The one JSON codec of the signaling protocol. Thread-safe. Decoding never throws anything but
 * {@link ProtocolException}, whose code says what was wrong.
 */
public final class Codec {
    /** The protocol version this codec speaks. */
    public static final int PROTOCOL_VERSION = 1;

    /** Largest message the server reads (characters of the text frame). */
    public static final int MAX_MESSAGE_CHARS = 64 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    static {
        // A number where text is expected is a client bug, not something to guess around.
        MAPPER.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        MAPPER.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(16)
                        .maxStringLength(MAX_MESSAGE_CHARS)
                        .build());
    }

    private Codec() {}

    /** Decodes a message sent by a browser. */
    public static ClientMessage decodeClient(String text) {
        return decode(text, ClientMessage.class);
    }

    /** Decodes a message sent by the server (used by test clients and tools). */
    public static ServerMessage decodeServer(String text) {
        return decode(text, ServerMessage.class);
    }

    /** Encodes a message of either direction. */
    public static String encode(Object message) {
        try {
            return MAPPER.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /**
     * Best-effort extraction of the {@code id} and {@code type} of a frame that failed to decode, so that
     * the error can name them. Returns nulls when the frame is not a JSON object.
     */
    public static String[] idAndType(String text) {
        if (text == null || text.length() > MAX_MESSAGE_CHARS) {
            return new String[] {null, null};
        }
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || !node.isObject()) {
                return new String[] {null, null};
            }
            return new String[] {shortText(node.get("id")), shortText(node.get("type"))};
        } catch (JsonProcessingException | RuntimeException e) {
            return new String[] {null, null};
        }
    }

    private static String shortText(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        String s = node.asText();
        return s.length() > 64 ? s.substring(0, 64) : s;
    }

    private static <T> T decode(String text, Class<T> base) {
        if (text == null) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "empty frame");
        }
        if (text.length() > MAX_MESSAGE_CHARS) {
            throw new ProtocolException(
                    ErrorCode.FRAME_TOO_LARGE, "message of " + text.length() + " characters exceeds 65536");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "not valid JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "a message must be a JSON object");
        }
        JsonNode type = tree.get("type");
        if (type == null || !type.isTextual()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "missing string field \"type\"");
        }
        JsonNode id = tree.get("id");
        if (id != null && !id.isNull() && (!id.isTextual() || id.asText().length() > 64)) {
            throw ProtocolException.invalid("id", "must be a string of at most 64 characters");
        }
        try {
            return MAPPER.treeToValue(tree, base);
        } catch (InvalidTypeIdException e) {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown message type \"" + type.asText() + "\"");
        } catch (ValueInstantiationException e) {
            if (e.getCause() instanceof ProtocolException pe) {
                throw pe;
            }
            throw ProtocolException.invalid(path(e), "invalid value");
        } catch (InvalidFormatException e) {
            throw ProtocolException.invalid(path(e), "invalid value " + quote(e.getValue()));
        } catch (MismatchedInputException e) {
            throw ProtocolException.invalid(path(e), "wrong type");
        } catch (JsonProcessingException | IllegalArgumentException e) {
            if (e.getCause() instanceof ProtocolException pe) {
                throw pe;
            }
            throw new ProtocolException(ErrorCode.BAD_JSON, "cannot read message");
        }
    }

    private static String quote(Object value) {
        String s = String.valueOf(value);
        return "\"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
    }

    private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
        }
        return sb.length() == 0 ? "message" : sb.toString();
    }
}
