package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.session.audit.AuditChain;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.form.IdNumbers;
import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guided declaration and co-browsing over real WebSockets against a real server: drafts survive a
 * reload, consent gates control, revocation is immediate, sensitive values are refused, forged clerk
 * messages are refused and audited, submission is re-checked on the server.
 */
@ExtendWith(VertxExtension.class)
class DeclarationWebSocketTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** A valid number (region 320412, born 1988-07-14, sequence 124: female) computed by the algorithm. */
    private static final String ID = "32041219880714124" + IdNumbers.checkChar("32041219880714124");

    @RegisterExtension
    static final TestServer IT = TestServer.create("decl", b -> b);

    private static String login(String user) throws Exception {
        return IT.login(user);
    }

    /** A clerk and an applicant in a session of the given queue. */
    private record Pair(WsTestClient clerk, WsTestClient app, String sid, String resumeToken) implements AutoCloseable {
        @Override
        public void close() {
            clerk.close();
            app.close();
        }
    }

    private static Pair pair(Vertx vertx, String clerkId, String matter, String hall) throws Exception {
        WsTestClient clerk = WsTestClient.connect(vertx, IT.server().port());
        clerk.send("{\"type\":\"auth\",\"token\":\"" + login(clerkId) + "\"}");
        clerk.expect(ServerMessage.Clerk.class);
        clerk.send("{\"type\":\"status\",\"status\":\"available\"}");
        clerk.expect(ServerMessage.Clerk.class, c -> c.status() == ServerMessage.ClerkStatus.AVAILABLE);
        WsTestClient app = WsTestClient.connect(vertx, IT.server().port());
        app.send("{\"type\":\"join\",\"matterId\":\"" + matter + "\",\"hallId\":\"" + hall
                + "\",\"name\":\"张秀英\",\"mobile\":\"13812345678\"}");
        String token = app.expect(ServerMessage.Ticket.class).resumeToken();
        clerk.send("{\"type\":\"take\"}");
        String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
        app.expect(ServerMessage.Paired.class);
        return new Pair(clerk, app, sid, token);
    }

    @Test
    void theDraftIsKeptOnTheServerAndMirroredToTheClerk(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "wujin02", "property-certificate", "cz-wujin-bdc")) {
            p.app.send("{\"type\":\"decl_open\",\"id\":\"o1\",\"sessionId\":\"" + p.sid + "\"}");
            ServerMessage.Declaration d = p.app.expect(ServerMessage.Declaration.class);
            assertThat(d.re()).isEqualTo("o1");
            assertThat(d.status()).isEqualTo("draft");
            assertThat(d.mode()).isEqualTo("view");
            assertThat(d.values().get("name").asText()).isEqualTo("张秀英"); // prefilled from the ticket
            assertThat(d.values().get("mobile").asText()).isEqualTo("13812345678");

            p.app.send("{\"type\":\"decl_state\",\"sessionId\":\"" + p.sid + "\",\"step\":1,\"values\":{\"idNumber\":\""
                    + ID + "\",\"sex\":\"female\",\"address\":{\"province\":\"江苏省\",\"city\":\"常州市\"}},"
                    + "\"focus\":\"idNumber\",\"scroll\":0.5}");
            ServerMessage.DeclState mirror = p.clerk.expect(ServerMessage.DeclState.class);
            assertThat(mirror.values().get("idNumber").asText()).isEqualTo(ID);
            assertThat(mirror.focus()).isEqualTo("idNumber");
            assertThat(mirror.step()).isEqualTo(1);
            // Focus and scroll alone are relayed without a write.
            p.app.send("{\"type\":\"decl_state\",\"sessionId\":\"" + p.sid + "\",\"focus\":\"sex\",\"scroll\":0.1}");
            assertThat(p.clerk.expect(ServerMessage.DeclState.class).focus()).isEqualTo("sex");

            // A reload: a new connection resumes the ticket and finds the wizard as it was.
            p.app.close();
            try (WsTestClient again = WsTestClient.connect(vertx, IT.server().port())) {
                again.send("{\"type\":\"resume\",\"resumeToken\":\"" + p.resumeToken + "\"}");
                String sid = again.expect(ServerMessage.Paired.class).sessionId();
                assertThat(sid).isEqualTo(p.sid);
                again.send("{\"type\":\"decl_open\",\"id\":\"o2\",\"sessionId\":\"" + sid + "\"}");
                ServerMessage.Declaration restored = again.expect(ServerMessage.Declaration.class);
                assertThat(restored.step()).isEqualTo(1);
                assertThat(restored.values().get("idNumber").asText()).isEqualTo(ID);
                assertThat(restored.values().get("address").get("city").asText())
                        .isEqualTo("常州市");
                // The clerk's console (e.g. after its own reload) opens the same declaration.
                p.clerk.send("{\"type\":\"decl_open\",\"id\":\"o3\",\"sessionId\":\"" + sid + "\"}");
                assertThat(p.clerk
                                .expect(ServerMessage.Declaration.class)
                                .values()
                                .get("sex")
                                .asText())
                        .isEqualTo("female");

                // Bad drafts: unknown field, wrong shape, impossible step, unknown option.
                again.send("{\"type\":\"decl_state\",\"id\":\"b1\",\"sessionId\":\"" + sid
                        + "\",\"values\":{\"colour\":\"red\"}}");
                assertThat(again.error().code()).isEqualTo("INVALID_FIELD");
                again.send("{\"type\":\"decl_state\",\"id\":\"b2\",\"sessionId\":\"" + sid
                        + "\",\"values\":{\"consent\":\"yes\"}}");
                assertThat(again.error().message()).contains("values.consent").contains("type");
                again.send("{\"type\":\"decl_state\",\"id\":\"b3\",\"sessionId\":\"" + sid + "\",\"step\":9}");
                assertThat(again.error().code()).isEqualTo("INVALID_FIELD");
                again.send("{\"type\":\"decl_state\",\"id\":\"b4\",\"sessionId\":\"" + sid
                        + "\",\"values\":{\"use\":\"castle\"}}");
                assertThat(again.error().message()).contains("option_unknown");
                // An applicant cannot steer the clerk's side.
                again.send("{\"type\":\"remote_input\",\"id\":\"b5\",\"sessionId\":\"" + sid
                        + "\",\"field\":\"area\",\"value\":\"1\"}");
                assertThat(again.error().code()).isEqualTo("FORBIDDEN_FOR_ROLE");
                // Nothing of that reached the draft.
                again.send("{\"type\":\"decl_open\",\"id\":\"o4\",\"sessionId\":\"" + sid + "\"}");
                ServerMessage.Declaration same = again.expect(ServerMessage.Declaration.class);
                assertThat(same.values().has("colour")).isFalse();
                assertThat(same.values().has("use")).isFalse();
                assertThat(same.step()).isEqualTo(1);
            }
        }
    }

    @Test
    void sensitiveValuesAreRefusedAndLeaveNoTrace(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "qingpu01", "housing-fund-transfer", "sh-qingpu-xzfw")) {
            p.app.send("{\"type\":\"decl_open\",\"sessionId\":\"" + p.sid + "\"}");
            p.app.expect(ServerMessage.Declaration.class);
            p.app.send("{\"type\":\"decl_state\",\"id\":\"s1\",\"sessionId\":\"" + p.sid
                    + "\",\"values\":{\"fromCenter\":\"南京住房公积金管理中心\",\"fundPassword\":\"Pw-7391-secret\"}}");
            ServerMessage.Error e = p.app.error();
            assertThat(e.code()).isEqualTo("FIELD_SENSITIVE");
            assertThat(e.message()).doesNotContain("Pw-7391-secret");
            // The whole message was refused: its other value was not stored either.
            p.app.send("{\"type\":\"decl_open\",\"id\":\"o\",\"sessionId\":\"" + p.sid + "\"}");
            ServerMessage.Declaration d = p.app.expect(ServerMessage.Declaration.class);
            assertThat(d.values().has("fundPassword")).isFalse();
            assertThat(d.values().has("fromCenter")).isFalse();
            assertThat(p.clerk.drain())
                    .noneMatch(m -> m.toString().contains("Pw-7391-secret"))
                    .noneMatch(m -> m instanceof ServerMessage.DeclState);
            assertThat(IT.server().records().journal().forSession(p.sid))
                    .noneMatch(a -> a.details().contains("Pw-7391-secret"));
        }
    }

    @Test
    void controlNeedsConsentAndEndsTheMomentItIsRevoked(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "wujin01", "property-certificate", "cz-wujin-bdc")) {
            String sid = p.sid;
            p.app.send("{\"type\":\"decl_open\",\"sessionId\":\"" + sid + "\"}");
            p.app.expect(ServerMessage.Declaration.class);
            p.app.send(
                    "{\"type\":\"decl_state\",\"sessionId\":\"" + sid + "\",\"values\":{\"idNumber\":\"" + ID + "\"}}");
            p.clerk.expect(ServerMessage.DeclState.class);

            // Forged messages from the clerk's client, without consent: all refused, all audited.
            p.clerk.send("{\"type\":\"remote_input\",\"id\":\"f1\",\"sessionId\":\"" + sid
                    + "\",\"field\":\"contractNo\",\"value\":\"FORGED-1\"}");
            assertThat(p.clerk.error().code()).isEqualTo("CONTROL_NOT_GRANTED");
            p.clerk.send("{\"type\":\"remote_step\",\"id\":\"f2\",\"sessionId\":\"" + sid + "\",\"step\":2}");
            assertThat(p.clerk.error().code()).isEqualTo("CONTROL_NOT_GRANTED");
            p.clerk.send(
                    "{\"type\":\"cobrowse_mode\",\"id\":\"f3\",\"sessionId\":\"" + sid + "\",\"mode\":\"control\"}");
            assertThat(p.clerk.error().code()).isEqualTo("CONTROL_NOT_GRANTED");
            p.clerk.send("{\"type\":\"control_answer\",\"id\":\"f4\",\"sessionId\":\"" + sid + "\",\"granted\":true}");
            assertThat(p.clerk.error().code()).isEqualTo("NO_CONTROL_ZONE");
            p.clerk.send("{\"type\":\"decl_submit\",\"id\":\"f5\",\"sessionId\":\"" + sid + "\"}");
            assertThat(p.clerk.error().code()).isEqualTo("NO_CONTROL_ZONE");
            p.clerk.send("{\"type\":\"pointer\",\"id\":\"f6\",\"sessionId\":\"" + sid + "\",\"x\":0.5,\"y\":0.5}");
            assertThat(p.clerk.error().code()).isEqualTo("WRONG_STATE");
            // Granting with no request pending grants nothing.
            p.app.send("{\"type\":\"control_answer\",\"id\":\"g0\",\"sessionId\":\"" + sid + "\",\"granted\":true}");
            assertThat(p.app.error().code()).isEqualTo("WRONG_STATE");
            assertThat(p.app.drain()).noneMatch(m -> m instanceof ServerMessage.RemoteInput);

            // Pointer mode needs no consent but the applicant sees it, and the pointer.
            p.clerk.send(
                    "{\"type\":\"cobrowse_mode\",\"id\":\"m1\",\"sessionId\":\"" + sid + "\",\"mode\":\"pointer\"}");
            assertThat(p.clerk.expect(ServerMessage.Cobrowse.class).mode()).isEqualTo("pointer");
            assertThat(p.app.expect(ServerMessage.Cobrowse.class).mode()).isEqualTo("pointer");
            p.clerk.send(
                    "{\"type\":\"pointer\",\"sessionId\":\"" + sid + "\",\"x\":0.25,\"y\":0.75,\"field\":\"area\"}");
            ServerMessage.Pointer ptr = p.app.expect(ServerMessage.Pointer.class);
            assertThat(ptr.field()).isEqualTo("area");
            assertThat(ptr.x()).isEqualTo(0.25);

            // The clerk asks; the applicant is asked in a dialog naming the clerk, and grants.
            p.clerk.send("{\"type\":\"control_request\",\"id\":\"r1\",\"sessionId\":\"" + sid + "\"}");
            ServerMessage.Cobrowse requested = p.clerk.expect(ServerMessage.Cobrowse.class);
            assertThat(requested.event()).isEqualTo("requested");
            assertThat(requested.pending()).isTrue();
            ServerMessage.ControlRequest ask = p.app.expect(ServerMessage.ControlRequest.class);
            assertThat(ask.clerkName()).isEqualTo("王丽");
            assertThat(ask.hallName()).isEqualTo("常州市武进区不动产登记交易中心");
            p.app.send("{\"type\":\"control_answer\",\"id\":\"g1\",\"sessionId\":\"" + sid + "\",\"granted\":true}");
            ServerMessage.Cobrowse granted = p.app.expect(ServerMessage.Cobrowse.class, c -> "g1".equals(c.re()));
            assertThat(granted.mode()).isEqualTo("control");
            assertThat(granted.epoch()).isEqualTo(1);
            assertThat(p.clerk
                            .expect(ServerMessage.Cobrowse.class, c -> c.event().equals("granted"))
                            .mode())
                    .isEqualTo("control");

            // In control: fields and steps, but never sensitive or applicant-only fields.
            p.clerk.send("{\"type\":\"remote_input\",\"sessionId\":\"" + sid
                    + "\",\"field\":\"idNumber\",\"value\":\"110105194912310021\"}");
            ServerMessage.RemoteInput in = p.app.expect(ServerMessage.RemoteInput.class);
            assertThat(in.field()).isEqualTo("idNumber");
            assertThat(in.epoch()).isEqualTo(1);
            p.clerk.send("{\"type\":\"remote_step\",\"sessionId\":\"" + sid + "\",\"step\":1}");
            assertThat(p.app.expect(ServerMessage.RemoteStep.class).step()).isEqualTo(1);
            p.clerk.send("{\"type\":\"remote_input\",\"id\":\"z1\",\"sessionId\":\"" + sid
                    + "\",\"field\":\"consent\",\"value\":true}");
            assertThat(p.clerk.error().code()).isEqualTo("NO_CONTROL_ZONE");
            p.clerk.send("{\"type\":\"remote_input\",\"id\":\"z2\",\"sessionId\":\"" + sid
                    + "\",\"field\":\"queryPassword\",\"value\":\"123456\"}");
            assertThat(p.clerk.error().code()).isEqualTo("FIELD_SENSITIVE");
            p.clerk.send("{\"type\":\"remote_input\",\"id\":\"z3\",\"sessionId\":\"" + sid
                    + "\",\"field\":\"use\",\"value\":\"castle\"}");
            assertThat(p.clerk.error().code()).isEqualTo("INVALID_FIELD");
            p.clerk.send("{\"type\":\"decl_submit\",\"id\":\"z4\",\"sessionId\":\"" + sid + "\"}");
            assertThat(p.clerk.error().code()).isEqualTo("NO_CONTROL_ZONE");

            // The applicant revokes (Esc): both sides told at once; the next remote input is refused.
            p.app.send("{\"type\":\"control_revoke\",\"id\":\"v1\",\"sessionId\":\"" + sid + "\",\"via\":\"esc\"}");
            ServerMessage.Cobrowse revoked = p.app.expect(ServerMessage.Cobrowse.class, c -> "v1".equals(c.re()));
            assertThat(revoked.mode()).isEqualTo("view");
            assertThat(revoked.epoch()).isEqualTo(2);
            p.clerk.send("{\"type\":\"remote_input\",\"id\":\"late\",\"sessionId\":\"" + sid
                    + "\",\"field\":\"contractNo\",\"value\":\"AFTER\"}");
            assertThat(p.clerk
                            .expect(ServerMessage.Cobrowse.class, c -> c.event().equals("revoked"))
                            .mode())
                    .isEqualTo("view");
            assertThat(p.clerk.error().code()).isEqualTo("CONTROL_NOT_GRANTED");
            assertThat(p.app.drain())
                    .noneMatch(m -> m instanceof ServerMessage.RemoteInput r
                            && r.value().asText().equals("AFTER"));

            // The audit trail tells the story, with the ID number masked and fingerprinted.
            List<AuditEvent> trail = IT.server().records().journal().forSession(sid);
            assertThat(trail)
                    .extracting(AuditEvent::action)
                    .containsSubsequence(
                            "remote.refused",
                            "cobrowse.mode",
                            "control.requested",
                            "control.granted",
                            "remote.input",
                            "remote.step",
                            "remote.refused",
                            "control.revoked",
                            "remote.refused");
            AuditEvent input = trail.stream()
                    .filter(a -> a.action().equals("remote.input"))
                    .findFirst()
                    .orElseThrow();
            assertThat(input.actor()).isEqualTo("clerk:wujin01");
            JsonObject details = new JsonObject(input.details());
            assertThat(details.getString("field")).isEqualTo("idNumber");
            assertThat(details.getString("from")).startsWith("320412********").contains(" #");
            assertThat(details.getString("to")).startsWith("110105********0021 #");
            assertThat(input.details()).doesNotContain(ID).doesNotContain("110105194912310021");
            AuditEvent grant = trail.stream()
                    .filter(a -> a.action().equals("control.granted"))
                    .findFirst()
                    .orElseThrow();
            assertThat(grant.details()).contains("王丽").contains("wujin01");
            assertThat(trail.stream().filter(a -> a.action().equals("control.revoked")))
                    .allMatch(a -> a.details().contains("\"via\":\"esc\""));
            assertThat(trail.stream().filter(a -> a.action().equals("remote.refused")))
                    .extracting(a -> new JsonObject(a.details()).getString("code"))
                    .contains("CONTROL_NOT_GRANTED", "NO_CONTROL_ZONE", "FIELD_SENSITIVE");
            assertThat(AuditChain.verify(
                            IT.server().records().journal().keying(),
                            IT.server().records().journal().read(0, 100_000)))
                    .isEmpty();
        }
    }

    /**
     * Remote control, and the grant of it, happen only if they are recorded: with the audit journal refusing
     * those events (a constraint on its table, as a full or failing database would), the grant is taken
     * back and the input never reaches the applicant; the chain stays intact.
     */
    @Test
    void controlThatCannotBeAuditedDoesNotHappen(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "wujin01", "property-certificate", "cz-wujin-bdc");
                java.sql.Connection db = java.sql.DriverManager.getConnection(
                        IT.server().options().effectiveDbUrl())) {
            String sid = p.sid;
            p.app.send("{\"type\":\"decl_open\",\"sessionId\":\"" + sid + "\"}");
            p.app.expect(ServerMessage.Declaration.class);
            p.clerk.send("{\"type\":\"control_request\",\"id\":\"r1\",\"sessionId\":\"" + sid + "\"}");
            p.app.expect(ServerMessage.ControlRequest.class);

            refuseAudit(db, "control.granted");
            p.app.send("{\"type\":\"control_answer\",\"id\":\"g1\",\"sessionId\":\"" + sid + "\",\"granted\":true}");
            ServerMessage.Error e = p.app.expect(ServerMessage.Error.class, x -> "g1".equals(x.re()));
            assertThat(e.code()).isEqualTo("AUDIT_UNAVAILABLE");
            ServerMessage.Cobrowse back = p.clerk.expect(
                    ServerMessage.Cobrowse.class, c -> c.event().equals("revoked") && c.by().equals("server"));
            assertThat(back.mode()).isEqualTo("view");
            p.clerk.send("{\"type\":\"remote_input\",\"id\":\"x1\",\"sessionId\":\"" + sid
                    + "\",\"field\":\"contractNo\",\"value\":\"NO-CONSENT\"}");
            assertThat(p.clerk
                            .expect(ServerMessage.Error.class, x -> "x1".equals(x.re()))
                            .code())
                    .isEqualTo("CONTROL_NOT_GRANTED");

            allowAudit(db);
            refuseAudit(db, "remote.input");
            p.clerk.send("{\"type\":\"control_request\",\"id\":\"r2\",\"sessionId\":\"" + sid + "\"}");
            p.app.expect(ServerMessage.ControlRequest.class);
            p.app.send("{\"type\":\"control_answer\",\"id\":\"g2\",\"sessionId\":\"" + sid + "\",\"granted\":true}");
            p.clerk.expect(ServerMessage.Cobrowse.class, c -> c.event().equals("granted"));
            p.clerk.send("{\"type\":\"remote_input\",\"id\":\"x2\",\"sessionId\":\"" + sid
                    + "\",\"field\":\"contractNo\",\"value\":\"UNRECORDED\"}");
            assertThat(p.clerk
                            .expect(ServerMessage.Error.class, x -> "x2".equals(x.re()))
                            .code())
                    .isEqualTo("AUDIT_UNAVAILABLE");
            allowAudit(db);
            p.clerk.send("{\"type\":\"remote_input\",\"id\":\"x3\",\"sessionId\":\"" + sid
                    + "\",\"field\":\"contractNo\",\"value\":\"RECORDED\"}");
            // The first input the applicant's form gets is the recorded one.
            assertThat(p.app.expect(ServerMessage.RemoteInput.class).value().asText())
                    .isEqualTo("RECORDED");
            assertThat(IT.actions(sid)).contains("control.granted", "remote.input");
            assertThat(AuditChain.verify(
                            IT.server().records().journal().keying(),
                            IT.server().records().journal().read(0, 100_000)))
                    .isEmpty();
        }
    }

    private static void refuseAudit(java.sql.Connection db, String action) throws java.sql.SQLException {
        try (var st = db.createStatement();
                var max = st.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM audit_event")) {
            max.next();
            // Refuses new events of that kind (other tests' earlier ones stay).
            st.execute("ALTER TABLE audit_event ADD CONSTRAINT test_refused CHECK (action <> '" + action
                    + "' OR seq <= " + max.getLong(1) + ")");
        }
    }

    private static void allowAudit(java.sql.Connection db) throws java.sql.SQLException {
        try (var st = db.createStatement()) {
            st.execute("ALTER TABLE audit_event DROP CONSTRAINT test_refused");
        }
    }

    @Test
    void submissionIsCheckedOnTheServerAndLocksTheDraft(Vertx vertx) throws Exception {
        try (Pair p = pair(vertx, "gulou01", "social-insurance-transfer", "nj-gulou-zwfw")) {
            String sid = p.sid;
            p.app.send("{\"type\":\"decl_open\",\"sessionId\":\"" + sid + "\"}");
            p.app.expect(ServerMessage.Declaration.class);
            String wrongCheck = ID.substring(0, 17) + (ID.charAt(17) == '0' ? '1' : '0');
            p.app.send("{\"type\":\"decl_state\",\"sessionId\":\"" + sid + "\",\"values\":{"
                    + "\"sex\":\"female\",\"idNumber\":\"" + wrongCheck + "\","
                    + "\"address\":{\"province\":\"江苏省\",\"city\":\"南京市\",\"district\":\"鼓楼区\",\"detail\":\"中山北路1号\"},"
                    + "\"insuranceType\":\"employee_pension\","
                    + "\"fromPlace\":{\"province\":\"安徽省\",\"city\":\"芜湖市\",\"district\":\"镜湖区\",\"detail\":\"北京中路2号\"},"
                    + "\"fromAgency\":\"芜湖市社会保险事业管理中心\",\"insuredSince\":\"2012-03-01\","
                    + "\"newEmployerUscc\":\"91350100M000100Y43\",\"consent\":true}}");
            p.clerk.expect(ServerMessage.DeclState.class);
            p.app.send("{\"type\":\"decl_submit\",\"id\":\"s1\",\"sessionId\":\"" + sid + "\"}");
            ServerMessage.Error invalid = p.app.error();
            assertThat(invalid.code()).isEqualTo("DECLARATION_INVALID");
            assertThat(invalid.message()).contains("idNumber: id_checksum").contains("intent: required");

            p.app.send("{\"type\":\"decl_state\",\"sessionId\":\"" + sid + "\",\"step\":2,\"values\":{\"idNumber\":\""
                    + ID + "\",\"intent\":true}}");
            p.app.send("{\"type\":\"decl_submit\",\"id\":\"s2\",\"sessionId\":\"" + sid + "\"}");
            ServerMessage.Declaration done = p.app.expect(ServerMessage.Declaration.class, d -> "s2".equals(d.re()));
            assertThat(done.status()).isEqualTo("submitted");
            assertThat(done.submittedAt()).isNotNull();
            assertThat(p.clerk.expect(ServerMessage.Declaration.class).status()).isEqualTo("submitted");
            p.app.send("{\"type\":\"decl_state\",\"id\":\"after\",\"sessionId\":\"" + sid
                    + "\",\"values\":{\"fromAgency\":\"x\"}}");
            assertThat(p.app.error().code()).isEqualTo("WRONG_STATE");
            p.app.send("{\"type\":\"decl_submit\",\"id\":\"s3\",\"sessionId\":\"" + sid + "\"}");
            assertThat(p.app.error().code()).isEqualTo("WRONG_STATE");
            AuditEvent submitted = IT.server().records().journal().forSession(sid).stream()
                    .filter(a -> a.action().equals("declaration.submitted"))
                    .findFirst()
                    .orElseThrow();
            assertThat(submitted.actor()).startsWith("applicant:S");
            assertThat(new JsonObject(submitted.details()).getString("valuesSha256"))
                    .hasSize(64);
        }
    }

    @Test
    void formsAreServedOverHttp() throws Exception {
        HttpResponse<String> ok = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + IT.server().port() + "/api/forms/business-startup"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        JsonObject form = new JsonObject(ok.body());
        assertThat(form.getString("title")).isEqualTo("企业设立登记申请书");
        assertThat(form.getJsonArray("steps")).hasSize(4);
        assertThat(ok.body()).contains("\"type\":\"uscc\"").contains("\"applicantOnly\":true");
        HttpResponse<String> missing = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + IT.server().port() + "/api/forms/nope"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("NO_FORM");
    }
}
