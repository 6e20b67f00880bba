package cn.tongban.signaling.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Calls to bridges on other nodes never hold a thread for long: a departed node's bridge is not called, a
 * bridge that stops answering is cut off by its circuit breaker after two timeouts, and an error the bridge
 * answers with is an answer, not a reason to cut it off. Real Vert.x event bus, local.
 */
class MediaControlTest {
    private final Vertx vertx = Vertx.vertx();
    private final Set<String> live = ConcurrentHashMap.newKeySet();

    @AfterEach
    void close() {
        vertx.close().await();
    }

    @Test
    void addressesNameTheirNode() {
        assertThat(MediaControl.tagOf(MediaControl.address("a1b2", "u-1"))).isEqualTo("a1b2");
        // Addresses of builds before tags: no node known, always called.
        assertThat(MediaControl.tagOf("tongban.media.6f1c2d9e-0000-4000-8000-000000000000"))
                .isNull();
        assertThat(MediaControl.tagOf("elsewhere")).isNull();
    }

    @Test
    void aBridgeOfANodeThatLeftIsNeverCalled() {
        String address = MediaControl.address("gone", "x");
        AtomicInteger received = new AtomicInteger();
        vertx.eventBus()
                .<JsonObject>consumer(address, m -> {
                    received.incrementAndGet();
                    m.reply(new JsonObject());
                })
                .completion()
                .await();
        live.add("gone");
        MediaControl control = new MediaControl(vertx, () -> live, 2_000, Duration.ofSeconds(10));
        assertThat(control.call(address, request())).isEqualTo(new JsonObject());

        live.remove("gone");
        long start = System.nanoTime();
        assertThatThrownBy(() -> control.call(address, request()))
                .isInstanceOf(ProtocolException.class)
                .extracting(e -> ((ProtocolException) e).code())
                .isEqualTo(ErrorCode.MEDIA_UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(received).hasValue(1);
    }

    @Test
    void aBridgeThatStopsAnsweringIsCutOffAfterTwoTimeoutsAndTriedAgainLater() throws Exception {
        String address = MediaControl.address("frozen", "x");
        live.add("frozen");
        AtomicInteger received = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean answering = new java.util.concurrent.atomic.AtomicBoolean();
        vertx.eventBus()
                .<JsonObject>consumer(address, m -> {
                    received.incrementAndGet();
                    if (answering.get()) {
                        m.reply(new JsonObject().put("ok", true));
                    }
                })
                .completion()
                .await();
        MediaControl control = new MediaControl(vertx, () -> live, 300, Duration.ofSeconds(2));

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> control.call(address, request()))
                    .extracting(e -> ((ProtocolException) e).code())
                    .isEqualTo(ErrorCode.MEDIA_UNAVAILABLE);
        }
        // Open: the next ones fail at once and never reach the bridge.
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> control.call(address, request()))
                    .extracting(e -> ((ProtocolException) e).code())
                    .isEqualTo(ErrorCode.MEDIA_UNAVAILABLE);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(250));
        assertThat(received).hasValue(2);

        // The node recovers; after the open period one request is let through, and its success closes it.
        answering.set(true);
        Thread.sleep(2_200);
        assertThat(control.call(address, request()).getBoolean("ok")).isTrue();
        assertThat(control.call(address, request()).getBoolean("ok")).isTrue();
        assertThat(received).hasValue(4);
    }

    @Test
    void errorsTheBridgeAnswersWithDoNotCutItOff() {
        String address = MediaControl.address("busy", "x");
        live.add("busy");
        AtomicInteger received = new AtomicInteger();
        vertx.eventBus()
                .<JsonObject>consumer(address, m -> {
                    received.incrementAndGet();
                    m.fail(1, MediaNode.encodeFailure(new ProtocolException(ErrorCode.SESSION_FULL, "full")));
                })
                .completion()
                .await();
        MediaControl control = new MediaControl(vertx, () -> live, 2_000, Duration.ofSeconds(10));
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> control.call(address, request()))
                    .extracting(e -> ((ProtocolException) e).code())
                    .isEqualTo(ErrorCode.SESSION_FULL);
        }
        assertThat(received).hasValue(5);
    }

    private static JsonObject request() {
        return new JsonObject().put("op", "remove").put("sessionId", "s-1").put("participantId", "p-1");
    }
}
