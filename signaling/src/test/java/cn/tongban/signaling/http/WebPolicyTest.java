package cn.tongban.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WebPolicyTest {
    @Test
    void originsAreNormalized() {
        assertThat(WebPolicy.origin("HTTPS://Window.Example.gov.cn:443/path"))
                .isEqualTo("https://window.example.gov.cn");
        assertThat(WebPolicy.origin("http://127.0.0.1:8080")).isEqualTo("http://127.0.0.1:8080");
        assertThat(WebPolicy.origin("ws://h:80/ws?v=1")).isEqualTo("ws://h");
        assertThat(WebPolicy.origin("null")).isNull();
        assertThat(WebPolicy.origin("not a url")).isNull();
    }

    @Test
    void aMisconfiguredOriginIsRefusedAtStart() {
        assertThatThrownBy(() -> new WebPolicy("http://127.0.0.1:8080", List.of("window.example"), List::of))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pagesMayConnectToTheClustersNodesAndNothingElse() {
        AtomicReference<List<String>> servers = new AtomicReference<>(List.of("ws://10.0.0.1:8080/ws?v=1"));
        WebPolicy policy = new WebPolicy("https://window.example.gov.cn", List.of(), servers::get);
        String csp = policy.contentSecurityPolicy();
        assertThat(csp)
                .contains("connect-src 'self' ws://10.0.0.1:8080 http://10.0.0.1:8080 https://window.example.gov.cn"
                        + " wss://window.example.gov.cn;")
                .contains("script-src 'self';")
                .doesNotContain("unsafe");
        // A node joins: the next page gets it.
        servers.set(List.of("ws://10.0.0.1:8080/ws?v=1", "wss://b.example/ws?v=1"));
        assertThat(policy.contentSecurityPolicy()).contains("wss://b.example https://b.example");
    }

    @Test
    void aNodeOnceSeenInTheClusterStaysTrustedAfterItLeft() {
        AtomicReference<List<String>> servers =
                new AtomicReference<>(List.of("ws://10.0.0.1:8080/ws?v=1", "ws://10.0.0.2:8080/ws?v=1"));
        WebPolicy policy = new WebPolicy("http://10.0.0.1:8080", List.of(), servers::get);
        policy.learn(servers.get());
        // Node 2 dies; its pages fail over here, and must be let in.
        servers.set(List.of("ws://10.0.0.1:8080/ws?v=1"));
        assertThat(policy.contentSecurityPolicy()).doesNotContain("10.0.0.2");
        assertThat(policy.isNodeOrigin("http://10.0.0.2:8080")).isTrue();
        assertThat(policy.isNodeOrigin("http://10.0.0.3:8080")).isFalse();
    }
}
