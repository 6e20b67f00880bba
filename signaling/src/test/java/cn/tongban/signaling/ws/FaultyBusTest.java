package cn.tongban.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import cn.tongban.signaling.protocol.ServerMessage;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages between nodes are delivered with acknowledgement: with the event bus between two nodes dropping
 * one in seven of the messages to connections and of their acknowledgements, and delaying the rest by up to
 * 300 ms (so that retries overtake originals), an applicant on one node and a clerk on the other still see
 * the pairing, every chat line once and in order, and the end of the session.
 */
@ExtendWith(VertxExtension.class)
class FaultyBusTest {
    private static final int LINES = 20;

    @Test
    void everyClientEndsInTheRightStateOverALossyBus(Vertx vertx, @TempDir Path a, @TempDir Path b, @TempDir Path db)
            throws Exception {
        try (TwoNodes nodes = TwoNodes.start("faulty", a, b, db)) {
            AtomicInteger dropped = new AtomicInteger();
            AtomicInteger delayed = new AtomicInteger();
            lossy(nodes.a.vertx(), new Random(1), dropped, delayed);
            lossy(nodes.b.vertx(), new Random(2), dropped, delayed);

            try (WsTestClient app = WsTestClient.connect(vertx, nodes.a.port());
                    WsTestClient clerk = TwoNodes.clerk(vertx, nodes.b, "wujin01", true)) {
                app.send("{\"type\":\"join\",\"matterId\":\"property-certificate\",\"hallId\":\"cz-wujin-bdc\","
                        + "\"name\":\"冯十二\",\"mobile\":\"13812345678\"}");
                String ticketId = app.expect(ServerMessage.Ticket.class).ticketId();
                clerk.send("{\"type\":\"take\",\"ticketId\":\"" + ticketId + "\"}");
                String sid = clerk.expect(ServerMessage.Paired.class).sessionId();
                // Sent from node B to the applicant's connection on node A.
                assertThat(app.expect(ServerMessage.Paired.class).sessionId()).isEqualTo(sid);

                for (int i = 0; i < LINES; i++) {
                    clerk.send(chat(sid, "办事员 " + i));
                    app.send(chat(sid, "申请人 " + i));
                }
                List<String> atApplicant = lines(app, "clerk");
                List<String> atClerk = lines(clerk, "applicant");
                assertThat(atApplicant).containsExactlyElementsOf(expected("办事员 "));
                assertThat(atClerk).containsExactlyElementsOf(expected("申请人 "));

                clerk.send("{\"type\":\"hangup\",\"sessionId\":\"" + sid + "\",\"outcome\":\"completed\"}");
                assertThat(app.expect(ServerMessage.Ended.class).reason()).isEqualTo("hangup");
                // Nothing more arrives twice: no second ended, no repeated line.
                app.barrier();
                assertThat(app.drain())
                        .noneMatch(m -> m instanceof ServerMessage.Ended)
                        .noneMatch(m -> m instanceof ServerMessage.Chat);
            }
            assertThat(dropped.get()).as("messages dropped by the bus").isGreaterThan(3);
            assertThat(delayed.get()).isGreaterThan(10);
        }
    }

    /**
     * Drops one in seven of the messages to connections and of the empty acknowledgements, delays the rest by
     * up to 300 ms. Media requests and Vert.x's own traffic pass untouched.
     */
    private static void lossy(Vertx node, Random random, AtomicInteger dropped, AtomicInteger delayed) {
        node.eventBus().addOutboundInterceptor((DeliveryContext<Object> ctx) -> {
            String address = ctx.message().address();
            boolean toConnection = address.startsWith("tongban.conn.")
                    && ctx.message().headers().contains(Connections.SEQ);
            boolean acknowledgement = "".equals(ctx.body()) && !address.startsWith("tongban.");
            if (!toConnection && !acknowledgement) {
                ctx.next();
                return;
            }
            int dice;
            synchronized (random) {
                dice = random.nextInt(350);
            }
            if (dice < 50) {
                dropped.incrementAndGet();
                return;
            }
            delayed.incrementAndGet();
            node.setTimer(1 + dice - 50, id -> ctx.next());
        });
    }

    private static String chat(String sid, String text) {
        return "{\"type\":\"chat\",\"sessionId\":\"" + sid + "\",\"text\":\"" + text + "\"}";
    }

    private static List<String> expected(String prefix) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < LINES; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    private static List<String> lines(WsTestClient c, String from) throws InterruptedException {
        List<String> out = new ArrayList<>();
        while (out.size() < LINES) {
            out.add(c.expect(ServerMessage.Chat.class, m -> m.from().equals(from))
                    .text());
        }
        return out;
    }
}
