package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.protocol.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import org.junit.jupiter.api.Test;

class MessageAssemblerTest {
    private final MessageAssembler messages = new MessageAssembler(10);

    @Test
    void aWholeTextFrameIsAMessage() {
        assertThat(messages.frame(WebSocketFrame.textFrame("héllo", true)))
                .isEqualTo(new MessageAssembler.Text("héllo"));
    }

    @Test
    void fragmentsAreJoinedEvenWhenACharacterIsSplitBetweenThem() {
        byte[] e = "é".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(messages.frame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[] {'a', e[0]}), false)))
                .isInstanceOf(MessageAssembler.Partial.class);
        // A binary start stays binary; a text start with a split character decodes once whole.
        MessageAssembler joined = new MessageAssembler(10);
        assertThat(text(joined, new byte[] {'a', e[0]}, false)).isInstanceOf(MessageAssembler.Partial.class);
        assertThat(joined.frame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {e[1], 'b'}), true)))
                .isEqualTo(new MessageAssembler.Text("aéb"));
    }

    @Test
    void theLimitCountsEveryFragmentAndRefusesOnceWithoutReadingMore() {
        assertThat(text(messages, new byte[6], false)).isInstanceOf(MessageAssembler.Partial.class);
        MessageAssembler.Result r = messages.frame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[5]), true));
        assertThat(r).isInstanceOfSatisfying(MessageAssembler.Refused.class, refused -> assertThat(
                        refused.error().code())
                .isEqualTo(ErrorCode.FRAME_WAY_TOO_LARGE));
        assertThat(messages.frame(WebSocketFrame.textFrame("ok", true))).isInstanceOf(MessageAssembler.Partial.class);
    }

    @Test
    void exactlyTheLimitIsAccepted() {
        assertThat(messages.frame(WebSocketFrame.textFrame("0123456789", true)))
                .isEqualTo(new MessageAssembler.Text("0123456789"));
    }

    @Test
    void invalidUtf8IsRefused() {
        for (byte[] bad : new byte[][] {
            {(byte) 0x80}, // a lone continuation byte
            {(byte) 0xC0, (byte) 0xAF}, // an overlong '/'
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a UTF-16 surrogate
            {(byte) 0xE2, (byte) 0x82} // cut short
        }) {
            MessageAssembler m = new MessageAssembler(10);
            assertThat(text(m, bad, true)).isInstanceOfSatisfying(MessageAssembler.Refused.class, refused -> assertThat(
                            refused.error().code())
                    .isEqualTo(ErrorCode.INVALID_UTF8));
        }
    }

    @Test
    void fragmentsOutOfOrderAreProtocolViolations() {
        assertThat(messages.frame(WebSocketFrame.continuationFrame(Buffer.buffer("x"), true)))
                .isInstanceOfSatisfying(
                        MessageAssembler.Refused.class,
                        r -> assertThat(r.error().code()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION));
        MessageAssembler m = new MessageAssembler(10);
        text(m, "a".getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
        assertThat(m.frame(WebSocketFrame.textFrame("b", true)))
                .isInstanceOfSatisfying(
                        MessageAssembler.Refused.class,
                        r -> assertThat(r.error().code()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION));
    }

    @Test
    void binaryMessagesAndControlFrames() {
        assertThat(messages.frame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[3]), true)))
                .isEqualTo(new MessageAssembler.Binary(3));
        assertThat(messages.frame(WebSocketFrame.pingFrame(Buffer.buffer("p"))))
                .isInstanceOf(MessageAssembler.Partial.class);
    }

    private static MessageAssembler.Result text(MessageAssembler m, byte[] bytes, boolean fin) {
        return m.frame(WebSocketFrameType.TEXT, fin, Buffer.buffer(bytes));
    }
}
