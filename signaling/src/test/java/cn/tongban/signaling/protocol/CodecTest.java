package cn.tongban.signaling.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CodecTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
            not json                          | hello                                                        | BAD_JSON        |
            array                             | [1,2]                                                        | BAD_JSON        |
            string                            | "join"                                                       | BAD_JSON        |
            trailing garbage                  | {"type":"ping"} x                                            | BAD_JSON        |
            duplicate key                     | {"type":"ping","type":"leave"}                               | BAD_JSON        |
            no type                           | {"id":"1"}                                                   | UNKNOWN_TYPE    |
            numeric type                      | {"type":7}                                                   | UNKNOWN_TYPE    |
            unknown type                      | {"type":"hack"}                                              | UNKNOWN_TYPE    |
            server-only type from client      | {"type":"paired"}                                            | UNKNOWN_TYPE    |
            id too long                       | {"type":"ping","id":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"} | INVALID_FIELD | id
            bad mobile                        | {"type":"join","matterId":"m","hallId":"h","name":"张三","mobile":"12345"} | INVALID_FIELD | mobile
            missing name                      | {"type":"join","matterId":"m","hallId":"h","mobile":"13812345678"} | INVALID_FIELD | name
            blank name                        | {"type":"join","matterId":"m","hallId":"h","name":"   ","mobile":"13812345678"} | INVALID_FIELD | name
            markup in name                    | {"type":"join","matterId":"m","hallId":"h","name":"<b>x</b>","mobile":"13812345678"} | INVALID_FIELD | name
            bad identifier                    | {"type":"join","matterId":"../etc","hallId":"h","name":"张三","mobile":"13812345678"} | INVALID_FIELD | matterId
            name as number                    | {"type":"join","matterId":"m","hallId":"h","name":5,"mobile":"13812345678"} | INVALID_FIELD | name
            bad status                        | {"type":"status","status":"sleeping"}                        | INVALID_FIELD | status
            sdp without body                  | {"type":"sdp","sessionId":"s-1","description":{"type":"offer"}} | INVALID_FIELD | description.sdp
            sdp wrong kind                    | {"type":"sdp","sessionId":"s-1","description":{"type":"pranswer","sdp":"v=0"}} | INVALID_FIELD | description.type
            sdp not sdp                       | {"type":"sdp","sessionId":"s-1","description":{"type":"offer","sdp":"hello"}} | INVALID_FIELD | description.sdp
            empty chat                        | {"type":"chat","sessionId":"s-1","text":""}                  | INVALID_FIELD | text
            bad outcome                       | {"type":"hangup","sessionId":"s-1","outcome":"great"}        | INVALID_FIELD | outcome
            screen without flag               | {"type":"screen","sessionId":"s-1"}                          | INVALID_FIELD | active
            screen unknown source             | {"type":"screen","sessionId":"s-1","active":true,"source":"webcam"} | INVALID_FIELD | source
            screen source as number           | {"type":"screen","sessionId":"s-1","active":true,"source":2} | INVALID_FIELD | source
            screen source wrong case          | {"type":"screen","sessionId":"s-1","active":true,"source":"DOCUMENT_CAMERA"} | INVALID_FIELD | source
            camera without flag               | {"type":"camera","sessionId":"s-1"}                          | INVALID_FIELD | active
            camera unknown reason             | {"type":"camera","sessionId":"s-1","active":false,"reason":"tired"} | INVALID_FIELD | reason
            camera without session            | {"type":"camera","active":false}                             | INVALID_FIELD | sessionId
            doc camera request bad material   | {"type":"document_camera_request","sessionId":"s-1","requirement":"../x"} | INVALID_FIELD | requirement
            doc camera request no session     | {"type":"document_camera_request"}                           | INVALID_FIELD | sessionId
            answer without version            | {"type":"answer","sessionId":"s-1","sdp":"v=0"}              | INVALID_FIELD | version
            answer version zero               | {"type":"answer","sessionId":"s-1","version":0,"sdp":"v=0"}  | INVALID_FIELD | version
            answer version as text            | {"type":"answer","sessionId":"s-1","version":"1","sdp":"v=0"} | INVALID_FIELD | version
            answer not sdp                    | {"type":"answer","sessionId":"s-1","version":1,"sdp":"hello"} | INVALID_FIELD | sdp
            answer without session            | {"type":"answer","version":1,"sdp":"v=0"}                    | INVALID_FIELD | sessionId
            invite bad clerk id               | {"type":"invite","sessionId":"s-1","clerkId":"../x"}         | INVALID_FIELD | clerkId
            join_session bad role             | {"type":"join_session","sessionId":"s-1","role":"owner"}     | INVALID_FIELD | role
            join_session applicant role       | {"type":"join_session","sessionId":"s-1","role":"applicant"} | INVALID_FIELD | role
            join_session without role         | {"type":"join_session","sessionId":"s-1"}                    | INVALID_FIELD | role
            leave_session without session     | {"type":"leave_session"}                                     | INVALID_FIELD | sessionId
            app_finish without application    | {"type":"app_finish"}                                        | INVALID_FIELD | applicationId
            app_finish bad application        | {"type":"app_finish","applicationId":"../TB1"}               | INVALID_FIELD | applicationId
            handoff_resend as number          | {"type":"handoff_resend","applicationId":7}                  | INVALID_FIELD | applicationId
            server-only offer from client     | {"type":"offer","sessionId":"s-1","version":1,"sdp":"v=0"}   | UNKNOWN_TYPE    |
            """)
    void rejectsBadInput(String name, String frame, ErrorCode expected, String field) {
        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> Codec.decodeClient(frame));
        assertThat(e).as(name).isNotNull();
        assertThat(e.code()).as(name).isEqualTo(expected);
        if (field != null) {
            assertThat(e.getMessage()).as(name).startsWith(field);
        }
    }

    @Test
    void rejectsOversizedFrameUnread() {
        String big = "{\"type\":\"chat\",\"sessionId\":\"s-1\",\"text\":\"" + "字".repeat(70_000) + "\"}";
        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> Codec.decodeClient(big));
        assertThat(e.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
    }

    @Test
    void rejectsDeepNesting() {
        String deep = "{\"type\":\"ping\",\"x\":" + "[".repeat(100) + "]".repeat(100) + "}";
        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> Codec.decodeClient(deep));
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON);
    }

    @Test
    void trimsAndAcceptsValidJoin() {
        ClientMessage m = Codec.decodeClient(
                "{\"type\":\"join\",\"id\":\"7\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                        + "\"name\":\"  张秀英 \",\"mobile\":\"13812345678\",\"extra\":true}");
        assertThat(m).isInstanceOf(ClientMessage.Join.class);
        ClientMessage.Join j = (ClientMessage.Join) m;
        assertThat(j.name()).isEqualTo("张秀英");
        assertThat(j.id()).isEqualTo("7");
    }

    @Test
    void idAndTypeOfBrokenMessages() {
        assertThat(Codec.idAndType("{\"type\":\"take\",\"id\":\"9\",\"ticketId\":5}"))
                .containsExactly("9", "take");
        assertThat(Codec.idAndType("nonsense")).containsExactly(null, null);
    }

    @Test
    void answersKeepTheirSdpByteForByte() {
        String sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
        ClientMessage m = Codec.decodeClient("{\"type\":\"answer\",\"sessionId\":\"s-1\",\"version\":1000002,\"sdp\":\""
                + sdp.replace("\r\n", "\\r\\n") + "\"}");
        assertThat(m).isInstanceOfSatisfying(ClientMessage.Answer.class, a -> {
            assertThat(a.sdp()).isEqualTo(sdp);
            assertThat(a.version()).isEqualTo(1_000_002L);
        });
    }

    @Test
    void screenSourceDefaultsToTheScreenAndTravelsToTheClerk() {
        ClientMessage plain = Codec.decodeClient("{\"type\":\"screen\",\"sessionId\":\"s-1\",\"active\":true}");
        assertThat(((ClientMessage.Screen) plain).source()).isEqualTo(ScreenSource.SCREEN);
        ClientMessage doc = Codec.decodeClient(
                "{\"type\":\"screen\",\"sessionId\":\"s-1\",\"active\":true,\"source\":\"document-camera\"}");
        assertThat(((ClientMessage.Screen) doc).source()).isEqualTo(ScreenSource.DOCUMENT_CAMERA);
        assertThat(Codec.encode(new ServerMessage.Screen("s-1", true, ScreenSource.DOCUMENT_CAMERA)))
                .isEqualTo(
                        "{\"type\":\"screen\",\"sessionId\":\"s-1\",\"active\":true,\"source\":\"document-camera\"}");
        assertThat(Codec.encode(new ServerMessage.Screen("s-1", false, null)))
                .isEqualTo("{\"type\":\"screen\",\"sessionId\":\"s-1\",\"active\":false}");
        assertThat(Codec.decodeClient("{\"type\":\"document_camera_request\",\"sessionId\":\"s-1\"}"))
                .isInstanceOf(ClientMessage.DocumentCameraRequest.class);
    }

    @Test
    void errorsOmitAbsentFields() {
        String s = Codec.encode(new ServerMessage.Error("BAD_JSON", "x", null, null));
        assertThat(s).isEqualTo("{\"type\":\"error\",\"code\":\"BAD_JSON\",\"message\":\"x\"}");
    }
}
