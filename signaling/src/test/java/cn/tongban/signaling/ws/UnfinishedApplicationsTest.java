package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.docsign.verify.PdfVerifier;
import cn.tongban.docsign.verify.Verdict;
import cn.tongban.docsign.verify.VerificationReport;
import cn.tongban.session.audit.AuditEvent;
import cn.tongban.signaling.protocol.ServerMessage;
import cn.tongban.testkit.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Applications the applicant signed in a session that then ended before the clerk's signature and the seal —
 * the clerk hung up, the applicant hung up, the clerk's connection was lost — are not stranded: they appear in
 * the console's list of the hall that accepted them (待完成的申请书), and a clerk of that hall who handles the
 * matter finishes them there (signature, seal, verification, hand-off with a verified receipt). Clerks of
 * other halls, or without the matter, are refused with stable codes and audited; two clerks finishing at once
 * seal once; while the session runs the session's clerk seals it in the session.
 */
@ExtendWith(VertxExtension.class)
class UnfinishedApplicationsTest {
    private static SigningSteps S;

    @RegisterExtension
    static final TestServer IT = TestServer.create(
            "unfinished",
            // A clerk's lost connection ends the session after 1 s here (60 s by default).
            b -> b.cluster(cn.tongban.signaling.config.ServerOptions.Cluster.DEFAULT.withClerkGrace(
                    java.time.Duration.ofSeconds(1))));

    @BeforeAll
    static void steps() {
        S = new SigningSteps(IT.server(), IT.dataDir());
    }

