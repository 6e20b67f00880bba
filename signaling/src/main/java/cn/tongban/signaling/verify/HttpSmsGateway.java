package cn.tongban.signaling.verify;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A generic SMS gateway: each message is one {@code POST} of JSON to the deployment's SMS endpoint,
 *
 * <pre>
 *   {"mobile": "13812345678", "text": "【通办窗口】验证码 123456，5 分钟内有效。…",
 *    "template": "tongban-verification", "params": {"code": "123456", "minutes": 5}}
 * </pre>
 *
 * with {@code Authorization: Bearer <token>} when a token is configured. Any 2xx answer means accepted;
 * anything else, or no answer within the timeout, is a failure and the applicant is told to try again. A
 * hall puts its SMS provider's API (with its signature and template ids) behind this endpoint; {@code text}
 * suits providers that send free text, {@code template} and {@code params} those that need a template.
 */
public final class HttpSmsGateway implements SmsGateway {
    static final String TEMPLATE = "tongban-verification";

    private final URI endpoint;
    private final String bearerToken;
    private final Duration timeout;
    private final HttpClient http;

    public HttpSmsGateway(URI endpoint, String bearerToken, Duration timeout) {
        String scheme = endpoint.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            throw new IllegalArgumentException("the SMS gateway URL must be http or https: " + endpoint);
        }
        this.endpoint = endpoint;
        this.bearerToken = bearerToken == null || bearerToken.isBlank() ? null : bearerToken.strip();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public void send(Message message) throws SmsException {
        String body = new JsonObject()
                .put("mobile", message.mobile())
                .put("text", message.text())
                .put("template", TEMPLATE)
                .put("params", new JsonObject().put("code", message.code()).put("minutes", message.validMinutes()))
                .encode();
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("content-type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearerToken != null) {
            request.header("authorization", "Bearer " + bearerToken);
        }
        HttpResponse<Void> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new SmsException(
                    "the SMS gateway cannot be reached: " + e.getClass().getSimpleName(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SmsException("interrupted while sending an SMS", e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new SmsException("the SMS gateway answered HTTP " + response.statusCode());
        }
    }

    @Override
    public String describe() {
        return "HTTP gateway " + endpoint.getScheme() + "://" + endpoint.getHost()
                + (endpoint.getPort() > 0 ? ":" + endpoint.getPort() : "")
                + (bearerToken != null ? " (with a bearer token)" : "");
    }
}
