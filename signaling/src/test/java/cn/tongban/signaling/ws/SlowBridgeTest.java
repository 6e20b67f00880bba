package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A media bridge that is alive but does not answer — its node still in the cluster, its requests received
 * and never served (an overloaded or stuck bridge) — holds neither the threads of the nodes that call it nor
 * the other messages of the clients whose session it carries. Two clustered nodes; the session is bridged on
 * node B (its clerk took the ticket there), the applicant is on node A; node B then swallows every request
 * to its bridge. The applicant's answers to the bridge's offer wait for the bridge without a thread waiting
 * with them; the applicant's chat and hang-up, sent after them, reach the clerk at once; the answers are
 * refused {@code MEDIA_UNAVAILABLE} by id once their time is out.
 */
@ExtendWith(VertxExtension.class)
class SlowBridgeTest {

    @Test
    void aBridgeThatDoesNotAnswerHoldsNoThreadAndNoOtherMessage(
            Vertx vertx, @TempDir Path a, @TempDir Path b, @TempDir Path db) throws Exception {
        try (TwoNodes nodes = TwoNodes.start("slow-bridge", a, b, db);
                WsTestClient clerk = TwoNodes.clerk(vertx, nodes.b, "wujin01", true);
                WsTestClient app = WsTestClient.connect(vertx, nodes.a.port())) {
            app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                    + "\"name\":\"卫十五\",\"mobile\":\"13812345678\"}");
            String ticketId = app.expect(ServerMessage.Ticket.class).ticketId();
            clerk.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
            String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
            app.expect(ServerMessage.Paired.class);
            long version = app.expect(ServerMessage.Offer.class).version();

            // Node B stays in the cluster but its bridge stops answering: requests arrive and are kept.
            List<DeliveryContext<Object>> swallowed = new CopyOnWriteArrayList<>();
            nodes.b.vertx().eventBus().addInboundInterceptor(ctx -> {
                if (ctx.message().address().startsWith("tongban.media.")) {
                    swallowed.add(ctx);
                } else {
                    ctx.next();
                }
            });

            for (int i = 1; i <= 3; i++) {
                app.send("{\"type\":\"answer\",\"id\":\"a" + i + "\",\"sessionId\":\"" + sid + "\",\"version\":"
                        + version + ",\"sdp\":\"v=0\\r\\n\"}");
            }
            long sent = System.nanoTime();
            app.send("{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"还在吗？\"}");
            ServerMessage.Chat line = clerk.expect(ServerMessage.Chat.class, c -> true, Duration.ofSeconds(2));
            assertThat(line.text()).isEqualTo("还在吗？");
            Duration chatTook = Duration.ofNanos(System.nanoTime() - sent);

            // The answers are out with the bridge, and no thread of either node waits for them.
            assertThat(swallowed).isNotEmpty();
            assertThat(threadsInMediaCalls()).isEmpty();

            app.send("{\"type\":\"hangup\",\"id\":\"h\",\"sessionId\":\"" + sid + "\"}");
            assertThat(clerk.expect(ServerMessage.Ended.class, e -> true, Duration.ofSeconds(2))
                            .reason())
                    .isEqualTo("hangup");

            // Their time out (8 s; the breaker then refuses the rest at once), each answer is refused by its id.
            for (int i = 1; i <= 3; i++) {
                String re = "a" + i;
                ServerMessage.Error e =
                        app.expect(ServerMessage.Error.class, x -> re.equals(x.re()), Duration.ofSeconds(12));
                assertThat(e.code()).isEqualTo("MEDIA_UNAVAILABLE");
            }
            System.out.printf(
                    "Slow bridge: chat reached the clerk after %d ms with 3 answers waiting on the bridge%n",
                    chatTook.toMillis());
        }
    }

    /** Threads anywhere in this JVM whose stack is inside a call to a media bridge. */
    private static List<String> threadsInMediaCalls() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> java.util.Arrays.stream(e.getValue())
                        .anyMatch(f -> f.getClassName().startsWith("cn.tongban.signaling.media.MediaControl")))
                .map(Map.Entry::getKey)
                .map(Thread::getName)
                .toList();
    }
}