    @Test
    void theClerkHangsUpAfterTheApplicantSignedAndFinishesItFromTheList(Vertx vertx) throws Exception {
        try (SigningSteps.Pair p = S.pair(vertx, "wujin01", "cz-wujin-bdc", "nj-gulou-zwfw", "张秀英");
                WsTestClient other = S.clerk(vertx, "qingpu01");
                WsTestClient supervisor = S.clerk(vertx, "supervisor01")) {
            S.readyToSign(p);
            String id = S.applicantSigns(p).applicationId();

            // While the session runs, the session's clerk seals it there: not in the list, not finishable from it.
            assertThat(list(p.clerk(), "l0"))
                    .extracting(ServerMessage.ApplicationSummary::applicationId)
                    .doesNotContain(id);
            p.clerk().send(finish(id, "f0"));
            assertThat(p.clerk().error().code()).isEqualTo("WRONG_STATE");

            // The clerk ends the session anyway: the console is told at once, and it is audited.
            p.clerk()
                    .send("{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + p.sid()
                            + "\",\"outcome\":\"completed\"}");
            p.clerk().expect(ServerMessage.Ended.class);
            ServerMessage.Applications pushed = p.clerk().expect(ServerMessage.Applications.class);
            ServerMessage.ApplicationSummary item = item(pushed, id);
            assertThat(item.status()).isEqualTo("applicant_signed");
            assertThat(item.action()).isEqualTo("finish");
            assertThat(item.applicant()).isEqualTo("张**");
            assertThat(item.clerkName()).isEqualTo("王丽");
            assertThat(item.previews()).hasSize(2);
            assertThat(S.get(item.previews().get(0)).statusCode()).isEqualTo(200);
            assertThat(actions(p.sid())).contains("application.left_unsealed");

            // Today's dead end: the session's own message names a session that has ended.
            p.clerk().send(S.msg("clerk_sign", p.sid(), "k", ""));
            assertThat(p.clerk().error().code()).isEqualTo("NOT_IN_SESSION");

            // Another hall's clerk neither sees it nor finishes it; a clerk of the hall without the matter
            // sees it but may not sign it; an unknown number is named as such.
            assertThat(list(other, "l1"))
                    .extracting(ServerMessage.ApplicationSummary::applicationId)
                    .doesNotContain(id);
            other.send(finish(id, "f1"));
            assertThat(other.error().code()).isEqualTo("APPLICATION_OTHER_HALL");
            assertThat(item(list(supervisor, "l2"), id).action()).isNull();
            supervisor.send(finish(id, "f2"));
            assertThat(supervisor.error().code()).isEqualTo("NOT_QUALIFIED");
            supervisor.send(finish("TB20990101-000000", "f3"));
            assertThat(supervisor.error().code()).isEqualTo("NO_SUCH_APPLICATION");
            other.send("{\"type\":\"handoff_resend\",\"id\":\"r1\",\"applicationId\":\"" + id + "\"}");
            assertThat(other.error().code()).isEqualTo("APPLICATION_OTHER_HALL");
            assertThat(IT.server().records().journal().forSession(p.sid()))
                    .filteredOn(e -> e.action().equals("application.refused"))
                    .extracting(AuditEvent::actor)
                    .containsExactlyInAnyOrder("clerk:qingpu01", "clerk:supervisor01", "clerk:qingpu01");

            // The clerk finishes it from the list: signed, sealed, verified, handed to Wujin with a receipt.
            p.clerk().send(finish(id, "f4"));
            ServerMessage.Application sealed =
                    p.clerk().expect(ServerMessage.Application.class, a -> "f4".equals(a.re()));
            assertThat(sealed.status()).isEqualTo("sealed");
            assertThat(sealed.signers()).extracting(ServerMessage.Signer::name).contains("王丽");
            ServerMessage.Application delivered = p.clerk()
                    .expect(
                            ServerMessage.Application.class,
                            a -> a.handoff() != null && a.handoff().status().equals("delivered"));
            assertThat(delivered.handoff().receiptNo()).startsWith("HZ320412-");
            assertThat(new PdfVerifier(List.of(S.root()))
                            .verify(S.get(delivered.handoff().receiptUrl()).body())
                            .verdict())
                    .isEqualTo(Verdict.VALID);
            VerificationReport report = new PdfVerifier(List.of(S.root()))
                    .verify(S.get(delivered.pdfUrl()).body());
            assertThat(report.verdict()).isEqualTo(Verdict.VALID);
            assertThat(report.signatures().get(1).signerCommonName()).isEqualTo("王丽");
            // The applicant, still on the page, sees it sealed too.
            p.app().expect(ServerMessage.Application.class, a -> a.status().equals("sealed"));
            // Done: out of the list; audited as finished from the console.
            assertThat(list(p.clerk(), "l3"))
                    .extracting(ServerMessage.ApplicationSummary::applicationId)
                    .doesNotContain(id);
            assertThat(IT.server().records().journal().forSession(p.sid()))
                    .filteredOn(e -> e.action().equals("application.sealed"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.details()).contains("\"via\":\"console\""));
            assertThat(actions(p.sid())).contains("handoff.delivered");
            // Finishing again changes nothing.
            p.clerk().send(finish(id, "f5"));
            assertThat(p.clerk().error().code()).isEqualTo("WRONG_STATE");
        }
    }

    @Test
    void twoClerksFinishingAtOnceSealOnce(Vertx vertx) throws Exception {
        try (SigningSteps.Pair p = S.pair(vertx, "wujin01", "cz-wujin-bdc", null, "王芳");
                WsTestClient colleague = S.clerk(vertx, "wujin02")) {
            S.readyToSign(p);
            String id = S.applicantSigns(p).applicationId();
            // The applicant leaves before the clerk's signature.
            p.app().send("{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + p.sid() + "\"}");
            p.clerk().expect(ServerMessage.Ended.class);
            assertThat(item(p.clerk().expect(ServerMessage.Applications.class), id)
                            .action())
                    .isEqualTo("finish");
            assertThat(item(list(colleague, "l"), id).action()).isEqualTo("finish");

            p.clerk().send(finish(id, "a"));
            colleague.send(finish(id, "b"));
            List<String> answers = new ArrayList<>();
            answers.add(answer(p.clerk(), "a"));
            answers.add(answer(colleague, "b"));
            assertThat(answers).containsExactlyInAnyOrder("sealed", "WRONG_STATE");

            assertThat(S.rows("SELECT status FROM application WHERE application_id = '" + id + "'"))
                    .containsExactly("SEALED");
            assertThat(S.rows("SELECT sealed_by FROM application WHERE application_id = '" + id + "'"))
                    .singleElement()
                    .isIn("wujin01", "wujin02");
            assertThat(actions(p.sid()))
                    .filteredOn(a -> a.equals("application.sealed"))
                    .hasSize(1);
            // Filed at the owning hall itself (no partner hall): the local receipt.
            awaitRow("SELECT receipt_no FROM application WHERE application_id = '" + id
                    + "' AND handoff_status = 'LOCAL'");
        }
    }

