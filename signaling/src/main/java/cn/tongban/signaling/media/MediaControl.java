package cn.tongban.signaling.media;

import cn.tongban.signaling.protocol.ErrorCode;
import cn.tongban.signaling.protocol.ProtocolException;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the {@link MediaNode} that carries a session, wherever it runs, over the event bus. The same path
 * serves the local node, so a single-node server exercises exactly what a cluster does.
 */
final class MediaControl {
    private static final Logger LOG = LoggerFactory.getLogger(MediaControl.class);
    private static final long TIMEOUT_MS = 15_000;
    /** Stopping a recording waits for ffmpeg to finish every file. */
    static final long CLOSE_TIMEOUT_MS = 120_000;

    private final Vertx vertx;

    MediaControl(Vertx vertx) {
        this.vertx = vertx;
    }

    /** A blocking request (run on a worker thread). Failures arrive as {@link ProtocolException}s. */
    JsonObject call(String node, JsonObject request) {
        try {
            return vertx.eventBus()
                    .<JsonObject>request(node, request, new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
                    .map(io.vertx.core.eventbus.Message::body)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.INTERNAL, "interrupted");
        } catch (ExecutionException e) {
            throw failure(request, e.getCause());
        } catch (TimeoutException e) {
            throw failure(request, e);
        }
    }

    /** A request whose answer nobody waits for; failures are logged. */
    void fire(String node, JsonObject request) {
        vertx.eventBus()
                .request(node, request, new DeliveryOptions().setSendTimeout(CLOSE_TIMEOUT_MS))
                .onFailure(t -> LOG.warn(
                        "Media request {} for {} failed: {}",
                        request.getString("op"),
                        request.getString("sessionId"),
                        failure(request, t).getMessage()));
    }

    private static ProtocolException failure(JsonObject request, Throwable t) {
        if (t instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
            return MediaNode.decodeFailure(re.getMessage());
        }
        LOG.warn("Media bridge unreachable for {}: {}", request.getString("op"), String.valueOf(t));
        return new ProtocolException(ErrorCode.MEDIA_UNAVAILABLE, "the media bridge of this session is unreachable");
    }
}
