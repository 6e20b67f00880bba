package cn.tongban.signaling.media;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the {@link MediaNode} that carries a session, wherever it runs, over the event bus. The same path
 * serves the local node, so a single-node server exercises exactly what a cluster does.
 *
 * <p>A bridge on another node must never hold this node's threads for long:
 *
 * <ul>
 *   <li>a bridge whose node has left the cluster is not called at all ({@code MEDIA_UNAVAILABLE} at once);
 *       bridge addresses carry their node's tag ({@link #address});
 *   <li>every request has a short timeout ({@link #TIMEOUT_MS} in production);
 *   <li>each bridge has a circuit breaker: after two requests in a row that the bridge did not answer (timed
 *       out, nobody listening), requests to it fail at once for {@link #OPEN_FOR} before one is let through
 *       to try again. A frozen node that the cluster has not yet removed (up to 10 s without heartbeats)
 *       therefore costs two timeouts, not one per session that touches it. Errors the bridge itself
 *       answers with (a wrong state, a full session) are answers, not failures of the node.
 * </ul>
 */
final class MediaControl {
    private static final Logger LOG = LoggerFactory.getLogger(MediaControl.class);
    private static final String PREFIX = "tongban.media.";
    static final long TIMEOUT_MS = 8_000;
    /** Stopping a recording waits for ffmpeg to finish every file. */
    static final long CLOSE_TIMEOUT_MS = 120_000;

    static final Duration OPEN_FOR = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final Supplier<Set<String>> liveTags;
    private final long timeoutMs;
    private final CircuitBreakerRegistry breakers;

    /**
     * @param liveTags the tags of the nodes in the cluster now (a bridge of another node is called only while
     *     its node is among them)
     */
    MediaControl(Vertx vertx, Supplier<Set<String>> liveTags) {
        this(vertx, liveTags, TIMEOUT_MS, OPEN_FOR);
    }

    MediaControl(Vertx vertx, Supplier<Set<String>> liveTags, long timeoutMs, Duration openFor) {
        this.vertx = vertx;
        this.liveTags = liveTags;
        this.timeoutMs = timeoutMs;
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(2)
                .minimumNumberOfCalls(2)
                .failureRateThreshold(100)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(MediaControl::nodeFailure)
                .build());
    }

    /** The event-bus address of a bridge on the node tagged {@code tag}. */
    static String address(String tag, String unique) {
        return PREFIX + tag + "." + unique;
    }

    /** The node tag in a bridge address, or null for an address of a build before tags. */
    static String tagOf(String address) {
        if (address == null || !address.startsWith(PREFIX)) {
            return null;
        }
        int dot = address.indexOf('.', PREFIX.length());
        return dot < 0 ? null : address.substring(PREFIX.length(), dot);
    }

    /** A request; failures arrive as {@link ProtocolException}s. Does not block. */
    Future<JsonObject> request(String node, JsonObject request) {
        return request(node, request, timeoutMs, true);
    }

    /** A blocking request (run on a worker thread); waits at most the request's timeout. */
    JsonObject call(String node, JsonObject request) {
        try {
            return request(node, request)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(timeoutMs + 2_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.INTERNAL, "interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof ProtocolException pe ? pe : failure(request, e.getCause());
        } catch (TimeoutException e) {
            throw failure(request, e);
        }
    }

    /**
     * A request whose answer nobody waits for; failures are logged. Not counted by the breaker: closing a
     * recorded session waits for ffmpeg, and such a long call must not hold the one trial an open breaker
     * lets through.
     */
    void fire(String node, JsonObject request) {
        request(node, request, CLOSE_TIMEOUT_MS, false)
                .onFailure(t -> LOG.warn(
                        "Media request {} for {} failed: {}",
                        request.getString("op"),
                        request.getString("sessionId"),
                        t.getMessage()));
    }

    private Future<JsonObject> request(String node, JsonObject request, long timeoutMs, boolean guarded) {
        String tag = tagOf(node);
        if (tag != null && !liveTags.get().contains(tag)) {
            return Future.failedFuture(unavailable("the media bridge's node has left the cluster"));
        }
        if (!guarded) {
            return vertx.eventBus()
                    .<JsonObject>request(node, request, new DeliveryOptions().setSendTimeout(timeoutMs))
                    .map(io.vertx.core.eventbus.Message::body)
                    .recover(t -> Future.failedFuture(failure(request, t)));
        }
        CircuitBreaker breaker = breakers.circuitBreaker(node);
        if (!breaker.tryAcquirePermission()) {
            return Future.failedFuture(unavailable("the media bridge of this session is not answering"));
        }
        long start = System.nanoTime();
        return vertx.eventBus()
                .<JsonObject>request(node, request, new DeliveryOptions().setSendTimeout(timeoutMs))
                .map(io.vertx.core.eventbus.Message::body)
                .transform(ar -> {
                    long took = System.nanoTime() - start;
                    if (ar.succeeded()) {
                        breaker.onSuccess(took, TimeUnit.NANOSECONDS);
                        return Future.succeededFuture(ar.result());
                    }
                    breaker.onError(took, TimeUnit.NANOSECONDS, ar.cause());
                    return Future.failedFuture(failure(request, ar.cause()));
                });
    }

    /** Whether a failure says the bridge's node did not answer (rather than the bridge answering with an error). */
    private static boolean nodeFailure(Throwable t) {
        return !(t instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE);
    }

    private static ProtocolException failure(JsonObject request, Throwable t) {
        if (t instanceof ProtocolException pe) {
            return pe;
        }
        if (t instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
            return MediaNode.decodeFailure(re.getMessage());
        }
        LOG.warn("Media bridge unreachable for {}: {}", request.getString("op"), String.valueOf(t));
        return unavailable("the media bridge of this session is unreachable");
    }

    private static ProtocolException unavailable(String why) {
        return new ProtocolException(ErrorCode.MEDIA_UNAVAILABLE, why);
    }
}
