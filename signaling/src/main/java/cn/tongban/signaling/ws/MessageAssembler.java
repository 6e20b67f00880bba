package cn.tongban.signaling.ws;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Joins one connection's WebSocket frames into messages, within a size limit counted while the frames
 * arrive, and decodes text as strict UTF-8.
 *
 * <p>Vert.x's own aggregation drops an over-long fragmented message without closing the connection and
 * replaces invalid UTF-8 silently; a peer must instead learn that its message was refused, with the close
 * code RFC 6455 gives (1009 too big, 1007 invalid data). Netty's decoder has already refused frames larger
 * than the limit, reserved bits and fragments out of order before a frame gets here. Used on the
 * connection's event loop only.
 */
final class MessageAssembler {
    /** What a frame completed. */
    sealed interface Result {}

    /** The frame was a part of a message, or a control frame: nothing to hand on yet. */
    record Partial() implements Result {}

    record Text(String text) implements Result {}

    record Binary(int bytes) implements Result {}

    /** The message is refused and the connection must close with the error's close code. */
    record Refused(ProtocolException error) implements Result {}

    private static final Partial PARTIAL = new Partial();

    private final int maxBytes;
    private Buffer pending;
    private boolean pendingText;
    private boolean refused;

    MessageAssembler(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    Result frame(WebSocketFrame frame) {
        return frame(frame.type(), frame.isFinal(), frame.binaryData());
    }

    /**
     * The effect of a frame of {@code type} carrying {@code data}; after a {@link Refused}, every later
     * frame is ignored while the socket closes.
     */
    Result frame(WebSocketFrameType type, boolean fin, Buffer data) {
        boolean continuation = type == WebSocketFrameType.CONTINUATION;
        if (refused || (type != WebSocketFrameType.TEXT && type != WebSocketFrameType.BINARY && !continuation)) {
            return PARTIAL;
        }
        if (continuation) {
            if (pending == null) {
                return refused(ErrorCode.PROTOCOL_VIOLATION, "a continuation frame outside a fragmented message");
            }
        } else {
            if (pending != null) {
                return refused(ErrorCode.PROTOCOL_VIOLATION, "a new message inside a fragmented message");
            }
            pending = Buffer.buffer();
            pendingText = type == WebSocketFrameType.TEXT;
        }
        if ((long) pending.length() + data.length() > maxBytes) {
            return refused(ErrorCode.FRAME_WAY_TOO_LARGE, "a message over " + maxBytes + " bytes");
        }
        pending.appendBuffer(data);
        if (!fin) {
            return PARTIAL;
        }
        Buffer whole = pending;
        pending = null;
        if (!pendingText) {
            return new Binary(whole.length());
        }
        try {
            return new Text(StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(whole.getBytes()))
                    .toString());
        } catch (CharacterCodingException e) {
            return refused(ErrorCode.INVALID_UTF8, "a text message that is not valid UTF-8");
        }
    }

    private Refused refused(ErrorCode code, String message) {
        refused = true;
        pending = null;
        return new Refused(new ProtocolException(code, message));
    }
}