    @Test
    void aClerkLostAfterTheApplicantSignedLeavesItToAColleague(Vertx vertx) throws Exception {
        try (SigningSteps.Pair p = S.pair(vertx, "wujin01", "cz-wujin-bdc", "nj-gulou-zwfw", "刘洋")) {
            S.readyToSign(p);
            String id = S.applicantSigns(p).applicationId();
            // The clerk's console is gone: the session is aborted and the ticket goes back to the queue.
            p.clerk().close();
            assertThat(p.app().expect(ServerMessage.Ended.class).reason()).isEqualTo("clerk_lost");
            awaitAction(p.sid(), "application.left_unsealed");

            try (WsTestClient colleague = S.clerk(vertx, "wujin02")) {
                ServerMessage.ApplicationSummary item = item(list(colleague, "l"), id);
                assertThat(item.action()).isEqualTo("finish");
                assertThat(item.clerkId()).isEqualTo("wujin01");
                colleague.send(finish(id, "f"));
                ServerMessage.Application sealed =
                        colleague.expect(ServerMessage.Application.class, a -> "f".equals(a.re()));
                assertThat(sealed.signers())
                        .filteredOn(s -> s.role().equals("clerk"))
                        .extracting(ServerMessage.Signer::name)
                        .containsExactly("陈建国");
                ServerMessage.Application delivered = colleague.expect(
                        ServerMessage.Application.class,
                        a -> a.handoff() != null && a.handoff().receiptNo() != null);
                assertThat(delivered.handoff().status()).isEqualTo("delivered");
                assertThat(S.rows("SELECT sealed_by FROM application WHERE application_id = '" + id + "'"))
                        .containsExactly("wujin02");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String finish(String id, String msgId) {
        return "{\"type\":\"app_finish\",\"id\":\"" + msgId + "\",\"applicationId\":\"" + id + "\"}";
    }

    private static List<ServerMessage.ApplicationSummary> list(WsTestClient c, String msgId) throws Exception {
        c.send("{\"type\":\"list_applications\",\"id\":\"" + msgId + "\"}");
        return c.expect(ServerMessage.Applications.class, a -> msgId.equals(a.re()))
                .applications();
    }

    private static ServerMessage.ApplicationSummary item(ServerMessage.Applications list, String id) {
        return item(list.applications(), id);
    }

    private static ServerMessage.ApplicationSummary item(List<ServerMessage.ApplicationSummary> list, String id) {
        return list.stream()
                .filter(a -> a.applicationId().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError(id + " not in " + list));
    }

    /** The sealed status or the error code a finish got, whichever comes first for that id. */
    private static String answer(WsTestClient c, String msgId) throws Exception {
        ServerMessage m = c.expect(
                ServerMessage.class,
                x -> x instanceof ServerMessage.Application a && msgId.equals(a.re())
                        || x instanceof ServerMessage.Error e && msgId.equals(e.re()),
                Duration.ofSeconds(120));
        return m instanceof ServerMessage.Application a ? a.status() : ((ServerMessage.Error) m).code();
    }

    private static List<String> actions(String sessionId) {
        return IT.server().records().journal().forSession(sessionId).stream()
                .map(AuditEvent::action)
                .toList();
    }

    private static void awaitAction(String sessionId, String action) {
        Await.until(action + " audited", Duration.ofSeconds(30), () -> actions(sessionId)
                .contains(action));
    }

    private static void awaitRow(String sql) {
        Await.until(sql, Duration.ofSeconds(60), () -> S.rows(sql).stream().anyMatch(r -> r != null));
    }
}
