package cn.tongban.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deployment's SMS endpoint for tests: a real HTTP server on a loopback socket that the server's generic
 * HTTP SMS gateway posts to. It keeps every message it accepted and answers HTTP 500 while {@link #down}.
 */
public final class SmsProvider implements AutoCloseable {
    private static final Pattern MOBILE = Pattern.compile("\"mobile\"\\s*:\\s*\"(\\d{11})\"");
    private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*\"(\\d{6})\"");

    /** One accepted message: the raw JSON body and its {@code Authorization} header. */
    public record Received(String body, String authorization) {
        public String mobile() {
            Matcher m = MOBILE.matcher(body);
            return m.find() ? m.group(1) : null;
        }

        public String code() {
            Matcher m = CODE.matcher(body);
            return m.find() ? m.group(1) : null;
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicBoolean down = new AtomicBoolean();

    public SmsProvider() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/sms", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (down.get()) {
                exchange.sendResponseHeaders(500, -1);
            } else {
                received.add(new Received(
                        new String(body, StandardCharsets.UTF_8),
                        exchange.getRequestHeaders().getFirst("authorization")));
                exchange.sendResponseHeaders(204, -1);
            }
            exchange.close();
        });
        server.start();
    }

    /** The endpoint to give the server ({@code --sms-gateway-url}). */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sms");
    }

    /** Makes the endpoint fail (HTTP 500) or work again. */
    public void down(boolean failing) {
        down.set(failing);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The last message accepted for {@code mobile}, waiting up to {@code timeout} for one. */
    public Received lastTo(String mobile, Duration timeout) {
        return Await.value("an SMS to " + mobile, timeout, () -> last(mobile), r -> r != null);
    }

    private Received last(String mobile) {
        for (int i = received.size() - 1; i >= 0; i--) {
            if (mobile.equals(received.get(i).mobile())) {
                return received.get(i);
            }
        }
        return null;
    }

    /** How many messages were accepted for {@code mobile}. */
    public long countTo(String mobile) {
        return received.stream().filter(r -> mobile.equals(r.mobile())).count();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
